"""Syndication out: Atom and RSS feeds of public items."""

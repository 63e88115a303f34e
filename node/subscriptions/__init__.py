"""Subscriptions in: external Atom/RSS feeds whose entries the node publishes as guidance with their source."""

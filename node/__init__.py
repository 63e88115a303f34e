"""The Vidensnet node: its core, items, privacy rules, accounts, web interface, syndication and subscriptions.

The packages form layers (docs/architecture.md, enforced by import-linter): entry
points (`cli`, `serving`, `process`, `housekeeping`, `web.app` and its views) may
import anything below them; `federation`, `search`, `syndication` and
`subscriptions` are features that never import each other; `items`, then
`privacy` and `accounts`, then `core` lie beneath them all.
"""

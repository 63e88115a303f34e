"""The audit log (logbog): who viewed, listed, searched or exported restricted items, and administrative acts.

Below the item layer, beside accounts and privacy, so that items, federation, search, syndication and the
web views may all record into it (docs/audit-log.md).
"""

"""Items: the item format, the write path (publishing, replicas, import/export), queries and who may read what.

The write path tells other packages about changes only through the item sinks passed in (`sinks.py`).
"""

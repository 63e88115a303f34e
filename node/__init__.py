"""The Vidensnet node: the Flask app, its data model, publishing and the web UI.

`federation` and `search` may import from here; this package reaches them only
through small, named entry points.
"""

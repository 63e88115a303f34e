"""The node's blueprints: public pages, the editor, login, admin and the JSON API."""

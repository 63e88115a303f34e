"""The shapes of ids: a node id, and the local part of an item id (`<node-id>:<local-id>`)."""

from __future__ import annotations

import re

NODE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
LOCAL_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")

"""Reading one VIDENSNET_ variable: whole numbers, flags, web addresses and lists, each refused with its name."""

from __future__ import annotations

import os
import re


class ConfigError(ValueError):
    """A node configuration that cannot be used, with a message for the operator."""


def int_env(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name}={raw!r}: must be a whole number of at least {minimum}")
    return int(raw)


def flag_env(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or ("true" if default else "false")).strip().lower()
    if raw not in ("true", "false"):
        raise ConfigError(f"{name}={raw!r}: must be true or false")
    return raw == "true"


def web_address_env(name: str) -> str:
    raw = (os.environ.get(name) or "").strip()
    if raw and not re.fullmatch(r"https?://\S+", raw):
        raise ConfigError(f"{name}={raw!r}: must be an address starting with https:// or http://")
    return raw


def list_env(name: str, default: str) -> tuple[str, ...]:
    raw = os.environ.get(name)
    return tuple(part.strip() for part in (default if raw is None else raw).split(",") if part.strip())



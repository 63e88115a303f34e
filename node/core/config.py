"""Node configuration: the node's own `node.json` plus `VIDENSNET_*` environment variables."""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from node.core.geography import municipalities, police_districts
from node.core.ids import NODE_ID
from node.core.private_files import private_dir, write_private_text

NODE_KINDS = ("municipality", "police", "national")
CONFIG_FILE = "node.json"
# Counts in bulletin observations below this are never shown exactly ("under 5").
DEFAULT_THRESHOLD = 5
BULLETIN_DEFAULT_LIFETIME_DAYS = 90


class ConfigError(ValueError):
    """A node configuration that cannot be used, with a message for the operator."""


@dataclass(frozen=True)
class LocalRules:
    """This node's own rules for what its users and administrator write (never applied to peers' items)."""

    home_district: str | None = None  # the node's police district: a bulletin's default audience
    small_count_threshold: int = DEFAULT_THRESHOLD
    bulletin_max_days: int = 180

    @property
    def bulletin_lifetime_days(self) -> int:
        """How long a bulletin without an expiry date lives: 90 days, or less if the maximum is shorter."""
        return min(BULLETIN_DEFAULT_LIFETIME_DAYS, self.bulletin_max_days)


@dataclass(frozen=True)
class NodeSettings:
    """What `vidensnet init` writes to `node.json`."""

    id: str
    name: str
    kind: str
    url: str
    municipality: str | None = None
    district: str | None = None
    secret_key: str = ""


@dataclass(frozen=True)
class SearchSettings:
    """Where search runs: an external Meilisearch (url and key), or the binary for a managed one."""

    meilisearch_url: str = ""
    meilisearch_key: str = ""
    meilisearch_bin: str = ""  # empty: `meilisearch` on PATH, else the project's copy


@dataclass(frozen=True)
class PeerLimits:
    """How much one call to a peer, and one pull from it, may cost (docs/federation-protocol.md §19)."""

    deadline_seconds: int = 120  # one HTTP exchange, from connecting to the last byte of the answer
    max_answer_bytes: int = 128 * 1024 * 1024  # one answer's body, counted after decompression
    max_pages_per_pull: int = 2000  # pages of the changes feed (500 entries each) in one pull


@dataclass(frozen=True)
class NodeConfig:
    """Everything a running node needs to know, resolved once at start."""

    home: Path
    node: NodeSettings
    database_url: str
    page_size: int
    pull_interval_seconds: int = 30
    tombstone_days: int = 180
    housekeeping_seconds: int = 60
    small_count_threshold: int = DEFAULT_THRESHOLD
    bulletin_max_days: int = 180
    feed_refresh_seconds: int = 900
    # How long a key a peer rotated away from still verifies its envelopes (docs/federation-protocol.md §15).
    key_grace_days: int = 30
    trust_anchors: str = ""  # VIDENSNET_TRUST_ANCHORS as written: id=publickey,... (federation parses it)
    search: SearchSettings = SearchSettings()
    peer_limits: PeerLimits = PeerLimits()

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    def local_rules(self) -> LocalRules:
        """The rules for content written on this node: home district, small counts, bulletin expiry."""
        municipality = municipalities().get(self.node.municipality or "")
        home_district = self.node.district or (municipality.police_district if municipality else None)
        return LocalRules(home_district, self.small_count_threshold, self.bulletin_max_days)


def default_home() -> Path:
    """The data directory from VIDENSNET_HOME, else ./var/node."""
    return Path(os.environ.get("VIDENSNET_HOME", "var/node")).resolve()


def slugify(text: str) -> str:
    """A lowercase a-z0-9 slug; Danish letters are spelled out (æ→ae, ø→oe, å→aa)."""
    text = text.lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def validate_settings(s: NodeSettings) -> None:
    """Refuse unknown kinds, codes and districts with a message naming the option."""
    if not NODE_ID.fullmatch(s.id):
        raise ConfigError(f"--id {s.id!r}: use 1-64 characters a-z, 0-9 and '-'")
    if s.kind not in NODE_KINDS:
        raise ConfigError(f"--kind {s.kind!r}: must be one of {', '.join(NODE_KINDS)}")
    if not re.match(r"https?://[^\s/]+", s.url):
        raise ConfigError(f"--url {s.url!r}: must be an http(s) URL")
    if s.municipality is not None and s.municipality not in municipalities():
        raise ConfigError(f"--municipality {s.municipality!r}: unknown municipality code (see municipalities.csv)")
    if s.district is not None and s.district not in police_districts():
        raise ConfigError(
            f"--district {s.district!r}: unknown police district; one of: " + "; ".join(police_districts())
        )
    if s.kind == "municipality" and s.municipality is None:
        raise ConfigError("--municipality is required for a municipality node")
    if s.kind == "police" and s.district is None:
        raise ConfigError("--district is required for a police node")


def write_settings(home: Path, settings: NodeSettings) -> Path:
    """Create the data directory (with room for keys) and write node.json."""
    validate_settings(settings)
    path = home / CONFIG_FILE
    if path.exists():
        raise ConfigError(f"{path} exists already: this directory holds a node")
    private_dir(home)
    private_dir(home / "keys")
    if not settings.secret_key:
        settings = NodeSettings(**{**asdict(settings), "secret_key": secrets.token_urlsafe(32)})
    write_private_text(path, json.dumps(asdict(settings), ensure_ascii=False, indent=2) + "\n")
    return path


def load_config(home: Path | None = None) -> NodeConfig:
    """Read node.json from the data directory and apply environment overrides."""
    home = (home or default_home()).resolve()
    path = home / CONFIG_FILE
    if not path.exists():
        raise ConfigError(f"no node in {home}: run 'vidensnet init' first (or set --home / VIDENSNET_HOME)")
    settings = NodeSettings(**json.loads(path.read_text(encoding="utf-8")))
    if os.environ.get("VIDENSNET_SECRET_KEY"):
        settings = NodeSettings(**{**asdict(settings), "secret_key": os.environ["VIDENSNET_SECRET_KEY"]})
    database_url = os.environ.get("VIDENSNET_DATABASE_URL") or f"sqlite:///{home / 'vidensnet.db'}"
    return NodeConfig(
        home=home,
        node=settings,
        database_url=database_url,
        page_size=_int_env("VIDENSNET_PAGE_SIZE", 20),
        pull_interval_seconds=_int_env("VIDENSNET_PULL_SECONDS", 30),
        tombstone_days=_int_env("VIDENSNET_TOMBSTONE_DAYS", 180),
        housekeeping_seconds=_int_env("VIDENSNET_HOUSEKEEPING_SECONDS", 60),
        # Danmarks Statistik's own minimum is 3; many publishers use 5.
        small_count_threshold=_int_env("VIDENSNET_SMALL_COUNT_THRESHOLD", DEFAULT_THRESHOLD, minimum=2),
        bulletin_max_days=_int_env("VIDENSNET_BULLETIN_MAX_DAYS", 180),
        feed_refresh_seconds=_int_env("VIDENSNET_FEED_REFRESH_SECONDS", 900),
        key_grace_days=_int_env("VIDENSNET_KEY_GRACE_DAYS", 30, minimum=0),
        trust_anchors=os.environ.get("VIDENSNET_TRUST_ANCHORS", ""),
        search=load_search_settings(),
        peer_limits=PeerLimits(
            deadline_seconds=_int_env("VIDENSNET_PEER_DEADLINE_SECONDS", PeerLimits.deadline_seconds),
            max_answer_bytes=_int_env("VIDENSNET_PEER_MAX_MB", PeerLimits.max_answer_bytes // 2**20) * 2**20,
            max_pages_per_pull=_int_env("VIDENSNET_PULL_MAX_PAGES", PeerLimits.max_pages_per_pull),
        ),
    )


def load_search_settings() -> SearchSettings:
    """The VIDENSNET_MEILISEARCH_* variables (also for tools that run without a node's data directory)."""
    return SearchSettings(
        meilisearch_url=os.environ.get("VIDENSNET_MEILISEARCH_URL", ""),
        meilisearch_key=os.environ.get("VIDENSNET_MEILISEARCH_KEY", ""),
        meilisearch_bin=os.environ.get("VIDENSNET_MEILISEARCH_BIN", ""),
    )


def _int_env(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name}={raw!r}: must be a whole number of at least {minimum}")
    return int(raw)

"""Node configuration: the node's own `node.json` plus `VIDENSNET_*` environment variables.

Every setting is read here, in this package: the login settings in `accounts`, the readers of one variable in
`environment`; both are re-exported, so `from node.core.config import ...` is the one way in.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from node.core.config.accounts import (
    AccountRules,
    OrganisationLogin,
    load_account_rules,
    load_organisation_login,
)
from node.core.config.environment import ConfigError, flag_env, int_env, list_env, web_address_env
from node.core.geography import municipalities, police_districts
from node.core.ids import NODE_ID
from node.core.private_files import private_dir, write_private_text

NODE_KINDS = ("municipality", "police", "national")
CONFIG_FILE = "node.json"
# Counts in bulletin observations below this are never shown exactly ("under 5").
DEFAULT_THRESHOLD = 5
BULLETIN_DEFAULT_LIFETIME_DAYS = 90


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


# Meilisearch's index uid characters; "--" is left out because the node's reindex index is its name plus
# "--reindex" (search.settings.reindex_uid), so no node's index can be, or be shadowed by, another's twin.
MEILISEARCH_INDEX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
DEFAULT_MEILISEARCH_INDEX = "vidensnet_items"


@dataclass(frozen=True)
class SearchSettings:
    """Where search runs (an external Meilisearch and its key or master key, or the binary for a managed one).

    The keys are left out of repr, so that logging the settings never shows them.
    """

    meilisearch_url: str = ""
    meilisearch_key: str = field(default="", repr=False)  # a key made for this node, used as is
    meilisearch_bin: str = ""  # empty: `meilisearch` on PATH, else the project's copy
    meilisearch_master_key: str = field(default="", repr=False)  # only to make the node's scoped key
    meilisearch_index: str = DEFAULT_MEILISEARCH_INDEX


@dataclass(frozen=True)
class PeerLimits:
    """How much one call to a peer, and one pull from it, may cost (docs/federation-protocol.md §19)."""

    deadline_seconds: int = 120  # one HTTP exchange, from connecting to the last byte of the answer
    max_answer_bytes: int = 128 * 1024 * 1024  # one answer's body, counted after decompression
    max_pages_per_pull: int = 2000  # pages of the changes feed (500 entries each) in one pull


@dataclass(frozen=True)
class FeedLimits:
    """How often external feeds are fetched, what one fetch may cost, and which internal hosts are allowed."""

    refresh_seconds: int = 900
    deadline_seconds: int = 20  # one whole fetch: every redirect hop, from resolving to the body's last byte
    max_bytes: int = 2 * 1024 * 1024  # the body, counted after decompression
    max_entries: int = 100  # entries taken from one fetch; the rest are counted as over the limit
    # Lowercase "host" (any port) or "host:port" the administrator allows although they are internal.
    allowed_hosts: tuple[str, ...] = ()


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
    feeds: FeedLimits = FeedLimits()
    # How long a key a peer rotated away from still verifies its envelopes (docs/federation-protocol.md §15).
    key_grace_days: int = 30
    # How long the audit log keeps an event (docs/audit-log.md); housekeeping prunes older ones.
    audit_retention_days: int = 730
    trust_anchors: str = ""  # VIDENSNET_TRUST_ANCHORS as written: id=publickey,... (federation parses it)
    search: SearchSettings = SearchSettings()
    peer_limits: PeerLimits = PeerLimits()
    accounts: AccountRules = AccountRules()
    login: OrganisationLogin = OrganisationLogin()
    # How many proxies in front append to X-Forwarded-*; 0 trusts no forwarded header (docs/operations.md).
    trusted_proxies: int = 0
    # Who may read /metrics: these addresses, or a caller with this bearer token (empty: none).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    metrics_token: str = ""
    # The background worker's lease (docs/operations.md, web and worker processes): renewed every third of it;
    # a standby takes over within two periods after the worker holding it died.
    worker_lease_seconds: int = 15
    public_network_page: bool = False  # /netvaerk: a public summary of the federation as this node knows it
    # The node's accessibility statement (webtilgængelighedsloven); empty: the node's own page says where to set it.
    accessibility_statement_url: str = ""

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


def database_url_for(home: Path) -> str:
    """The database a node in `home` uses: VIDENSNET_DATABASE_URL, or the SQLite file in the home."""
    return os.environ.get("VIDENSNET_DATABASE_URL") or f"sqlite:///{home / 'vidensnet.db'}"


def load_config(home: Path | None = None) -> NodeConfig:
    """Read node.json from the data directory and apply environment overrides."""
    home = (home or default_home()).resolve()
    path = home / CONFIG_FILE
    if not path.exists():
        raise ConfigError(f"no node in {home}: run 'vidensnet init' first (or set --home / VIDENSNET_HOME)")
    settings = NodeSettings(**json.loads(path.read_text(encoding="utf-8")))
    if os.environ.get("VIDENSNET_SECRET_KEY"):
        settings = NodeSettings(**{**asdict(settings), "secret_key": os.environ["VIDENSNET_SECRET_KEY"]})
    database_url = database_url_for(home)
    return NodeConfig(
        home=home,
        node=settings,
        database_url=database_url,
        page_size=int_env("VIDENSNET_PAGE_SIZE", 20),
        pull_interval_seconds=int_env("VIDENSNET_PULL_SECONDS", 30),
        tombstone_days=int_env("VIDENSNET_TOMBSTONE_DAYS", 180),
        housekeeping_seconds=int_env("VIDENSNET_HOUSEKEEPING_SECONDS", 60),
        # Danmarks Statistik's own minimum is 3; many publishers use 5.
        small_count_threshold=int_env("VIDENSNET_SMALL_COUNT_THRESHOLD", DEFAULT_THRESHOLD, minimum=2),
        bulletin_max_days=int_env("VIDENSNET_BULLETIN_MAX_DAYS", 180),
        feeds=load_feed_limits(),
        key_grace_days=int_env("VIDENSNET_KEY_GRACE_DAYS", 30, minimum=0),
        audit_retention_days=int_env("VIDENSNET_AUDIT_RETENTION_DAYS", 730),
        trust_anchors=os.environ.get("VIDENSNET_TRUST_ANCHORS", ""),
        search=load_search_settings(),
        peer_limits=PeerLimits(
            deadline_seconds=int_env("VIDENSNET_PEER_DEADLINE_SECONDS", PeerLimits.deadline_seconds),
            max_answer_bytes=int_env("VIDENSNET_PEER_MAX_MB", PeerLimits.max_answer_bytes // 2**20) * 2**20,
            max_pages_per_pull=int_env("VIDENSNET_PULL_MAX_PAGES", PeerLimits.max_pages_per_pull),
        ),
        accounts=load_account_rules(),
        login=load_organisation_login(),
        trusted_proxies=int_env("VIDENSNET_TRUSTED_PROXIES", 0, minimum=0),
        metrics_allow=list_env("VIDENSNET_METRICS_ALLOW", "127.0.0.1,::1"),
        metrics_token=os.environ.get("VIDENSNET_METRICS_TOKEN", ""),
        worker_lease_seconds=int_env("VIDENSNET_WORKER_LEASE_SECONDS", 15),
        public_network_page=flag_env("VIDENSNET_PUBLIC_NETWORK_PAGE", False),
        accessibility_statement_url=web_address_env("VIDENSNET_ACCESSIBILITY_STATEMENT_URL"),
    )


def load_feed_limits() -> FeedLimits:
    """The VIDENSNET_FEED_* variables: refresh interval, deadline, caps and the allow-list of internal hosts."""
    allowed = os.environ.get("VIDENSNET_FEED_ALLOWED_HOSTS", "")
    return FeedLimits(
        refresh_seconds=int_env("VIDENSNET_FEED_REFRESH_SECONDS", FeedLimits.refresh_seconds),
        deadline_seconds=int_env("VIDENSNET_FEED_DEADLINE_SECONDS", FeedLimits.deadline_seconds),
        max_bytes=int_env("VIDENSNET_FEED_MAX_MB", FeedLimits.max_bytes // 2**20) * 2**20,
        max_entries=int_env("VIDENSNET_FEED_MAX_ENTRIES", FeedLimits.max_entries),
        allowed_hosts=tuple(h.strip().lower().rstrip(".") for h in allowed.split(",") if h.strip()),
    )


def load_search_settings() -> SearchSettings:
    """The VIDENSNET_MEILISEARCH_* variables (also for tools that run without a node's data directory)."""
    env = os.environ.get
    settings = SearchSettings(
        meilisearch_url=env("VIDENSNET_MEILISEARCH_URL", ""),
        meilisearch_key=env("VIDENSNET_MEILISEARCH_KEY", ""),
        meilisearch_bin=env("VIDENSNET_MEILISEARCH_BIN", ""),
        meilisearch_master_key=env("VIDENSNET_MEILISEARCH_MASTER_KEY", ""),
        meilisearch_index=env("VIDENSNET_MEILISEARCH_INDEX", "") or DEFAULT_MEILISEARCH_INDEX,
    )
    _check_search_settings(settings)
    return settings


def _check_search_settings(s: SearchSettings) -> None:
    # The messages name the variables, never their values: two of them are keys.
    if not MEILISEARCH_INDEX.fullmatch(s.meilisearch_index) or "--" in s.meilisearch_index:
        raise ConfigError(f"VIDENSNET_MEILISEARCH_INDEX={s.meilisearch_index!r}: must be 1-100 characters a-z, A-Z, "
                          "0-9, '-' and '_', starting with a letter or digit, without '--' (kept for reindexing)")
    if s.meilisearch_key and s.meilisearch_master_key:
        raise ConfigError("VIDENSNET_MEILISEARCH_KEY and VIDENSNET_MEILISEARCH_MASTER_KEY are both set: set only "
                          "one, the node's own key or the master key it makes its key with")
    if s.meilisearch_url and not (s.meilisearch_key or s.meilisearch_master_key):
        raise ConfigError("VIDENSNET_MEILISEARCH_URL is set without a key: set VIDENSNET_MEILISEARCH_KEY (a key "
                          "made for this node) or VIDENSNET_MEILISEARCH_MASTER_KEY (the node makes its own key)")
    if not s.meilisearch_url and (s.meilisearch_key or s.meilisearch_master_key):
        variable = "VIDENSNET_MEILISEARCH_KEY" if s.meilisearch_key else "VIDENSNET_MEILISEARCH_MASTER_KEY"
        raise ConfigError(f"{variable} is set without VIDENSNET_MEILISEARCH_URL: the key is for an external "
                          "Meilisearch; the node's own Meilisearch keeps its master key in the data directory")


# prometheus_client's own variable: where the web processes of `vidensnet serve` share their request metrics.
PROMETHEUS_MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def metrics_multiprocess_dir() -> Path | None:
    """The directory the web processes share their metrics in (set by `vidensnet serve`); None: one process."""
    raw = os.environ.get(PROMETHEUS_MULTIPROC_VARIABLE)
    return Path(raw) if raw else None


def log_format() -> str:
    """VIDENSNET_LOG_FORMAT: 'text' (the default) or 'json'."""
    value = (os.environ.get("VIDENSNET_LOG_FORMAT") or "text").strip().lower()
    if value not in ("text", "json"):
        raise ConfigError(f"VIDENSNET_LOG_FORMAT={value!r}: must be text or json")
    return value

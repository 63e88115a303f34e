"""The item format's validation: untrusted JSON in, `ItemContent` out.

Pure functions only: `validate_item` turns untrusted JSON into `ItemContent`
or raises `ItemInvalid` with one message per field (Danish outside a request and in the API). See
docs/item-format.md for the contract this implements.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from node.core.canonical import canonical_json
from node.core.config import LocalRules
from node.core.geography import municipalities, police_districts
from node.core.ids import LOCAL_ID, NODE_ID
from node.core.translation import gettext as _
from node.items.vocabulary import (
    BODY_MAX,
    COOPERATION,
    DETAILS,
    LABEL_MAX,
    PREVENTION_LEVELS,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TARGET_GROUPS,
    TEXT_MAX,
    TITLE_MAX,
    TYPES,
)
from node.privacy.guard import OVERRIDE_KEY, Scanned, guard_errors
from node.privacy.small_counts import suppress_observations

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ItemInvalid(ValueError):
    """Untrusted item data that cannot be used; `errors` maps field name to a Danish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class ItemContent:
    """The author-controlled part of an item, validated and normalised."""

    type: str
    title: str
    summary: str
    body: str = ""
    audience: Any = "network"
    tags: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    police_districts: list[str] = field(default_factory=list)
    prevention_level: str | None = None
    target_groups: list[str] = field(default_factory=list)
    cooperation: list[str] = field(default_factory=list)
    expires_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def content_hash(self) -> str:
        """SHA-256 of the RFC 8785 canonical JSON of the content (id excluded)."""
        data = {name: getattr(self, name) for name in _HASHED_FIELDS}
        data["expires_at"] = format_datetime(self.expires_at)
        return hashlib.sha256(canonical_json(data)).hexdigest()


_HASHED_FIELDS = tuple(f.name for f in fields(ItemContent) if f.name != "id")


def audience_kind(audience: Any) -> str:
    """'public', 'network', 'districts' or 'nodes' (the first kind named) for a valid audience value."""
    return audience if isinstance(audience, str) else next(iter(audience))


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def full_item_id(raw: Any, node_id: str) -> str:
    """`<node>:<local>` from a local or full id; raises ValueError with a Danish reason."""
    if not isinstance(raw, str):
        raise ValueError(_("id skal være en tekst"))
    prefix, sep, local = raw.rpartition(":")
    if sep and prefix != node_id:
        raise ValueError(_("id tilhører noden '%(prefix)s'; denne node ('%(node)s') kan kun udgive sine egne",
                           prefix=prefix, node=node_id))
    if not LOCAL_ID.fullmatch(local):
        raise ValueError(_("id må kun bestå af a-z, 0-9 og '-' (højst 80 tegn)"))
    return f"{node_id}:{local}"


def validate_item(data: Any, *, node_id: str, now: datetime | None = None, may_override: bool = False,
                  rules: LocalRules | None = None, known_clean: Collection[Scanned] = ()) -> ItemContent:
    """Validate untrusted item JSON for this node; raises ItemInvalid naming every bad field.

    `may_override` says whether the submitter may let personal data through with a reason
    (publishers, the administrator's import, and the origin node of a replicated item).
    `rules` are given for content written on this node, not for items from peers.
    `known_clean` are texts the guard's scan found clean in another process (see guard_errors).
    """
    if not isinstance(data, dict):
        raise ItemInvalid({"item": _("skal være et JSON-objekt")})
    reader = _Reader(data)
    now = now or datetime.now(UTC)
    content = _read_fields(reader, data, node_id, now)
    content.audience = reader.read("audience", _audience) or _default_audience(content, rules)
    if content.type is not None:
        content.details = reader.read("details", lambda v: _details(content.type, v)) or {}
    _check_type_rules(content, reader.errors)
    if rules is not None and content.type == "bulletin":
        _apply_bulletin_rules(content, rules, now, reader.errors)
    if content.details.get(OVERRIDE_KEY) and not may_override:
        reader.errors.setdefault("details", _("%(key)s: kun en udgiver kan tillade personoplysninger",
                                              key=OVERRIDE_KEY))
    for name, message in guard_errors(content, known_clean).items():
        reader.errors.setdefault(name, message)
    for key in sorted(set(data) - set(_ALLOWED_KEYS)):
        reader.errors[key] = _("ukendt felt")
    if reader.errors:
        raise ItemInvalid(reader.errors)
    return content


def _read_fields(reader: _Reader, data: dict[str, Any], node_id: str, now: datetime) -> ItemContent:
    # The fields every type has; audience and details depend on what these say.
    item_id = reader.read("id", lambda v: full_item_id(v, node_id)) if data.get("id") is not None else None
    item_type = reader.read("type", _choice(tuple(TYPES)), required=True)
    return ItemContent(
        id=item_id,
        type=item_type,
        title=reader.read("title", _text(3, TITLE_MAX), required=True),
        summary=reader.read("summary", _text(1, SUMMARY_MAX, multiline=True), required=True),
        body=reader.read("body", _text(0, BODY_MAX, multiline=True)) or "",
        tags=reader.read("tags", _list(_text(1, TAG_MAX), TAGS_MAX)) or [],
        municipalities=reader.read("municipalities", _list(_municipality, 98)) or [],
        police_districts=reader.read("police_districts", _list(_district, 12)) or [],
        prevention_level=reader.read("prevention_level", _choice(PREVENTION_LEVELS)),
        target_groups=reader.read("target_groups", _list(_choice(TARGET_GROUPS), 6)) or [],
        cooperation=reader.read("cooperation", _list(_choice(COOPERATION), 5)) or [],
        expires_at=reader.read("expires_at", _future(now)),
    )


# Read-only fields may come back in an exported or API item; they are ignored on the way in.
_ALLOWED_KEYS = (
    "id type title summary body audience tags municipalities police_districts prevention_level "
    "target_groups cooperation expires_at details origin version status created_at updated_at "
    "published_at url approval"
).split()


class _Reader:
    """Collects one error per field while reading values through small parser functions."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def read(self, key: str, parse, *, required: bool = False):
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.errors[key] = _("skal udfyldes")
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.errors[key] = str(exc)
            return None


def _text(min_len: int, max_len: int, *, multiline: bool = False):
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(_("skal være en tekst"))
        value = unicodedata.normalize("NFC", value).strip()
        if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
            raise ValueError(_("indeholder ugyldige kontroltegn eller linjeskift"))
        if not min_len <= len(value) <= max_len:
            raise ValueError(_("skal være mellem %(min)s og %(max)s tegn (er %(length)s)",
                               min=min_len, max=max_len, length=len(value)))
        return value

    return parse


def _choice(allowed: tuple[str, ...]):
    def parse(value: Any) -> str:
        if value not in allowed:
            raise ValueError(_("'%(value)s' er ikke en af: %(allowed)s", value=value, allowed=", ".join(allowed)))
        return value

    return parse


def _list(parse_one, max_items: int):
    def parse(value: Any) -> list:
        if not isinstance(value, list):
            raise ValueError(_("skal være en liste"))
        if len(value) > max_items:
            raise ValueError(_("højst %(max)s værdier", max=max_items))
        result = []
        for v in value:
            parsed = parse_one(v)
            if parsed not in result:  # drop repeats, keep order
                result.append(parsed)
        return result

    return parse


def _municipality(value: Any) -> str:
    if value not in municipalities():
        raise ValueError(_("'%(value)s' er ikke en kendt kommunekode (4 cifre, fx 0751)", value=value))
    return value


def _district(value: Any) -> str:
    if value not in police_districts():
        raise ValueError(_("'%(value)s' er ikke en politikreds; brug navnet som i municipalities.csv", value=value))
    return value


def _node_id(value: Any) -> str:
    if not isinstance(value, str) or not NODE_ID.fullmatch(value):
        raise ValueError(_("'%(value)s' er ikke et gyldigt node-id", value=value))
    return value


_AUDIENCE_MEMBERS = {"districts": _district, "nodes": _node_id}


def _audience(value: Any) -> Any:
    # Districts and named nodes may be combined: a bulletin for its own district plus a node across the border.
    if value in ("public", "network"):
        return value
    if isinstance(value, dict) and value and set(value) <= set(_AUDIENCE_MEMBERS):
        members = {kind: value[kind] for kind in _AUDIENCE_MEMBERS if kind in value}
        if all(isinstance(m, list) and m for m in members.values()):
            return {kind: sorted(set(_list(_AUDIENCE_MEMBERS[kind], 200)(m))) for kind, m in members.items()}
    raise ValueError(_('skal være "public", "network" eller {"districts": [...], "nodes": [...]} '
                       '(den ene eller begge, hver med mindst én værdi)'))


def _default_audience(content: ItemContent, rules: LocalRules | None) -> Any:
    # A bulletin stays in its author's own police district (or, on a node without one, the districts
    # it describes); other districts or named nodes are added by choice. Other items stay in the network.
    if content.type != "bulletin":
        return "network"
    if rules is not None and rules.home_district:
        return {"districts": [rules.home_district]}
    return {"districts": sorted(content.police_districts)} if content.police_districts else "network"


def _apply_bulletin_rules(content: ItemContent, rules: LocalRules, now: datetime, errors: dict[str, str]) -> None:
    latest = now + timedelta(days=rules.bulletin_max_days)
    if content.expires_at is not None and content.expires_at > latest:
        errors.setdefault("expires_at", _("en tendensbulletin kan højst gælde %(days)s dage (senest %(latest)s)",
                                          days=rules.bulletin_max_days, latest=latest.date().isoformat()))
    if content.details.get("observations"):
        content.details["observations"] = suppress_observations(content.details["observations"],
                                                                rules.small_count_threshold)


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(_("skal være en ISO 8601-dato, fx 2027-03-01"))
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("'%(value)s' er ikke en ISO 8601-dato, fx 2027-03-01", value=value)) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _future(now: datetime):
    def parse(value: Any) -> datetime:
        moment = _parse_datetime(value)
        if moment <= now:
            raise ValueError(_("udløbsdatoen skal ligge i fremtiden"))
        return moment

    return parse


def _date(value: Any) -> str:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(_("'%(value)s' er ikke en dato på formen ÅÅÅÅ-MM-DD", value=value))


def _int_year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1977 <= value <= datetime.now(UTC).year:
        raise ValueError(_("skal være et årstal mellem 1977 og %(year)s", year=datetime.now(UTC).year))
    return value


_OBSERVATION_KEYS = {"label", "count", "total", "under", "hidden"}


def _observation(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not {"label", "count"} <= set(value) <= _OBSERVATION_KEYS:
        raise ValueError(_('hver observation skal være {"label": tekst, "count": tal} (og evt. "total": true)'))
    observation = {"label": _text(1, LABEL_MAX)(value["label"]), "count": value["count"]}
    if value.get("total") is not None:
        if value["total"] is not True:
            raise ValueError(_('"total" skal være true eller udeladt'))
        observation["total"] = True
    return {**observation, **_observation_count(value)}


def _observation_count(value: dict[str, Any]) -> dict[str, Any]:
    # A shown count is a whole number; a suppressed one is null with "under" (too small) or "hidden".
    count, under, hidden = value["count"], value.get("under"), value.get("hidden")
    if count is not None:
        not_a_count = isinstance(count, bool) or not isinstance(count, int) or count < 0
        if not_a_count or under is not None or hidden is not None:
            raise ValueError(_("count skal være et helt tal på 0 eller mere"))
        return {"count": count}
    if hidden is True and under is None:
        return {"hidden": True}
    if hidden is None and isinstance(under, int) and not isinstance(under, bool) and 2 <= under <= 100:
        return {"under": under}
    raise ValueError(_('en skjult count (null) skal have "under": tal (2-100) eller "hidden": true'))


def _observations(value: Any) -> list[dict[str, Any]]:
    observations = _list(_observation, 50)(value)
    if sum(1 for o in observations if o.get("total")) > 1:
        raise ValueError(_("højst én observation kan være total"))
    return observations


def _link(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != {"title", "url"}:
        raise ValueError(_('hvert link skal være {"title": tekst, "url": "https://..."}'))
    url = _text(8, 500)(value["url"])
    if not re.fullmatch(r"https?://[^\s<>\"']+", url):
        raise ValueError(_("'%(url)s' er ikke en http(s)-adresse", url=url))
    return {"title": _text(1, LABEL_MAX)(value["title"]), "url": url}


_DETAIL_PARSERS = {
    "text": _text(1, TEXT_MAX),
    "markdown": _text(1, 20_000, multiline=True),
    "lines": _list(_text(1, 300), 50),
    "int": _int_year,
    "date": _date,
    "observations": _observations,
    "links": _list(_link, 30),
    "source": _link,
    "codes": _list(_municipality, 98),
}


def _details(item_type: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(_("skal være et JSON-objekt"))
    specs = {s.key: s for s in DETAILS[item_type]}
    problems, result = [], {}
    for key, raw in value.items():
        spec = specs.get(key)
        if spec is None:
            problems.append(_("%(key)s: ukendt felt for typen %(type)s", key=key, type=_(TYPES[item_type]).lower()))
            continue
        if raw is None or raw == "" or raw == []:
            continue
        parse = _choice(spec.choices) if spec.kind == "choice" else _DETAIL_PARSERS[spec.kind]
        try:
            result[key] = parse(raw)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    problems += [_("%(key)s: skal udfyldes", key=s.key) for s in specs.values() if s.required and s.key not in result]
    if problems:
        raise ValueError("; ".join(problems))
    return {s.key: result[s.key] for s in DETAILS[item_type] if s.key in result}


def _check_type_rules(content: ItemContent, errors: dict[str, str]) -> None:
    details = content.details
    if details.get("period_start") and details.get("period_end") and details["period_start"] > details["period_end"]:
        errors.setdefault("details", _("period_start skal ligge før period_end"))
    if content.type == "bulletin" and content.audience == "public":
        errors.setdefault("audience", _("en tendensbulletin kan ikke være offentlig"))

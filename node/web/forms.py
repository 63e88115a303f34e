"""The editor's HTML form: turning posted fields into item JSON and items back into form values.

Validation stays in `node.items.schema`; this module only reshapes strings.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from node.core.models import Item
from node.items.vocabulary import DETAILS, DetailSpec
from node.privacy.small_counts import LineKind, line_kind, shown_count

# Put before a total's label that does not name a total itself, so the form line is read as one again.
TOTAL_PREFIX = "I alt"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pairs(text: str) -> list[tuple[str, str]]:
    # "left | right" per line; a line without a bar keeps an empty right side for the validator.
    return [tuple(part.strip() for part in (line.rsplit("|", 1) + [""])[:2]) for line in _lines(text)]


def _count(raw: str) -> Any:
    return int(raw) if raw.isdigit() else raw


def _observation(label: str, raw: str) -> dict[str, Any]:
    # "under 5" and "skjult" come back from an edit form as the suppressed counts they stand for ("hidden" too:
    # the English editor's preview names a hidden count so, though the form itself keeps the Danish word).
    # No total marker: a line is a total by its label ("I alt", "Samlet", "heraf ...", docs/small-counts.md).
    observation: dict[str, Any] = {"label": label, "count": _count(raw)}
    under = re.fullmatch(r"under (\d+)", raw.casefold())
    if under:
        observation.update(count=None, under=int(under[1]))
    elif raw.casefold() in ("skjult", "hidden"):
        observation.update(count=None, hidden=True)
    return observation


def _observation_line(o: dict[str, Any]) -> str:
    label = o["label"]
    if o.get("total") and line_kind({"label": label}) != LineKind.TOTAL:
        label = f"{TOTAL_PREFIX}: {label}"
    return f"{label} | {shown_count(o)}"


def _detail_from_form(spec: DetailSpec, form: MultiDict) -> Any:
    name = f"d_{spec.key}"
    if spec.kind == "codes":
        return form.getlist(name)
    raw = (form.get(name) or "").strip()
    if spec.kind == "lines":
        return _lines(raw)
    if spec.kind == "int":
        return int(raw) if raw.isdigit() else raw
    if spec.kind == "observations":
        return [_observation(label, count) for label, count in _pairs(raw)]
    if spec.kind == "links":
        return [{"title": title, "url": url} for title, url in _pairs(raw)]
    if spec.kind == "source" and raw:
        title, url = _pairs(raw)[0]
        return {"title": title, "url": url}
    return raw


def _audience_from_form(form: MultiDict) -> Any:
    # "Districts" may also name nodes across the border; "nodes" is named nodes only.
    kind = form.get("audience_kind", "")
    nodes = [n.strip() for n in form.get("audience_nodes", "").replace(",", " ").split() if n]
    if kind == "districts":
        return {"districts": form.getlist("audience_districts"), **({"nodes": nodes} if nodes else {})}
    if kind == "nodes":
        return {"nodes": nodes}
    return kind or None


def form_to_data(form: MultiDict, item_type: str) -> dict[str, Any]:
    """Item JSON (as for the API) from a posted editor form."""
    return {
        "type": item_type,
        "title": form.get("title", ""),
        "summary": form.get("summary", ""),
        "body": form.get("body", ""),
        "audience": _audience_from_form(form),
        "tags": [t.strip() for t in form.get("tags", "").split(",") if t.strip()],
        "municipalities": form.getlist("municipalities"),
        "police_districts": form.getlist("police_districts"),
        "prevention_level": form.get("prevention_level") or None,
        "target_groups": form.getlist("target_groups"),
        "cooperation": form.getlist("cooperation"),
        "expires_at": form.get("expires_at") or None,
        "details": {spec.key: _detail_from_form(spec, form) for spec in DETAILS[item_type]},
    }


def _detail_to_form(spec: DetailSpec, value: Any) -> Any:
    if value is None:
        return [] if spec.kind == "codes" else ""
    if spec.kind == "lines":
        return "\n".join(value)
    if spec.kind == "observations":
        return "\n".join(_observation_line(o) for o in value)
    if spec.kind == "links":
        return "\n".join(f"{link['title']} | {link['url']}" for link in value)
    if spec.kind == "source":
        return f"{value['title']} | {value['url']}"
    return value


def item_to_form(item: Item) -> dict[str, Any]:
    """Form values for editing an existing item."""
    audience = item.audience
    values: dict[str, Any] = {
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "audience_kind": item.audience_kind,
        "audience_districts": audience.get("districts", []) if isinstance(audience, dict) else [],
        "audience_nodes": " ".join(audience.get("nodes", [])) if isinstance(audience, dict) else "",
        "tags": ", ".join(item.tags),
        "municipalities": item.municipalities,
        "police_districts": item.police_districts,
        "prevention_level": item.prevention_level or "",
        "target_groups": item.target_groups,
        "cooperation": item.cooperation,
        "expires_at": item.expires_at.date().isoformat() if item.expires_at else "",
    }
    for spec in DETAILS[item.type]:
        values[f"d_{spec.key}"] = _detail_to_form(spec, item.details.get(spec.key))
    return values


def form_values(form: MultiDict) -> dict[str, Any]:
    """Posted values to show again after a validation error (lists kept as lists)."""
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 or key in _MULTI else form.get(key) for key in form}


_MULTI = {"municipalities", "police_districts", "target_groups", "cooperation", "audience_districts",
          "d_participating_municipalities"}

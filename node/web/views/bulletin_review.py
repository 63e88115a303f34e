"""What the author of a bulletin sees before it is saved: each count as readers will see it, and earlier bulletins.

A bulletin whose counts the node would hide, or which overlaps an earlier bulletin
for the same area and period, is saved only once the author has seen exactly that
content previewed: the preview carries the content's hash, and saving checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from node.core.models import Item, User
from node.items.bulletin_overlap import overlapping_bulletins
from node.items.schema import ItemContent
from node.items.visibility import can_read
from node.privacy.small_counts import ShownLine, explain_observations
from node.web.forms import form_to_data

# The form field that carries the hash of the content the author saw previewed.
PREVIEWED_FIELD = "previewed"


@dataclass(frozen=True)
class HiddenCount:
    """A count the author typed that readers will not see exactly: its line, the number typed, and what is shown."""

    label: str
    typed: int
    shown: str


@dataclass(frozen=True)
class BulletinReview:
    """A bulletin's observations as shown, the earlier bulletins it overlaps, and the content hash it is for."""

    lines: list[ShownLine]
    overlaps: list[Item]
    content_hash: str
    hidden: list[HiddenCount] = field(default_factory=list)  # the typed counts that saving will hide

    @property
    def hides_counts(self) -> bool:
        """Whether saving would hide a count the author typed (not one already hidden)."""
        return any(line.hidden_now for line in self.lines)

    def must_be_seen(self, form: MultiDict) -> bool:
        """Whether the author has yet to see this preview before the bulletin may be saved."""
        return (self.hides_counts or bool(self.overlaps)) and form.get(PREVIEWED_FIELD) != self.content_hash


def review_bulletin(session: Session, viewer: User | None, form: MultiDict, content: ItemContent,
                    threshold: int, except_id: str | None = None) -> BulletinReview | None:
    """The review of validated bulletin content from a posted editor form; None for other types."""
    if content.type != "bulletin":
        return None
    # The counts as typed: the validated content holds them suppressed already, which would hide the reasons.
    typed = form_to_data(form, "bulletin")["details"].get("observations") or []
    overlaps = [i for i in overlapping_bulletins(session, content, except_id) if can_read(viewer, i)]
    lines = explain_observations(typed, threshold)
    hidden = [HiddenCount(line.label, given["count"], line.shown)
              for line, given in zip(lines, typed, strict=True) if line.hidden_now and isinstance(given["count"], int)]
    return BulletinReview(lines, overlaps, content.content_hash(), hidden)

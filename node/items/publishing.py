"""Publishing as the local node: drafts, published versions, retraction and expiry.

Every change of an item's state goes through these service functions, so the
side effects have exactly one place each: the acting node's item sinks hear of
every published version, tombstone and removal in the same transaction as the
change (federation signs it into the changes feed, search queues the index
update; see `node.items.sinks`).

Each function makes its move with `ITEM_TRANSITIONS.move` (node.core.models),
which refuses a move the graph does not declare; the checks here come first,
so the user gets a Danish reason instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.accounts.users import has_role
from node.audit.log import Actor, record_admin_act
from node.audit.models import AuditAct
from node.core.config import LocalRules
from node.core.ids import slugify
from node.core.models import ITEM_TRANSITIONS, Approval, Item, ItemStatus, ItemTerm, Role, User, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _
from node.items.schema import ItemContent, audience_kind
from node.items.sinks import ItemSinks
from node.items.tags import TAG_KEYS, tag_key
from node.items.vocabulary import LIST_FIELDS


class PublishingError(ValueError):
    """A state change that is not allowed, with a Danish message for the user."""


# The rule by name and nothing else: who wrote the version is on the item, not in the message.
FOUR_EYES_REFUSAL = N_("fire øjne: en tendensbulletin skal godkendes af en anden udgiver end dem, "
                        "der har skrevet eller ændret den version, der afventer godkendelse")


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ActingNode:
    """This node acting on its items: its id, where its changes go, its rules and, when known, the user
    and the source address of the user's request (for the audit log)."""

    node_id: str
    sinks: ItemSinks
    user: User | None = None
    rules: LocalRules = LocalRules()
    address: str | None = None

    @property
    def actor(self) -> Actor:
        """Who acts, as the audit log names them: the user, or the command line when no user acts."""
        return Actor.of(self.user, self.address)


def new_item_id(node_id: str, title: str) -> str:
    """A fresh id for this node: a slug of the title plus a short random suffix."""
    return f"{node_id}:{(slugify(title)[:60].strip('-') or 'emne')}-{secrets.token_hex(3)}"


def create_draft(session: Session, by: ActingNode, content: ItemContent) -> Item:
    """Store new content as a draft of this node (version 0 until published)."""
    item_id = content.id or new_item_id(by.node_id, content.title)
    if session.get(Item, item_id) is not None:
        raise PublishingError(_("id: '%(id)s' findes allerede", id=item_id))
    item = Item(id=item_id, origin=by.node_id, status=ItemStatus.DRAFT, version=0, author=by.user,
                content_authors=[])
    _record_author(item, by)
    apply_content(item, content)
    session.add(item)
    session.flush()
    return item


def publish(session: Session, item: Item, by: ActingNode) -> Item:
    """Publish a draft as the next version; a bulletin only with a second person's approval."""
    _require_own(item, by)
    if item.status not in (ItemStatus.DRAFT, ItemStatus.AWAITING_APPROVAL):
        raise PublishingError(_("kun en kladde kan udgives"))
    if item.type == "bulletin":
        _approve_bulletin(session, item, by)
    _publish_version(session, item, by)
    return item


def submit_for_approval(session: Session, item: Item, by: ActingNode) -> Item:
    """Hand a bulletin draft to a second person, who approves it by publishing it."""
    _require_own(item, by)
    if item.type != "bulletin" or item.status != ItemStatus.DRAFT:
        raise PublishingError(_("kun en kladde af en tendensbulletin kan sendes til godkendelse"))
    ITEM_TRANSITIONS.move(item, ItemStatus.AWAITING_APPROVAL)
    item.updated_at = utcnow()
    return item


def return_to_draft(session: Session, item: Item, by: ActingNode, reason: str) -> Item:
    """Send a bulletin awaiting approval back to its author as a draft, with the reason the author is shown."""
    _require_own(item, by)
    if item.status != ItemStatus.AWAITING_APPROVAL:
        raise PublishingError(_("kun en tendensbulletin, der afventer godkendelse, kan sendes tilbage"))
    if not reason.strip():
        raise PublishingError(_("begrundelse: skriv, hvorfor tendensbulletinen sendes tilbage til forfatteren"))
    ITEM_TRANSITIONS.move(item, ItemStatus.DRAFT)
    item.updated_at = item.returned_at = utcnow()
    item.return_reason, item.returned_by = reason.strip(), by.user
    record_admin_act(session, by.actor, AuditAct.BULLETIN_RETURNED, item.id, items=[item],
                     description=f"Tendensbulletinen »{item.title}« er sendt tilbage som kladde")
    return item


def revise(session: Session, item: Item, by: ActingNode, content: ItemContent) -> Item:
    """Change an item (a draft stays a draft, a published item gets a new version); whoever changes it is an author."""
    _require_own(item, by)
    if item.status in (ItemStatus.RETRACTED, ItemStatus.EXPIRED):
        raise PublishingError(_("et tilbagetrukket eller udløbet emne kan ikke ændres"))
    if content.content_hash() == item.content_hash:
        return item
    if item.type == "bulletin" and item.status == ItemStatus.PUBLISHED:
        _approve_bulletin(session, item, by)
    _record_author(item, by)
    apply_content(item, content)
    if item.status == ItemStatus.AWAITING_APPROVAL:
        # Changed after it was handed over: the approver must see it again.
        ITEM_TRANSITIONS.move(item, ItemStatus.DRAFT)
    if item.status == ItemStatus.PUBLISHED:
        _publish_version(session, item, by)
    return item


def retract(session: Session, item: Item, by: ActingNode) -> Item:
    """Withdraw a published item; its id is never reused."""
    _require_own(item, by)
    if item.status != ItemStatus.PUBLISHED:
        raise PublishingError(_("kun et udgivet emne kan trækkes tilbage"))
    ITEM_TRANSITIONS.move(item, ItemStatus.RETRACTED)
    item.retracted_at = item.updated_at = utcnow()
    by.sinks.item_withdrawn(session, item, "retracted")
    return item


def publish_imported(session: Session, by: ActingNode, content: ItemContent) -> ImportOutcome:
    """Publish one validated import line: create, new version, or nothing if unchanged."""
    item = session.get(Item, content.id)
    if item is None:
        publish(session, create_draft(session, by, content), by)
        return ImportOutcome.CREATED
    if item.content_hash == content.content_hash() and item.status == ItemStatus.PUBLISHED:
        return ImportOutcome.UNCHANGED
    if item.status in (ItemStatus.DRAFT, ItemStatus.AWAITING_APPROVAL):
        apply_content(item, content)
        publish(session, item, by)
    else:
        revise(session, item, by, content)
    return ImportOutcome.UPDATED


def first_version_row(content: ItemContent, by: ActingNode, now: datetime) -> dict:
    """The items row of new content published at once as version 1 by the node itself (an import on the machine).

    The same row `create_draft` then `publish` would leave, for a bulk insert: no user, so a bulletin is
    approved as the administrator's import, and it expires after this node's bulletin lifetime when undated.
    """
    columns = content_columns(content)
    bulletin = content.type == "bulletin"
    if bulletin and columns["expires_at"] is None:
        columns["expires_at"] = now + timedelta(days=by.rules.bulletin_lifetime_days)
    return {
        **columns, "id": content.id, "origin": by.node_id, "status": ItemStatus.PUBLISHED, "version": 1,
        "created_at": now, "updated_at": now, "published_at": now, "retracted_at": None, "author_id": None,
        "content_authors": [], "approval": Approval.ADMIN_IMPORT if bulletin else None,
        "approved_by_id": None, "approved_at": now if bulletin else None, "approved_authors": [] if bulletin else None,
    }


def import_refusal(session: Session, content: ItemContent) -> str | None:
    """Why an import line cannot be applied to what the node holds, or None."""
    item = session.get(Item, content.id)
    return None if item is None else held_item_refusal(item, content)


def held_item_refusal(item: Item, content: ItemContent) -> str | None:
    """Why an import line cannot be applied to the item the node holds with its id, or None."""
    if item.status in (ItemStatus.RETRACTED, ItemStatus.EXPIRED):
        return f"id '{content.id}' er {item.status} (tilbagetrukket eller udløbet) og kan ikke genudgives"
    return None


def expire_due_items(session: Session, by: ActingNode, now: datetime | None = None) -> int:
    """Expire published items whose time has come: own ones get a signed tombstone, others are dropped."""
    now = now or utcnow()
    due = session.scalars(
        select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.expires_at.is_not(None), Item.expires_at <= now)
    ).all()
    for item in due:
        if item.origin == by.node_id:
            ITEM_TRANSITIONS.move(item, ItemStatus.EXPIRED)
            item.updated_at = now
            by.sinks.item_withdrawn(session, item, "expired")
        else:
            session.delete(item)  # a replica: its origin's tombstone will follow
            by.sinks.items_changed(session, [item.id])
    return len(due)


def find_item(session: Session, item_id: str) -> Item | None:
    """The item with this id, or None."""
    return session.scalar(select(Item).where(Item.id == item_id))


def _require_own(item: Item, by: ActingNode) -> None:
    # Only the origin may change its items; federation depends on it.
    if item.origin != by.node_id:
        raise PublishingError(_("kun den oprindelige node kan ændre dette emne"))


def _record_author(item: Item, by: ActingNode) -> None:
    # Called only for a change of content (its hash differs): a re-submit or a return adds nobody.
    # The node itself (import on the machine) has no username and adds nobody either.
    if by.user is not None and by.user.username not in item.content_authors:
        item.content_authors = [*item.content_authors, by.user.username]  # a new list: JSON is not tracked


def _approve_bulletin(session: Session, item: Item, by: ActingNode) -> None:
    # Four eyes: a bulletin leaves the node only when someone who changed none of its content approved it,
    # or when the node's administrator imports it on the machine (no logged-in user).
    if by.user is None:
        item.approval, item.approved_by = Approval.ADMIN_IMPORT, None
    elif item.status == ItemStatus.PUBLISHED:
        raise PublishingError(_("en udgivet tendensbulletin kan ikke ændres uden ny godkendelse; "
                                "træk den tilbage og skriv en ny"))
    elif item.status != ItemStatus.AWAITING_APPROVAL:
        raise PublishingError(_("en tendensbulletin skal sendes til godkendelse, før den kan udgives"))
    elif not has_role(by.user, Role.PUBLISHER):
        raise PublishingError(_("kun en udgiver kan godkende en tendensbulletin"))
    elif by.user.username in item.content_authors:
        raise PublishingError(_(FOUR_EYES_REFUSAL))
    else:
        item.approval, item.approved_by = Approval.SECOND_PERSON, by.user
    item.approved_authors = list(item.content_authors)
    item.approved_at = utcnow()
    # In the approval's own transaction: the approval and its record are committed together or not at all.
    authors = ", ".join(item.approved_authors) or "nodens administrator"
    record_admin_act(session, by.actor, AuditAct.BULLETIN_APPROVED, item.id, items=[item],
                     description=f"Tendensbulletinen »{item.title}« er godkendt (skrevet af {authors})")


def _publish_version(session: Session, item: Item, by: ActingNode) -> None:
    ITEM_TRANSITIONS.move(item, ItemStatus.PUBLISHED)  # from a draft, or published -> published for a new version
    now = utcnow()
    item.version += 1
    item.published_at = item.updated_at = now
    item.content_authors = []  # the next version starts with no authors
    if item.type == "bulletin" and item.expires_at is None:
        item.expires_at = now + timedelta(days=by.rules.bulletin_lifetime_days)
    by.sinks.version_published(session, item)


def content_columns(content: ItemContent) -> dict:
    """The item columns that validated content decides, by column name."""
    columns = {name: getattr(content, name) for name in
               ("type", "title", "summary", "body", "audience", "prevention_level", "expires_at", "details")}
    columns.update({name: list(getattr(content, name)) for name in LIST_FIELDS})
    columns.update(audience_kind=audience_kind(content.audience), content_hash=content.content_hash())
    return columns


def content_terms(content: ItemContent) -> set[tuple[str, str]]:
    """The (field, value) filter terms of validated content: each value of each list field, and each tag's key."""
    return {(f, v) for f in LIST_FIELDS for v in getattr(content, f)} | {(TAG_KEYS, tag_key(t)) for t in content.tags}


def apply_content(item: Item, content: ItemContent) -> None:
    """Copy validated content onto an item and bring its filter terms in line."""
    for name, value in content_columns(content).items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    wanted = content_terms(content)
    item.terms = [t for t in item.terms if (t.field, t.value) in wanted]
    have = {(t.field, t.value) for t in item.terms}
    item.terms += [ItemTerm(field=f, value=v) for f, v in sorted(wanted - have)]

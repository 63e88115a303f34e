"""Who may see which item on this node, as SQL conditions for every query that lists items."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, true

from node.accounts.users import has_role
from node.core.models import Item, ItemStatus, Role, User, utcnow


def live_items() -> ColumnElement[bool]:
    """Items that are published and not yet expired."""
    return and_(Item.status == ItemStatus.PUBLISHED, or_(Item.expires_at.is_(None), Item.expires_at > utcnow()))


def readable_items(user: User | None) -> ColumnElement[bool]:
    """Items the user may read: live ones; anonymous visitors only public ones.

    A node only holds items whose audience includes it, so a logged-in user of the
    node may read everything published that the node holds.
    """
    live = live_items()
    if user is None:
        return and_(live, Item.audience_kind == "public")
    return live


def editable_items(user: User | None) -> ColumnElement[bool]:
    """Items the user may see in the editor's views, drafts included."""
    if has_role(user, Role.EDITOR):
        return true()
    return readable_items(user)


def can_read(user: User | None, item: Item) -> bool:
    """The same rule as `readable_items`, for one loaded item."""
    if has_role(user, Role.EDITOR):
        return True
    if item.status != ItemStatus.PUBLISHED or (item.expires_at and item.expires_at <= utcnow()):
        return False
    return user is not None or item.audience_kind == "public"

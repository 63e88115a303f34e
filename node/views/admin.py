"""The admin page: node facts, items by state, users and API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from node.accounts import ROLE_RANK, AccountError, create_user
from node.models import Item, ItemStatus, Role, User
from node.web import db, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _render(errors: dict | None = None, new_token: str | None = None, status: int = 200):
    session = db()
    counts = dict(session.execute(select(Item.status, func.count()).group_by(Item.status)).all())
    recent = session.scalars(select(Item).order_by(Item.updated_at.desc()).limit(15)).all()
    users = session.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin.html",
        counts={s: counts.get(s, 0) for s in ItemStatus},
        recent=recent,
        users=users,
        roles=list(ROLE_RANK),
        errors=errors or {},
        new_token=new_token,
    ), status


@bp.get("/")
@requires(Role.ADMIN)
def overview():
    """Node facts, item counts per state, recent changes and users."""
    return _render()


@bp.post("/brugere")
@requires(Role.ADMIN)
def add_user():
    """Create a local account."""
    form = request.form
    try:
        create_user(db(), form.get("username", "").strip(), form.get("password", ""), form.get("role", ""),
                    form.get("display_name", "").strip())
    except AccountError as exc:
        db().rollback()
        return _render({"user": str(exc)}, status=422)
    db().commit()
    flash("Brugeren er oprettet.")
    return redirect(url_for("admin.overview"))

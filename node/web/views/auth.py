"""Login and logout for local accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from node.accounts.users import authenticate, create_api_token
from node.web.request import db, viewer

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so the login form cannot be used as an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.front")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success back to where the user came from."""
    error = None
    if request.method == "POST":
        user = authenticate(db(), request.form.get("username", "").strip(), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            db().commit()
            flash(f"Du er logget ind som {user.display_name}.")
            return redirect(_safe_next(request.args.get("next")))
        error = "Forkert brugernavn eller adgangskode."
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    """Log out (POST with CSRF token, never a link)."""
    logout_user()
    flash("Du er logget ud.")
    return redirect(url_for("pages.front"))


@bp.get("/konto")
@login_required
def account():
    """The logged-in user's account and API tokens."""
    return render_template("account.html")


@bp.post("/konto/noegler")
@login_required
def add_token():
    """Create an API token for the logged-in user; it is shown once."""
    token = create_api_token(db(), viewer(), request.form.get("name", "").strip()[:120])
    db().commit()
    return render_template("token.html", token=token)

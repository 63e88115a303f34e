"""Confirmation pages for acts that reach across the network and cannot be undone, and the check their POSTs make.

Each destructive button is a link to a page here (the same URL, by GET) that says what will happen; only its
form carries `bekraeftet=ja`, and the POST handlers refuse without it, so an old one-click form cannot act.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from markupsafe import Markup

from federation.models import Peer, PeerState
from node.core.models import FeedSubscription, ItemStatus, Role
from node.core.translation import N_, naming
from node.core.translation import gettext as _
from node.web.request import db, own_item, requires

bp = Blueprint("confirmation", __name__)

CONFIRMED_FIELD = "bekraeftet"
NOT_CONFIRMED = N_("Handlingen er ikke bekræftet, og intet er ændret. Brug knappen på siden, der forklarer, "
                   "hvad der sker, og prøv igen.")
# The peer acts that need confirming, by the word in their URL (node.web.views.admin.PEER_ACTIONS).
CONFIRMED_PEER_ACTIONS = ("bloker", "fjern")


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says and where its form goes; with a reason field when the act needs one.

    The heading and the consequence may be Markup from `naming`, the names in them marked as Danish.
    """

    heading: str
    consequence: str
    action: str
    button: str
    cancel: str
    reason_field: str | None = None
    reason_label: str = ""
    reason_error: str | None = None


def render_confirmation(confirmation: Confirmation, status: int = 200):
    """The confirmation page for an act."""
    return render_template("confirm.html", confirmation=confirmation), status


def require_confirmation() -> None:
    """Refuse (400, nothing changed) a destructive act whose form did not come from its confirmation page."""
    if request.form.get(CONFIRMED_FIELD) != "ja":
        abort(400, description=_(NOT_CONFIRMED))


@bp.get("/items/<item_id>/tilbagetraek")
@requires(Role.PUBLISHER)
def retract(item_id: str):
    """Ask before an item of this node is retracted here and on every node holding a copy."""
    item = own_item(item_id)
    if item.status != ItemStatus.PUBLISHED:
        abort(409, description=_("Kun et udgivet emne kan trækkes tilbage."))
    return render_confirmation(Confirmation(
        heading=naming(_("Træk »%(title)s« tilbage?"), title=item.title),
        consequence=naming(_("»%(title)s« trækkes tilbage på denne node og hos alle noder, der har en kopi. "
                                 "Emnet forsvinder fra søgningen og fra feeds. Det kan ikke fortrydes."),
                               title=item.title),
        action=url_for("editor.retract_item", item_id=item.id),
        button=_("Ja, træk tilbage"),
        cancel=url_for("pages.item", item_id=item.id),
    ))


@bp.get("/admin/feeds/<int:subscription_id>/afmeld")
@requires(Role.ADMIN)
def unsubscribe(subscription_id: int):
    """Ask before the node stops following an external feed."""
    subscription = db().get(FeedSubscription, subscription_id)
    if subscription is None:
        abort(404)
    name = subscription.title or subscription.url
    return render_confirmation(Confirmation(
        heading=naming(_("Afmeld »%(name)s«?"), name=name),
        consequence=naming(_("Abonnementet på »%(name)s« afmeldes. Denne node henter ikke flere indslag fra "
                                 "feedet, så nye indslag når heller ikke ud til de andre noder. Emner, der allerede "
                                 "er hentet, forbliver udgivet her og hos de noder, der har en kopi; træk dem tilbage "
                                 "enkeltvis, hvis de ikke skal vises længere."), name=name),
        action=url_for("admin.unsubscribe_feed", subscription_id=subscription.id),
        button=_("Ja, afmeld"),
        cancel=url_for("admin.overview") + "#feeds",
    ))


@bp.get("/admin/peers/<peer_id>/<action>")
@requires(Role.ADMIN)
def peer_act(peer_id: str, action: str):
    """Ask before a peer is blocked or removed."""
    peer = db().get(Peer, peer_id)
    if peer is None or action not in CONFIRMED_PEER_ACTIONS:
        abort(404)
    heading, consequence, button = _peer_words(peer, action)
    return render_confirmation(Confirmation(
        heading=heading, consequence=consequence, button=button,
        action=url_for("admin.change_peer_form", peer_id=peer.id, action=action),
        cancel=url_for("admin.overview") + "#foederation",
    ))


def _peer_words(peer: Peer, action: str) -> tuple[Markup, Markup, str]:
    # The heading, the consequence and the button of blocking, refusing or removing this peer.
    name = peer.name
    if action == "bloker":
        return (naming(_("Bloker %(name)s?"), name=name),
                naming(_("%(name)s blokeres. Denne node henter ikke længere noget fra %(name)s og sender intet "
                             "til den, og dens anmodninger om at blive peer afvises. Emner, som kun %(name)s har "
                             "sendt hertil, fjernes fra denne node og dermed også fra de noder, der henter dem "
                             "herfra. Det kan ikke fortrydes: en blokeret node kan kun fjernes, og så kan den anmode "
                             "om at blive peer igen."), name=name),
                _("Ja, bloker"))
    if peer.state == PeerState.PENDING:
        return (naming(_("Afvis anmodningen fra %(name)s?"), name=name),
                naming(_("Anmodningen fra %(name)s om at blive peer afvises, og noden slettes fra listen. "
                             "Den kan anmode igen senere."), name=name),
                _("Ja, afvis"))
    if peer.state == PeerState.BLOCKED:
        return (naming(_("Fjern %(name)s?"), name=name),
                naming(_("%(name)s fjernes fra nodens peers, og blokeringen ophæves, så noden kan anmode om at "
                             "blive peer igen. Emner, den har sendt hertil tidligere, bliver liggende."), name=name),
                _("Ja, fjern"))
    return (naming(_("Fjern %(name)s?"), name=name),
            naming(_("%(name)s fjernes fra nodens peers. Denne node holder op med at hente fra og sende til "
                         "%(name)s; emner, den har sendt hertil, bliver liggende. Den kan anmode om at blive peer "
                         "igen."), name=name),
            _("Ja, fjern"))

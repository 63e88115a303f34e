"""The item format's vocabulary: types, field names, choices, each type's details and the length limits.

Everything here is data with Danish labels for the interface; `node.items.schema`
validates items against it. See docs/item-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.privacy.guard import OVERRIDE_KEY

TYPES = {
    "practice": "Praksiseksempel",
    "method": "Metode",
    "bulletin": "Tendensbulletin",
    "plan": "Handleplan",
    "guidance": "Vejledning",
}
TYPE_PLURALS = {
    "practice": "Praksiseksempler",
    "method": "Metoder",
    "bulletin": "Tendensbulletiner",
    "plan": "Handleplaner",
    "guidance": "Vejledninger",
}
# Danish names of the item fields, for messages in the interface.
FIELD_LABELS = {
    "id": "Id", "type": "Type", "title": "Titel", "summary": "Resumé", "body": "Brødtekst",
    "audience": "Hvem må se emnet", "tags": "Emneord", "municipalities": "Kommuner",
    "police_districts": "Politikredse", "prevention_level": "Forebyggelsesniveau", "target_groups": "Målgrupper",
    "cooperation": "Samarbejde", "expires_at": "Udløber", "details": "Detaljer",
}
PREVENTION_LEVELS = ("opbyggende", "forebyggende", "kriminalitetsforebyggende")
TARGET_GROUPS = (
    "børn 6-12 år",
    "unge 13-17 år",
    "unge voksne 18-25 år",
    "forældre og familie",
    "fagprofessionelle",
    "lokalsamfund",
)
COOPERATION = ("SSP", "PSP", "KSP", "SSD", "SSP+")
LIST_FIELDS = ("tags", "municipalities", "police_districts", "target_groups", "cooperation")

@dataclass(frozen=True)
class DetailSpec:
    """One key of a type's `details`: how to read it and how to label it in Danish."""

    key: str
    kind: str  # text | markdown | lines | int | date | choice | observations | links | source | codes
    label: str
    choices: tuple[str, ...] = ()
    required: bool = False


DETAILS: dict[str, tuple[DetailSpec, ...]] = {
    "practice": (
        DetailSpec("focus", "choice", "Fokus", ("generel", "specifik", "individorienteret")),
        DetailSpec("key_themes", "lines", "Centrale temaer"),
        DetailSpec("target_audience", "text", "Målgruppe (beskrivelse)"),
        DetailSpec("geographical_scope", "choice", "Geografisk rækkevidde", ("lokal", "regional", "national")),
        DetailSpec("start_year", "int", "Startår"),
        DetailSpec("deliverables", "markdown", "Leverancer"),
        DetailSpec("evidence_and_evaluation", "markdown", "Evidens og evaluering"),
        DetailSpec("sustainability_and_transferability", "markdown", "Forankring og overførbarhed"),
        DetailSpec("organisation", "text", "Organisation"),
        DetailSpec("contact", "text", "Kontakt (funktion eller fælles postkasse)"),
        DetailSpec("last_update", "date", "Senest opdateret"),
    ),
    "method": (
        DetailSpec("purpose", "markdown", "Formål"),
        DetailSpec("steps", "lines", "Trin"),
        DetailSpec("roles", "markdown", "Roller"),
        DetailSpec("competences", "markdown", "Kompetencer"),
        DetailSpec("evidence", "markdown", "Evidens"),
    ),
    "bulletin": (
        DetailSpec("period_start", "date", "Periode fra"),
        DetailSpec("period_end", "date", "Periode til"),
        DetailSpec("area", "text", "Område (aldrig en adresse)"),
        DetailSpec("observations", "observations", "Observationer"),
        DetailSpec("assessment", "markdown", "Vurdering"),
        DetailSpec("recommended_action", "markdown", "Anbefalet handling"),
    ),
    "plan": (
        DetailSpec("participating_municipalities", "codes", "Deltagende kommuner", required=True),
        DetailSpec("period_start", "date", "Periode fra"),
        DetailSpec("period_end", "date", "Periode til"),
        DetailSpec("analysis", "markdown", "1. Analyse af den lokale situation"),
        DetailSpec("goals", "markdown", "2. Formål og mål"),
        DetailSpec("interventions", "markdown", "3. Indsatser"),
        DetailSpec("organisation", "markdown", "4. Organisering og roller"),
        DetailSpec("financing", "markdown", "5. Finansiering"),
        DetailSpec("follow_up", "markdown", "6. Dokumentation og opfølgning"),
    ),
    "guidance": (
        DetailSpec("issuer", "text", "Udgiver"),
        DetailSpec("links", "links", "Links"),
        # Set on entries ingested from an external feed: who wrote it and where the original is.
        DetailSpec("source", "source", "Kilde"),
    ),
}

# A publisher's reason for letting personal data through the guard; bulletins cannot have one.
_OVERRIDE = DetailSpec(OVERRIDE_KEY, "text", "Begrundelse for at tillade personoplysninger (kun udgivere)")
DETAILS.update({item_type: specs + (_OVERRIDE,) for item_type, specs in DETAILS.items() if item_type != "bulletin"})

# Length limits of the item format, in characters (docs/item-format.md); other ways in cut text to them.
TITLE_MAX, SUMMARY_MAX, BODY_MAX = 200, 1000, 100_000
TAG_MAX, TAGS_MAX = 40, 20
TEXT_MAX, LABEL_MAX = 500, 200  # a "text" detail; a link's title or an observation's label

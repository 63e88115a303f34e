"""The item format's vocabulary: types, field names, choices, each type's details and the length limits.

Everything here is data with Danish labels for the interface, marked for the catalogue and translated where
they are shown (node.web.labels); `node.items.schema` validates items against it. See docs/item-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.core.translation import N_
from node.privacy.guard import OVERRIDE_KEY

TYPES = {
    "practice": N_("Praksiseksempel"),
    "method": N_("Metode"),
    "bulletin": N_("Tendensbulletin"),
    "plan": N_("Handleplan"),
    "guidance": N_("Vejledning"),
}
TYPE_PLURALS = {
    "practice": N_("Praksiseksempler"),
    "method": N_("Metoder"),
    "bulletin": N_("Tendensbulletiner"),
    "plan": N_("Handleplaner"),
    "guidance": N_("Vejledninger"),
}
# Danish names of the item fields, for messages in the interface (translated where they are shown).
FIELD_LABELS = {
    "id": N_("Id"), "type": N_("Type"), "title": N_("Titel"), "summary": N_("Resumé"), "body": N_("Brødtekst"),
    "audience": N_("Hvem må se emnet"), "tags": N_("Emneord"), "municipalities": N_("Kommuner"),
    "police_districts": N_("Politikredse"), "prevention_level": N_("Forebyggelsesniveau"),
    "target_groups": N_("Målgrupper"), "cooperation": N_("Samarbejde"), "expires_at": N_("Udløber"),
    "details": N_("Detaljer"),
}
PREVENTION_LEVELS = (N_("opbyggende"), N_("forebyggende"), N_("kriminalitetsforebyggende"))
TARGET_GROUPS = (
    N_("børn 6-12 år"),
    N_("unge 13-17 år"),
    N_("unge voksne 18-25 år"),
    N_("forældre og familie"),
    N_("fagprofessionelle"),
    N_("lokalsamfund"),
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
        DetailSpec("focus", "choice", N_("Fokus"), (N_("generel"), N_("specifik"), N_("individorienteret"))),
        DetailSpec("key_themes", "lines", N_("Centrale temaer")),
        DetailSpec("target_audience", "text", N_("Målgruppe (beskrivelse)")),
        DetailSpec("geographical_scope", "choice", N_("Geografisk rækkevidde"),
                   (N_("lokal"), N_("regional"), N_("national"))),
        DetailSpec("start_year", "int", N_("Startår")),
        DetailSpec("deliverables", "markdown", N_("Leverancer")),
        DetailSpec("evidence_and_evaluation", "markdown", N_("Evidens og evaluering")),
        DetailSpec("sustainability_and_transferability", "markdown", N_("Forankring og overførbarhed")),
        DetailSpec("organisation", "text", N_("Organisation")),
        DetailSpec("contact", "text", N_("Kontakt (funktion eller fælles postkasse)")),
        DetailSpec("last_update", "date", N_("Senest opdateret")),
    ),
    "method": (
        DetailSpec("purpose", "markdown", N_("Formål")),
        DetailSpec("steps", "lines", N_("Trin")),
        DetailSpec("roles", "markdown", N_("Roller")),
        DetailSpec("competences", "markdown", N_("Kompetencer")),
        DetailSpec("evidence", "markdown", N_("Evidens")),
    ),
    "bulletin": (
        DetailSpec("period_start", "date", N_("Periode fra")),
        DetailSpec("period_end", "date", N_("Periode til")),
        DetailSpec("area", "text", N_("Område (aldrig en adresse)")),
        DetailSpec("observations", "observations", N_("Observationer")),
        DetailSpec("assessment", "markdown", N_("Vurdering")),
        DetailSpec("recommended_action", "markdown", N_("Anbefalet handling")),
    ),
    "plan": (
        DetailSpec("participating_municipalities", "codes", N_("Deltagende kommuner"), required=True),
        DetailSpec("period_start", "date", N_("Periode fra")),
        DetailSpec("period_end", "date", N_("Periode til")),
        DetailSpec("analysis", "markdown", N_("1. Analyse af den lokale situation")),
        DetailSpec("goals", "markdown", N_("2. Formål og mål")),
        DetailSpec("interventions", "markdown", N_("3. Indsatser")),
        DetailSpec("organisation", "markdown", N_("4. Organisering og roller")),
        DetailSpec("financing", "markdown", N_("5. Finansiering")),
        DetailSpec("follow_up", "markdown", N_("6. Dokumentation og opfølgning")),
    ),
    "guidance": (
        DetailSpec("issuer", "text", N_("Udgiver")),
        DetailSpec("links", "links", N_("Links")),
        # Set on entries ingested from an external feed: who wrote it and where the original is.
        DetailSpec("source", "source", N_("Kilde")),
    ),
}

# A publisher's reason for letting personal data through the guard; bulletins cannot have one.
_OVERRIDE = DetailSpec(OVERRIDE_KEY, "text", N_("Begrundelse for at tillade personoplysninger (kun udgivere)"))
DETAILS.update({item_type: specs + (_OVERRIDE,) for item_type, specs in DETAILS.items() if item_type != "bulletin"})

# Every fixed choice a detail can take, for showing them in the interface language.
DETAIL_CHOICES = tuple(dict.fromkeys(c for specs in DETAILS.values() for spec in specs for c in spec.choices))

# Length limits of the item format, in characters (docs/item-format.md); other ways in cut text to them.
TITLE_MAX, SUMMARY_MAX, BODY_MAX = 200, 1000, 100_000
TAG_MAX, TAGS_MAX = 40, 20
TEXT_MAX, LABEL_MAX = 500, 200  # a "text" detail; a link's title or an observation's label

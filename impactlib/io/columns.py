"""Canonical column names, their Dutch (and survey-tool) aliases, and kind inference.

Column headers are matched *insensitive to case, spaces, underscores, hyphens,
dots, accents and punctuation*: ``"Verhaal ID"``, ``"verhaal_id"`` and
``"VERHAAL-ID"`` all become the key ``"verhaalid"``.  Aliases are defined
**per kind of table**, because the same Dutch word means different things in
different tables: ``rol`` is the storyteller's role in a stories table but the
investor/beneficiary role in an effect-arena table.

Examples
--------
>>> column_key("Waarom belangrijk?")
'waarombelangrijk'
>>> resolve_columns(["Verhaal ID", "Tekst", "Datum"], "stories").rename
{'Verhaal ID': 'story_id', 'Tekst': 'text', 'Datum': 'collected_on'}
>>> infer_kind(["indicator", "gebied", "periode", "waarde"])
'indicators'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from impactlib.errors import ImpactError, Problem

#: The kinds of table impactlib reads, in the order ``infer_kind`` prefers them on a tie.
KINDS: tuple[str, ...] = ("stories", "activities", "indicators", "msc", "arena", "codes")

#: Canonical columns per kind, in output order.
CANONICAL: dict[str, tuple[str, ...]] = {
    "stories": (
        "story_id", "text", "activity", "activity_goal", "storyteller_role", "collected_on",
        "track", "domain", "why_significant", "area", "language",
    ),
    "activities": ("activity", "activity_goal", "social_work_type", "organisation", "area", "owner"),
    "indicators": (
        "indicator", "area", "period", "period_start", "value", "unit", "source", "owner",
        "status", "target", "activity", "track",
    ),
    "msc": ("round", "panel", "domain", "story_id", "selected", "reasons"),
    "arena": ("activity", "effect", "stakeholder", "role", "note"),
    "codes": (
        "story_id", "start", "end", "dimension", "value", "coder", "source", "status",
        "confidence", "codebook_version", "created_at", "memo",
    ),
}

#: Columns a file must have (after aliasing) to be read as that kind.
REQUIRED: dict[str, tuple[str, ...]] = {
    "stories": ("story_id", "text"),
    "activities": ("activity",),
    "indicators": ("indicator", "area", "period", "value"),
    "msc": ("round", "story_id"),
    "arena": ("activity", "effect", "stakeholder", "role"),
    "codes": ("story_id", "dimension", "value"),
}

# Aliases per kind: canonical name -> accepted header spellings, best first.  The
# canonical name itself always matches first.  Spellings are written naturally and
# reduced with ``column_key``.
_COMMON_AREA = ("gebied", "gebiedscode", "regio", "regiocode", "wijk", "wijkcode", "buurt",
                "buurtcode", "gemeente", "gemeentecode", "codering", "cbs code", "cbs gebiedscode",
                "area code", "wijknaam", "buurtnaam", "gebiedsnaam", "gemeentenaam", "stadsdeel")
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "stories": {
        "story_id": ("verhaal_id", "verhaalid", "verhaalnummer", "verhaal nr", "verhaalnr", "id verhaal",
                     "nr verhaal", "nummer verhaal", "verhaalcode", "code verhaal", "id", "story id",
                     "volgnummer", "volgnr", "nr", "nummer", "ResponseId", "response id", "respondent id",
                     "respondentnummer", "respondent"),
        "text": ("verhaal", "tekst", "verhaaltekst", "tekst verhaal", "tekst van het verhaal", "het verhaal",
                 "verhaal tekst", "story", "story text", "belangrijkste verandering", "verandering",
                 "wat is er veranderd", "beschrijving verandering", "beschrijving", "verhaal (tekst)"),
        "activity": ("activiteit", "naam activiteit", "activiteit naam", "naam van de activiteit", "interventie",
                     "aanbod", "programma"),
        "activity_goal": ("doel", "doel activiteit", "activiteitdoel", "doel van de activiteit",
                          "doelstelling activiteit", "beoogd doel", "goal", "doelstelling"),
        "storyteller_role": ("verteller", "rol", "rol verteller", "vertellerrol", "rol van de verteller",
                             "verteller rol", "type verteller", "soort verteller", "storyteller", "role",
                             "wie vertelt", "verteller (rol)"),
        "collected_on": ("datum", "date", "verzameld op", "datum verzameld", "datum verzameling",
                         "opgehaald op", "datum opgehaald", "datum interview", "interviewdatum",
                         "gesprek datum", "datum gesprek", "gespreksdatum", "datum verhaal", "verhaaldatum",
                         "ingevuld op", "datum ingevuld", "invuldatum", "datum afname", "afnamedatum",
                         "submitdate", "RecordedDate", "recorded date", "datestamp", "tijdstempel",
                         "tijd van voltooien", "voltooiingstijd", "completion time", "timestamp"),
        "track": ("spoor",),
        "domain": ("domein", "domein van verandering", "veranderdomein", "domain of change",
                   "veranderingsdomein"),
        "why_significant": ("waarom belangrijk", "waarom significant", "waarom betekenisvol",
                            "waarom is dit belangrijk", "waarom is deze verandering belangrijk",
                            "waarom belangrijk voor u", "waarom is dit voor u belangrijk",
                            "belang", "waarom", "why", "why important", "betekenis"),
        "area": _COMMON_AREA,
        "language": ("taal", "lang", "startlanguage", "UserLanguage", "user language"),
    },
    "activities": {
        "activity": ("activiteit", "naam", "naam activiteit", "interventie", "aanbod", "project"),
        "activity_goal": ("doel", "doelstelling", "beoogd doel", "doel activiteit", "goal",
                          "doel van de activiteit"),
        "social_work_type": ("soort sociaal werk", "type sociaal werk", "soort", "type", "kind",
                             "social work type", "piramide", "niveau", "laag"),
        "organisation": ("organisatie", "organization", "uitvoerder", "aanbieder", "uitvoerende organisatie"),
        "area": _COMMON_AREA,
        "owner": ("eigenaar", "opdrachtgever"),
    },
    "indicators": {
        "indicator": ("indicatornaam", "naam indicator", "kenmerk", "onderwerp", "onderwerpen",
                      "maat", "naam"),
        "area": _COMMON_AREA + ("wijken en buurten", "regio's", "regioaanduiding"),
        "period": ("periode", "perioden", "tijdvak", "jaar", "kwartaal", "maand", "meetmoment", "peildatum",
                   "peilmoment"),
        "value": ("waarde", "aantal", "score", "uitkomst", "value", "percentage", "meetwaarde", "cijfer"),
        "unit": ("eenheid", "maateenheid"),
        "source": ("bron", "databron"),
        "owner": ("eigenaar", "opdrachtgever"),
        "target": ("doelwaarde", "streefwaarde", "streefcijfer", "norm", "target value", "ambitie"),
        "status": ("status",),
        "activity": ("activiteit", "interventie"),
        "track": ("spoor",),
    },
    "msc": {
        "round": ("ronde", "selectieronde", "selection round"),
        "panel": ("selectiepanel", "commissie", "panel", "groep"),
        "domain": ("domein", "domein van verandering", "veranderdomein", "veranderingsdomein"),
        "story_id": ("verhaal_id", "verhaalid", "verhaalnummer", "verhaal nr", "verhaal", "id"),
        "selected": ("geselecteerd", "gekozen", "selectie", "gekozen verhaal", "is geselecteerd"),
        "reasons": ("redenen", "reden", "motivatie", "toelichting", "waarom", "argumenten",
                    "waarom gekozen"),
    },
    "arena": {
        "activity": ("activiteit", "interventie"),
        "effect": ("maatschappelijk effect", "effecten", "uitkomst"),
        "stakeholder": ("belanghebbende", "stakeholders", "partij", "actor", "organisatie"),
        "role": ("rol", "positie", "rol in arena"),
        "note": ("toelichting", "opmerking", "notitie", "opmerkingen", "notes"),
    },
    "codes": {
        "story_id": ("verhaal_id", "verhaalid", "verhaalnummer", "id"),
        "start": ("begin", "van", "offset start", "start offset"),
        "end": ("eind", "einde", "tot", "offset end", "end offset"),
        "dimension": ("dimensie", "code dimensie"),
        "value": ("waarde", "code", "label"),
        "coder": ("codeur", "codeerder", "beoordelaar", "annotator", "rater"),
        "source": ("bron", "herkomst"),
        "status": ("status",),
        "confidence": ("zekerheid", "betrouwbaarheid", "kans", "probability"),
        "codebook_version": ("codeboekversie", "codeboek versie", "versie codeboek", "versie"),
        "created_at": ("aangemaakt", "aangemaakt op", "tijdstip", "datum", "timestamp"),
        "memo": ("notitie", "opmerking", "toelichting", "note"),
    },
}

#: Wide codes tables have one column per dimension; these headers name a dimension.
DIMENSION_ALIASES: dict[str, tuple[str, ...]] = {
    "valence": ("valentie", "waardering", "positief negatief"),
    "intentionality": ("intentionaliteit", "bedoeld", "bedoeld onbedoeld", "intentie"),
    "directness": ("directheid", "direct indirect"),
}

#: Filename hints per kind (stem key contains one of these) used to break ties.
FILENAME_HINTS: dict[str, tuple[str, ...]] = {
    "stories": ("stories", "verhalen", "story", "verhaal"),
    "activities": ("activities", "activiteiten", "activiteit"),
    "indicators": ("indicators", "indicatoren", "indicator", "cijfers", "kerncijfers"),
    "msc": ("msc", "selectie", "selection", "rondes", "rounds"),
    "arena": ("arena",),
    "codes": ("codes", "coderingen", "codering", "coding"),
}


def column_key(name: object) -> str:
    """Reduce a header to its matching key: lower case, no accents, only letters and digits.

    Examples
    --------
    >>> column_key(" Coördinator_Rol ")
    'coordinatorrol'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _build_lookup() -> dict[str, dict[str, tuple[str, int]]]:
    lookup: dict[str, dict[str, tuple[str, int]]] = {}
    for kind, per in ALIASES.items():
        table: dict[str, tuple[str, int]] = {}
        for canon in CANONICAL[kind]:
            table.setdefault(column_key(canon), (canon, 0))
        for canon, aliases in per.items():
            for rank, alias in enumerate(aliases, start=1):
                table.setdefault(column_key(alias), (canon, rank))
        lookup[kind] = table
    return lookup


_LOOKUP = _build_lookup()


@dataclass
class ColumnResolution:
    """How the headers of one file map to canonical names.

    Attributes
    ----------
    rename : dict
        File header -> canonical name, for every header that maps.
    problems : list of Problem
        Errors (explicit mapping naming an absent column) and warnings
        (two headers competing for one canonical name).
    """

    rename: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def source_of(self, canonical: str) -> str | None:
        """The file header that became ``canonical`` (``None`` when absent)."""
        for src, dst in self.rename.items():
            if dst == canonical:
                return src
        return None


def canonical_for(header: str, kind: str) -> str | None:
    """The canonical name a header maps to for ``kind`` (``None`` if it does not map).

    Examples
    --------
    >>> canonical_for("Rol", "stories"), canonical_for("Rol", "arena")
    ('storyteller_role', 'role')
    """
    hit = _LOOKUP[kind].get(column_key(header))
    return hit[0] if hit else None


def resolve_columns(
    columns: Sequence[str],
    kind: str,
    mapping: Mapping[str, str] | None = None,
    *,
    file: str = "<table>",
) -> ColumnResolution:
    """Map a file's headers to canonical names for ``kind``.

    Parameters
    ----------
    columns : sequence of str
        The headers as they are in the file.
    kind : str
        One of :data:`KINDS`.
    mapping : mapping, optional
        Explicit ``{"header in file": "canonical_name"}``; wins over aliases.
        Headers are matched case-, space- and underscore-insensitively.
    file : str
        File name used in problem messages.

    Returns
    -------
    ColumnResolution
    """
    if kind not in _LOOKUP:
        raise ImpactError(f"unknown table kind {kind!r}; use one of {', '.join(KINDS)}")
    res = ColumnResolution()
    claimed: dict[str, tuple[str, int]] = {}  # canonical -> (header, rank); rank -1 = explicit
    by_key: dict[str, str] = {}
    for col in columns:
        by_key.setdefault(column_key(col), col)
    for src, dst in (mapping or {}).items():
        col = src if src in columns else by_key.get(column_key(src))
        if col is None and src in CANONICAL[kind]:  # written the other way round: {"text": "Q2"}
            rev = dst if dst in columns else by_key.get(column_key(dst))
            if rev is not None:
                res.problems.append(Problem(
                    file, None, rev, None,
                    f"the column mapping {src!r} = {dst!r} is read as {rev!r} → {src!r}; write it as "
                    f"\"{rev}\" = \"{src}\" (column in file = canonical name)", severity="warning"))
                col, dst = rev, src
        if col is None:
            res.problems.append(Problem(
                file, None, str(src), None,
                f"the column mapping names column {str(src)!r}, which is not in the file; "
                f"columns found: {', '.join(map(repr, columns))}; fix the mapping",
            ))
            continue
        if dst in claimed:
            res.problems.append(Problem(
                file, None, str(src), None,
                f"the column mapping maps both {claimed[dst][0]!r} and {col!r} to {dst!r}; map only one",
            ))
            continue
        if dst not in CANONICAL[kind]:
            res.problems.append(Problem(
                file, None, col, dst,
                f"the column mapping renames {col!r} to {dst!r}, which is not a column of a {kind} table "
                f"({', '.join(CANONICAL[kind])}); it is kept as an extra column under that name",
                severity="warning",
            ))
        claimed[dst] = (col, -1)
    explicit = {c for c, _ in claimed.values()}
    losers: list[tuple[str, str, str]] = []
    for col in columns:
        if col in explicit:
            continue
        hit = _LOOKUP[kind].get(column_key(col))
        if hit is None:
            continue
        canon, rank = hit
        if canon in claimed:
            other, other_rank = claimed[canon]
            if other_rank != -1 and rank < other_rank:
                claimed[canon] = (col, rank)
                losers.append((canon, other, col))
            else:
                losers.append((canon, col, other))
            continue
        claimed[canon] = (col, rank)
    for canon, loser, winner in losers:
        res.problems.append(Problem(
            file, None, loser, None,
            f"columns {winner!r} and {loser!r} could both be {canon!r}; using {winner!r} and keeping "
            f"{loser!r} as an extra column; map the right one explicitly (project file [columns.{kind}]) "
            "if that is wrong",
            severity="warning",
        ))
    res.rename = {col: canon for canon, (col, _) in claimed.items()}
    # keep file order
    res.rename = {c: res.rename[c] for c in columns if c in res.rename}
    return res


def dimension_for(header: str) -> str | None:
    """The impact dimension a header names in a wide codes table, or ``None``.

    Examples
    --------
    >>> dimension_for("Valentie")
    'valence'
    """
    key = column_key(header)
    for dim, aliases in DIMENSION_ALIASES.items():
        if key == dim or key in {column_key(a) for a in aliases}:
            return dim
    return None


def infer_kind(columns: Iterable[str], filename: str | None = None) -> str:
    """Guess the kind of table from its headers (and, on a tie, its file name).

    Parameters
    ----------
    columns : iterable of str
        The headers as found in the file.
    filename : str, optional
        The file name; a name like ``verhalen.csv`` breaks ties.

    Returns
    -------
    str
        One of :data:`KINDS`.

    Raises
    ------
    ImpactError
        When no kind has all its required columns.

    Examples
    --------
    >>> infer_kind(["verhaal_id", "tekst", "rol"])
    'stories'
    >>> infer_kind(["activiteit", "effect", "belanghebbende", "rol"])
    'arena'
    """
    from impactlib.io.values import parse_period  # local: avoid an import cycle

    cols = [str(c) for c in columns]
    stem = column_key(filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]) if filename else ""
    scores: list[tuple[int, int, int, int, str]] = []
    for order, kind in enumerate(KINDS):
        res = resolve_columns(cols, kind)
        found = set(res.rename.values())
        required = set(REQUIRED[kind])
        if kind == "indicators" and "value" not in found:
            if sum(parse_period(c) is not None for c in cols) >= 1:
                found |= {"period", "value"}
        if kind == "codes" and not {"dimension", "value"} <= found:
            if any(dimension_for(c) for c in cols):
                found |= {"dimension", "value"}
        if kind == "arena" and not {"stakeholder", "role"} & found:
            keys = {column_key(c) for c in cols}
            if keys & {"investeerder", "investeerders", "investor", "investors"} or \
                    keys & {"incasseerder", "incasseerders", "beneficiary", "beneficiaries"}:
                found |= {"stakeholder", "role"}
        complete = required <= found
        hint = int(any(h in stem for h in FILENAME_HINTS[kind])) if stem else 0
        scores.append((int(complete), hint, len(found & set(CANONICAL[kind])), -order, kind))
    best = max(scores)
    if not best[0]:
        if best[1]:  # the file name says what it is: let the loader list what is missing
            return best[4]
        partial = sorted(scores, key=lambda s: (s[2], s[3]), reverse=True)
        if partial[0][2] >= 2 and partial[0][2] > partial[1][2]:
            return partial[0][4]  # clearly this kind, with a required column missing: the loader says which
        raise ImpactError(
            f"{filename or 'table'}: cannot tell what kind of table this is from its columns "
            f"({', '.join(map(repr, cols)) or 'none'}); expected e.g. story_id+text (stories), "
            "activity (activities), indicator+area+period+value (indicators), round+story_id (msc), "
            "activity+effect+stakeholder+role (arena) or story_id+dimension+value (codes); "
            "give the kind explicitly (--kind)"
        )
    return best[4]


__all__ = [
    "KINDS",
    "CANONICAL",
    "REQUIRED",
    "ALIASES",
    "ColumnResolution",
    "column_key",
    "canonical_for",
    "resolve_columns",
    "dimension_for",
    "infer_kind",
]

#!/usr/bin/env python
"""Build the SYNTHETIC sample project of impactlib in ``data/sample/``.

Deterministic and re-runnable: the same inputs always give byte-identical
outputs (no wall-clock time, a fixed random seed).

Inputs
------
``scripts/sample_src/stories_part*.yaml``
    Hand-written synthetic stories with their human codes (format:
    one YAML list of mappings per file; see ``data/README.md``).  The script
    works on whatever parts are present.

Outputs (in ``data/sample/``)
-----------------------------
``stories.csv``, ``codes_human.csv``
    From the YAML parts.  Segment offsets are computed from each ``quote``
    inside ``text`` (Unicode code points, end exclusive); a quote that is
    not found is an error.
``activities.csv``, ``indicators.csv`` (Dutch Excel style: ``;``, decimal
comma, thousands dot, cp1252, CBS symbols), ``indicators.xlsx`` (wide),
``msc_rounds.csv``, ``effect_arena.csv``, ``project.toml``
    Generated from the tables in this script with a fixed seed.

Usage
-----
    python scripts/build_sample.py [--src scripts/sample_src] [--out data/sample] [--lenient]

``--lenient`` skips invalid stories with a warning instead of failing
(useful while the story files are still being written); the default is strict.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_VERSION = "1.0.0"
SEED = 20240101

# --------------------------------------------------------------------------
# Fixed domain tables (fictional municipality Gemeente Zuiderveen, GM9901)
# --------------------------------------------------------------------------
WIJKEN: dict[str, str] = {
    "WK990101": "Centrum",
    "WK990102": "De Linde",
    "WK990103": "Oost",
    "WK990104": "Havenkwartier",
    "WK990105": "Vogelwijk",
    "WK990106": "Molenhoek",
}

# activity, goal, social_work_type, organisation, area, owner
ACTIVITIES: list[tuple[str, str, str, str, str, str]] = [
    ("Buurtkamer De Linde",
     "Ontmoeting tussen buurtbewoners bevorderen en eenzaamheid onder (oudere) bewoners verminderen.",
     "sociale basis", "Welzijn Zuiderveen", "WK990102", "organisatie"),
    ("Huiswerkklas Oost",
     "Schoolprestaties en motivatie van kinderen uit groep 7-8 en de brugklas verbeteren en schooluitval voorkomen.",
     "preventie", "Stichting Leerkracht Oost", "WK990103", "organisatie"),
    ("Vroeg Eropaf schuldhulp",
     "Betalingsachterstanden vroeg signaleren en oplopende schulden en huisuitzettingen voorkomen.",
     "aanpak van problemen", "Gemeente Zuiderveen, team Schulddienstverlening", "WK990104", "gemeente"),
    ("Straatteam jongerenwerk",
     "Overlast door jongeren verminderen en jongeren toeleiden naar school, werk of zinvolle vrije tijd.",
     "preventie", "Welzijn Zuiderveen", "WK990101", "gemeente"),
    ("Mantelzorgcafé",
     "Overbelasting van mantelzorgers voorkomen door steun, informatie en lotgenotencontact.",
     "sociale basis", "Steunpunt Mantelzorg Zuiderveen", "WK990105", "organisatie"),
    ("Opvoedsteunpunt Samen Sterk",
     "Ouders versterken in hun opvoedvaardigheden en escalatie van opvoedproblemen voorkomen.",
     "preventie", "CJG Zuiderveen", "WK990106", "organisatie"),
    ("Wijkteam gezinsbegeleiding",
     "Gezinnen met meervoudige problemen stabiliseren zodat uithuisplaatsing en crisisopvang niet nodig zijn.",
     "aanpak van problemen", "Sociaal Wijkteam Zuiderveen", "WK990103", "gemeente"),
    ("Drangtraject jeugd",
     "Herhaling van delicten door jongeren na een eerste politiecontact voorkomen met begeleiding in een drangkader.",
     "juridische en klinische interventies", "Jeugdbescherming Regio Zuid (fictief)", "WK990101", "gemeente"),
]
ACTIVITY_GOAL = {a[0]: a[1] for a in ACTIVITIES}
ACTIVITY_AREA = {a[0]: a[4] for a in ACTIVITIES}

TRACKS = ("doelmatigheid", "betekenisgeving", "vakmanschap")
DOMAINS = ("Sociale contacten", "Zelfredzaamheid en regie", "Opvoeding en gezin",
           "Veiligheid en leefbaarheid", "School, werk en geld", "Professioneel handelen")
ROLES = ("deelnemer", "ouder", "kind/jongere", "buurtbewoner", "mantelzorger", "vrijwilliger",
         "professional", "docent", "wijkagent", "coördinator")
COLLECTORS = ("professional", "vrijwilliger", "student", "onderzoeker")
DIMENSIONS = ("valence", "intentionality", "directness")
VALUES = {
    "valence": ("positive", "negative"),
    "intentionality": ("intended", "unintended"),
    "directness": ("direct", "indirect"),
}
CODERS = ("coder_a", "coder_b")

STORY_COLUMNS = ["story_id", "text", "activity", "activity_goal", "storyteller_role",
                 "collected_on", "track", "domain", "why_significant", "area", "language",
                 "collected_by"]
CODE_COLUMNS = ["story_id", "start", "end", "dimension", "value", "coder", "source", "status",
                "confidence", "codebook_version", "created_at", "memo"]

# free attributes whose names a loader would take for a canonical column (``rol`` is a Dutch
# alias of storyteller_role) or that duplicate another attribute
ATTRIBUTE_RENAMES = {"rol": "vrijwilligersrol", "huishouden": "gezinssamenstelling"}

DATE_MIN = dt.date(2024, 1, 1)
DATE_MAX = dt.date(2025, 12, 31)


class BuildError(ValueError):
    """The story sources are invalid; the message lists every problem found."""


# --------------------------------------------------------------------------
# Stories and human codes
# --------------------------------------------------------------------------
def _load_parts(src: Path) -> list[tuple[str, int, dict[str, Any]]]:
    """Return ``(file name, index, story mapping)`` for every story in every part."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    for path in sorted(src.glob("stories_part*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise BuildError(f"{path.name}: not valid YAML: {exc}; fix the file and run again") from exc
        if data is None:
            continue
        if not isinstance(data, list):
            raise BuildError(f"{path.name}: expected a YAML list of stories, got {type(data).__name__}")
        for i, item in enumerate(data):
            out.append((path.name, i, item))
    return out


def _check_code(value: Any) -> str | None:
    """Return a problem description for a ``[valence, intentionality, directness]`` list, or None."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        return f"expected [valence, intentionality, directness], got {value!r}"
    for dim, v in zip(DIMENSIONS, value):
        if v not in VALUES[dim]:
            return f"{dim} {v!r} is not one of {'|'.join(VALUES[dim])}"
    return None


def _validate_story(fname: str, idx: int, s: Any) -> tuple[list[str], dict[str, Any] | None]:
    """Validate one story mapping; return (problems, normalised story or None)."""
    where = f"{fname}: story #{idx + 1}"
    if not isinstance(s, dict):
        return [f"{where}: expected a mapping, got {type(s).__name__}"], None
    sid = str(s.get("story_id", "")).strip()
    if sid:
        where = f"{fname}: {sid}"
    problems: list[str] = []
    if not re.fullmatch(r"S\d{3,}", sid):
        problems.append(f"{where}: story_id {sid!r} must look like S001")
    text = s.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: 'text' is empty")
        text = ""
    text = text.strip()
    act = s.get("activity")
    if act not in ACTIVITY_GOAL:
        problems.append(f"{where}: activity {act!r} is not one of the 8 activities: {sorted(ACTIVITY_GOAL)}")
    if s.get("track") not in TRACKS:
        problems.append(f"{where}: track {s.get('track')!r} is not one of {'|'.join(TRACKS)}")
    if s.get("domain") not in DOMAINS:
        problems.append(f"{where}: domain {s.get('domain')!r} is not one of {list(DOMAINS)}")
    if s.get("storyteller_role") not in ROLES:
        problems.append(f"{where}: storyteller_role {s.get('storyteller_role')!r} is not one of {list(ROLES)}")
    if s.get("collected_by") not in COLLECTORS:
        problems.append(f"{where}: collected_by {s.get('collected_by')!r} is not one of {list(COLLECTORS)}")
    d = s.get("collected_on")
    if isinstance(d, str):
        try:
            d = dt.date.fromisoformat(d)
        except ValueError:
            pass
    if isinstance(d, dt.datetime):
        d = d.date()
    if not isinstance(d, dt.date) or not (DATE_MIN <= d <= DATE_MAX):
        problems.append(f"{where}: collected_on {s.get('collected_on')!r} must be a date in 2024-01-01..2025-12-31")
    area = str(s.get("area", ""))
    wk = ACTIVITY_AREA.get(act)
    if not (re.fullmatch(r"WK\d{6}", area) or re.fullmatch(r"BU\d{8}", area)):
        problems.append(f"{where}: area {area!r} must be WK + 6 digits or BU + 8 digits")
    elif wk and area[2:8] != wk[2:8]:
        problems.append(f"{where}: area {area!r} is not in the activity's wijk {wk}")
    attrs = s.get("attributes") or {}
    if not isinstance(attrs, dict):
        problems.append(f"{where}: attributes must be a mapping, got {attrs!r}")
        attrs = {}
    sc = s.get("story_code")
    if sc is not None:
        if not isinstance(sc, dict) or "coder_a" not in sc:
            problems.append(f"{where}: story_code must be a mapping with coder_a (and optionally coder_b) or null")
            sc = None
        else:
            for coder, code in sc.items():
                if coder not in CODERS:
                    problems.append(f"{where}: story_code coder {coder!r} is not one of {CODERS}")
                elif (p := _check_code(code)):
                    problems.append(f"{where}: story_code {coder}: {p}")
    effects = s.get("effects") or []
    double = isinstance(sc, dict) and "coder_b" in sc
    segs: list[dict[str, Any]] = []
    cursor: dict[str, int] = {}
    for j, e in enumerate(effects):
        ew = f"{where}: effect #{j + 1}"
        if not isinstance(e, dict) or not isinstance(e.get("quote"), str):
            problems.append(f"{ew}: expected a mapping with a 'quote' string")
            continue
        quote = e["quote"].strip()
        # repeated identical quotes take successive occurrences
        start = text.find(quote, cursor.get(quote, 0))
        if not quote or start < 0:
            problems.append(f"{ew}: quote {quote!r} is not an exact substring of the story text; "
                            "copy it character for character from 'text'")
            continue
        cursor[quote] = start + len(quote)
        if "coder_a" not in e:
            problems.append(f"{ew}: coder_a is missing")
        for coder in CODERS:
            if coder in e and (p := _check_code(e[coder])):
                problems.append(f"{ew}: {coder}: {p}")
        if double and "coder_b" not in e:
            problems.append(f"{ew}: story is double-coded (story_code has coder_b) but this effect has no coder_b")
        if not double and "coder_b" in e:
            problems.append(f"{ew}: effect has coder_b but story_code has none")
        segs.append({"start": start, "end": start + len(quote),
                     "codes": {c: e[c] for c in CODERS if c in e}})
    if sc is None and effects:
        problems.append(f"{where}: story_code is null but the story has effects")
    if problems:
        return problems, None
    return [], {
        "story_id": sid, "text": text, "activity": act, "activity_goal": ACTIVITY_GOAL[act],
        "storyteller_role": s["storyteller_role"], "collected_on": d.isoformat(),
        "track": s["track"], "domain": s["domain"],
        "why_significant": str(s.get("why_significant") or "").strip(),
        "area": area, "language": str(s.get("language") or "nl"), "collected_by": s["collected_by"],
        "attributes": {ATTRIBUTE_RENAMES.get(str(k), str(k)): "" if v is None else str(v)
                       for k, v in attrs.items()},
        "story_code": sc or {}, "segments": segs,
    }


def build_stories(src: Path, lenient: bool = False) -> list[dict[str, Any]]:
    """Read and validate all story parts.

    Raises
    ------
    BuildError
        Listing every problem, unless ``lenient`` (then invalid stories are skipped
        with a warning on stderr).
    """
    problems: list[str] = []
    stories: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for fname, idx, item in _load_parts(src):
        p, story = _validate_story(fname, idx, item)
        if story is not None and story["story_id"] in seen:
            p = [f"{fname}: {story['story_id']}: duplicate story_id (also in {seen[story['story_id']]})"]
            story = None
        if p:
            problems.extend(p)
            continue
        seen[story["story_id"]] = fname
        stories.append(story)
    if problems:
        if not lenient:
            raise BuildError(f"{len(problems)} problem(s) in the story sources:\n" + "\n".join(problems))
        for p in problems:
            print(f"warning: skipped: {p}", file=sys.stderr)
    stories.sort(key=lambda s: (int(s["story_id"][1:]), s["story_id"]))
    return stories


def _created_at(collected_on: str, coder: str, n: int) -> str:
    """Deterministic coding timestamp: a coding session some weeks after collection."""
    d = dt.date.fromisoformat(collected_on)
    lag = 21 if coder == "coder_a" else 34
    t = dt.datetime(d.year, d.month, d.day, 9, 0) + dt.timedelta(days=lag, minutes=2 * n)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def code_rows(stories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn the stories' human codes into rows of the canonical codes table."""
    rows: list[dict[str, Any]] = []
    for s in stories:
        n = {c: 0 for c in CODERS}
        units = [(None, None, s["story_code"])] + [(g["start"], g["end"], g["codes"]) for g in s["segments"]]
        for start, end, codes in units:
            for coder in CODERS:
                if coder not in codes:
                    continue
                stamp = _created_at(s["collected_on"], coder, n[coder])
                n[coder] += 1
                for dim, val in zip(DIMENSIONS, codes[coder]):
                    rows.append({
                        "story_id": s["story_id"], "start": "" if start is None else start,
                        "end": "" if end is None else end, "dimension": dim, "value": val,
                        "coder": coder, "source": "human", "status": "accepted", "confidence": "",
                        "codebook_version": CODEBOOK_VERSION, "created_at": stamp, "memo": "",
                    })
    return rows


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]],
               encoding: str = "utf-8", delimiter: str = ",", lineterminator: str = "\n") -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, delimiter=delimiter, lineterminator=lineterminator,
                       quoting=csv.QUOTE_MINIMAL, extrasaction="raise")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode(encoding))


def write_stories(stories: list[dict[str, Any]], out: Path) -> list[str]:
    """Write ``stories.csv``; return the attribute columns used."""
    attr_cols: list[str] = []
    for s in stories:
        for k in s["attributes"]:
            if k not in attr_cols and k not in STORY_COLUMNS:
                attr_cols.append(k)
    rows = []
    for s in stories:
        r = {c: s[c] for c in STORY_COLUMNS}
        r.update({k: s["attributes"].get(k, "") for k in attr_cols})
        rows.append(r)
    _write_csv(out / "stories.csv", STORY_COLUMNS + attr_cols, rows)
    return attr_cols


# --------------------------------------------------------------------------
# Activities, indicators
# --------------------------------------------------------------------------
def write_activities(out: Path) -> None:
    cols = ["activity", "activity_goal", "social_work_type", "organisation", "area", "owner"]
    _write_csv(out / "activities.csv", cols, [dict(zip(cols, a)) for a in ACTIVITIES])


QUARTERS = [f"{y}K{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]

# name, unit, source, owner, activity, track, kind, decimals, wijken, base per wijk, trend per
# quarter (relative), target (relative to 2024K1 level, or absolute), measured quarters, small-number
# suppression threshold
INDICATORS: list[dict[str, Any]] = [
    dict(name="huishoudens met betalingsachterstand", unit="huishoudens",
         source="Vroegsignalering (woningcorporatie, energie, water, zorgverzekeraar)", owner="gemeente",
         activity="Vroeg Eropaf schuldhulp", track="doelmatigheid", decimals=0,
         base={"WK990101": 48, "WK990102": 61, "WK990103": 92, "WK990104": 118, "WK990105": 27,
               "WK990106": 39},
         # more early signals are found: the figure rises in Havenkwartier although stories say
         # debts were kept small (the indicator counts signals, not outcomes)
         trend={"WK990104": 0.045, "default": -0.01}, target_rel=0.85),
    dict(name="huisuitzettingen wegens huurachterstand", unit="huishoudens",
         source="Zuiderveen Wonen (woningcorporatie, fictief)", owner="gemeente",
         activity="Vroeg Eropaf schuldhulp", track="doelmatigheid", decimals=0,
         base={"WK990101": 1, "WK990102": 1, "WK990103": 2, "WK990104": 3, "WK990105": 0,
               "WK990106": 1},
         trend={"WK990104": -0.08, "default": 0.0}, target_abs=0, suppress_below=0),
    dict(name="meldingen jeugdoverlast", unit="meldingen",
         source="Politie basisteam Zuiderveen (fictief)", owner="gemeente",
         activity="Straatteam jongerenwerk", track="doelmatigheid", decimals=0,
         base={"WK990101": 64, "WK990102": 18, "WK990103": 41, "WK990104": 22, "WK990105": 9,
               "WK990106": 15},
         # overlast drops in Centrum but moves to Havenkwartier (verplaatsing)
         trend={"WK990101": -0.05, "WK990104": 0.06, "default": 0.0}, target_rel=0.8, seasonal=True),
    dict(name="bezoekers buurtkamer", unit="bezoeken", source="Registratie Welzijn Zuiderveen",
         owner="organisatie", activity="Buurtkamer De Linde", track="doelmatigheid", decimals=0,
         base={"WK990102": 1180}, trend={"default": 0.03}, target_abs=1500),
    dict(name="ervaren eenzaamheid", unit="%", source="Bewonerspanel Zuiderveen", owner="bewoners",
         activity="Buurtkamer De Linde", track="betekenisgeving", decimals=1,
         base={"WK990101": 21.0, "WK990102": 27.5, "WK990103": 24.0, "WK990104": 25.5,
               "WK990105": 19.0, "WK990106": 18.5, "GM9901": 22.4},
         # loneliness hardly moves in the figures while stories report new contacts
         trend={"WK990102": -0.004, "default": 0.002}, target_abs=20.0, measured=(2, 4)),
    dict(name="schoolverzuim meldingen", unit="meldingen", source="Leerplicht Zuiderveen",
         owner="gemeente", activity="Huiswerkklas Oost", track="doelmatigheid", decimals=0,
         base={"WK990101": 30, "WK990102": 19, "WK990103": 52, "WK990104": 37, "WK990105": 12,
               "WK990106": 16},
         trend={"WK990103": -0.03, "default": 0.005}, target_rel=0.85, seasonal=True),
    dict(name="deelnemers huiswerkklas", unit="kinderen", source="Stichting Leerkracht Oost",
         owner="organisatie", activity="Huiswerkklas Oost", track="doelmatigheid", decimals=0,
         base={"WK990103": 34}, trend={"default": 0.04}, target_abs=45),
    dict(name="deelnemers mantelzorgcafé", unit="deelnemers", source="Steunpunt Mantelzorg Zuiderveen",
         owner="organisatie", activity="Mantelzorgcafé", track="doelmatigheid", decimals=0,
         base={"WK990105": 22}, trend={"default": 0.02}, target_abs=30),
    dict(name="mantelzorgers die zich overbelast voelen", unit="%", source="Bewonerspanel Zuiderveen",
         owner="bewoners", activity="Mantelzorgcafé", track="betekenisgeving", decimals=1,
         base={"WK990105": 16.0, "GM9901": 14.2}, trend={"default": 0.01}, target_abs=12.0,
         measured=(4,)),
    dict(name="ouders met vertrouwen in eigen opvoeding", unit="%",
         source="Lectoraat Sociaal Werk, effectmeting (fictief)", owner="onderzoekers",
         activity="Opvoedsteunpunt Samen Sterk", track="betekenisgeving", decimals=1,
         base={"WK990106": 61.0}, trend={"default": 0.015}, target_abs=70.0, measured=(1, 3)),
    dict(name="adviesgesprekken opvoedsteunpunt", unit="gesprekken", source="CJG Zuiderveen",
         owner="organisatie", activity="Opvoedsteunpunt Samen Sterk", track="doelmatigheid", decimals=0,
         base={"WK990106": 58, "WK990105": 12}, trend={"default": 0.02}, target_abs=70),
    dict(name="uithuisplaatsingen", unit="kinderen", source="Gemeente Zuiderveen, jeugdregistratie",
         owner="gemeente", activity="Wijkteam gezinsbegeleiding", track="doelmatigheid", decimals=0,
         base={"WK990101": 3, "WK990102": 2, "WK990103": 5, "WK990104": 4, "WK990105": 1,
               "WK990106": 2},
         # the figure does not fall in Oost although families report stabilisation
         trend={"WK990103": 0.02, "default": 0.0}, target_rel=0.6, suppress_below=3),
    dict(name="crisisinterventies", unit="interventies", source="Sociaal Wijkteam Zuiderveen",
         owner="organisatie", activity="Wijkteam gezinsbegeleiding", track="doelmatigheid", decimals=0,
         base={"WK990101": 9, "WK990102": 6, "WK990103": 14, "WK990104": 11, "WK990105": 3,
               "WK990106": 5},
         trend={"WK990103": -0.04, "default": 0.0}, target_rel=0.75),
    dict(name="jongeren met nieuw politiecontact binnen 12 maanden", unit="jongeren",
         source="Jeugdbescherming Regio Zuid (fictief)", owner="organisatie",
         activity="Drangtraject jeugd", track="doelmatigheid", decimals=0,
         base={"WK990101": 7, "WK990103": 5, "WK990104": 4}, trend={"default": -0.03},
         target_rel=0.7, suppress_below=3),
]

PROVISIONAL_SOURCES = {"gemeente"}  # owners whose last quarter is still provisional


def _nl_number(x: float, decimals: int) -> str:
    """Format like Dutch Excel: thousands dot, decimal comma."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def indicator_rows(rng: random.Random) -> list[dict[str, Any]]:
    """Long indicator rows with Dutch cell strings (``waarde`` and ``streefwaarde``)."""
    rows: list[dict[str, Any]] = []
    for ind in INDICATORS:
        for area, base in ind["base"].items():
            slope = ind["trend"].get(area, ind["trend"]["default"])
            if "target_abs" in ind:
                target = ind["target_abs"]
            else:
                target = round(base * ind["target_rel"], ind["decimals"])
            for qi, period in enumerate(QUARTERS):
                q = int(period[-1])
                level = base * (1 + slope) ** qi
                if ind.get("seasonal"):
                    level *= {1: 0.9, 2: 1.1, 3: 1.15, 4: 0.85}[q]
                noise = rng.gauss(0, 0.06 if base >= 10 else 0.25)
                val = max(level * (1 + noise), 0.0)
                val = round(val, ind["decimals"])
                measured = ind.get("measured")
                if measured and q not in measured:
                    cell = "."  # not measured this quarter
                elif rng.random() < 0.025:
                    cell = "."  # missing: delivery failed
                elif ind["decimals"] == 0 and val == 0:
                    cell = "-"  # nil
                elif "suppress_below" in ind and 0 < val < ind["suppress_below"]:
                    cell = "x"  # confidential: small numbers
                else:
                    cell = _nl_number(val, ind["decimals"])
                    if period == QUARTERS[-1] and ind["owner"] in PROVISIONAL_SOURCES:
                        cell += "*"  # provisional
                rows.append({
                    "indicator": ind["name"], "gebied": area, "periode": period, "waarde": cell,
                    "eenheid": ind["unit"], "bron": ind["source"], "eigenaar": ind["owner"],
                    "streefwaarde": _nl_number(target, ind["decimals"]),
                    # the activity works in one wijk; elsewhere the figure is a comparison
                    "activiteit": ind["activity"] if area in (ACTIVITY_AREA[ind["activity"]], "GM9901") else "",
                    "spoor": ind["track"],
                })
    return rows


INDICATOR_HEADERS = ["indicator", "gebied", "periode", "waarde", "eenheid", "bron", "eigenaar",
                     "streefwaarde", "activiteit", "spoor"]


def write_indicators(rows: list[dict[str, Any]], out: Path) -> None:
    """Write the Dutch Excel style CSV (cp1252, ``;``, CRLF) and the wide XLSX."""
    _write_csv(out / "indicators.csv", INDICATOR_HEADERS, rows, encoding="cp1252", delimiter=";",
               lineterminator="\r\n")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Indicatoren"
    head = [h for h in INDICATOR_HEADERS if h not in ("periode", "waarde")] + QUARTERS
    ws.append(head)
    for c in ws[1]:
        c.font = Font(bold=True)
    wide: dict[tuple, dict[str, str]] = {}
    for r in rows:
        key = tuple(r[h] for h in INDICATOR_HEADERS if h not in ("periode", "waarde"))
        wide.setdefault(key, {})[r["periode"]] = r["waarde"]
    for key, vals in wide.items():
        cells: list[Any] = list(key)
        # streefwaarde as a number
        ti = head.index("streefwaarde")
        cells[ti] = float(cells[ti].replace(".", "").replace(",", "."))
        for p in QUARTERS:
            v = vals.get(p, ".")
            if re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?", v):
                num = float(v.replace(".", "").replace(",", "."))
                cells.append(int(num) if num.is_integer() and "," not in v else num)
            else:
                cells.append(v)  # CBS symbols and provisional values stay text
        ws.append(cells)
    ws.freeze_panes = "C2"
    for col, width in zip("ABCDEFGH", (44, 10, 12, 48, 12, 12, 28, 16)):
        ws.column_dimensions[col].width = width
    info = wb.create_sheet("Toelichting")
    for line in [
        ["SYNTHETISCHE DATA — verzonnen voor de voorbeeldprojectmap van impactlib."],
        ["Gemeente Zuiderveen (GM9901) en alle wijken, organisaties en cijfers zijn fictief."],
        [""],
        ["Tabblad 'Indicatoren': één rij per indicator × gebied, kwartalen als kolommen (breed formaat)."],
        ["Tekens zoals bij het CBS:"],
        [".", "gegevens ontbreken (niet gemeten of niet geleverd)"],
        ["x", "geheim (kleine aantallen)"],
        ["-", "nihil (0)"],
        ["*", "voorlopig cijfer (achter de waarde)"],
        [""],
        ["eigenaar", "wie bepaalt dat dit gemeten wordt: gemeente, organisatie, bewoners, onderzoekers"],
        ["streefwaarde", "doel voor eind 2025 zoals afgesproken door de eigenaar"],
    ]:
        info.append(line)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 80
    # deterministic file: fixed workbook properties
    fixed = dt.datetime(2026, 1, 15, 12, 0, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "impactlib build_sample.py"
    wb.properties.title = "Indicatoren Zuiderveen (synthetisch)"
    wb.save(out / "indicators.xlsx")
    _fix_zip_times(out / "indicators.xlsx")


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip file with fixed entry timestamps so rebuilds are byte-identical."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with the clock
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2026-01-15T12:00:00Z\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 15, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)


# --------------------------------------------------------------------------
# MSC selection rounds
# --------------------------------------------------------------------------
# Dutch phrases per selection criterion; analysis.MSC_CRITERIA recognises them.
REASONS_SELECTED: dict[str, list[str]] = {
    "herkenbaarheid": [
        "Heel herkenbaar: dit zien we bij veel {wie} in de wijk.",
        "Iedereen in het panel herkende dit verhaal meteen.",
        "Een herkenbaar verhaal dat laat zien hoe het in de praktijk gaat.",
    ],
    "duurzaamheid": [
        "De verandering houdt al maanden stand, het is geen eenmalig succes.",
        "Dit lijkt een blijvende verandering, niet alleen voor nu.",
        "Duurzaam: de verteller blijft het ook zonder ons volhouden.",
    ],
    "onverwacht": [
        "Onverwacht effect waar niemand op had gerekend.",
        "Verrassend, dit stond niet in het plan en toch gebeurde het.",
        "Dit hadden we niet verwacht en daar kunnen we van leren.",
    ],
    "eigen kracht": [
        "De verteller heeft het grotendeels op eigen kracht gedaan.",
        "Laat zien dat mensen zelf weer regie nemen over hun leven.",
        "Mooi hoe {wie} zelf de stap hebben gezet.",
    ],
    "bereik": [
        "Het effect reikt verder dan de deelnemer: ook de buurt merkt het.",
        "Het raakt veel mensen tegelijk, het hele gezin en de straat.",
        "Groot bereik, het verhaal gaat over meer dan één persoon.",
    ],
    "ernst": [
        "Hier is echt iets ergs voorkomen; de ernst van wat er op het spel stond weegt zwaar.",
        "Het verschil tussen escalatie en rust: het had heel anders kunnen aflopen.",
    ],
    "leerzaam": [
        "Leerzaam voor ons als professionals: het zet ons aan het denken over onze aanpak.",
        "Hier kunnen we als organisatie van leren.",
    ],
    "kritisch": [
        "Juist omdat het ook de keerzijde laat zien: eerlijk over wat niet goed ging.",
        "Een kritisch verhaal dat de gemeente moet horen.",
    ],
}
REASONS_NOT_SELECTED = [
    "Mooi verhaal, maar de verandering is nog pril.",
    "Het panel vond het effect minder groot dan in het gekozen verhaal.",
    "Vooral een beschrijving van de activiteit, minder van wat er veranderde.",
    "Sterk verhaal, maar lijkt erg op het gekozen verhaal.",
    "Onduidelijk wat de activiteit hieraan heeft bijgedragen.",
    "",
]
WHO = {"deelnemer": "deelnemers", "ouder": "ouders", "kind/jongere": "jongeren",
       "buurtbewoner": "buurtbewoners", "mantelzorger": "mantelzorgers", "vrijwilliger": "vrijwilligers",
       "professional": "professionals", "docent": "docenten", "wijkagent": "wijkagenten",
       "coördinator": "coördinatoren"}

ROUND1_PANELS = {
    "Sociale contacten": "Bewonerspanel De Linde",
    "Zelfredzaamheid en regie": "Panel professionals Welzijn Zuiderveen",
    "Opvoeding en gezin": "Panel professionals CJG en wijkteam",
    "Veiligheid en leefbaarheid": "Bewonerspanel Centrum",
    "School, werk en geld": "Panel professionals schuldhulp en onderwijs",
    "Professioneel handelen": "Intervisiegroep sociaal werkers",
}
ROUND2_PANEL = "Stuurgroep sociaal domein gemeente Zuiderveen"


GENERIC_CRITERIA = ["herkenbaarheid", "duurzaamheid", "eigen kracht", "bereik"]


def _reasons(rng: random.Random, story: dict[str, Any], n: int, prefer: list[str]) -> str:
    """Compose ``n`` reasons: the preferred criteria first, then generic ones."""
    rest = [c for c in GENERIC_CRITERIA if c not in prefer]
    chosen = (list(prefer) + rng.sample(rest, len(rest)))[:max(n, 1)]
    who = WHO.get(story["storyteller_role"], "bewoners")
    return " ".join(rng.choice(REASONS_SELECTED[c]).format(wie=who) for c in chosen)


def msc_rows(stories: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """Two selection rounds: per domain by a panel, then across domains by the stuurgroep."""
    rows: list[dict[str, Any]] = []
    winners: list[tuple[dict[str, Any], str]] = []
    # one selection per year: candidates collected in that year
    for year in ("2024", "2025"):
        for domain in DOMAINS:
            pool = [s for s in stories if s["domain"] == domain and s["collected_on"].startswith(year)
                    and (s["track"] != "doelmatigheid" or domain == "Professioneel handelen")]
            if not pool:
                continue
            k = min(len(pool), rng.randint(5, 8))
            cands = sorted(rng.sample(pool, k), key=lambda s: s["story_id"])
            # panels like stories that are vivid, positive and about own participants, but
            # sometimes pick the unexpected or critical one
            def weight(s: dict[str, Any]) -> float:
                code = s["story_code"].get("coder_a", ["positive", "intended", "direct"])
                w = 1.0 + 0.002 * len(s["text"])
                if code[0] == "positive":
                    w *= 1.6
                if code[1] == "unintended":
                    w *= 1.3
                if s["storyteller_role"] in ("professional", "coördinator") and domain != "Professioneel handelen":
                    w *= 0.6
                return w
            pick = max(cands, key=lambda s: weight(s) * rng.uniform(0.6, 1.4))
            for s in cands:
                sel = s is pick
                if sel:
                    code = s["story_code"].get("coder_a", ["positive", "intended", "direct"])
                    prefer = []
                    if code[1] == "unintended":
                        prefer.append("onverwacht")
                    if code[0] == "negative":
                        prefer.append("kritisch")
                    if code[2] == "indirect":
                        prefer.append("bereik")
                    if domain == "Professioneel handelen":
                        prefer.append("leerzaam")
                    if not prefer:
                        prefer.append(rng.choice(["herkenbaarheid", "eigen kracht", "duurzaamheid"]))
                    reason = _reasons(rng, s, rng.choice((1, 2, 2, 3)), prefer)
                    winners.append((s, year))
                else:
                    reason = rng.choice(REASONS_NOT_SELECTED)
                rows.append({"round": 1, "panel": ROUND1_PANELS[domain], "domain": domain,
                             "story_id": s["story_id"], "selected": "true" if sel else "false",
                             "reasons": reason, "year": year})
    # round 2: the stuurgroep picks per year the most significant stories of all domains (two)
    for year in ("2024", "2025"):
        cands = [s for s, y in winners if y == year]
        if not cands:
            continue
        order = sorted(cands, key=lambda s: (
            -(s["story_code"].get("coder_a", ["positive"])[0] == "positive")
            - (s["story_code"].get("coder_a", ["", "intended"])[1] == "intended")
            - (s["activity"] in ("Vroeg Eropaf schuldhulp", "Wijkteam gezinsbegeleiding")) * 0.8
            + rng.uniform(0, 1.5), s["story_id"]))
        picks = {s["story_id"] for s in order[:2]}
        for s in cands:
            sel = s["story_id"] in picks
            if sel:
                code = s["story_code"].get("coder_a", ["positive", "intended", "direct"])
                if s["activity"] in ("Vroeg Eropaf schuldhulp", "Wijkteam gezinsbegeleiding", "Drangtraject jeugd"):
                    prefer = ["ernst"]
                elif code[1] == "unintended":
                    prefer = ["onverwacht"]
                elif code[0] == "negative":
                    prefer = ["kritisch"]
                else:
                    prefer = [rng.choice(GENERIC_CRITERIA)]
                reason = _reasons(rng, s, rng.choice((1, 2, 2, 3)), prefer)
            else:
                reason = rng.choice([
                    "Sterk verhaal, maar voor de gemeenteraad minder overtuigend.",
                    "Belangrijk voor de wijk, minder voor het beleid.",
                    "Het panel twijfelde of dit aan de activiteit te danken is.",
                    "Goed gekozen in de eerste ronde; de stuurgroep koos anders.",
                ])
            rows.append({"round": 2, "panel": ROUND2_PANEL, "domain": s["domain"], "story_id": s["story_id"],
                         "selected": "true" if sel else "false", "reasons": reason, "year": year})
    return rows


# --------------------------------------------------------------------------
# Effect arena
# --------------------------------------------------------------------------
# (activity, effect, [investors], [beneficiaries], note)
ARENA: list[tuple[str, str, list[str], list[str], str]] = [
    ("Buurtkamer De Linde", "minder eenzaamheid onder oudere bewoners",
     ["gemeente", "Welzijn Zuiderveen"], ["bewoners", "mantelzorgers", "gemeente"],
     "gemeente incasseert mee via minder Wmo-aanvragen"),
    ("Buurtkamer De Linde", "minder huisartsbezoek om sociale redenen",
     ["gemeente"], ["huisartsen", "zorgverzekeraar"],
     "verkeerde zak: de gemeente betaalt, de zorg bespaart"),
    ("Buurtkamer De Linde", "vrijwilligers doen werkervaring op",
     ["Welzijn Zuiderveen", "vrijwilligers"], ["vrijwilligers", "UWV"], ""),
    ("Huiswerkklas Oost", "betere schoolprestaties en minder schooluitval",
     ["gemeente", "Stichting Leerkracht Oost"], ["kinderen", "ouders", "scholen"],
     "scholen profiteren maar betalen niet mee"),
    ("Huiswerkklas Oost", "minder schoolverzuim",
     ["Stichting Leerkracht Oost"], ["scholen", "leerplicht"], "verkeerde zak"),
    ("Vroeg Eropaf schuldhulp", "minder huisuitzettingen",
     ["gemeente"], ["woningcorporatie", "huishoudens"],
     "verkeerde zak: de gemeente investeert, de woningcorporatie incasseert minder huurderving en ontruimingskosten"),
    ("Vroeg Eropaf schuldhulp", "minder stress en stressgerelateerde zorgkosten",
     ["gemeente"], ["huishoudens", "zorgverzekeraar"], "verkeerde zak"),
    ("Vroeg Eropaf schuldhulp", "schulden blijven klein, minder incassokosten",
     ["gemeente", "energieleverancier"], ["huishoudens", "energieleverancier"], ""),
    ("Straatteam jongerenwerk", "minder overlast door jongeren op straat",
     ["gemeente", "Welzijn Zuiderveen"], ["buurtbewoners", "politie", "ondernemers", "gemeente"],
     "gemeente: minder klachtafhandeling en handhaving"),
    ("Straatteam jongerenwerk", "jongeren terug naar school of werk",
     ["gemeente"], ["jongeren", "werkgevers", "UWV"], "verkeerde zak: uitkeringen en werkgevers"),
    ("Mantelzorgcafé", "mantelzorgers minder overbelast",
     ["gemeente", "Steunpunt Mantelzorg Zuiderveen"], ["mantelzorgers", "gemeente"], ""),
    ("Mantelzorgcafé", "latere opname in verpleeghuis",
     ["gemeente"], ["zorgkantoor", "zorgverzekeraar"],
     "verkeerde zak: besparing op Wlz-zorg valt niet bij de gemeente"),
    ("Opvoedsteunpunt Samen Sterk", "ouders zekerder in de opvoeding",
     ["gemeente", "CJG Zuiderveen"], ["ouders", "kinderen"], ""),
    ("Opvoedsteunpunt Samen Sterk", "minder zware jeugdhulp nodig",
     ["CJG Zuiderveen"], ["gemeente", "jeugdhulpaanbieders"], "verkeerde zak binnen het sociaal domein"),
    ("Wijkteam gezinsbegeleiding", "minder uithuisplaatsingen en crisisopvang",
     ["gemeente", "Sociaal Wijkteam Zuiderveen"], ["gezinnen", "kinderen", "gemeente"], ""),
    ("Wijkteam gezinsbegeleiding", "rust in de buurt en minder politie-inzet",
     ["gemeente"], ["buurtbewoners", "politie"], "verkeerde zak"),
    ("Wijkteam gezinsbegeleiding", "werkdruk en moreel dilemma bij professionals",
     ["Sociaal Wijkteam Zuiderveen"], ["Sociaal Wijkteam Zuiderveen"],
     "negatief effect: de kosten liggen bij de professionals zelf"),
    ("Drangtraject jeugd", "minder herhaling van delicten",
     ["gemeente", "Jeugdbescherming Regio Zuid (fictief)"], ["slachtoffers", "politie", "justitie"],
     "verkeerde zak: besparing bij politie en justitie"),
    ("Drangtraject jeugd", "stigma en wantrouwen bij jongeren en ouders",
     ["Jeugdbescherming Regio Zuid (fictief)"], ["jongeren"],
     "negatief onbedoeld effect; jongeren dragen de kosten"),
]


def arena_rows() -> list[dict[str, Any]]:
    rows = []
    for act, effect, inv, ben, note in ARENA:
        for who in inv:
            rows.append({"activity": act, "effect": effect, "stakeholder": who, "role": "investor", "note": note})
        for who in ben:
            rows.append({"activity": act, "effect": effect, "stakeholder": who, "role": "beneficiary", "note": note})
    return rows


PROJECT_TOML = """\
# SYNTHETIC sample project of impactlib (fictional Gemeente Zuiderveen, GM9901).
# Built by scripts/build_sample.py; see data/README.md.
[project]
name = "Impact sociaal werk Zuiderveen (synthetisch voorbeeld)"
synthetic = true

[files]
stories = "stories.csv"
activities = "activities.csv"
indicators = "indicators.csv"
msc = "msc_rounds.csv"
arena = "effect_arena.csv"
codes = "codes_human.csv"
store = "impactlib.sqlite"
"""


def build(src: Path, out: Path, lenient: bool = False) -> dict[str, int]:
    """Build every sample file; return counts for the summary line."""
    out.mkdir(parents=True, exist_ok=True)
    stories = build_stories(src, lenient=lenient)
    write_stories(stories, out)
    codes = code_rows(stories)
    _write_csv(out / "codes_human.csv", CODE_COLUMNS, codes)
    write_activities(out)
    rng = random.Random(SEED)
    ind = indicator_rows(rng)
    write_indicators(ind, out)
    msc = msc_rows(stories, random.Random(SEED + 1))
    _write_csv(out / "msc_rounds.csv", ["round", "panel", "domain", "story_id", "selected", "reasons", "year"], msc)
    _write_csv(out / "effect_arena.csv", ["activity", "effect", "stakeholder", "role", "note"], arena_rows())
    (out / "project.toml").write_text(PROJECT_TOML, encoding="utf-8")
    return {"stories": len(stories), "codes": len(codes), "indicators": len(ind), "msc": len(msc)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=ROOT / "scripts" / "sample_src")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "sample")
    ap.add_argument("--lenient", action="store_true", help="skip invalid stories with a warning")
    a = ap.parse_args(argv)
    try:
        n = build(a.src, a.out, lenient=a.lenient)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(", ".join(f"{k}: {v}" for k, v in n.items()) + f" -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers of :mod:`impactlib.analysis`: table preparation, themes, labels.

Every public function of the analysis layer takes the canonical tables of
``docs/architecture.md`` (as returned by :mod:`impactlib.io`, or plain frames with
the same columns) and returns a tidy :class:`pandas.DataFrame`.  ``None`` or an
empty frame as input gives an empty frame with the right columns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from impactlib.codebook import DIMENSIONS as _CODEBOOK_DIMENSIONS
from impactlib.codebook import default_codebook as _default_codebook
from impactlib.io.columns import CANONICAL

VALUES: dict[str, tuple[str, ...]] = dict(_CODEBOOK_DIMENSIONS)
DIMENSIONS: tuple[str, ...] = tuple(VALUES)
#: Dutch display labels of stored keys (dimensions, values, verdicts, stages).
LABELS: dict[str, str] = {
    "valence": "waardering",
    "intentionality": "bedoeld/onbedoeld",
    "directness": "direct/indirect",
    "combination": "combinatie",
    "positive": "positief",
    "negative": "negatief",
    "intended": "bedoeld",
    "unintended": "onbedoeld",
    "direct": "direct",
    "indirect": "indirect",
    "confirm": "bevestigen",
    "expand": "verrijken",
    "contradict": "spreken tegen",
    "up": "stijgt",
    "down": "daalt",
    "flat": "gelijk",
    "toward": "richting streefwaarde",
    "away": "weg van streefwaarde",
    "investor": "investeerder",
    "beneficiary": "incasseerder",
    "collected": "verzameld",
    "track": "spoor",
    "activity": "activiteit",
    "social_work_type": "soort sociaal werk",
    "period": "periode",
    "area": "gebied",
    "wijk": "wijk",
    "domain": "domein",
    "storyteller_role": "verteller",
    "collected_by": "verzamelaar",
}

CODE_COLUMNS = list(CANONICAL["codes"])

def _codebook_themes(codebook: Any) -> dict[str, list[Any]]:
    """``{label: patterns}`` of a codebook's theme codes (the key when a label is empty)."""
    return {str(c.label or k): list(c.patterns) for k, c in codebook.themes.items()}


#: The default themes: the theme codes of the packaged codebook
#: (``impactlib/data/codebook.yaml``), as ``{label: patterns}``.  A codebook of your own
#: with theme codes replaces them; one without theme codes keeps these.
THEMES: dict[str, list[Any]] = _codebook_themes(_default_codebook())

_STOPWORDS = set("""
de het een en of maar dat die dit deze er hier daar ik je jij u hij zij ze we wij jullie hun hen
mijn mij me zijn haar ons onze hem is was waren ben bent wordt worden werd zijn heeft hebben had
niet geen wel ook nog al meer minder veel weinig heel erg zo dan als om te tot met van voor naar
door bij over uit aan in op onder tegen tussen zonder sinds omdat want dus toen nu weer nooit altijd
kan kon kunnen moet moeten mag wil willen zal zullen gaat gaan ging gegaan komt komen kwam doet doen
deed gedaan wat wie waar hoe waarom welke elke alle iets niets iemand niemand wordt beter slechter
""".split())


def label(key: Any) -> str:
    """Dutch display label of a stored key (the key itself when unknown)."""
    return LABELS.get(str(key), str(key))


def empty(columns: Iterable[str]) -> pd.DataFrame:
    """An empty frame with ``columns``."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or len(df) == 0


def compile_themes(themes: Any = None) -> dict[str, re.Pattern]:
    """Compile themes to one case-insensitive regex per theme.

    ``themes`` is a :class:`~impactlib.codebook.Codebook` (its theme codes, named by their
    label; a codebook without theme codes gives the default themes), a mapping
    ``{theme: [pattern, ...]}``, or ``None`` for the default themes (:data:`THEMES`, the
    packaged codebook's).  Patterns follow the codebook:

    * a string matches at the start of a word (``verhuiz`` finds verhuizen); a leading
      ``*`` lets it match inside a word too;
    * ``{"regex": ...}`` is searched inside words, as the tagger searches a token; ``^``
      and ``$`` stand for the start and end of a word (``{"regex": "^(werk|baan)$"}``);
    * ``{"phrase": ...}`` is the same as a string.

    Examples
    --------
    >>> rx = compile_themes({"wonen": ["verhuiz", {"regex": "^huur$"}], "overlast": [{"regex": "overlast"}]})
    >>> themes_of("Geen jeugdoverlast meer sinds de verhuizing", rx)
    ['wonen', 'overlast']
    >>> themes_of("De huurprijs", rx)
    []
    """
    if themes is None:
        return _default_themes()
    if hasattr(themes, "themes"):
        if not themes.themes:
            return _default_themes()
        themes = _codebook_themes(themes)
    out: dict[str, re.Pattern] = {}
    for key, pats in themes.items():
        parts = []
        for p in pats:
            if isinstance(p, Mapping):
                if "regex" in p:
                    parts.append(_word_regex(str(p["regex"])))
                    continue
                p = p.get("phrase", "")
            p = str(p).strip().lower()
            if p.startswith("*") and len(p) > 1:
                parts.append(re.escape(p[1:]))
            elif p:
                parts.append(r"(?<!\w)" + re.escape(p))
        if parts:
            out[str(key)] = re.compile("|".join(parts), re.IGNORECASE)
    return out


def _word_regex(raw: str) -> str:
    """A token regex (``^``/``$`` = token start/end) as a regex on running text."""
    head = r"(?<!\w)" if raw.startswith("^") else ""
    tail = r"(?!\w)" if raw.endswith("$") and not raw.endswith("\\$") else ""
    core = raw[1 if head else 0: len(raw) - 1 if tail else len(raw)]
    return f"{head}(?:{core}){tail}"


@functools.lru_cache(maxsize=1)
def _default_themes() -> dict[str, re.Pattern]:
    return compile_themes(THEMES)


def themes_of(text: Any, compiled: Mapping[str, re.Pattern]) -> list[str]:
    """Themes whose patterns occur in ``text`` (sorted by theme order)."""
    if not isinstance(text, str) or not text:
        return []
    return list(_themes_cached(text, tuple(compiled.items())))


@functools.lru_cache(maxsize=65536)
def _themes_cached(text: str, items: tuple[tuple[str, re.Pattern], ...]) -> tuple[str, ...]:
    return tuple(k for k, rx in items if rx.search(text))


#: Who made the code behind a quote: ``human`` (accepted or edited by a researcher) or
#: ``machine`` (a suggestion of the tagger or model, not checked).
ORIGINS = ("human", "machine")


def origin_of(source: Any) -> str:
    """``human`` for a human code, ``machine`` for a rules/model suggestion."""
    return "human" if str(source) == "human" else "machine"


def rank_exemplars(units: pd.DataFrame, *, relevance: str | None = None) -> pd.DataFrame:
    """Sort candidate quotes reproducibly, best first; add ``origin`` (human/machine).

    Order: human codes before machine suggestions (a researcher defends a finding with
    human-coded material); then the ``relevance`` column, highest first, when given (e.g.
    a match score); among human codes the most coders first (double-coded material),
    among machine suggestions the highest confidence first; then ``story_id`` and
    position.  Units without quote text are dropped.

    Examples
    --------
    >>> u = pd.DataFrame({"story_id": ["S1", "S2", "S3"], "start": [0, 0, 0], "quote": ["a", "b", "c"],
    ...                   "source": ["model", "human", "human"], "confidence": [0.99, None, None],
    ...                   "n_coders": [1, 1, 2]})
    >>> rank_exemplars(u)[["story_id", "origin"]].to_numpy().tolist()
    [['S3', 'human'], ['S2', 'human'], ['S1', 'machine']]
    """
    rel = [relevance] if relevance else []
    src = units["source"] if "source" in units.columns else pd.Series("human", index=units.index)
    origin = src.map(origin_of)
    ncod = (pd.to_numeric(units["n_coders"], errors="coerce").fillna(1) if "n_coders" in units.columns
            else pd.Series(1, index=units.index))
    conf = (pd.to_numeric(units["confidence"], errors="coerce") if "confidence" in units.columns
            else pd.Series(np.nan, index=units.index))
    g = units.assign(origin=origin, _h=(origin == "machine").astype(int),
                     _n=ncod.where(origin == "human", 0), _conf=conf.where(origin == "machine").fillna(-1.0),
                     _start=pd.to_numeric(units.get("start"), errors="coerce").fillna(-1) if "start" in units.columns
                     else -1)
    g = g[g["quote"].fillna("").astype(str).str.strip() != ""]
    g = g.sort_values(["_h", *rel, "_n", "_conf", "story_id", "_start"],
                      ascending=[True] + [False] * len(rel) + [False, False, True, True], kind="mergesort")
    return g.drop(columns=["_h", "_n", "_conf", "_start"])


def content_stems(text: Any, n: int = 6) -> set[str]:
    """Crude stems (first ``n`` letters) of the content words of a Dutch text."""
    if not isinstance(text, str):
        return set()
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    return {w[:n] for w in words if len(w) >= 4 and w not in _STOPWORDS}


# ---------------------------------------------------------------------------- tables
def prep_codes(codes: pd.DataFrame | None) -> pd.DataFrame:
    """Return the codes table with the canonical columns and dtypes (a copy).

    Accepts the long canonical table, or a wide table (tagger output: ``story_id``
    and one column per dimension, optionally ``start``/``end``), which is melted.
    Rejected codes are dropped.
    """
    if is_empty(codes):
        return empty(CODE_COLUMNS)
    df = codes.copy()
    if "dimension" not in df.columns:
        dims = [d for d in DIMENSIONS if d in df.columns]
        if not dims or "story_id" not in df.columns:
            return empty(CODE_COLUMNS)
        keep = [c for c in ("story_id", "start", "end") if c in df.columns]
        conf = {d: f"{d}_confidence" for d in dims if f"{d}_confidence" in df.columns}
        parts = []
        for d in dims:
            part = df[keep].copy()
            part["dimension"] = d
            part["value"] = df[d]
            part["confidence"] = df[conf[d]] if d in conf else np.nan
            parts.append(part)
        df = pd.concat(parts, ignore_index=True)
        df["source"] = "model"
        df["status"] = "suggested"
        df["coder"] = "tagger"
    for c in CODE_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    df["story_id"] = df["story_id"].astype("string")
    for c in ("start", "end"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype(float)
    for c in ("dimension", "value", "coder", "source", "status"):
        df[c] = df[c].astype("string").str.strip()
    df["status"] = df["status"].fillna("accepted")
    df["source"] = df["source"].fillna("human")
    df = df[df["value"].notna() & (df["value"] != "") & (df["status"] != "rejected")]
    return df.reset_index(drop=True)


_SOURCE_RANK = {"human": 0, "model": 1, "rules": 2}
_STATUS_RANK = {"edited": 0, "accepted": 0, "suggested": 1}


def resolve_codes(codes: pd.DataFrame | None, *, level: str = "story",
                  dimensions: Iterable[str] = DIMENSIONS) -> pd.DataFrame:
    """One value per unit and dimension, wide: ``story_id, start, end, <dimensions>, confidence``.

    When several codings exist for a unit (two coders, a human and the tagger), the
    value is chosen reproducibly: accepted/edited human codes first, then model, then
    rules suggestions; among equals the majority value, ties broken by the coder that
    sorts first (e.g. ``coder_a``).  ``n_coders`` counts the coders of the chosen tier.

    Parameters
    ----------
    level : {"story", "segment"}
        ``story``: whole-story codes (``start`` empty); ``segment``: coded spans.
    """
    dims = list(dimensions)
    cols = ["story_id", "start", "end", *dims, "confidence", "coder", "source", "n_coders"]
    df = prep_codes(codes)
    if level not in ("story", "segment"):
        raise ValueError(f"level {level!r} is not allowed; use 'story' or 'segment'")
    df = df[df["start"].isna()] if level == "story" else df[df["start"].notna()]
    df = df[df["dimension"].isin(dims)]
    if df.empty:
        return empty(cols)
    df = df.assign(
        _src=df["source"].map(_SOURCE_RANK).fillna(3),
        _st=df["status"].map(_STATUS_RANK).fillna(2),
        _coder=df["coder"].fillna(""),
        _s=df["start"].fillna(-1), _e=df["end"].fillna(-1),
    )
    key = ["story_id", "_s", "_e", "dimension"]
    df["_tier"] = df["_src"] * 10 + df["_st"]
    best = df.groupby(key)["_tier"].transform("min")
    df = df[df["_tier"] == best]
    # latest decision per coder within the tier
    df = df.sort_values([*key, "_coder", "created_at"], na_position="first")
    df = df.drop_duplicates([*key, "_coder"], keep="last")
    votes = df.groupby([*key, "value"]).agg(n=("value", "size"), first_coder=("_coder", "min"),
                                            conf=("confidence", "max")).reset_index()
    votes = votes.sort_values([*key, "n", "first_coder"], ascending=[True] * 4 + [False, True])
    chosen = votes.drop_duplicates(key, keep="first")
    ncod = df.groupby(key)["_coder"].nunique().rename("n_coders").reset_index()
    meta = df.sort_values("_coder").drop_duplicates(key)[[*key, "source"]]
    chosen = chosen.merge(ncod, on=key).merge(meta, on=key)
    wide = chosen.pivot_table(index=["story_id", "_s", "_e"], columns="dimension", values="value",
                              aggfunc="first")
    conf = chosen.groupby(["story_id", "_s", "_e"])["conf"].min()
    other = chosen.groupby(["story_id", "_s", "_e"]).agg(coder=("first_coder", "min"),
                                                         source=("source", "first"),
                                                         n_coders=("n_coders", "max"))
    out = wide.join(conf.rename("confidence")).join(other).reset_index()
    for d in dims:
        if d not in out.columns:
            out[d] = pd.NA
    out["start"] = out["_s"].where(out["_s"] >= 0).astype("Int64")
    out["end"] = out["_e"].where(out["_e"] >= 0).astype("Int64")
    out = out[cols]
    out.columns.name = None
    return out.sort_values(["story_id", "start"], na_position="first").reset_index(drop=True)


def prep_stories(stories: pd.DataFrame | None, activities: pd.DataFrame | None = None,
                 *, period: str = "Q") -> pd.DataFrame:
    """Stories with ``period`` (from ``collected_on``), ``wijk`` and ``social_work_type`` added."""
    base = ["story_id", "text", "activity", "track", "domain", "storyteller_role", "area",
            "collected_on", "period", "wijk", "social_work_type"]
    if is_empty(stories):
        return empty(base)
    st = stories.copy()
    st["story_id"] = st["story_id"].astype("string")
    for c in ("text", "activity", "track", "domain", "storyteller_role", "area", "collected_on"):
        if c not in st.columns:
            st[c] = pd.NA
    st["text"] = st["text"].fillna("").astype(str)
    dates = pd.to_datetime(st["collected_on"], errors="coerce", format="mixed")
    st["collected_on"] = dates
    st["period"] = period_label(dates, period)
    st["wijk"] = st["area"].astype("string").map(_wijk_of)
    if "social_work_type" not in st.columns:
        st["social_work_type"] = pd.NA
    if not is_empty(activities) and "social_work_type" in activities.columns:
        kinds = dict(zip(activities["activity"], activities["social_work_type"]))
        st["social_work_type"] = st["social_work_type"].fillna(st["activity"].map(kinds))
    return st


def _wijk_of(area: Any) -> Any:
    if not isinstance(area, str):
        return pd.NA
    if area.startswith("BU") and len(area) == 10:
        return "WK" + area[2:8]
    return area


def period_label(dates: pd.Series, freq: str = "Q") -> pd.Series:
    """``2025-Q1`` (Q), ``2025-03`` (M), ``2025`` (Y) labels; ``<NA>`` for missing dates."""
    d = pd.to_datetime(dates, errors="coerce")
    if freq == "Q":
        lab = d.dt.year.astype("Int64").astype("string") + "-Q" + d.dt.quarter.astype("Int64").astype("string")
    elif freq == "M":
        lab = d.dt.strftime("%Y-%m").astype("string")
    elif freq in ("Y", "A"):
        lab = d.dt.year.astype("Int64").astype("string")
    else:
        raise ValueError(f"period {freq!r} is not allowed; use 'Q', 'M' or 'Y'")
    return lab.where(d.notna(), pd.NA)


_PERIOD_RX = [
    (re.compile(r"^(\d{4})\s*(?:K|-?Q|kwartaal\s*)([1-4])$", re.I), "Q"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "M"),
    (re.compile(r"^(\d{4})$"), "Y"),
]


def period_start(period: Any) -> pd.Timestamp:
    """Start of a period label (``2025K1``, ``2025-Q1``, ``2025-03``, ``2025``), NaT if unknown."""
    s = str(period).strip()
    for rx, kind in _PERIOD_RX:
        m = rx.match(s)
        if m:
            y = int(m.group(1))
            if kind == "Q":
                return pd.Timestamp(y, 3 * (int(m.group(2)) - 1) + 1, 1)
            if kind == "M":
                return pd.Timestamp(y, int(m.group(2)), 1)
            return pd.Timestamp(y, 1, 1)
    return pd.NaT


def prep_indicators(indicators: pd.DataFrame | None) -> pd.DataFrame:
    """Indicators (long) with numeric ``value``/``target`` and a ``period_start``."""
    cols = ["indicator", "area", "period", "period_start", "value", "unit", "source", "owner",
            "status", "target", "activity", "track"]
    if is_empty(indicators):
        return empty(cols)
    ind = indicators.copy()
    for c in cols:
        if c not in ind.columns:
            ind[c] = pd.NA
    ind["value"] = pd.to_numeric(ind["value"], errors="coerce").astype(float)
    ind["target"] = pd.to_numeric(ind["target"], errors="coerce").astype(float)
    ps = pd.to_datetime(ind["period_start"], errors="coerce")
    missing = ps.isna()
    if missing.any():
        ps = ps.copy()
        ps[missing] = ind.loc[missing, "period"].map(period_start)
    ind["period_start"] = ps
    for c in ("activity", "owner", "area", "indicator"):
        ind[c] = ind[c].astype("string").replace("", pd.NA)
    return ind


def segment_text(units: pd.DataFrame, stories: pd.DataFrame) -> pd.Series:
    """The quoted text of each unit: the span for segments, the first sentence(s) otherwise."""
    texts = dict(zip(stories["story_id"].astype(str), stories["text"].fillna("").astype(str)))
    out = []
    for sid, s, e in zip(units["story_id"].astype(str), units["start"], units["end"]):
        t = texts.get(sid, "")
        if pd.notna(s) and pd.notna(e):
            out.append(t[int(s):int(e)])
        else:
            out.append(first_sentences(t))
    return pd.Series(out, index=units.index, dtype="object")


def first_sentences(text: str, limit: int = 200) -> str:
    """The first sentence(s) of ``text`` up to about ``limit`` characters."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    parts = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for p in parts:
        if out and len(out) + len(p) > limit:
            break
        out = f"{out} {p}".strip()
    return out if len(out) <= limit + 40 else out[:limit].rstrip() + "…"


def coded_units(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                activities: pd.DataFrame | None = None, *, level: str = "story",
                period: str = "Q", themes: Mapping[str, Iterable[Any]] | None = None) -> pd.DataFrame:
    """Resolved codes (one row per unit) joined with story context, quote and themes.

    Columns: ``story_id, start, end, valence, intentionality, directness, confidence,
    coder, source, n_coders, origin`` (``human``/``machine``, see :func:`origin_of`), ``activity, track, domain, storyteller_role, area, wijk, period,
    social_work_type, quote, themes`` plus the stories' other columns.
    """
    units = resolve_codes(codes, level=level)
    st = prep_stories(stories, activities, period=period)
    if units.empty:
        extra = [c for c in st.columns if c not in units.columns]
        return empty([*units.columns, "origin", *extra, "quote", "themes"])
    if st.empty:
        st = pd.DataFrame({"story_id": units["story_id"].unique()}).astype("string")
        st = prep_stories(st.assign(text=""), activities, period=period)
    st = st.drop(columns=[c for c in ("start", "end") if c in st.columns])
    out = units.merge(st, on="story_id", how="left")
    out["origin"] = out["source"].map(origin_of)
    compiled = compile_themes(themes)
    if level == "segment":
        out["quote"] = segment_text(out, st)
        out["themes"] = [themes_of(q, compiled) for q in out["quote"]]
        return out
    # story level: themes of the whole story; the quote is the coded segment with the
    # same three values as the story code (else the first one, else the opening sentences)
    out["quote"] = segment_text(out, st)
    segs = resolve_codes(codes, level="segment")
    if not segs.empty:
        segs = segs.assign(quote=segment_text(segs, st))
        ref = out[["story_id", *DIMENSIONS]].rename(columns={d: f"_{d}" for d in DIMENSIONS})
        segs = segs.merge(ref, on="story_id", how="inner")
        segs["_same"] = np.logical_and.reduce([(segs[d] == segs[f"_{d}"]).fillna(False).to_numpy(bool)
                                               for d in DIMENSIONS])
        segs = segs.sort_values(["story_id", "_same", "start"], ascending=[True, False, True])
        first = segs.drop_duplicates("story_id")
        best = dict(zip(first["story_id"].astype(str), first["quote"]))
        out["quote"] = [best.get(str(s), q) for s, q in zip(out["story_id"], out["quote"])]
    out["themes"] = [themes_of(t, compiled) for t in out["text"].fillna("")]
    return out

"""Glue the notebooks use: open a project, code it with the tagger, pick the codes to analyse.

Every step a notebook takes goes through a function here or in
:mod:`impactlib.analysis`, so that tests reach it.

Which codes are analysed
    Human codes win: stories without human codes get the tagger's suggestions,
    marked ``origin = "machine"``, so every table can say how much of it rests
    on unreviewed machine codes.

Examples
--------
>>> import pandas as pd
>>> codes = pd.DataFrame({"story_id": ["S1", "S1", "S2"], "start": [None] * 3, "end": [None] * 3,
...     "dimension": ["valence"] * 3, "value": ["positive", "negative", "positive"],
...     "coder": ["a", "b", "a"], "source": ["human"] * 3, "status": ["accepted"] * 3})
>>> human_codes(codes)["coder"].tolist()
['a', 'b', 'a']
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional

import pandas as pd

from impactlib.codebook import DIMENSIONS as _CODEBOOK_DIMENSIONS
from impactlib.io.columns import CANONICAL

DIMENSIONS = tuple(_CODEBOOK_DIMENSIONS)
CODE_COLUMNS = list(CANONICAL["codes"])
MACHINE_CODER = "impactlib-tagger"
_DECIDED = {"accepted", "edited"}


def open_project(project_dir: str | Path):
    """Load and validate a project (folder or ``project.toml``); see :func:`impactlib.io.load_project`."""
    from impactlib.io import load_project

    return load_project(project_dir)


def suggestions_to_codes(
    story_rows: Iterable[dict],
    segment_rows: Iterable[dict] = (),
    *,
    codebook_version: str = "",
    coder: str = MACHINE_CODER,
    source: str = "rules",
    created_at: Optional[str] = None,
) -> pd.DataFrame:
    """Turn tagger rows (wide: one column per dimension) into the long canonical codes table.

    Story rows give whole-story codes (``start``/``end`` empty); segment rows give
    span codes.  Empty values (no effect found) produce no code.  The evidence
    goes into ``memo``; status is ``suggested``.
    """
    when = created_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    rows = []
    for level, source_rows in (("story", story_rows), ("segment", segment_rows)):
        for r in source_rows:
            for dim in DIMENSIONS:
                value = r.get(dim)
                if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
                    continue
                conf = r.get(f"{dim}_confidence")
                rows.append({
                    "story_id": str(r["story_id"]),
                    "start": None if level == "story" else int(r["start"]),
                    "end": None if level == "story" else int(r["end"]),
                    "dimension": dim, "value": value, "coder": coder, "source": source,
                    "status": "suggested",
                    "confidence": None if conf in (None, "") else float(conf),
                    "codebook_version": codebook_version, "created_at": when,
                    "memo": r.get("evidence") or None,
                })
    df = pd.DataFrame(rows, columns=CODE_COLUMNS)
    df["start"] = pd.array(df["start"], dtype="Int64")
    df["end"] = pd.array(df["end"], dtype="Int64")
    return df


def tag_stories(stories: pd.DataFrame, *, codebook=None, model="default") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tag a stories table; return ``(story_rows, segment_rows)`` as DataFrames.

    Stories with empty text are kept with empty values (the evidence says why).
    """
    from impactlib.nlp import ImpactEngine

    engine = ImpactEngine(codebook, model=model)
    cols = [c for c in ("story_id", "text", "activity", "activity_goal", "why_significant", "storyteller_role") if c in stories.columns]
    records = stories[cols].astype(object).where(stories[cols].notna(), None).to_dict("records")
    for rec in records:
        rec["story_id"] = str(rec["story_id"])
        rec["text"] = rec.get("text") or ""
    story_rows, segment_rows = engine.tag(records)
    return pd.DataFrame(story_rows), pd.DataFrame(segment_rows)


def tag_project(project, *, model="default") -> pd.DataFrame:
    """Code a project's stories with the default tagger; return machine codes (canonical table)."""
    codebook = project_codebook(project)
    story_rows, segment_rows = tag_stories(project.stories, codebook=codebook, model=model)
    source = "model" if model else "rules"
    return suggestions_to_codes(
        story_rows.to_dict("records"), segment_rows.to_dict("records"),
        codebook_version=codebook.version, source=source,
    )


def project_codebook(project):
    """The project's codebook (``[files] codebook`` in project.toml), else the packaged default.

    Pass it as ``themes=`` to the analysis functions: the theme codes of the codebook are
    the themes of the analysis (a codebook without theme codes keeps the default themes).
    """
    from impactlib.codebook import load_codebook

    return load_codebook(getattr(project, "codebook_path", None))


def machine_codes(project, machine_codes_path: Optional[str | Path] = None) -> pd.DataFrame:
    """Machine codes of a project: read from ``machine_codes_path`` when given, else tag now."""
    if machine_codes_path:
        df = pd.read_csv(machine_codes_path, dtype={"story_id": str})
        df["start"] = pd.array(df["start"], dtype="Int64")
        df["end"] = pd.array(df["end"], dtype="Int64")
        return df
    if project.stories is None or len(project.stories) == 0:
        return pd.DataFrame(columns=CODE_COLUMNS)
    return tag_project(project)


def human_codes(codes: Optional[pd.DataFrame]) -> pd.DataFrame:
    """Only human decisions (accepted or edited codes of human coders)."""
    if codes is None or len(codes) == 0:
        return pd.DataFrame(columns=CODE_COLUMNS)
    out = codes
    if "source" in out.columns:
        out = out[out["source"].fillna("human") == "human"]
    if "status" in out.columns:
        out = out[out["status"].fillna("accepted").isin(_DECIDED)]
    return out.copy()


def analysis_codes(project, machine: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """The codes to analyse: all human decisions, completed by machine codes.

    Stories that a human coded keep only human codes; the others get the
    tagger's suggestions.  A column ``origin`` (``human`` or ``machine``) says
    which is which.  :func:`impactlib.analysis.resolve_codes` then settles one
    value per story or span (human first; between coders the majority, ties to
    the coder that sorts first).
    """
    human = human_codes(getattr(project, "codes", None)).copy()
    human["origin"] = "human"
    parts = [human] if len(human) else []
    covered = set(human["story_id"].astype(str))
    if machine is not None and len(machine):
        m = machine[~machine["story_id"].astype(str).isin(covered)].copy()
        m["origin"] = "machine"
        parts.append(m)
    if not parts:
        return pd.DataFrame(columns=CODE_COLUMNS + ["origin"])
    out = pd.concat(parts, ignore_index=True)
    out["story_id"] = out["story_id"].astype(str)
    return out


_TABLE_LABELS = {
    "stories": "verhalen", "activities": "activiteiten", "indicators": "indicatoren",
    "msc": "MSC-selectierondes", "arena": "effectenarena", "codes": "codes (mensen)",
}


def inventory(project) -> pd.DataFrame:
    """What the project holds: one row per table (present or not) with file, rows and format.

    Columns: ``tabel``, ``bestand`` (file name only, no folders), ``rijen``,
    ``formaat`` (format, encoding and delimiter as detected), ``waarschuwingen``.
    """
    rows = []
    files = getattr(project, "files", {}) or {}
    for kind, label in _TABLE_LABELS.items():
        df = getattr(project, kind, None)
        if df is None:
            rows.append({"tabel": label, "bestand": "(ontbreekt)", "rijen": 0, "formaat": "", "waarschuwingen": 0})
            continue
        a = df.attrs
        fmt = ", ".join(str(x) for x in (a.get("format"), a.get("encoding"),
                                         f"scheidingsteken '{a['delimiter']}'" if a.get("delimiter") else None,
                                         f"blad '{a['sheet']}'" if a.get("sheet") else None) if x)
        rows.append({
            "tabel": label,
            "bestand": Path(str(files.get(kind, a.get("source", "")))).name,
            "rijen": len(df), "formaat": fmt, "waarschuwingen": len(a.get("warnings", []) or []),
        })
    return pd.DataFrame(rows)


def indicator_overview(indicators: Optional[pd.DataFrame]) -> pd.DataFrame:
    """One row per indicator: owner, unit, areas, periods, first/last period, figures not ``ok``."""
    cols = ["indicator", "eigenaar", "eenheid", "gebieden", "perioden", "van", "tot", "niet_ok"]
    if indicators is None or indicators.empty:
        return pd.DataFrame(columns=cols)
    out = (indicators.groupby(["indicator", "owner", "unit"], dropna=False)
           .agg(gebieden=("area", "nunique"), perioden=("period", "nunique"),
                van=("period", "min"), tot=("period", "max"),
                niet_ok=("status", lambda s: int((s != "ok").sum())))
           .reset_index().rename(columns={"owner": "eigenaar", "unit": "eenheid"}))
    return out[cols]


def example_stories(story_rows: pd.DataFrame, n_per_case: int = 1) -> pd.DataFrame:
    """Reproducible showcase: the most confident story for each hard case.

    Cases: a negative effect, an unintended effect, an indirect effect (in that
    order; a story is shown once).  Ties are broken by ``story_id``.
    """
    from impactlib.analysis import label as cb_label

    cases = [("valence", "negative"), ("intentionality", "unintended"), ("directness", "indirect")]
    chosen, rows = set(), []
    for dim, value in cases:
        if dim not in story_rows.columns:
            continue
        cand = story_rows[story_rows[dim] == value].copy()
        cand = cand[~cand["story_id"].isin(chosen)]
        cand = cand.sort_values([f"{dim}_confidence", "story_id"], ascending=[False, True]).head(n_per_case)
        for r in cand.to_dict("records"):
            chosen.add(r["story_id"])
            rows.append({**r, "case": f"{cb_label(dim)}: {cb_label(value)}"})
    return pd.DataFrame(rows)


def suggestion_spans(segment_rows: pd.DataFrame, codebook=None) -> list[dict]:
    """Spans for :func:`impactlib.review.highlight_html`: Dutch labels, evidence as tooltip."""
    from impactlib.codebook import load_codebook

    cb = codebook or load_codebook()
    spans = []
    for r in segment_rows.sort_values("start").to_dict("records"):
        labels = [cb.label(d, r[d]) for d in DIMENSIONS if isinstance(r.get(d), str) and r.get(d)]
        spans.append({"start": int(r["start"]), "end": int(r["end"]), "valence": r.get("valence") or None,
                      "label": " · ".join(labels), "title": r.get("evidence") or ""})
    return spans


def text_digest(text: str) -> str:
    """Short fingerprint of a story text (SHA-1 of the NFC-normalised, stripped text; 16 hex digits).

    >>> text_digest("Ik ben niet meer eenzaam.") == text_digest("  Ik ben niet meer eenzaam. ")
    True
    """
    norm = unicodedata.normalize("NFC", str(text)).strip()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


def heldout_story_ids(project, model: Any = "default") -> list[str]:
    """Stories on which the shipped tagger may be judged fairly (it has not seen them).

    The default rules were developed on the sample project, and the default model
    was trained on it and on the coded sets in ``data/train`` (their texts are
    fingerprinted in the model file).  For the sample project (``synthetic = true``)
    no story is unseen; for another project every story whose text the model was not
    trained on counts.  ``model=None``: only the rules' tuning data is excluded.
    """
    stories = getattr(project, "stories", None)
    if stories is None or stories.empty:
        return []
    ids = stories["story_id"].astype(str)
    if getattr(project, "synthetic", False):
        return []
    seen: set[str] = set()
    if model is not None:
        from impactlib.nlp.scoring import load_scorer

        meta = getattr(load_scorer(None if model == "default" else model), "metadata_", {}) or {}
        seen = set(meta.get("training_text_sha1", ()))
    if not seen:
        return ids.tolist()
    keep = [text_digest(t) not in seen for t in stories["text"].fillna("").astype(str)]
    return ids[keep].tolist()


__all__ = [
    "DIMENSIONS", "CODE_COLUMNS", "MACHINE_CODER", "open_project", "suggestions_to_codes", "tag_stories",
    "tag_project", "machine_codes", "human_codes", "analysis_codes", "inventory", "indicator_overview", "example_stories", "suggestion_spans", "heldout_story_ids", "text_digest",
]

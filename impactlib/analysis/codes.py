"""Counts and shares of codes, statistics-by-themes joint displays, effect finders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._common import DIMENSIONS, VALUES, coded_units, empty, label, rank_exemplars

#: The eight combinations of the three dimensions, in a fixed reading order.
COMBINATIONS: list[str] = [f"{v}/{i}/{d}" for v in VALUES["valence"] for i in VALUES["intentionality"]
                           for d in VALUES["directness"]]


def _with_combination(units: pd.DataFrame) -> pd.DataFrame:
    u = units.copy()
    ok = u[list(DIMENSIONS)].notna().all(axis=1)
    comb = u["valence"].astype(str) + "/" + u["intentionality"].astype(str) + "/" + u["directness"].astype(str)
    u["combination"] = comb.where(ok, pd.NA)
    return u


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def code_counts(codes: pd.DataFrame | None, stories: pd.DataFrame | None = None,
                activities: pd.DataFrame | None = None, *, by: str | Sequence[str] | None = "track",
                level: str = "story", dimensions: Iterable[str] = DIMENSIONS,
                period: str = "Q") -> pd.DataFrame:
    """Counts and shares of code values per group.

    Parameters
    ----------
    codes, stories, activities : DataFrame or None
        Canonical tables.  ``activities`` adds ``social_work_type``.
    by : str or list of str
        Grouping columns: any of ``track``, ``activity``, ``social_work_type``, ``period``,
        ``area``, ``wijk``, ``domain``, ``storyteller_role`` or a case variable of the stories.
    level : {"story", "segment"}
        Count stories (their main effect) or coded effects (segments).
    dimensions : iterable of str
        Dimensions to count; ``"combination"`` counts the eight value combinations.
    period : {"Q", "M", "Y"}
        Granularity of the ``period`` column derived from ``collected_on``.

    Returns
    -------
    DataFrame
        ``*by, dimension, value, n, total, share`` — one row per group × dimension ×
        possible value (zero counts included), ``share = n / total`` within the group and
        dimension (NaN when the group has no codes for it).

    Examples
    --------
    >>> codes = pd.DataFrame({"story_id": ["S1", "S2"], "start": [None, None], "end": [None, None],
    ...     "dimension": ["valence", "valence"], "value": ["positive", "negative"]})
    >>> stories = pd.DataFrame({"story_id": ["S1", "S2"], "text": ["a", "b"], "track": ["x", "x"]})
    >>> code_counts(codes, stories, dimensions=["valence"])[["track", "value", "n", "share"]]
      track     value  n  share
    0     x  positive  1    0.5
    1     x  negative  1    0.5
    """
    by = _as_list(by)
    dims = list(dimensions)
    cols = [*by, "dimension", "value", "n", "total", "share"]
    units = coded_units(codes, stories, activities, level=level, period=period)
    if units.empty:
        return empty(cols)
    units = _with_combination(units)
    missing = [c for c in by if c not in units.columns]
    if missing:
        raise KeyError(f"cannot group by {missing}: not a column of the stories; "
                       f"available: {sorted(c for c in units.columns if not c.startswith('_'))}")
    parts = []
    for dim in dims:
        allowed = COMBINATIONS if dim == "combination" else list(VALUES.get(dim, ()))
        sub = units[units[dim].notna()] if dim in units.columns else units.iloc[0:0]
        seen = [v for v in pd.unique(sub[dim]) if v not in allowed] if len(sub) else []
        values = allowed + sorted(map(str, seen))
        keys = sub[by].astype("object").fillna("(onbekend)") if by else pd.DataFrame(index=sub.index)
        if by:
            groups = keys.drop_duplicates().sort_values(by).reset_index(drop=True)
        else:
            groups = pd.DataFrame(index=[0])
        grid = groups.merge(pd.DataFrame({"value": values}), how="cross")
        cnt = (pd.concat([keys, sub[dim].rename("value")], axis=1)
               .groupby([*by, "value"]).size().rename("n").reset_index())
        g = grid.merge(cnt, on=[*by, "value"], how="left")
        g["n"] = g["n"].fillna(0).astype(int)
        g["total"] = g.groupby(by)["n"].transform("sum") if by else g["n"].sum()
        g["share"] = np.where(g["total"] > 0, g["n"] / g["total"].where(g["total"] > 0, 1), np.nan)
        g.insert(len(by), "dimension", dim)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)[cols]
    return out


def _exemplars(g: pd.DataFrame, n: int) -> pd.DataFrame:
    """Reproducible exemplar choice (:func:`rank_exemplars`), at most one quote per story."""
    return rank_exemplars(g).drop_duplicates("story_id").head(n)


def statistics_by_themes(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                         activities: pd.DataFrame | None = None, *, by: str | Sequence[str] = "activity",
                         dimension: str = "combination", level: str = "segment", n_quotes: int = 3,
                         period: str = "Q", themes: Any = None) -> pd.DataFrame:
    """Joint display *statistics by themes*: counts and rates next to exemplar quotes.

    One row per group (``by``) × value of ``dimension`` (a dimension, ``"combination"``
    for the eight combinations, or ``"theme"`` for the themes of the effect texts).
    Exemplars are chosen reproducibly (:func:`~impactlib.analysis.rank_exemplars`): human
    codes (accepted or edited) before machine suggestions; among human codes the most
    coders first, among suggestions the highest confidence; then ``story_id`` and
    position; at most one quote per story.  ``origin_<k>`` says whose code it is
    (``human`` or ``machine``; tables show *mens*/*machine*).  ``themes``: a codebook or
    theme mapping (see :func:`compile_themes`), for ``dimension="theme"``.

    Returns
    -------
    DataFrame
        ``*by, dimension, value, label, n, total, share, quote_1, story_id_1, origin_1, ...,
        quote_<n_quotes>, story_id_<n_quotes>, origin_<n_quotes>`` (empty strings where fewer
        quotes exist).
    """
    by = _as_list(by)
    qcols = [c for k in range(1, n_quotes + 1) for c in (f"quote_{k}", f"story_id_{k}", f"origin_{k}")]
    cols = [*by, "dimension", "value", "label", "n", "total", "share", *qcols]
    units = coded_units(codes, stories, activities, level=level, period=period, themes=themes)
    if units.empty:
        return empty(cols)
    units = _with_combination(units)
    if dimension == "theme":
        units = units.explode("themes").rename(columns={"themes": "theme"})
        units = units[units["theme"].notna()]
    key = "theme" if dimension == "theme" else dimension
    if key not in units.columns:
        raise KeyError(f"dimension {dimension!r} is unknown; use one of {list(DIMENSIONS)}, "
                       "'combination' or 'theme'")
    units = units[units[key].notna()]
    if by:
        units[by] = units[by].astype("object").fillna("(onbekend)")
    rows = []
    for keys, g in units.groupby([*by, key], sort=True) if by else units.groupby([key], sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        ex = _exemplars(g, n_quotes)
        row = dict(zip([*by, "value"], keys))
        row["dimension"] = dimension
        row["n"] = int(len(g))
        for k in range(1, n_quotes + 1):
            row[f"quote_{k}"] = ex["quote"].iloc[k - 1] if len(ex) >= k else ""
            row[f"story_id_{k}"] = str(ex["story_id"].iloc[k - 1]) if len(ex) >= k else ""
            row[f"origin_{k}"] = ex["origin"].iloc[k - 1] if len(ex) >= k else ""
        rows.append(row)
    out = pd.DataFrame(rows)
    out["total"] = out.groupby(by)["n"].transform("sum") if by else out["n"].sum()
    out["share"] = out["n"] / out["total"]
    out["label"] = out["value"].map(_combination_label)
    if dimension == "combination":
        order = {c: i for i, c in enumerate(COMBINATIONS)}
        out = out.assign(_o=out["value"].map(order)).sort_values([*by, "_o"]).drop(columns="_o")
    return out[cols].reset_index(drop=True)


def _combination_label(value: Any) -> str:
    return "/".join(label(p) for p in str(value).split("/"))


def find_effects(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                 activities: pd.DataFrame | None = None, *, level: str = "segment", themes: Any = None,
                 **where: str | Iterable[str]) -> pd.DataFrame:
    """Coded effects (with quote and context) whose values match ``where``.

    Examples
    --------
    ``find_effects(codes, stories, valence="negative", directness="indirect")``
    """
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    for col, val in where.items():
        if col not in units.columns:
            raise KeyError(f"cannot filter on {col!r}: not a column; use a dimension or a story column")
        vals = [val] if isinstance(val, str) else list(val)
        units = units[units[col].isin(vals)]
    return units.reset_index(drop=True)


UNINTENDED_NEGATIVE_KINDS = {
    "negative/unintended": "nieuwe schade: negatief en onbedoeld",
    "positive/unintended": "onverwachte winst: positief en onbedoeld",
    "negative/intended": "doel niet gehaald of teruggedraaid: negatief en bedoeld",
}


def unintended_and_negative(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                            activities: pd.DataFrame | None = None, *,
                            level: str = "segment", themes: Any = None) -> pd.DataFrame:
    """Finder for unintended and negative effects.

    Returns every coded effect that is unintended or negative, with a ``kind``
    (``negative/unintended``, ``positive/unintended``, ``negative/intended``), its Dutch
    ``kind_label``, the quote, themes, ``origin`` (human/machine) and story context; sorted
    new harm first, then unexpected gains, then goals not reached, each by activity, human
    codes before machine suggestions, and story.  The first row per activity is therefore
    the best example to quote.
    """
    cols = ["kind", "kind_label", "story_id", "start", "end", "activity", "track", "storyteller_role",
            "valence", "intentionality", "directness", "quote", "themes", "origin"]
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    if units.empty:
        return empty(cols)
    sel = units[(units["valence"] == "negative") | (units["intentionality"] == "unintended")].copy()
    sel["kind"] = sel["valence"].astype(str) + "/" + sel["intentionality"].astype(str)
    sel = sel[sel["kind"].isin(list(UNINTENDED_NEGATIVE_KINDS))]
    sel["kind_label"] = sel["kind"].map(UNINTENDED_NEGATIVE_KINDS)
    order = {k: i for i, k in enumerate(UNINTENDED_NEGATIVE_KINDS)}
    sel = sel.assign(_o=sel["kind"].map(order), _h=(sel["origin"] != "human").astype(int))
    sel = sel.sort_values(["_o", "activity", "_h", "story_id", "start"], kind="mergesort")
    extra = [c for c in sel.columns if c not in cols and not c.startswith("_")]
    return sel[cols + [c for c in extra if c in ("domain", "period", "wijk", "text")]].reset_index(drop=True)


def theme_counts(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                 activities: pd.DataFrame | None = None, *, by: str | Sequence[str] = "activity",
                 level: str = "segment", themes: Mapping[str, Iterable[Any]] | None = None) -> pd.DataFrame:
    """Effects per theme (from the theme lexicon) and group, with positive/negative split.

    Returns ``*by, theme, n, n_positive, n_negative, n_unintended``.
    """
    by = _as_list(by)
    cols = [*by, "theme", "n", "n_positive", "n_negative", "n_unintended"]
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    if units.empty:
        return empty(cols)
    u = units.explode("themes").rename(columns={"themes": "theme"})
    u = u[u["theme"].notna()]
    if u.empty:
        return empty(cols)
    if by:
        u[by] = u[by].astype("object").fillna("(onbekend)")
    out = u.groupby([*by, "theme"]).agg(
        n=("story_id", "size"),
        n_positive=("valence", lambda s: int((s == "positive").sum())),
        n_negative=("valence", lambda s: int((s == "negative").sum())),
        n_unintended=("intentionality", lambda s: int((s == "unintended").sum())),
    ).reset_index()
    return out[cols].sort_values([*by, "n", "theme"], ascending=[True] * len(by) + [False, True]).reset_index(drop=True)

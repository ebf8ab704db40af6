"""Intercoder agreement: % agreement, Cohen's κ, Fleiss' κ, Krippendorff's α.

All statistics treat codes as **nominal labels** (strings; ``NaN``, ``None``
and empty strings are missing).  They are computed per dimension, at story
level or at segment (sentence) level, for any number of coders, with
bootstrap confidence intervals obtained by resampling units.

Labels of the three impact dimensions are compared after mapping their Dutch
display labels and capitalisation to the stored keys (``positief`` and
``Positive`` are ``positive``; ``bedoeld`` is ``intended``); all other labels
are compared exactly as written (after stripping spaces).

Empty cells and the markers ``NA``, ``N/A``, ``NaN``, ``null``, ``.`` and
``*`` (R's and Krippendorff's notations) are missing values.

Input
-----
Two shapes of table are accepted everywhere (see :func:`ratings_table`):

* a **wide** table: one row per unit × coder with a column per dimension
  (``story_id, coder, valence, intentionality, directness``; optional
  ``start``/``end`` for segments);
* the canonical **codes** table (long, one row per coding: ``story_id,
  start, end, dimension, value, coder, status, created_at, ...``).  Only the
  *current* decision per (story, span, dimension, coder) counts: the latest by
  ``created_at`` (file order when absent).  Where a ``status`` column exists,
  only ``accepted`` and ``edited`` decisions (and rows without a status) are
  codes; ``rejected`` rows never are, and ``suggested`` rows only when asked
  (``statuses=``), e.g. to compare a machine coder with humans.

Definitions (nominal data, unit ``u`` with ``m_u`` ratings, ``n_uc`` of them
in category ``c``; only *pairable* units, ``m_u >= 2``, take part):

* **percent agreement**: the mean over pairable units of the share of
  agreeing coder pairs, ``P_u = Σ_c n_uc (n_uc - 1) / (m_u (m_u - 1))``.  For
  two coders this is the share of units on which they agree.  Reported as a
  proportion between 0 and 1 (printed as a percentage by the CLI).
* **Cohen's κ** (scikit-learn ``cohen_kappa_score``): exactly two coders
  coded the dimension (coders without any code for a dimension take no part
  in it), over the units coded by both; ``NaN`` otherwise.
* **Fleiss' κ** (Fleiss 1971), generalised to units with unequal numbers of
  ratings: ``P̄`` is the unweighted mean of ``P_u`` over pairable units (each
  unit with its own ``m_u``), ``p_c`` the share of category ``c`` among all
  ratings of pairable units, ``P_e = Σ p_c²`` and ``κ = (P̄ - P_e)/(1 - P_e)``.
  With equal ``m_u`` this is exactly Fleiss' κ.  Units with fewer than two
  ratings are left out.
* **Krippendorff's α** (the ``krippendorff`` package, nominal metric): any
  number of coders, missing values allowed.

Segments (``level="segment"``, alias ``"sentence"``) are matched across coders
by ``(story_id, start, end)``; with ``match="overlap"`` spans of one story that
overlap (transitively, across coders) form one unit.  A segment only one
coder marked is not pairable: it counts in ``units``, not in the statistics.

A statistic whose chance agreement is 1 (all codes in one category) is
undefined: it is reported as ``NaN`` and the ``note`` column says why.

Bootstrap
---------
Units (pairable units of the dimension) are resampled with replacement,
``n_boot`` times (default 1000), with a generator seeded from ``seed`` and the
dimension name, so the intervals are reproducible and do not change when other
dimensions are added.  Because every statistic above is a function of sums
over units, units with the same coding pattern are interchangeable: a
resample is drawn as multinomial counts over the distinct patterns (exactly
the distribution of resampling units) and all statistics of all resamples are
computed at once with matrix products.  The interval is the percentile
interval of the defined replicates.

Examples
--------
>>> import pandas as pd
>>> wide = pd.DataFrame({
...     "story_id": ["S1", "S1", "S2", "S2", "S3", "S3", "S4", "S4"],
...     "coder": ["a", "b"] * 4,
...     "valence": ["positive", "positive", "negative", "negative",
...                 "positive", "negative", "negative", "negative"],
... })
>>> table = reliability(wide, dimensions=["valence"], n_boot=200)
>>> [int(table.loc[0, "units"]), int(table.loc[0, "coders"]), float(table.loc[0, "percent_agreement"])]
[4, 2, 0.75]
>>> round(float(table.loc[0, "cohen_kappa"]), 3)
0.5
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from impactlib.errors import CodeConflictWarning, ImpactError, ImpactWarning

__all__ = [
    "DEFAULT_DIMENSIONS",
    "STATISTICS",
    "CURRENT_STATUSES",
    "reliability",
    "compare_to_reference",
    "ratings_table",
    "current_codes",
    "as_codes",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "confusion_matrix",
]

#: The three impact dimensions, used when no dimensions are given.
DEFAULT_DIMENSIONS: tuple[str, ...] = ("valence", "intentionality", "directness")
#: Statistic names, in the order of the result columns.
STATISTICS: tuple[str, ...] = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha")
#: Statuses of the codes table that count as a coder's code by default.
CURRENT_STATUSES: tuple[str, ...] = ("accepted", "edited")

_LEVELS = {"story": "story", "segment": "segment", "sentence": "segment"}
_MATCHES = ("exact", "overlap")
#: Columns of a wide table that are never taken as dimensions by default.
_META_COLUMNS = {
    "story_id", "coder", "start", "end", "text", "source", "status", "confidence",
    "codebook_version", "created_at", "memo", "evidence", "dimension", "coding_id", "supersedes",
    "activity", "activity_goal", "storyteller_role", "collected_on", "track", "domain",
    "why_significant", "area", "language",
}
#: Cell texts that mean "no code" (besides empty cells): R's NA, Krippendorff's "." and "*".
_MISSING_MARKERS = {"na", "n/a", "nan", "null", ".", "*"}
#: Bootstrap matrices are processed in chunks of about this many cells.
_CHUNK_CELLS = 4_000_000


# ---------------------------------------------------------------------------
# Labels and input tables
# ---------------------------------------------------------------------------

def _norm_label(value: object) -> object:
    """One label as a stripped string, ``None`` when missing or empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    text = str(value).strip()
    if text.lower() in _MISSING_MARKERS:
        return None
    return text or None


def _labels(values: pd.Series | Sequence | np.ndarray) -> pd.Series:
    """Return values as stripped strings (``string`` dtype) with ``<NA>`` for missing/empty.

    Integral floats (``1.0`` as read from a spreadsheet) become ``"1"``.  Only
    the distinct values are normalised, so this is fast on large tables.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values if isinstance(values, np.ndarray) else list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    norm = np.array([_norm_label(u) for u in uniques] + [None], dtype=object)
    return pd.Series(norm[codes], index=s.index, dtype="string")


#: Dutch display labels (and any capitalisation) of the impact dimensions -> stored keys.
_IMPACT_KEYS: dict[str, dict[str, str]] = {
    "valence": {"positive": "positive", "negative": "negative", "positief": "positive", "negatief": "negative"},
    "intentionality": {"intended": "intended", "unintended": "unintended", "bedoeld": "intended",
                       "onbedoeld": "unintended"},
    "directness": {"direct": "direct", "indirect": "indirect"},
}


def _is_codes_table(df: pd.DataFrame) -> bool:
    return "dimension" in df.columns and "value" in df.columns


def _source_name(df: pd.DataFrame) -> str:
    src = df.attrs.get("source") if hasattr(df, "attrs") else None
    return str(src) if src else "table"


def _require_columns(df: pd.DataFrame, columns: Iterable[str], what: dict[str, str]) -> None:
    found = ", ".join(repr(c) for c in df.columns)
    for col in columns:
        if col not in df.columns:
            raise ImpactError(
                f"{_source_name(df)}: no {what.get(col, 'column')} column {col!r}; columns found: {found}; "
                f"name the column with the matching option (e.g. --unit / --coder-column)"
            )


def _positions(df: pd.DataFrame, column: str) -> pd.Series:
    """Return ``start``/``end`` as nullable integers, with a located error for bad cells."""
    raw = df[column]
    if pd.api.types.is_integer_dtype(raw.dtype):
        return raw.astype("Int64")
    text = _labels(raw)
    num = pd.to_numeric(text, errors="coerce")
    bad = (text.notna() & (num.isna() | (num.notna() & ((num != np.floor(num.fillna(0))) | (num < 0))))).to_numpy(dtype=bool)
    if bad.any():
        rows = np.flatnonzero(bad)
        more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
        raise ImpactError(
            f"{_where(df, int(rows[0]))}: column {column!r}: {text.iloc[rows[0]]!r} is not a position{more}; "
            f"use a whole number of code points (0 or more) or leave it empty for a whole-story code"
        )
    return num.astype("Int64")


def _where(df: pd.DataFrame, i: int) -> str:
    """``file:line`` of row ``i`` when the reader recorded source lines, else ``file: row n``."""
    lines = df.attrs.get("lines") if hasattr(df, "attrs") else None
    try:
        if lines is not None and len(lines) == len(df):
            return f"{_source_name(df)}:{int(lines[i])}"
    except (TypeError, IndexError, ValueError):
        pass
    return f"{_source_name(df)}: row {i + 1}"


def current_codes(codes: pd.DataFrame, *, statuses: Sequence[str] | None = CURRENT_STATUSES,
                  coder: str = "coder", unit: str = "story_id") -> pd.DataFrame:
    """Return the current codes of a codes table: one row per unit, span, dimension and coder.

    The latest decision per ``(unit, start, end, dimension, coder)`` is kept
    (by ``created_at`` when present, otherwise file order); then, when a
    ``status`` column exists, only rows whose status is in ``statuses`` (or
    empty) are kept.  ``rejected`` rows are never codes.

    Parameters
    ----------
    codes : DataFrame
        The canonical codes table (``story_id, start, end, dimension, value, coder, status, ...``).
    statuses : sequence of str or None
        Statuses that count as codes; default ``("accepted", "edited")``.
        ``None`` keeps every status except ``rejected``.
    coder, unit : str
        Names of the coder and unit columns.

    Returns
    -------
    DataFrame
        The kept rows, in their original order.

    Examples
    --------
    >>> import pandas as pd
    >>> codes = pd.DataFrame({"story_id": ["S1", "S1", "S1"], "dimension": ["valence"] * 3,
    ...     "value": ["positive", "negative", "positive"], "coder": ["a", "a", "model"],
    ...     "status": ["accepted", "edited", "suggested"],
    ...     "created_at": ["2025-01-01T10:00:00Z", "2025-01-02T10:00:00Z", "2025-01-01T09:00:00Z"]})
    >>> current_codes(codes)[["coder", "value"]].values.tolist()
    [['a', 'negative']]
    """
    _require_columns(codes, [unit, coder, "dimension", "value"],
                     {unit: "unit", coder: "coder", "dimension": "dimension", "value": "value"})
    keys = [_codes(codes[unit])[0]]
    for col in ("start", "end"):
        if col in codes.columns:
            keys.append(pd.factorize(codes[col], use_na_sentinel=True)[0])
    keys += [_codes(codes["dimension"])[0], _codes(codes[coder])[0]]
    mask = _current_mask(codes, keys, _codes(codes["value"])[0], statuses)
    return codes[mask]


def _current_mask(df: pd.DataFrame, keys: list[np.ndarray], value: np.ndarray,
                  statuses: Sequence[str] | None) -> np.ndarray:
    """Rows of a codes table that are current codes (see :func:`current_codes`), as a boolean mask.

    ``keys`` are integer-coded (or float) arrays of unit, [start, end,] dimension
    and coder; ``value`` the integer-coded values.
    """
    n = len(df)
    mask = np.ones(n, dtype=bool)
    key_frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    repeated = key_frame.duplicated(keep=False).to_numpy()
    if repeated.any():  # otherwise one decision per key (e.g. the store's current view): nothing to order
        position = np.arange(n)
        if "created_at" in df.columns:
            # only rows whose key repeats need their time parsed
            ticks = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
            stamp = pd.to_datetime(df["created_at"][repeated], errors="coerce", utc=True, format="mixed")
            ticks[repeated] = stamp.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).astype(np.int64)
            position = np.argsort(ticks, kind="stable")  # rows without a time first, in file order
        latest = ~key_frame.iloc[position].duplicated(keep="last").to_numpy()
        mask[:] = False
        mask[position[latest]] = True
        if "created_at" not in df.columns:
            # without times this is not a history: several values per key may be multi-valued codes
            groups = key_frame[repeated].assign(_v=value[repeated])
            n_conflicts = int((groups.groupby(list(key_frame.columns), sort=False)["_v"].nunique() > 1).sum())
            if n_conflicts:
                warnings.warn(
                    f"{_source_name(df)}: {n_conflicts} story × span × dimension × coder combination(s) have "
                    f"several different values and no 'created_at' to order them; the last row in the file was "
                    f"used; agreement needs one value per unit, dimension and coder (split multi-valued theme "
                    f"codes into one yes/no dimension per theme)",
                    ImpactWarning, stacklevel=3,
                )
    if "status" in df.columns:
        codes, uniques = pd.factorize(df["status"].to_numpy(dtype=object, na_value=None), use_na_sentinel=True)
        wanted = None if statuses is None else {s.lower() for s in statuses} - {"rejected"}
        ok = []
        for u in uniques:
            text = str(u).strip().lower()
            ok.append(text == "" or (text != "rejected" if wanted is None else text in wanted))
        mask &= np.append(np.array(ok, dtype=bool), True)[codes]  # missing status (-1): a plain code
    return mask


def as_codes(df: pd.DataFrame, *, unit: str = "story_id", coder: str = "coder",
             dimensions: Sequence[str] | None = None, coder_name: str | None = None) -> pd.DataFrame:
    """Return a wide table (or a codes table) as a long codes table, e.g. to combine coders.

    Use it to put a machine coder's output (``impactlib tag`` writes one row
    per story or segment with a column per dimension and no coder column) next
    to human codes: ``pd.concat([human_codes, as_codes(tagged, coder_name="impactlib")])``.

    Parameters
    ----------
    df : DataFrame
        A wide table (one row per unit [× coder], a column per dimension) or a
        codes table (returned unchanged apart from the coder column).
    unit, coder : str
        Unit and coder columns.
    dimensions : sequence of str, optional
        Dimension columns of a wide table; default the impact dimensions present.
    coder_name : str, optional
        Coder of every row when ``df`` has no coder column.

    Returns
    -------
    DataFrame
        Columns ``unit, start, end, dimension, value, coder, status`` (status
        empty: a plain code) for a wide table; rows without a value are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> tagged = pd.DataFrame({"story_id": ["S1", "S2"], "valence": ["positive", ""],
    ...                        "directness": ["direct", "indirect"]})
    >>> as_codes(tagged, coder_name="impactlib")[["story_id", "dimension", "value", "coder"]].values.tolist()
    [['S1', 'valence', 'positive', 'impactlib'], ['S1', 'directness', 'direct', 'impactlib'], ['S2', 'directness', 'indirect', 'impactlib']]
    """
    attrs = dict(df.attrs)
    if coder not in df.columns:
        if coder_name is None:
            _require_columns(df, [coder], {coder: "coder"})
        df = df.assign(**{coder: coder_name})
    if _is_codes_table(df):
        df.attrs.update(attrs)
        return df
    _require_columns(df, [unit], {unit: "unit"})
    if dimensions:
        dims = [str(d).strip() for d in dimensions]
        unknown = [d for d in dims if d not in df.columns]
        if unknown:
            raise ImpactError(
                f"{_source_name(df)}: unknown dimension(s) {', '.join(map(repr, unknown))}; columns found: "
                + ", ".join(map(repr, df.columns)) + "; choose dimensions from these"
            )
    else:
        dims = [d for d in DEFAULT_DIMENSIONS if d in df.columns]
        if not dims:
            raise ImpactError(
                f"{_source_name(df)}: none of the default dimensions {', '.join(DEFAULT_DIMENSIONS)} found; "
                "columns found: " + ", ".join(map(repr, df.columns)) + "; name the dimensions to compare"
            )
    n = len(df)
    na_pos = pd.array([pd.NA] * n, dtype="Int64")
    start = _positions(df, "start") if "start" in df.columns else na_pos
    end = _positions(df, "end") if "end" in df.columns else na_pos
    parts = []
    for d in dims:
        parts.append(pd.DataFrame({
            unit: df[unit].to_numpy(), "start": pd.array(start, dtype="Int64"), "end": pd.array(end, dtype="Int64"),
            "dimension": d, "value": _labels(df[d]).to_numpy(), coder: df[coder].to_numpy(),
            "status": pd.array([pd.NA] * n, dtype="string"), "_row": np.arange(n),
        }))
    long = pd.concat(parts, ignore_index=True)
    long = long[long["value"].notna().to_numpy()].sort_values("_row", kind="stable").drop(columns="_row")
    long = long.reset_index(drop=True)
    long.attrs.update(attrs)
    return long


@dataclass
class _Dimension:
    """One dimension as an integer matrix: units × coders, ``-1`` = missing."""

    name: str
    matrix: np.ndarray
    labels: list[str]
    units: pd.Index
    coders: list[str]


def _overlap_units(story: pd.Series, start: pd.Series, end: pd.Series) -> pd.Series:
    """Group spans of one story that overlap (transitively) into one unit label."""
    frame = pd.DataFrame({"s": story.to_numpy(), "a": start.to_numpy(dtype=float), "b": end.to_numpy(dtype=float)})
    frame["pos"] = np.arange(len(frame))
    frame = frame.sort_values(["s", "a", "b"], kind="stable")
    prev_max = frame.groupby("s", sort=False)["b"].cummax().groupby(frame["s"], sort=False).shift(1)
    new = prev_max.isna() | (frame["a"] >= prev_max)
    cluster = new.cumsum()
    c_start = frame.groupby(cluster)["a"].transform("min").astype(np.int64)
    c_end = frame.groupby(cluster)["b"].transform("max").astype(np.int64)
    label = frame["s"].astype(str) + ":" + c_start.astype(str) + "-" + c_end.astype(str)
    out = pd.Series(index=frame["pos"].to_numpy(), data=label.to_numpy()).sort_index()
    return pd.Series(out.to_numpy(), index=story.index)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (``-1`` = missing) and normalised labels of a column (see :func:`_labels`).

    Only the distinct raw values are normalised; raw values that normalise to
    the same label (``1.0`` and ``"1"``, ``" a"`` and ``"a"``) share a code.
    """
    raw = values.to_numpy(dtype=object, na_value=None) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) > 1000 and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        # many distinct strings (unit ids): strip and test the missing markers vectorised
        stripped = np.char.strip(uniques.astype(str))
        missing = (stripped == "") | np.isin(np.char.lower(stripped), list(_MISSING_MARKERS))
        norm = stripped.astype(object)
        norm[missing] = None
        norm = list(norm)
    else:
        norm = [_norm_label(u) for u in uniques]
    merged, labels = pd.factorize(np.array(norm + [None], dtype=object), use_na_sentinel=True)
    return merged[codes].astype(np.int64), np.asarray(labels, dtype=object)


def _sorted_codes(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Renumber the used codes ``0..n-1`` in the sort order of their labels (``-1`` stays)."""
    used = np.unique(codes[codes >= 0])
    names = np.asarray(labels, dtype=object)[used].astype(str)
    order = np.argsort(names, kind="stable")
    rank = np.full(len(labels) + 1, -1, dtype=np.int64)
    rank[used[order]] = np.arange(len(used))
    return rank[codes], names[order].tolist()  # codes == -1 pick rank[-1] == -1


@dataclass
class _Rows:
    """Long rows of one dimension as integer codes."""

    dim: str
    story: np.ndarray      # story code per row
    unit: np.ndarray       # unit code per row (story, or story+span)
    coder: np.ndarray      # coder code per row
    value: np.ndarray      # label code per row
    span_len: np.ndarray   # span length per row (segments), else 0
    order: np.ndarray      # file order
    unit_labels: np.ndarray
    value_labels: np.ndarray


def _long_rows(df: pd.DataFrame, *, unit: str, coder: str, dimensions: Sequence[str] | None,
               level: str, match: str, statuses: Sequence[str] | None) -> tuple[list[_Rows], list[str]]:
    """Normalise either input shape into integer-coded rows per dimension, plus the coder names."""
    if level not in _LEVELS:
        raise ImpactError(f"level {level!r} is not known; use 'story' or 'segment'")
    level = _LEVELS[level]
    if match not in _MATCHES:
        raise ImpactError(f"match {match!r} is not known; use 'exact' or 'overlap'")
    codes_table = _is_codes_table(df)
    _require_columns(df, [unit, coder], {unit: "unit", coder: "coder"})
    if len(df) == 0:
        raise ImpactError(f"{_source_name(df)}: the table has no rows; add the coders' codes below the header")
    if "start" in df.columns and "end" in df.columns:
        attrs = dict(df.attrs)
        df = df.assign(start=_positions(df, "start"), end=_positions(df, "end"))
        df.attrs.update(attrs)
        half = (df["start"].isna() != df["end"].isna()).to_numpy(dtype=bool)
        if half.any():
            rows = np.flatnonzero(half)
            more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
            raise ImpactError(
                f"{_where(df, int(rows[0]))}: only one of 'start' and 'end' is given{more}; give both "
                f"(end exclusive) for a segment or neither for a whole-story code"
            )
    story_all, story_labels = _codes(df[unit])
    coder_all, coder_labels = _codes(df[coder])
    current = np.ones(len(df), dtype=bool)
    if codes_table:
        dim_codes, dim_labels = _codes(df["dimension"])
        value_all, value_labels_all = _codes(df["value"])
        keys = [story_all]
        if "start" in df.columns and "end" in df.columns:
            keys += [df["start"].to_numpy(dtype="float64", na_value=np.nan),
                     df["end"].to_numpy(dtype="float64", na_value=np.nan)]
        current = _current_mask(df, keys + [dim_codes, coder_all], value_all, statuses)
        if not current.any():
            allowed = "any status except rejected" if statuses is None else "status " + "/".join(statuses)
            raise ImpactError(
                f"{_source_name(df)}: none of the {len(df)} row(s) is a current code ({allowed}); "
                f"rejected suggestions are not codes — accept or edit suggestions first, or count suggestions "
                f"too (statuses=..., CLI --include-suggestions)"
            )
        found_dims = [str(dim_labels[i]) for i in pd.unique(dim_codes[current & (dim_codes >= 0)])]
    else:
        found_dims = [c for c in df.columns if c not in (unit, coder)]
    if dimensions is None or len(dimensions) == 0:
        dims = [d for d in DEFAULT_DIMENSIONS if d in found_dims]
        if not dims:
            others = found_dims if codes_table else [
                c for c in found_dims if c not in _META_COLUMNS and not str(c).endswith("_confidence")]
            if others:
                dims = others
                if not codes_table:
                    warnings.warn(
                        f"{_source_name(df)}: none of the default dimensions {', '.join(DEFAULT_DIMENSIONS)} "
                        f"found; comparing every other column as a dimension: {', '.join(map(repr, dims))}; "
                        f"name the dimensions to compare (--dimensions a,b) to choose",
                        ImpactWarning, stacklevel=4,
                    )
            else:
                raise ImpactError(
                    f"{_source_name(df)}: none of the default dimensions {', '.join(DEFAULT_DIMENSIONS)} found; "
                    + ("dimensions found: " + (", ".join(map(repr, found_dims)) or "none") if codes_table
                       else "columns found: " + ", ".join(map(repr, df.columns)))
                    + "; name the dimensions to compare (--dimensions a,b)"
                )
    else:
        dims = [str(d).strip() for d in dimensions]
        unknown = [d for d in dims if d not in found_dims]
        if unknown:
            where = ("dimensions found in column 'dimension': " + (", ".join(map(repr, found_dims)) or "none")
                     if codes_table else "columns found: " + ", ".join(map(repr, df.columns)))
            raise ImpactError(
                f"{_source_name(df)}: unknown dimension(s) {', '.join(map(repr, unknown))}; {where}; "
                f"choose dimensions from these"
            )

    has_span = "start" in df.columns and "end" in df.columns
    if has_span:
        start = df["start"].to_numpy(dtype="float64", na_value=np.nan)
        end = df["end"].to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isnan(start) & np.isnan(end)
    else:
        start = end = None
        whole = np.ones(len(df), dtype=bool)
    if level == "story":
        keep = whole & current
        if not keep.any():
            raise ImpactError(
                f"{_source_name(df)}: no story-level codes (rows with empty 'start' and 'end'); "
                f"use level='segment' (--level segment) for span codes"
            )
    else:
        if not has_span:
            raise ImpactError(
                f"{_source_name(df)}: segment level needs columns 'start' and 'end'; columns found: "
                + ", ".join(map(repr, df.columns)) + "; use level='story' or add the span columns"
            )
        keep = ~np.isnan(start) & ~np.isnan(end) & current
        if not keep.any():
            raise ImpactError(
                f"{_source_name(df)}: no segment codes (rows with 'start' and 'end' filled); use level='story'"
            )
    coder_names = sorted(str(coder_labels[i]) for i in np.unique(coder_all[keep & (coder_all >= 0)]))
    coder_pos = np.full(len(coder_labels) + 1, -1, dtype=np.int64)
    for i, name in enumerate(coder_labels):
        coder_pos[i] = coder_names.index(str(name)) if str(name) in coder_names else -1
    coder_all = np.where(coder_all >= 0, coder_pos[coder_all], -1)
    out: list[_Rows] = []
    for dim in dims:
        if codes_table:
            target = [i for i, lab in enumerate(dim_labels) if str(lab) == dim]
            mask = keep & (dim_codes == target[0]) if target else np.zeros(len(df), dtype=bool)
            value, value_labels = value_all, value_labels_all
        else:
            mask = keep.copy()
            value, value_labels = _codes(df[dim])
        if dim in _IMPACT_KEYS:
            keys = _IMPACT_KEYS[dim]
            mapped = [keys.get(str(lab).lower(), lab) for lab in value_labels]
            remap, value_labels = pd.factorize(np.array(mapped, dtype=object))
            value = np.append(remap, -1)[value]  # -1 (missing) picks the appended -1
            value_labels = np.asarray(value_labels, dtype=object)
        mask &= (value >= 0) & (coder_all >= 0) & (story_all >= 0)
        idx = np.flatnonzero(mask)
        story = story_all[idx]
        if level == "story":
            unit_codes, unit_labels = story, story_labels
            span_len = np.zeros(len(idx))
        else:
            a, b = start[idx], end[idx]
            span_len = b - a
            if match == "exact":
                key = pd.DataFrame({"s": story, "a": a, "b": b})
                unit_codes = key.groupby(["s", "a", "b"], sort=False).ngroup().to_numpy()
                first = key.drop_duplicates().to_numpy()
            else:
                labels = np.asarray(story_labels, dtype=object)[story]
                cluster = _overlap_units(pd.Series(labels), pd.Series(a), pd.Series(b)).to_numpy()
                unit_codes, uniq = pd.factorize(cluster)
                unit_labels = np.asarray(uniq, dtype=object)
            if match == "exact":
                unit_labels = np.array([f"{story_labels[int(s_)]}:{int(a_)}-{int(b_)}" for s_, a_, b_ in first],
                                       dtype=object)
        out.append(_Rows(dim, story, np.asarray(unit_codes, dtype=np.int64), coder_all[idx], value[idx],
                         np.asarray(span_len, dtype=float), idx, np.asarray(unit_labels, dtype=object),
                         np.asarray(value_labels, dtype=object)))
    return out, coder_names


def _resolve_duplicates(r: _Rows, coder_names: list[str], overlap: bool) -> tuple[_Rows, list[str]]:
    """One value per unit × coder (rule in :func:`ratings_table`); also the conflicting cases found."""
    if len(r.unit) == 0:
        return r, []
    n_c = max(1, len(coder_names))
    key = r.unit * n_c + r.coder
    frame = pd.DataFrame({"key": key, "value": r.value, "len": r.span_len, "order": r.order})
    dup = frame["key"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return r, []
    d = frame[dup]
    n_values = d.groupby("key", sort=False)["value"].nunique()
    conflicts = n_values[n_values > 1]
    if overlap:
        # several spans of one coder in one overlap unit: the label covering most code points wins
        cover = frame.groupby(["key", "value"], sort=False).agg(cover=("len", "sum"), first=("order", "min")).reset_index()
        cover = cover.sort_values(["key", "cover", "first"], ascending=[True, False, True], kind="stable")
        best = dict(cover.drop_duplicates("key", keep="first")[["key", "value"]].itertuples(index=False))
        keep = ~frame["key"].duplicated(keep="first").to_numpy()
        value = frame["key"].map(best).to_numpy(dtype=np.int64)
    else:
        keep = ~frame["key"].duplicated(keep="last").to_numpy()
        value = r.value
    cases = [(r.dim, str(r.unit_labels[k // n_c]), str(coder_names[k % n_c])) for k in conflicts.index]
    return _Rows(r.dim, r.story[keep], r.unit[keep], r.coder[keep], value[keep], r.span_len[keep], r.order[keep],
                 r.unit_labels, r.value_labels), cases


def _prepare(df: pd.DataFrame, *, unit: str, coder: str, dimensions: Sequence[str] | None, level: str,
             match: str, coders: Sequence[str] | None, statuses: Sequence[str] | None) -> tuple[list[_Dimension], list[str]]:
    if not isinstance(df, pd.DataFrame):
        raise ImpactError(f"expected a pandas DataFrame of codes, got {type(df).__name__}")
    per_dim, all_coders = _long_rows(df, unit=unit, coder=coder, dimensions=dimensions, level=level,
                                     match=match, statuses=statuses)
    source = _source_name(df)
    n_all = len(all_coders)
    chosen = list(range(n_all))
    if coders is not None:
        wanted = [str(c) for c in coders]
        missing = [c for c in wanted if c not in all_coders]
        if missing:
            raise ImpactError(
                f"{source}: coder(s) {', '.join(map(repr, missing))} have no codes; coders found: "
                + (", ".join(map(repr, all_coders)) or "none")
            )
        chosen = [all_coders.index(c) for c in wanted]
        all_coders = wanted
    if len(all_coders) < 2:
        raise ImpactError(
            f"{source}: agreement needs at least 2 coders in column {coder!r}; found "
            f"{len(all_coders)}" + (f" ({', '.join(map(repr, all_coders))})" if all_coders else "")
            + "; add the second coder's codes or name the right column (--coder-column)"
        )
    overlap = match == "overlap" and _LEVELS.get(level) == "segment"
    new_pos = np.full(max(1, n_all), -1, dtype=np.int64)
    new_pos[chosen] = np.arange(len(chosen))
    out = []
    conflicts: list[tuple[str, str, str]] = []  # (dimension, unit, coder)
    for r in per_dim:
        sel = new_pos[r.coder] >= 0 if len(r.coder) else np.zeros(0, dtype=bool)
        r = _Rows(r.dim, r.story[sel], r.unit[sel], new_pos[r.coder[sel]], r.value[sel], r.span_len[sel],
                  r.order[sel], r.unit_labels, r.value_labels)
        r, cases = _resolve_duplicates(r, all_coders, overlap)
        conflicts += cases
        unit_codes, unit_names = _sorted_codes(r.unit, r.unit_labels)
        label_codes, labels = _sorted_codes(r.value, r.value_labels)
        matrix = np.full((len(unit_names), len(all_coders)), -1, dtype=np.int32)
        matrix[unit_codes, r.coder] = label_codes
        out.append(_Dimension(r.dim, matrix, labels, pd.Index(unit_names), list(all_coders)))
    if conflicts:
        what = ("overlapping spans with different values; the value covering most code points was used" if overlap
                else "several different values; the last (latest) one was used")
        warnings.warn(CodeConflictWarning(
            f"{source}: {len(conflicts)} unit × coder × dimension combination(s) have {what} "
            f"(e.g. {'; '.join(f'{d} {u} coder {c!r}' for d, u, c in conflicts[:3])}); agreement needs one "
            "label per unit and coder — check these codes",
            count=len(conflicts), examples=conflicts[:3], overlap=overlap), stacklevel=3)
    return out, list(all_coders)


def ratings_table(df: pd.DataFrame, dimension: str, *, unit: str = "story_id", coder: str = "coder",
                  level: str = "story", match: str = "exact", coders: Sequence[str] | None = None,
                  statuses: Sequence[str] | None = CURRENT_STATUSES) -> pd.DataFrame:
    """Return the reliability data of one dimension: units × coders, labels, ``<NA>`` = missing.

    Parameters
    ----------
    df : DataFrame
        A wide table (one row per unit × coder, a column per dimension) or the
        canonical codes table (``dimension`` and ``value`` columns).
    dimension : str
        The dimension (column of the wide table, or value of ``dimension``).
    unit, coder : str
        Columns naming the unit (story) and the coder.
    level : {"story", "segment"}
        ``story``: whole-story codes (``start``/``end`` empty or absent).
        ``segment`` (alias ``sentence``): span codes; units are matched across
        coders by ``(story_id, start, end)``.
    match : {"exact", "overlap"}
        At segment level: ``exact`` matches identical spans; ``overlap``
        makes spans of one story that overlap by at least one code point
        (transitively, across coders) one unit.  When a coder has several spans
        in one such unit with different labels, the label covering the most
        code points is used (a warning says how often).
    coders : sequence of str, optional
        Keep only these coders (in this order).
    statuses : sequence of str or None
        Codes-table statuses that count as codes (see :func:`current_codes`).

    Returns
    -------
    DataFrame
        Index: unit keys (``story_id``, or ``story_id:start-end`` at segment
        level); one column per coder.  Units nobody coded are absent.

    Notes
    -----
    If a coder gives several different labels to the same unit and dimension
    (a wide table with duplicate rows), the last row is used and an
    :class:`~impactlib.errors.ImpactWarning` names the cases.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"story_id": ["S1", "S1", "S2"], "coder": ["a", "b", "a"],
    ...                      "valence": ["positive", "negative", "positive"]})
    >>> ratings_table(wide, "valence").fillna("-").to_dict("index")
    {'S1': {'a': 'positive', 'b': 'negative'}, 'S2': {'a': 'positive', 'b': '-'}}
    """
    (dim,), _ = _prepare(df, unit=unit, coder=coder, dimensions=[dimension], level=level, match=match,
                         coders=coders, statuses=statuses)
    lab = np.array(dim.labels + [None], dtype=object)
    table = pd.DataFrame(lab[dim.matrix], index=dim.units, columns=dim.coders).astype("string")
    table.index.name = "unit"
    table.columns.name = "coder"
    return table


# ---------------------------------------------------------------------------
# Vectorised core
# ---------------------------------------------------------------------------

@dataclass
class _Patterns:
    """Distinct coding patterns of the pairable units and their frequencies."""

    freq: np.ndarray          # (P,) number of units with the pattern
    counts: np.ndarray        # (P, k) ratings per category
    m: np.ndarray             # (P,) ratings per unit
    agree: np.ndarray         # (P,) Σ_c n_c (n_c - 1): ordered agreeing pairs
    pair_cell: np.ndarray | None  # (P,) a*k+b for two coders, else None
    k: int


def _patterns(matrix: np.ndarray, k: int) -> _Patterns:
    valid = matrix >= 0
    pairable = valid.sum(axis=1) >= 2
    mp = matrix[pairable]
    if len(mp) == 0:
        return _Patterns(np.zeros(0, np.int64), np.zeros((0, k)), np.zeros(0), np.zeros(0), None, k)
    if mp.shape[1] == 2:
        key = mp[:, 0].astype(np.int64) * k + mp[:, 1]
        ukey, freq = np.unique(key, return_counts=True)
        a, b = ukey // k, ukey % k
        counts = np.zeros((len(ukey), k))
        np.add.at(counts, (np.arange(len(ukey)), a), 1)
        np.add.at(counts, (np.arange(len(ukey)), b), 1)
        pair_cell = ukey
    else:
        n = len(mp)
        counts_u = np.zeros((n, k), dtype=np.int64)
        r, c = np.nonzero(mp >= 0)
        np.add.at(counts_u, (r, mp[r, c]), 1)
        uniq, freq = np.unique(counts_u, axis=0, return_counts=True)
        counts = uniq.astype(float)
        pair_cell = None
    m = counts.sum(axis=1)
    agree = (counts * (counts - 1)).sum(axis=1)
    return _Patterns(freq.astype(np.int64), counts, m, agree, pair_cell, k)


def _stats_from_weights(p: _Patterns, w: np.ndarray) -> dict[str, np.ndarray]:
    """All statistics for weight rows ``w`` (B × P unit counts per pattern), vectorised."""
    w = np.atleast_2d(w).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_units = w.sum(axis=1)
        p_u = p.agree / (p.m * (p.m - 1))
        pbar = (w @ p_u) / n_units
        nc = w @ p.counts                                 # B × k ratings per category
        n = nc.sum(axis=1)                                # pairable values
        pe = ((nc / n[:, None]) ** 2).sum(axis=1)
        fleiss = (pbar - pe) / (1 - pe)
        fleiss[np.isclose(pe, 1.0)] = np.nan
        o_diag = w @ (p.agree / (p.m - 1))
        de = n * n - (nc ** 2).sum(axis=1)
        alpha = 1 - (n - 1) * (n - o_diag) / de
        alpha[np.isclose(de, 0.0)] = np.nan
        out = {"percent_agreement": pbar, "fleiss_kappa": fleiss, "krippendorff_alpha": alpha}
        if p.pair_cell is not None:
            k = p.k
            onehot = np.zeros((len(p.pair_cell), k * k))
            onehot[np.arange(len(p.pair_cell)), p.pair_cell] = 1.0
            conf = (w @ onehot).reshape(-1, k, k)
            tot = conf.sum(axis=(1, 2))
            po = np.trace(conf, axis1=1, axis2=2) / tot
            pe2 = (conf.sum(axis=2) * conf.sum(axis=1)).sum(axis=1) / (tot * tot)
            cohen = (po - pe2) / (1 - pe2)
            cohen[np.isclose(pe2, 1.0)] = np.nan
            out["cohen_kappa"] = cohen
        else:
            out["cohen_kappa"] = np.full(len(w), np.nan)
    return out


def _bootstrap(p: _Patterns, n_boot: int, rng: np.random.Generator, ci: float) -> dict[str, tuple[float, float]]:
    """Percentile intervals from ``n_boot`` unit resamples (multinomial over patterns)."""
    result = {s: (np.nan, np.nan) for s in STATISTICS}
    n_units = int(p.freq.sum())
    if n_boot <= 0 or n_units == 0:
        return result
    prob = p.freq / n_units
    chunk = max(1, min(n_boot, _CHUNK_CELLS // max(1, len(prob) * max(1, p.k * p.k if p.pair_cell is not None else p.k))))
    reps: dict[str, list[np.ndarray]] = {s: [] for s in STATISTICS}
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        w = rng.multinomial(n_units, prob, size=b)
        for name, values in _stats_from_weights(p, w).items():
            reps[name].append(values)
        done += b
    lo_q, hi_q = (1 - ci) / 2 * 100, (1 + ci) / 2 * 100
    for name in STATISTICS:
        values = np.concatenate(reps[name])
        values = values[np.isfinite(values)]
        if len(values):
            lo, hi = np.percentile(values, [lo_q, hi_q])
            result[name] = (float(lo), float(hi))
    return result


def _seed_for(seed: int | None, name: str) -> np.random.Generator:
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def _point_estimates(dim: _Dimension, p: _Patterns) -> tuple[dict[str, float], list[str]]:
    """Point estimates (scikit-learn and ``krippendorff`` where they fit) and notes on undefined values."""
    from sklearn.metrics import cohen_kappa_score
    import krippendorff

    notes: list[str] = []
    est = {name: float(v[0]) for name, v in _stats_from_weights(p, p.freq[None, :]).items()}
    matrix = dim.matrix
    pairable = (matrix >= 0).sum(axis=1) >= 2
    used = sorted(set(np.unique(matrix[pairable]).tolist()) - {-1})
    if len(used) == 1:
        notes.append(
            f"all codes of pairable units are {dim.labels[used[0]]!r}: chance agreement is 1, "
            f"so Cohen's κ, Fleiss' κ and Krippendorff's α are undefined"
        )
        for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            est[name] = float("nan")
        return est, notes
    if matrix.shape[1] == 2:
        both = matrix[pairable]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = cohen_kappa_score(both[:, 0], both[:, 1], labels=list(range(len(dim.labels))))
        est["cohen_kappa"] = float(kappa)
        if not np.isfinite(kappa):
            notes.append("Cohen's κ is undefined: both coders used a single, identical category")
    counts = p.counts.repeat(p.freq, axis=0) if len(p.freq) else p.counts
    # value_counts of the distinct patterns weighted by frequency: α only needs sums over units
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            alpha = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
        except ValueError:
            alpha = float("nan")
    est["krippendorff_alpha"] = float(alpha)
    return est, notes


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

def _confusion_dict(dim: _Dimension) -> dict[str, object]:
    """Confusion counts of a two-coder dimension as plain lists (safe in ``DataFrame.attrs``)."""
    k = len(dim.labels)
    pairs = dim.matrix[(dim.matrix >= 0).all(axis=1)]
    table = np.bincount(pairs[:, 0].astype(np.int64) * k + pairs[:, 1], minlength=k * k).reshape(k, k)
    return {"rows": dim.coders[0], "columns": dim.coders[1], "labels": list(dim.labels), "counts": table.tolist()}


def reliability(df: pd.DataFrame, *, unit: str = "story_id", coder: str = "coder",
                dimensions: Sequence[str] | None = None, level: str = "story", match: str = "exact",
                coders: Sequence[str] | None = None, statuses: Sequence[str] | None = CURRENT_STATUSES,
                n_boot: int = 1000, seed: int | None = 0, ci: float = 0.95) -> pd.DataFrame:
    """Agreement between coders per dimension, with bootstrap confidence intervals.

    Parameters
    ----------
    df : DataFrame
        A wide table (one row per unit × coder, a column per dimension) or the
        canonical codes table; see :func:`ratings_table`.
    unit, coder : str
        Columns naming the unit (default ``story_id``) and the coder (``coder``).
    dimensions : sequence of str, optional
        Dimensions to compare; default the three impact dimensions present
        (for a codes table without them: every dimension in it).
    level : {"story", "segment"}
        Story-level codes or segment (sentence) codes.
    match : {"exact", "overlap"}
        How segments are matched across coders (see :func:`ratings_table`).
    coders : sequence of str, optional
        Restrict to these coders (e.g. two humans, or a human and ``"model"``).
    statuses : sequence of str or None
        Codes-table statuses that count as codes (default accepted, edited).
    n_boot : int
        Bootstrap resamples of units (0 = no intervals).
    seed : int or None
        Seed of the bootstrap; the same seed gives the same intervals.
    ci : float
        Coverage of the intervals (default 0.95).

    Returns
    -------
    DataFrame
        One row per dimension: ``dimension, units, coders, pairable_units,
        percent_agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha``,
        ``<statistic>_ci_low``/``_ci_high`` for each statistic, ``n_boot``
        and ``note`` (why a statistic is undefined, or empty).
        ``cohen_kappa`` is ``NaN`` unless exactly two coders coded the
        dimension (coders without any code for a dimension take no part).
        ``attrs`` holds ``coders``, ``dimension_coders`` (per dimension) and
        ``confusion`` (per two-coder dimension: ``rows``, ``columns``,
        ``labels``, ``counts``).

    Raises
    ------
    ImpactError
        Missing unit/coder column, unknown dimension (lists what was found),
        fewer than two coders, or a dimension without pairable units.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"story_id": [1, 1, 2, 2, 3, 3], "coder": ["a", "b"] * 3,
    ...                      "theme": ["x", "x", "y", "y", "x", "y"]})
    >>> t = reliability(wide, dimensions=["theme"], n_boot=100)
    >>> round(float(t.loc[0, "krippendorff_alpha"]), 3)
    0.444
    """
    if not 0 < ci < 1:
        raise ImpactError(f"ci={ci!r} is not a coverage; use a number between 0 and 1 such as 0.95")
    if int(n_boot) < 0:
        raise ImpactError(f"n_boot={n_boot!r} is negative; use 0 (no intervals) or a positive number such as 1000")
    dims, all_coders = _prepare(df, unit=unit, coder=coder, dimensions=dimensions, level=level, match=match,
                                coders=coders, statuses=statuses)
    records = []
    dimension_coders: dict[str, list[str]] = {}
    confusions: dict[str, dict[str, object]] = {}
    for dim in dims:
        valid = dim.matrix >= 0
        coded_units = valid.any(axis=1)
        used = valid.any(axis=0)
        coders_used = int(used.sum())
        # coders without any code for this dimension take no part (Cohen's κ needs exactly two coders)
        dim = _Dimension(dim.name, dim.matrix[:, used], dim.labels, dim.units, [c for c, u in zip(dim.coders, used) if u])
        dimension_coders[dim.name] = list(dim.coders)
        if len(dim.coders) == 2:
            confusions[dim.name] = _confusion_dict(dim)
        p = _patterns(dim.matrix, max(1, len(dim.labels)))
        pairable = int(p.freq.sum())
        if pairable == 0:
            raise ImpactError(
                f"{_source_name(df)}: dimension {dim.name!r} has no pairable units ({int(coded_units.sum())} "
                f"unit(s) coded, none by 2 or more of the coders {', '.join(map(repr, dim.coders))}) at "
                f"{_LEVELS[level]} level; agreement needs units coded by at least two coders — check the "
                f"unit column, the coder names and the level" + (" (or try match='overlap')" if _LEVELS[level] == "segment" and match == "exact" else "")
            )
        est, notes = _point_estimates(dim, p)
        bounds = _bootstrap(p, int(n_boot), _seed_for(seed, dim.name), ci)
        rec: dict[str, object] = {
            "dimension": dim.name,
            "units": int(coded_units.sum()),
            "coders": coders_used,
            "pairable_units": pairable,
        }
        for name in STATISTICS:
            rec[name] = est[name]
        for name in STATISTICS:
            lo, hi = bounds[name]
            if not np.isfinite(est[name]):
                lo = hi = np.nan
            rec[f"{name}_ci_low"] = lo
            rec[f"{name}_ci_high"] = hi
        rec["n_boot"] = int(n_boot)
        rec["note"] = "; ".join(notes)
        records.append(rec)
    out = pd.DataFrame.from_records(records)
    out.attrs["coders"] = all_coders
    out.attrs["dimension_coders"] = dimension_coders
    out.attrs["confusion"] = confusions
    out.attrs["level"] = _LEVELS[level]
    out.attrs["ci"] = ci
    out.attrs["seed"] = seed
    return out


def compare_to_reference(df: pd.DataFrame, reference_coder: str, *, coders: Sequence[str] | None = None,
                         **kwargs) -> pd.DataFrame:
    """Agreement of every other coder (human or machine) with a reference coder.

    Parameters
    ----------
    df : DataFrame
        Wide table or codes table (see :func:`reliability`).
    reference_coder : str
        The coder taken as reference (e.g. ``"coder_a"`` or a gold standard).
    coders : sequence of str, optional
        The coders to compare with the reference; default all others.
    **kwargs
        Passed on to :func:`reliability` (``unit``, ``coder``, ``dimensions``,
        ``level``, ``match``, ``statuses``, ``n_boot``, ``seed``, ``ci``).

    Returns
    -------
    DataFrame
        The columns of :func:`reliability` plus ``reference`` and ``coder``
        first; one row per compared coder × dimension.  With two coders
        ``percent_agreement`` is the accuracy against the reference.
        ``attrs["confusion_by_coder"]`` holds the confusion counts per coder
        and dimension (reference in the rows).

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"story_id": [1, 1, 1, 2, 2, 2], "coder": ["gold", "a", "model"] * 2,
    ...                      "valence": ["positive", "positive", "negative", "negative", "negative", "negative"]})
    >>> compare_to_reference(wide, "gold", n_boot=0)[["coder", "percent_agreement"]].values.tolist()
    [['a', 1.0], ['model', 0.5]]
    """
    coder_col = kwargs.get("coder", "coder")
    unit_col = kwargs.get("unit", "story_id")
    _require_columns(df, [coder_col], {coder_col: "coder"})
    if _is_codes_table(df):
        found = sorted(pd.unique(_labels(current_codes(df, statuses=kwargs.get("statuses", CURRENT_STATUSES),
                                                       coder=coder_col, unit=unit_col)[coder_col]).dropna()))
    else:
        found = sorted(pd.unique(_labels(df[coder_col]).dropna()))
    if reference_coder not in found:
        raise ImpactError(
            f"{_source_name(df)}: reference coder {reference_coder!r} has no codes; coders found: "
            + (", ".join(map(repr, found)) or "none")
        )
    others = [c for c in (coders if coders is not None else found) if c != reference_coder]
    if not others:
        raise ImpactError(
            f"{_source_name(df)}: nobody to compare with {reference_coder!r}; coders found: "
            + ", ".join(map(repr, found))
        )
    parts, confusion = [], {}
    for other in others:
        t = reliability(df, coders=[reference_coder, other], **kwargs)
        confusion[other] = dict(t.attrs.get("confusion", {}))
        t.attrs = {}
        t.insert(0, "coder", other)
        t.insert(0, "reference", reference_coder)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["confusion_by_coder"] = confusion
    return out


# ---------------------------------------------------------------------------
# Single statistics on reliability data (rows = units, columns = coders)
# ---------------------------------------------------------------------------

def _matrix_from(data, *, counts: bool = False) -> tuple[np.ndarray, list[str], bool]:
    """Integer matrix (units × coders, -1 missing) or, with ``counts``, a units × categories count table."""
    if counts:
        arr = np.asarray(data.to_numpy() if isinstance(data, pd.DataFrame) else data, dtype=float)
        if arr.ndim != 2 or (arr < 0).any() or not np.all(np.isfinite(arr)):
            raise ImpactError("counts must be a units × categories table of non-negative numbers")
        return arr, [str(c) for c in (data.columns if isinstance(data, pd.DataFrame) else range(arr.shape[1]))], True
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data, dtype=object))
    if frame.ndim != 2 or frame.shape[1] < 2:
        raise ImpactError("reliability data must be a table with one row per unit and at least 2 coder columns")
    stacked = pd.concat([_labels(frame.iloc[:, j].reset_index(drop=True)) for j in range(frame.shape[1])], axis=1)
    flat = stacked.to_numpy(dtype=object).ravel()
    codes, labels = pd.factorize(pd.Series(flat, dtype="string"), sort=True)
    return codes.reshape(stacked.shape).astype(np.int32), [str(x) for x in labels], False


def _patterns_from(data, counts: bool) -> tuple[_Patterns, np.ndarray | None]:
    arr, labels, is_counts = _matrix_from(data, counts=counts)
    k = max(1, len(labels))
    if is_counts:
        keep = arr.sum(axis=1) >= 2
        c = arr[keep]
        m = c.sum(axis=1)
        return _Patterns(np.ones(len(c), np.int64), c, m, (c * (c - 1)).sum(axis=1), None, k), None
    return _patterns(arr, k), arr


def percent_agreement(data, *, counts: bool = False) -> float:
    """Mean share of agreeing coder pairs over pairable units (a proportion).

    Parameters
    ----------
    data : DataFrame or array-like
        Reliability data: one row per unit, one column per coder, labels;
        ``NaN``/``None``/``""`` = missing.  With ``counts=True``: one row per
        unit, one column per category, the number of coders choosing it.
    counts : bool
        Whether ``data`` is a count table.

    Examples
    --------
    >>> percent_agreement([["a", "a"], ["a", "b"], ["b", "b"], ["b", None]])
    0.6666666666666666
    """
    p, _ = _patterns_from(data, counts)
    if p.freq.sum() == 0:
        raise ImpactError("no pairable units: no unit has codes from at least two coders")
    return float(_stats_from_weights(p, p.freq[None, :])["percent_agreement"][0])


def fleiss_kappa(data, *, counts: bool = False) -> float:
    """Fleiss' κ for any number of coders (units with unequal numbers of ratings allowed).

    See the module docstring for the rule with unequal numbers of ratings;
    with equal numbers it is Fleiss' (1971) κ.  ``NaN`` when all ratings fall
    in one category.

    Parameters
    ----------
    data : DataFrame or array-like
        Units × coders labels, or with ``counts=True`` units × categories counts.
    counts : bool
        Whether ``data`` is a count table.

    Examples
    --------
    >>> round(fleiss_kappa([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...     [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0],
    ...     [0, 2, 2, 3, 7]], counts=True), 3)
    0.21
    """
    p, _ = _patterns_from(data, counts)
    if p.freq.sum() == 0:
        raise ImpactError("no pairable units: no unit has codes from at least two coders")
    return float(_stats_from_weights(p, p.freq[None, :])["fleiss_kappa"][0])


def krippendorff_alpha(data, *, counts: bool = False) -> float:
    """Krippendorff's α for nominal data, any number of coders, missing values allowed.

    Computed with the ``krippendorff`` package; ``NaN`` when only one
    category occurs.

    Parameters
    ----------
    data : DataFrame or array-like
        Units × coders labels (note: the package's own ``reliability_data``
        is coders × units), or with ``counts=True`` units × categories counts.
    counts : bool
        Whether ``data`` is a count table.

    Examples
    --------
    >>> krippendorff_alpha([["a", "a"], ["b", "b"], ["a", "b"], ["b", None]])
    0.4444444444444444
    """
    import krippendorff

    p, _ = _patterns_from(data, counts)
    if p.freq.sum() == 0:
        raise ImpactError("no pairable units: no unit has codes from at least two coders")
    if (p.counts.sum(axis=0) > 0).sum() < 2:
        return float("nan")
    vc = p.counts.repeat(p.freq, axis=0)
    return float(krippendorff.alpha(value_counts=vc, level_of_measurement="nominal"))


def cohen_kappa(a, b) -> float:
    """Cohen's κ of two coders (scikit-learn), over the units both coded.

    Parameters
    ----------
    a, b : array-like
        The two coders' labels for the same units, in the same order;
        missing (``NaN``/``None``/``""``) on either side drops the unit.

    Returns
    -------
    float
        κ, or ``NaN`` when both coders used one identical category only.

    Examples
    --------
    >>> round(cohen_kappa(["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15,
    ...                   ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15), 3)
    0.4
    """
    from sklearn.metrics import cohen_kappa_score

    la, lb = _labels(pd.Series(list(a), dtype=object)), _labels(pd.Series(list(b), dtype=object))
    if len(la) != len(lb):
        raise ImpactError(f"cohen_kappa needs two equally long sequences; got {len(la)} and {len(lb)} labels")
    both = (la.notna() & lb.notna()).to_numpy(dtype=bool)
    if not both.any():
        raise ImpactError("no pairable units: the two coders have no unit coded by both")
    x, y = la[both].to_numpy(dtype=object), lb[both].to_numpy(dtype=object)
    labels = sorted(set(x) | set(y))
    if len(labels) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(x, y, labels=labels))


def confusion_matrix(df: pd.DataFrame, dimension: str, coder_a: str, coder_b: str, *, unit: str = "story_id",
                     coder: str = "coder", level: str = "story", match: str = "exact",
                     statuses: Sequence[str] | None = CURRENT_STATUSES) -> pd.DataFrame:
    """Cross-table of two coders' labels over the units both coded.

    Parameters
    ----------
    df : DataFrame
        Wide table or codes table (see :func:`ratings_table`).
    dimension : str
        The dimension to cross-tabulate.
    coder_a, coder_b : str
        Rows are ``coder_a``'s labels, columns ``coder_b``'s.
    unit, coder, level, match, statuses
        As in :func:`reliability`.

    Returns
    -------
    DataFrame
        Counts (int) with every label seen for this dimension on both axes,
        index named ``coder_a``, columns named ``coder_b``.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"story_id": [1, 1, 2, 2], "coder": ["a", "b"] * 2,
    ...                      "valence": ["positive", "negative", "positive", "positive"]})
    >>> confusion_matrix(wide, "valence", "a", "b").to_dict()
    {'negative': {'negative': 0, 'positive': 1}, 'positive': {'negative': 0, 'positive': 1}}
    """
    (dim,), _ = _prepare(df, unit=unit, coder=coder, dimensions=[dimension], level=level, match=match,
                         coders=[coder_a, coder_b], statuses=statuses)
    for j, name in enumerate(dim.coders):
        if not (dim.matrix[:, j] >= 0).any():
            raise ImpactError(
                f"{_source_name(df)}: coder {name!r} has no codes for dimension {dimension!r}; "
                f"a confusion matrix needs codes of both coders"
            )
    conf = _confusion_dict(dim)
    return pd.DataFrame(np.array(conf["counts"], dtype=np.int64).reshape(len(dim.labels), len(dim.labels)),
                        index=pd.Index(dim.labels, name=coder_a), columns=pd.Index(dim.labels, name=coder_b))

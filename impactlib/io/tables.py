"""Per-kind normalisation and validation: raw rows -> canonical, typed tables.

Every loader collects **all** problems of a file before raising one
:class:`~impactlib.errors.ValidationError`; warnings (empty stories, non-CBS
area names, …) travel in ``df.attrs["warnings"]``.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "stories.csv"
>>> _ = p.write_text("verhaal_id;tekst;datum\\nS1;Ik ga weer naar buiten.;3-2-2025\\n", encoding="utf-8")
>>> df = load_stories(p)
>>> df.loc[0, "story_id"], str(df.loc[0, "collected_on"].date())
('S1', '2025-02-03')
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import defaultdict
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from impactlib.errors import ImpactError, Problem, ValidationError
from impactlib.io.columns import (
    ALIASES,
    CANONICAL,
    KINDS,
    REQUIRED,
    column_key,
    dimension_for,
    infer_kind,
    resolve_columns,
)
from impactlib.io.readers import MAX_PER_SORT, RawTable, attach, read_raw
from impactlib.io.values import (
    CBS_AREA_HELP,
    STATUSES,
    check_area,
    guess_decimal,
    normalise_area,
    parse_bool,
    parse_date,
    parse_number,
    parse_period,
)

PathLike = str | os.PathLike

SOCIAL_WORK_TYPES = ("sociale basis", "preventie", "aanpak van problemen", "juridische en klinische interventies")
TRACKS = ("doelmatigheid", "betekenisgeving", "vakmanschap")
ROLES = ("investor", "beneficiary")
CODE_SOURCES = ("human", "rules", "model")
CODE_STATUSES = ("suggested", "accepted", "rejected", "edited")
DIMENSION_VALUES = {
    "valence": ("positive", "negative"),
    "intentionality": ("intended", "unintended"),
    "directness": ("direct", "indirect"),
}

_SWT_ALIASES = {
    "socialebasis": "sociale basis", "basis": "sociale basis", "socialbase": "sociale basis",
    "basisvoorzieningen": "sociale basis", "algemenevoorzieningen": "sociale basis",
    "preventie": "preventie", "preventief": "preventie", "prevention": "preventie",
    "aanpakvanproblemen": "aanpak van problemen", "aanpakproblemen": "aanpak van problemen",
    "probleemaanpak": "aanpak van problemen", "tacklingproblems": "aanpak van problemen",
    "juridischeenklinischeinterventies": "juridische en klinische interventies",
    "juridischeklinischeinterventies": "juridische en klinische interventies",
    "juridischeofklinischeinterventies": "juridische en klinische interventies",
    "juridischeinterventies": "juridische en klinische interventies",
    "klinischeinterventies": "juridische en klinische interventies",
    "legalandclinicalinterventions": "juridische en klinische interventies",
}
_TRACK_ALIASES = {
    "doelmatigheid": "doelmatigheid", "effectiviteit": "doelmatigheid", "efficiency": "doelmatigheid",
    "effectiveness": "doelmatigheid",
    "betekenisgeving": "betekenisgeving", "betekenis": "betekenisgeving", "meaning": "betekenisgeving",
    "meaningmaking": "betekenisgeving", "sensemaking": "betekenisgeving",
    "vakmanschap": "vakmanschap", "craft": "vakmanschap", "craftsmanship": "vakmanschap",
    "professionalcraft": "vakmanschap",
}
_ROLE_ALIASES = {
    "investor": "investor", "investeerder": "investor", "investeert": "investor", "investering": "investor",
    "inv": "investor", "i": "investor", "investeerders": "investor", "investors": "investor",
    "kosten": "investor", "betaler": "investor", "betaalt": "investor",
    "beneficiary": "beneficiary", "incasseerder": "beneficiary", "incasseert": "beneficiary",
    "incasseerders": "beneficiary", "beneficiaries": "beneficiary", "baathebber": "beneficiary",
    "baat": "beneficiary", "baten": "beneficiary", "ontvanger": "beneficiary", "profiteert": "beneficiary",
    "inc": "beneficiary", "b": "beneficiary",
}
_ROLE_BOTH = {"beide", "both", "investeerderenincasseerder", "incasseerdereninvesteerder",
              "investorandbeneficiary", "investeerderincasseerder"}
_STATUS_ALIASES = {
    "ok": "ok", "definitief": "ok", "final": "ok", "": "ok",
    "provisional": "provisional", "voorlopig": "provisional", "voorlopigcijfer": "provisional",
    "missing": "missing", "ontbreekt": "missing", "onbekend": "missing", "nvt": "missing",
    "confidential": "confidential", "geheim": "confidential", "vertrouwelijk": "confidential",
}
_CODE_SOURCE_ALIASES = {
    "human": "human", "mens": "human", "handmatig": "human", "manual": "human", "codeur": "human",
    "rules": "rules", "rule": "rules", "regels": "rules", "regel": "rules", "regelgebaseerd": "rules",
    "model": "model", "ml": "model", "machine": "model",
}
_CODE_STATUS_ALIASES = {
    "suggested": "suggested", "voorgesteld": "suggested", "suggestie": "suggested",
    "accepted": "accepted", "geaccepteerd": "accepted", "akkoord": "accepted", "goedgekeurd": "accepted",
    "rejected": "rejected", "afgewezen": "rejected", "verworpen": "rejected",
    "edited": "edited", "aangepast": "edited", "bewerkt": "edited", "gewijzigd": "edited",
}
_DIMENSION_VALUE_ALIASES = {
    "valence": {"positive": "positive", "positief": "positive", "pos": "positive", "+": "positive",
                "negative": "negative", "negatief": "negative", "neg": "negative", "-": "negative"},
    "intentionality": {"intended": "intended", "bedoeld": "intended", "beoogd": "intended",
                       "unintended": "unintended", "onbedoeld": "unintended", "onbeoogd": "unintended",
                       "nietbedoeld": "unintended"},
    "directness": {"direct": "direct", "indirect": "indirect", "direkt": "direct"},
}
_DIMENSION_NAME_ALIASES = {"valence": "valence", "valentie": "valence", "waardering": "valence",
                           "intentionality": "intentionality", "intentionaliteit": "intentionality",
                           "bedoeldheid": "intentionality", "intentie": "intentionality",
                           "directness": "directness", "directheid": "directness"}

DATE_HELP = "use YYYY-MM-DD or DD-MM-YYYY"
NUMBER_HELP = ("write a number like 12,5 or 1.234,5 (or 12.5), or a CBS symbol: '.' missing, 'x' confidential, "
               "'*' provisional (e.g. '12,5*'), '-' nil")
PERIOD_HELP = "use e.g. 2025-Q1 (or 2025K1, '2025 kwartaal 1'), 2025-03 or 2025"


# --------------------------------------------------------------------------- context


class _Ctx:
    """Collects problems for one table and knows where each row came from."""

    def __init__(self, raw: RawTable, kind: str):
        self.raw = raw
        self.kind = kind
        self.file = raw.file
        self.problems: list[Problem] = list(raw.problems)
        self.source_cols: dict[str, str] = {}  # canonical -> header in the file
        self.row_map: np.ndarray | None = None  # output row -> raw row (after melting)

    def where(self, i: int) -> tuple[str, int | None]:
        j = int(self.row_map[i]) if self.row_map is not None else i
        return self.raw.where(j)

    def suffix(self, canon: str) -> str:
        src = self.source_cols.get(canon)
        return f" (column {src!r} in the file)" if src and src != canon else ""

    def add(self, i: int | None, column: str | None, value: Any, message: str,
            severity: str = "error") -> None:
        if i is None:
            self.problems.append(Problem(self.file, None, column, value, message, severity))
        else:
            f, line = self.where(i)
            self.problems.append(Problem(f, line, column, value, message, severity))

    def add_many(self, items: list[tuple[int, str | None, Any, str]], what: str, severity: str = "error") -> None:
        for i, col, val, msg in items[:MAX_PER_SORT]:
            self.add(i, col, val, msg, severity)
        if len(items) > MAX_PER_SORT:
            self.add(None, None, None, f"… and {len(items) - MAX_PER_SORT} more row(s) with the same problem "
                     f"({what})", severity)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def lines_of(self, idx: Any) -> list[int | None]:
        return [self.where(int(i))[1] for i in idx]

    def raise_if_errors(self) -> None:
        errs = self.errors
        if errs:
            def order(p: Problem) -> tuple:
                return (p.file, p.line or 0)
            probs = sorted(errs, key=order) + sorted(self.warnings, key=order)
            w = len(self.warnings)
            summary = f"{self.file}: {len(errs)} error(s)" + (f" and {w} warning(s)" if w else "") + \
                f" in this {self.kind} table"
            raise ValidationError(probs, summary=summary)


# --------------------------------------------------------------------------- cell helpers


def _blank_list(vals: Any) -> list[bool]:
    return [v is None or (v.__class__ is str and not v.strip()) or (isinstance(v, float) and v != v)
            or v is pd.NA or v is pd.NaT for v in vals]


def _is_blank(s: pd.Series) -> pd.Series:
    """True where a raw cell is missing or only whitespace."""
    return pd.Series(np.array(_blank_list(s.to_numpy(dtype=object)), dtype=bool), index=s.index)


def to_text(s: pd.Series, *, strip: bool = True) -> pd.Series:
    """Raw cells -> nullable string column (``<NA>`` for empty), numbers without ``.0``."""
    from impactlib.io.values import cell_to_text

    vals = s.to_numpy(dtype=object)
    out: list[Any] = []
    for v in vals:
        if v.__class__ is not str:
            v = None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else cell_to_text(v)
            if v is None:
                out.append(None)
                continue
        if strip:
            v = v.strip()
            out.append(v or None)
        else:
            out.append(v if v.strip() else None)
    return pd.Series(pd.array(out, dtype="string"), index=s.index)


def _map_unique(s: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """Apply ``fn`` once per distinct non-blank value; blank cells give ``None``."""
    vals = s.to_numpy(dtype=object)
    blank = _blank_list(vals)
    cache: dict[Any, Any] = {}
    out: list[Any] = []
    for v, b in zip(vals, blank):
        if b:
            out.append(None)
            continue
        try:
            r = cache[v] if v in cache else cache.setdefault(v, fn(v))
        except TypeError:  # unhashable cell
            r = fn(v)
        out.append(r)
    return pd.Series(out, index=s.index, dtype=object)


def _show(v: Any) -> str:
    from impactlib.io.values import cell_to_text

    t = cell_to_text(v) if not isinstance(v, str) else v
    t = t if t is not None else ""
    return repr(t if len(t) <= 60 else t[:57] + "…")


def _dates(ctx: _Ctx, s: pd.Series, canon: str) -> pd.Series:
    parsed = _map_unique(s, parse_date)
    bad = parsed.isna() & ~_is_blank(s)
    items = [(int(i), canon, s.iat[int(i)],
              f"column {canon!r}: {_show(s.iat[int(i)])} is not a date; {DATE_HELP}{ctx.suffix(canon)}")
             for i in np.flatnonzero(bad.to_numpy())]
    ctx.add_many(items, "not a date")
    out = pd.to_datetime(parsed.where(~bad, None), errors="coerce")
    out = out.astype("datetime64[ns]") if len(out) else pd.Series([], dtype="datetime64[ns]")
    if len(out) and out.notna().any():
        this_year = pd.Timestamp.now().year
        odd = out.notna() & ((out.dt.year < 1950) | (out.dt.year > this_year + 1))
        odd_items = [(int(i), canon, s.iat[int(i)],
                      f"column {canon!r}: {_show(s.iat[int(i)])} is dated {out.iat[int(i)].date()}, far in the "
                      f"past or future; check the date{ctx.suffix(canon)}")
                     for i in np.flatnonzero(odd.to_numpy())]
        ctx.add_many(odd_items, "unlikely dates", severity="warning")
    return out.reset_index(drop=True)


def _areas(ctx: _Ctx, s: pd.Series, required: bool = False) -> pd.Series:
    text = to_text(s)
    norm = _map_unique(text.astype(object).where(text.notna(), None), normalise_area)
    result = pd.Series(norm, dtype="string")
    checks = _map_unique(result.astype(object).where(result.notna(), None), check_area)
    bad = [(int(i), "area", s.iat[int(i)],
            f"column 'area': {_show(s.iat[int(i)])} is not a valid CBS area code; {CBS_AREA_HELP}"
            f"{ctx.suffix('area')}")
           for i in np.flatnonzero((checks == "error").to_numpy())]
    ctx.add_many(bad, "malformed CBS codes")
    names = sorted(set(result[(checks == "name").to_numpy()].dropna()))
    if names:
        shown = ", ".join(map(repr, names[:8])) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        ctx.add(None, "area", None,
                f"column 'area': {len(names)} value(s) are names, not CBS codes ({shown}); they work as labels, "
                f"but linking to CBS figures needs codes ({CBS_AREA_HELP})", severity="warning")
    if required:
        empty = [(int(i), "area", None, f"column 'area' is empty; give the area (e.g. a CBS code){ctx.suffix('area')}")
                 for i in np.flatnonzero(result.isna().to_numpy())]
        ctx.add_many(empty, "empty area")
    return result.reset_index(drop=True)


def _choice(ctx: _Ctx, s: pd.Series, canon: str, aliases: Mapping[str, str], allowed_help: str,
            *, severity: str = "error", contains: tuple[tuple[tuple[str, ...], str], ...] = ()) -> pd.Series:
    """Map values through ``aliases`` (keys as :func:`column_key`); unknown values are problems.

    ``contains`` gives fallbacks: ``((fragments, value), …)`` — a value whose key contains
    one of the fragments of exactly one entry maps to that entry's value."""
    def look(v: Any) -> Any:
        key = column_key(v)
        hit = aliases.get(key)
        if hit is None and contains and key:
            found = {val for frags, val in contains if any(f in key for f in frags)}
            hit = found.pop() if len(found) == 1 else None
        return hit

    text = to_text(s)
    keyed = _map_unique(text.astype(object).where(text.notna(), None), look)
    unknown = keyed.isna() & text.notna().to_numpy()
    items = [(int(i), canon, s.iat[int(i)],
              f"column {canon!r}: {_show(s.iat[int(i)])} is not allowed; {allowed_help}{ctx.suffix(canon)}")
             for i in np.flatnonzero(unknown.to_numpy())]
    if severity == "warning":
        vals = sorted({str(s.iat[i]).strip() for i, *_ in items})
        if vals:
            ctx.add(None, canon, None, f"column {canon!r}: unexpected value(s) {', '.join(map(repr, vals[:8]))} "
                    f"kept as written; {allowed_help}", severity="warning")
        keyed = keyed.where(~unknown, text.astype(object))
    else:
        ctx.add_many(items, f"bad {canon}")
    return pd.Series(keyed, dtype="string").reset_index(drop=True)


def _required_text(ctx: _Ctx, s: pd.Series, canon: str, help_: str) -> pd.Series:
    text = to_text(s)
    items = [(int(i), canon, None, f"column {canon!r} is empty; {help_}{ctx.suffix(canon)}")
             for i in np.flatnonzero(text.isna().to_numpy())]
    ctx.add_many(items, f"empty {canon}")
    return text.reset_index(drop=True)


def _duplicates(ctx: _Ctx, frame: pd.DataFrame, keys: list[str], what: str, help_: str,
                severity: str = "error", optional: tuple[str, ...] = ()) -> None:
    """Report rows that repeat ``keys`` (+ ``optional`` keys, where empty counts as a value)."""
    extra = [k for k in optional if k in frame.columns]
    sub = frame[keys + extra].astype(object)
    for k in extra:
        sub[k] = sub[k].where(sub[k].notna(), "")
    dup = sub.duplicated(keep=False) & frame[keys].notna().all(axis=1)
    keys = keys + extra
    if not dup.any():
        return
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i in np.flatnonzero(dup.to_numpy()):
        groups[tuple(sub.iloc[int(i)].tolist())].append(int(i))
    items = []
    for key, rows in groups.items():
        lines = [ln for ln in ctx.lines_of(rows)]
        if all(ln is None for ln in lines):
            where = ", ".join(ctx.where(r)[0] for r in rows)
        else:
            where = "lines " + ", ".join(str(ln) for ln in lines)
        label = " / ".join(f"{k} {str(v)!r}" for k, v in zip(keys, key) if not (k in extra and v == ""))
        items.append((rows[0], keys[-1] if len(keys) == 1 else None, key[0] if len(key) == 1 else key,
                      f"{label} occurs {len(rows)} times ({where}); {what} — {help_}"))
    ctx.add_many(items, f"duplicate {what}", severity)


# --------------------------------------------------------------------------- preparation


def _as_raw(source: Any, sheet: str | int | None, kind: str | None, display: str | None = None) -> RawTable:
    if isinstance(source, RawTable):
        return source
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).astype(object).where(source.notna().reset_index(drop=True), None)
        frame.columns = [str(c) for c in frame.columns]
        name = str(source.attrs.get("source", "<DataFrame>"))
        lines = source.attrs.get("lines")
        arr = np.asarray(list(lines), dtype=np.int64) if lines is not None and len(lines) == len(frame) \
            else np.arange(2, len(frame) + 2, dtype=np.int64)
        from pathlib import Path
        return RawTable(frame, arr, name, Path(name), "dataframe", encoding=source.attrs.get("encoding"),
                        delimiter=source.attrs.get("delimiter"))
    return read_raw(source, sheet, prefer=kind, display=display)


def _prepare(raw: RawTable, kind: str, mapping: Mapping[str, str] | None,
             required: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, _Ctx, bool]:
    """Rename headers to canonical names and report missing required columns.

    Returns ``(frame, ctx, readable)``; ``readable`` is False when there is no table at all.
    """
    ctx = _Ctx(raw, kind)
    if raw.frame.shape[1] == 0:
        return raw.frame, ctx, False
    res = resolve_columns(list(raw.frame.columns), kind, mapping, file=raw.file)
    ctx.problems.extend(res.problems)
    frame = raw.frame.rename(columns=res.rename)
    ctx.source_cols = {v: k for k, v in res.rename.items()}
    need = REQUIRED[kind] if required is None else required
    missing = [c for c in need if c not in frame.columns]
    if missing:
        found = ", ".join(repr(c) for c in raw.frame.columns)
        accepted = "; ".join(
            f"{c}: " + ", ".join([c] + [a for a in ALIASES[kind].get(c, ())][:6]) for c in missing)
        hints = _missing_hints(raw, kind, missing, set(res.rename))
        ctx.problems.append(Problem(
                raw.file, raw.header_line, None, None,
                f"missing required column(s) {', '.join(map(repr, missing))} for a {kind} table; "
                f"columns found: {found}; accepted names — {accepted}; rename a column or map it "
                f"(mapping=… or [columns.{kind}] in the project file){hints}"))
    if len(frame) == 0 and not raw.errors:
        ctx.add(None, None, None, "the table has a header but no data rows; add rows below the header "
                f"(columns found: {', '.join(repr(c) for c in raw.frame.columns)})")
    return frame, ctx, True


def _missing_hints(raw: RawTable, kind: str, missing: list[str], mapped: set[str]) -> str:
    """Suggestions for missing columns: headers that contain an alias (survey questions), the
    question texts of a Qualtrics export, and how to add ids."""
    hints: list[str] = []
    free = [c for c in raw.frame.columns if c not in mapped]
    for canon in missing:
        keys = [column_key(a) for a in (canon,) + tuple(ALIASES[kind].get(canon, ()))]
        keys = [k for k in keys if len(k) >= 5]
        cands = [c for c in free if any(k in column_key(c) for k in keys)]
        cands += [c for c, q in raw.questions.items() if c in free and c not in cands
                  and any(k in column_key(q) for k in keys)]
        if cands:
            which = repr(cands[0]) if len(cands) == 1 else "one of " + ", ".join(repr(c) for c in cands[:3])
            hints.append(f"maybe {which} is the {canon!r} column")
    if raw.questions:
        qs = [f"{c} = {q[:50]!r}" for c, q in raw.questions.items() if c in free and re.match(r"Q\d", c)]
        if qs:
            hints.append("questions in this Qualtrics export: " + "; ".join(qs[:8]))
    looks_like_data = [c for c in raw.frame.columns if len(str(c)) > 60 or parse_date(str(c)) is not None
                       or re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", str(c).strip())]
    if looks_like_data and len(looks_like_data) * 3 >= len(raw.frame.columns):
        hints.append(f"the header line looks like data ({', '.join(repr(str(c)[:30]) for c in looks_like_data[:3])}); "
                     "add a header row with column names as the first line")
    if "story_id" in missing and "story_id" in CANONICAL[kind]:
        hints.append("without ids, add a column story_id and number the rows (1, 2, 3 … in Excel)")
    return ("; " + "; ".join(hints)) if hints else ""


def _finish_table(ctx: _Ctx, out: pd.DataFrame, canonical: tuple[str, ...], extras: pd.DataFrame | None,
                  absent: list[str]) -> pd.DataFrame:
    ctx.raise_if_errors()
    if extras is not None and extras.shape[1]:
        extras = extras.reset_index(drop=True)
        extras = extras[[c for c in extras.columns if c not in out.columns]]
        cols = {}
        for c in extras.columns:  # case variables: kept as written, empty cells become missing
            col = extras[c]
            if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
                col = to_text(col)
            elif col.dtype == object:
                col = col.where(~_is_blank(col), None)
            cols[c] = col
        out = pd.concat([out.reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    lines = ctx.raw.lines if ctx.row_map is None else ctx.raw.lines[ctx.row_map] if len(ctx.raw.lines) else \
        np.zeros(len(out), np.int64)
    attach(out, ctx.raw, warnings=ctx.warnings, lines=lines)
    out.attrs["kind"] = ctx.kind
    out.attrs["absent_columns"] = absent
    out.attrs["columns_from"] = dict(ctx.source_cols)
    if ctx.raw.row_files is not None:
        out.attrs["files"] = list(ctx.raw.row_files) if ctx.row_map is None else \
            [ctx.raw.row_files[int(j)] for j in ctx.row_map]
    return out


def _extras(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[[c for c in frame.columns if c not in CANONICAL[kind]]]


def _text_or_na(frame: pd.DataFrame, col: str, n: int) -> pd.Series:
    if col in frame.columns:
        return to_text(frame[col]).reset_index(drop=True)
    return pd.Series([pd.NA] * n, dtype="string")


# --------------------------------------------------------------------------- stories


def _story_text(s: pd.Series) -> pd.Series:
    text = to_text(s, strip=False).fillna("")
    if text.str.contains("\r", regex=False).any():
        text = text.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    if len(text) and not all(unicodedata.is_normalized("NFC", t) for t in text.tolist()):
        text = text.str.normalize("NFC")
    return text.reset_index(drop=True)


def normalise_stories(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical stories table from a raw table (see :func:`load_stories`)."""
    frame, ctx, ok = _prepare(raw, "stories", mapping)
    if not ok:
        ctx.raise_if_errors()
    n = len(frame)
    out: dict[str, pd.Series] = {}
    if "story_id" in frame:
        sid = _required_text(ctx, frame["story_id"], "story_id", "give every story a unique id")
        out["story_id"] = sid
        ids = pd.DataFrame({"story_id": sid})
        _duplicates(ctx, ids, ["story_id"], "story ids must be unique",
                    "give each story its own id or remove the duplicate rows")
    if "text" in frame:
        text = _story_text(frame["text"])
        blank = pd.Series(_blank_list(text.to_numpy(dtype=object)), dtype=bool)
        if blank.any():
            text = text.where(~blank, "")
            idx = np.flatnonzero(blank.to_numpy())
            sids = out.get("story_id")
            labels = []
            for i in idx[:20]:
                f, line = ctx.where(int(i))
                sid_i = sids.iat[int(i)] if sids is not None else None
                at = f"line {line}" if line is not None else f
                labels.append(f"{str(sid_i)!r} ({at})" if sid_i is not pd.NA and sid_i is not None else at)
            more = f" and {len(idx) - 20} more" if len(idx) > 20 else ""
            ctx.add(None, "text", None,
                    f"{len(idx)} stor{'y has' if len(idx) == 1 else 'ies have'} no text and will not be tagged: "
                    f"{', '.join(labels)}{more}; fill the text or drop the rows", severity="warning")
        out["text"] = text
    absent = [c for c in CANONICAL["stories"] if c not in frame.columns]
    for col in ("activity", "activity_goal", "storyteller_role"):
        out[col] = _text_or_na(frame, col, n)
    out["collected_on"] = (_dates(ctx, frame["collected_on"], "collected_on") if "collected_on" in frame
                           else pd.Series([pd.NaT] * n, dtype="datetime64[ns]"))
    if "track" in frame:
        out["track"] = _choice(ctx, frame["track"], "track", _TRACK_ALIASES,
                               f"expected one of {', '.join(TRACKS)}", severity="warning")
    else:
        out["track"] = pd.Series([pd.NA] * n, dtype="string")
    for col in ("domain", "why_significant"):
        out[col] = _text_or_na(frame, col, n)
    out["area"] = _areas(ctx, frame["area"]) if "area" in frame else pd.Series([pd.NA] * n, dtype="string")
    out["language"] = _text_or_na(frame, "language", n)
    if ctx.errors and ("story_id" not in out or "text" not in out):
        ctx.raise_if_errors()
    table = pd.DataFrame(out)
    return _finish_table(ctx, table, CANONICAL["stories"], _extras(frame, "stories"), absent)


# --------------------------------------------------------------------------- activities


def normalise_activities(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical activities table (see :func:`load_activities`)."""
    frame, ctx, ok = _prepare(raw, "activities", mapping)
    if not ok:
        ctx.raise_if_errors()
    n = len(frame)
    out: dict[str, pd.Series] = {}
    if "activity" in frame:
        out["activity"] = _required_text(ctx, frame["activity"], "activity", "name the activity")
        acts = pd.DataFrame({"activity": out["activity"],
                             "area": to_text(frame["area"]).reset_index(drop=True) if "area" in frame
                             else pd.Series([pd.NA] * n, dtype="string")})
        _duplicates(ctx, acts, ["activity"], "each activity must be listed once per area",
                    "merge the rows or give them distinct names", optional=("area",))
        multi = acts.dropna(subset=["activity"]).groupby("activity")["area"].nunique()
        multi = multi[multi > 1]
        if len(multi):
            ctx.add(None, "activity", None,
                    f"{', '.join(map(repr, multi.index[:10]))} run(s) in several areas (one row per area); tables "
                    "joined on 'activity' will repeat their rows", severity="warning")
    else:
        out["activity"] = pd.Series([pd.NA] * n, dtype="string")
    out["activity_goal"] = _text_or_na(frame, "activity_goal", n)
    if "social_work_type" in frame:
        out["social_work_type"] = _choice(
            ctx, frame["social_work_type"], "social_work_type", _SWT_ALIASES,
            "use one of the four kinds of social work: " + ", ".join(map(repr, SOCIAL_WORK_TYPES)),
            contains=((("basis",), "sociale basis"), (("preventi",), "preventie"),
                      (("aanpak", "probleem", "problemen"), "aanpak van problemen"),
                      (("juridisch", "klinisch", "drang", "dwang"), "juridische en klinische interventies")))
    else:
        out["social_work_type"] = pd.Series([pd.NA] * n, dtype="string")
    out["organisation"] = _text_or_na(frame, "organisation", n)
    out["area"] = _areas(ctx, frame["area"]) if "area" in frame else pd.Series([pd.NA] * n, dtype="string")
    out["owner"] = _text_or_na(frame, "owner", n)
    if "activity_goal" in frame and out["activity_goal"].isna().any():
        miss = out["activity"][out["activity_goal"].isna()].dropna().tolist()
        if miss:
            ctx.add(None, "activity_goal", None,
                    f"no goal for {', '.join(map(repr, miss[:10]))}; the tagger judges intended vs unintended "
                    "effects against the activity's goal — fill it in", severity="warning")
    absent = [c for c in CANONICAL["activities"] if c not in frame.columns]
    return _finish_table(ctx, pd.DataFrame(out), CANONICAL["activities"], _extras(frame, "activities"), absent)


# --------------------------------------------------------------------------- indicators


def _numbers(ctx: _Ctx, s: pd.Series, canon: str, decimal: str, colname: list[str] | None = None
             ) -> tuple[pd.Series, pd.Series]:
    """Parse numbers with CBS symbols; returns (values, statuses)."""
    from impactlib.io.values import MISSING_WORDS

    parsed = _map_unique(s, lambda v: parse_number(v, decimal))
    blank = _is_blank(s)
    bad = parsed.isna() & ~blank
    words = bad & s.map(lambda v: isinstance(v, str) and v.strip().lower() in MISSING_WORDS).astype(bool)
    if words.any():
        idx = np.flatnonzero(words.to_numpy())
        vals = sorted({str(s.iat[int(i)]).strip() for i in idx})
        lines = [ln for ln in ctx.lines_of(idx[:10]) if ln is not None]
        ctx.add(None, canon, None,
                f"column {canon!r}: {', '.join(map(repr, vals))} read as missing (status 'missing') in "
                f"{len(idx)} cell(s){' (lines ' + ', '.join(map(str, lines)) + (' …' if len(idx) > 10 else '') + ')' if lines else ''}; "
                "CBS writes '.' for a missing figure", severity="warning")
        parsed = parsed.where(~words, pd.Series([(np.nan, "missing")] * len(parsed), index=parsed.index, dtype=object))
        bad = bad & ~words
    items = []
    for i in np.flatnonzero(bad.to_numpy()):
        col = colname[int(i)] if colname is not None else canon
        suffix = ctx.suffix(canon) if colname is None else ""
        items.append((int(i), col, s.iat[int(i)],
                      f"column {col!r}: {_show(s.iat[int(i)])} is not a number; {NUMBER_HELP}{suffix}"))
    ctx.add_many(items, f"non-numeric {canon}")
    vals = np.full(len(s), np.nan)
    stat = np.array(["missing"] * len(s), dtype=object)
    for i, pv in enumerate(parsed.tolist()):
        if pv is not None:
            vals[i], stat[i] = pv
    return pd.Series(vals, dtype="float64"), pd.Series(stat, dtype=object)


def _melt_wide(frame: pd.DataFrame, ctx: _Ctx, period_cols: list[str]) -> pd.DataFrame:
    ids = [c for c in frame.columns if c not in period_cols]
    n = len(frame)
    parts = []
    for c in period_cols:
        part = frame[ids].copy()
        part["period"] = c
        part["value"] = frame[c].to_numpy()
        part["_row"] = np.arange(n)
        part["_col"] = c
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    order = np.lexsort((np.repeat(np.arange(len(period_cols)), n), long["_row"].to_numpy()))
    long = long.iloc[order].reset_index(drop=True)
    ctx.row_map = long["_row"].to_numpy()
    ctx.raw.notes.append(f"wide table: {len(period_cols)} period columns ({period_cols[0]} … {period_cols[-1]}) "
                         "turned into rows")
    return long


_YEAR_KEYS = {"jaar", "year", "jr"}
_SUB_KEYS = {"kwartaal": "K", "quarter": "K", "kw": "K", "maand": "M", "month": "M", "mnd": "M"}


def _combine_year_and_quarter(raw: RawTable, mapping: Mapping[str, str] | None) -> None:
    """Separate ``Jaar`` and ``Kwartaal``/``Maand`` columns become one ``periode`` column."""
    if mapping and "period" in mapping.values():
        return
    keys = {column_key(c): c for c in raw.frame.columns}
    year = next((keys[k] for k in _YEAR_KEYS if k in keys), None)
    sub = next(((keys[k], t) for k, t in _SUB_KEYS.items() if k in keys), None)
    others = {column_key(a) for a in ("period", "periode", "perioden", "tijdvak")}
    if year is None or sub is None or others & set(keys):
        return
    col, tag = sub
    frame = raw.frame

    def combine(y: Any, q: Any) -> Any:
        from impactlib.io.values import cell_to_text

        yt, qt = cell_to_text(y), cell_to_text(q)
        if not qt or not qt.strip():
            return yt
        if parse_period(qt) is not None and re.search(r"\d{4}", qt):
            return qt  # the quarter column already holds the full period
        digits = re.sub(r"\D", "", qt)
        if tag == "K" and digits:
            return f"{yt} K{digits}"
        if tag == "M" and digits:
            return f"{yt}-{int(digits):02d}"
        return f"{qt} {yt}"  # a month name: 'maart 2025'

    raw.frame = frame.assign(periode=[combine(y, q) for y, q in zip(frame[year], frame[col])]).drop(
        columns=[year, col])
    raw.notes.append(f"columns {year!r} and {col!r} combined into one period")


def normalise_indicators(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical long indicators table (see :func:`load_indicators`)."""
    ctx0 = _Ctx(raw, "indicators")
    if raw.frame.shape[1] == 0:
        ctx0.raise_if_errors()
    _combine_year_and_quarter(raw, mapping)
    res = resolve_columns(list(raw.frame.columns), "indicators", mapping, file=raw.file)
    mapped = set(res.rename.values())
    unmapped = [c for c in raw.frame.columns if c not in res.rename]
    period_cols = [c for c in unmapped if parse_period(c) is not None]
    wide = "value" not in mapped and bool(period_cols)
    numeric_cols: list[str] = []
    if not wide and "value" not in mapped and "indicator" not in mapped and "period" in mapped:
        for c in unmapped:  # one column per indicator: the columns that hold numbers
            cells = [v for v in raw.frame[c].tolist() if v is not None and str(v).strip() != ""]
            dec = guess_decimal([v for v in cells if isinstance(v, str)], raw.delimiter)
            if cells and sum(parse_number(v, dec) is not None for v in cells) >= 0.5 * len(cells):
                numeric_cols.append(c)
    by_indicator = bool(numeric_cols)
    required = REQUIRED["indicators"]
    if wide:
        required = tuple(c for c in required if c not in ("period", "value"))
    if by_indicator:
        required = tuple(c for c in required if c not in ("indicator", "value"))
    frame, ctx, _ = _prepare(raw, "indicators", mapping, required=required)
    colname: list[str] | None = None
    if wide and len(frame):
        frame = _melt_wide(frame, ctx, period_cols)
        colname = frame["_col"].tolist()
    elif by_indicator and len(frame):
        ind_cols = [c for c in frame.columns if c in numeric_cols]
        ctx.source_cols.setdefault("indicator", "")
        keep = [c for c in frame.columns if c not in ind_cols]
        parts = []
        for c in ind_cols:
            part = frame[keep].copy()
            part["indicator"] = c
            part["value"] = frame[c].to_numpy()
            part["_row"] = np.arange(len(frame))
            part["_col"] = c
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.iloc[np.lexsort((np.zeros(len(frame)), frame["_row"].to_numpy()))].reset_index(drop=True)
        ctx.row_map = frame["_row"].to_numpy()
        colname = frame["_col"].tolist()
        ctx.raw.notes.append(f"one column per indicator ({', '.join(ind_cols[:5])}) turned into rows")
    n = len(frame)
    out: dict[str, pd.Series] = {}
    out["indicator"] = (_required_text(ctx, frame["indicator"], "indicator", "name the indicator")
                        if "indicator" in frame else pd.Series([pd.NA] * n, dtype="string"))
    out["area"] = _areas(ctx, frame["area"], required=True) if "area" in frame else \
        pd.Series([pd.NA] * n, dtype="string")
    if "period" in frame:
        per = _map_unique(frame["period"], parse_period)
        blank = _is_blank(frame["period"])
        bad = per.isna() & ~blank
        def period_help(v: Any) -> str:
            if re.fullmatch(r"\s*(\d{4})\s*[/-]\s*'?(\d{2}|\d{4})\s*", str(v)):
                return (f"{PERIOD_HELP}; for a school year such as 2023/2024 use its first year (2023) and say so "
                        "in the indicator name")
            return PERIOD_HELP

        items = [(int(i), "period", frame["period"].iat[int(i)],
                  f"column 'period': {_show(frame['period'].iat[int(i)])} is not a period; "
                  f"{period_help(frame['period'].iat[int(i)])}{ctx.suffix('period')}")
                 for i in np.flatnonzero(bad.to_numpy())]
        items += [(int(i), "period", None, f"column 'period' is empty; {PERIOD_HELP}{ctx.suffix('period')}")
                  for i in np.flatnonzero(blank.to_numpy())]
        ctx.add_many(items, "bad periods")
        out["period"] = pd.Series([p[0] if p else pd.NA for p in per.tolist()], dtype="string")
        out["period_start"] = pd.Series([p[1] if p else pd.NaT for p in per.tolist()],
                                        dtype="datetime64[ns]")
    else:
        out["period"] = pd.Series([pd.NA] * n, dtype="string")
        out["period_start"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
    if "value" in frame:
        strings = [v for v in pd.unique(frame["value"].to_numpy(dtype=object)) if isinstance(v, str)]
        targets = ([v for v in pd.unique(frame["target"].to_numpy(dtype=object)) if isinstance(v, str)]
                   if "target" in frame else [])
        decimal = guess_decimal(strings + targets, raw.delimiter)
        ctx.raw.notes.append(f"decimal separator {decimal!r}")
        values, status = _numbers(ctx, frame["value"], "value", decimal, colname)
        out["value"] = values
    else:
        decimal = ","
        values, status = pd.Series([np.nan] * n), pd.Series(["missing"] * n, dtype=object)
        out["value"] = values
    for col in ("unit", "source", "owner"):
        out[col] = _text_or_na(frame, col, n)
    if "status" in frame:
        given = _choice(ctx, frame["status"], "status", _STATUS_ALIASES,
                        f"use one of {', '.join(STATUSES)} (or leave it empty)")
        derived = pd.Series(status, dtype="string")
        out["status"] = given.where(given.notna() & derived.eq("ok"), derived).astype("string")
    else:
        out["status"] = pd.Series(status, dtype="string")
    if "target" in frame:
        tv, _ = _numbers(ctx, frame["target"], "target", decimal)
        out["target"] = tv
    else:
        out["target"] = pd.Series([np.nan] * n, dtype="float64")
    out["activity"] = _text_or_na(frame, "activity", n)
    out["track"] = (_choice(ctx, frame["track"], "track", _TRACK_ALIASES, f"expected one of {', '.join(TRACKS)}",
                            severity="warning") if "track" in frame else pd.Series([pd.NA] * n, dtype="string"))
    table = pd.DataFrame(out)
    if "value" in frame and n:
        pct = frame["value"].map(lambda v: isinstance(v, str) and v.strip().rstrip("*").endswith("%")).to_numpy(bool)
        if pct.any():
            table.loc[pct & table["unit"].isna().to_numpy(), "unit"] = "%"
    if ("indicator" in frame or by_indicator) and "period" in frame and "area" in frame:
        _duplicates(ctx, table, ["indicator", "area", "period"], "an indicator may have one value per area and "
                    "period", "remove the duplicate row or tell the rows apart (source, unit)",
                    optional=tuple(k for k in ("unit", "source", "activity") if k in frame.columns))
    if "owner" not in frame.columns:
        ctx.add(None, "owner", None,
                "no 'owner' column: every indicator should say who decided to measure it (gemeente, "
                "professionals, bewoners, onderzoekers); add an 'eigenaar' column", severity="warning")
    absent = [c for c in CANONICAL["indicators"] if c not in frame.columns and c not in ("period_start", "status")]
    extras = frame[[c for c in frame.columns if c not in CANONICAL["indicators"] and c not in ("_row", "_col")
                    and (not wide or c not in period_cols)
                    and not (by_indicator and colname is not None and c in set(colname))]]
    return _finish_table(ctx, table, CANONICAL["indicators"], extras, absent)


# --------------------------------------------------------------------------- msc


def _round_numbers(s: pd.Series) -> pd.Series:
    text = to_text(s)

    def num(v: Any) -> Any:
        m = re.fullmatch(r"(?:ronde|round|r|rnd)?\s*(\d+)(?:e|de|ste)?(?:\s*ronde)?(?:\.0)?", str(v).strip().lower())
        return int(m[1]) if m else None

    nums = _map_unique(text.astype(object).where(text.notna(), None), num)
    if text.notna().any() and nums[text.notna().to_numpy()].notna().all():
        return pd.array([v if v is not None else pd.NA for v in nums.tolist()], dtype="Int64")
    return text


def normalise_msc(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical MSC selection table (see :func:`load_msc`)."""
    frame, ctx, ok = _prepare(raw, "msc", mapping)
    if not ok:
        ctx.raise_if_errors()
    n = len(frame)
    out: dict[str, Any] = {}
    if "round" in frame:
        text = to_text(frame["round"])
        empty = [(int(i), "round", None, f"column 'round' is empty; number the selection rounds 1, 2, …"
                  f"{ctx.suffix('round')}") for i in np.flatnonzero(text.isna().to_numpy())]
        ctx.add_many(empty, "empty round")
        out["round"] = pd.Series(_round_numbers(frame["round"])).reset_index(drop=True)
    else:
        out["round"] = pd.Series([pd.NA] * n, dtype="Int64")
    out["panel"] = _text_or_na(frame, "panel", n)
    out["domain"] = _text_or_na(frame, "domain", n)
    out["story_id"] = (_required_text(ctx, frame["story_id"], "story_id", "name the story that was discussed")
                       if "story_id" in frame else pd.Series([pd.NA] * n, dtype="string"))
    if "selected" in frame:
        parsed = _map_unique(frame["selected"], parse_bool)
        blank = _is_blank(frame["selected"])
        bad = parsed.isna() & ~blank
        items = [(int(i), "selected", frame["selected"].iat[int(i)],
                  f"column 'selected': {_show(frame['selected'].iat[int(i)])} is not yes/no; use ja/nee, 1/0, "
                  f"x or leave empty{ctx.suffix('selected')}") for i in np.flatnonzero(bad.to_numpy())]
        ctx.add_many(items, "bad selected")
        out["selected"] = pd.Series([bool(v) if v is not None else False for v in parsed.tolist()], dtype=bool)
    else:
        out["selected"] = pd.Series([True] * n, dtype=bool)
        ctx.raw.notes.append("no 'selected' column: every row is read as a selected story")
    out["reasons"] = _text_or_na(frame, "reasons", n).fillna("")
    table = pd.DataFrame(out)
    if "story_id" in frame and "round" in frame:
        _duplicates(ctx, table.assign(panel=table["panel"].fillna("")), ["round", "panel", "story_id"],
                    "a story is listed twice in the same round and panel", "keep one row")
    if "reasons" in frame or "selected" in frame:
        noreason = table["selected"] & table["reasons"].str.strip().eq("")
        if noreason.any():
            ids = table.loc[noreason, "story_id"].astype(str).tolist()
            ctx.add(None, "reasons", None,
                    f"{len(ids)} selected stor{'y has' if len(ids) == 1 else 'ies have'} no reasons "
                    f"({', '.join(map(repr, ids[:10]))}); MSC asks panels to write down why they chose a story",
                    severity="warning")
    absent = [c for c in CANONICAL["msc"] if c not in frame.columns]
    return _finish_table(ctx, table, CANONICAL["msc"], _extras(frame, "msc"), absent)


# --------------------------------------------------------------------------- arena


_ARENA_WIDE = {
    "investor": {"investeerder", "investeerders", "investor", "investors", "wieinvesteert", "investeringdoor",
                 "betaler", "betalers"},
    "beneficiary": {"incasseerder", "incasseerders", "beneficiary", "beneficiaries", "wieincasseert",
                    "baathebber", "baathebbers", "wieprofiteert"},
}


def _arena_long(raw: RawTable, mapping: Mapping[str, str] | None) -> RawTable:
    """An arena sheet with 'Investeerders' and 'Incasseerders' columns (names separated by
    ``;``, ``,`` or new lines) becomes one row per stakeholder and role."""
    import dataclasses

    res = resolve_columns(list(raw.frame.columns), "arena", mapping, file=raw.file)
    if {"stakeholder", "role"} & set(res.rename.values()):
        return raw
    wide = {c: role for c in raw.frame.columns for role, keys in _ARENA_WIDE.items() if column_key(c) in keys}
    if not wide:
        return raw
    keep = [c for c in raw.frame.columns if c not in wide]
    rows, idx = [], []
    for i, rec in enumerate(raw.frame.itertuples(index=False, name=None)):
        cells = dict(zip(raw.frame.columns, rec))
        for col, role in wide.items():
            v = cells[col]
            if v is None or not str(v).strip():
                continue
            for name in re.split(r"[;,|\n]+", str(v)):
                if name.strip():
                    rows.append([cells[k] for k in keep] + [name.strip(), role])
                    idx.append(i)
    frame = pd.DataFrame(rows, columns=keep + ["stakeholder", "role"], dtype=object)
    idx_arr = np.asarray(idx, dtype=np.int64)
    note = f"columns {', '.join(map(repr, wide))} turned into one row per stakeholder and role"
    return dataclasses.replace(
        raw, frame=frame, lines=raw.lines[idx_arr] if len(raw.lines) else raw.lines,
        row_files=[raw.row_files[i] for i in idx] if raw.row_files is not None else None,
        notes=raw.notes + [note], problems=list(raw.problems))


def normalise_arena(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical effect-arena table (see :func:`load_arena`)."""
    raw = _arena_long(raw, mapping)
    frame, ctx, ok = _prepare(raw, "arena", mapping)
    if not ok:
        ctx.raise_if_errors()
    n = len(frame)
    out: dict[str, pd.Series] = {}
    for col, help_ in (("activity", "name the activity"), ("effect", "describe the effect"),
                       ("stakeholder", "name the stakeholder")):
        out[col] = (_required_text(ctx, frame[col], col, help_) if col in frame
                    else pd.Series([pd.NA] * n, dtype="string"))
    expand = np.zeros(n, dtype=bool)
    if "role" in frame:
        text = to_text(frame["role"])
        keys = [column_key(v) if isinstance(v, str) else "" for v in text.tolist()]
        expand = np.array([k in _ROLE_BOTH or (any(f in k for f in ("invest", "betaal"))
                                               and any(f in k for f in ("incass", "benefic", "baat")))
                           for k in keys], dtype=bool)
        role = _choice(ctx, frame["role"].where(~expand, "investeerder"), "role", _ROLE_ALIASES,
                       "use investeerder (investor) or incasseerder (beneficiary), or 'beide'",
                       contains=((("invest", "betaal", "betaler", "financier"), "investor"),
                                 (("incass", "benefic", "baat", "profit", "ontvang"), "beneficiary")))
        empty = [(int(i), "role", None, "column 'role' is empty; use investeerder (investor) or incasseerder "
                  f"(beneficiary){ctx.suffix('role')}") for i in np.flatnonzero(text.isna().to_numpy())]
        ctx.add_many(empty, "empty role")
        out["role"] = role
    else:
        out["role"] = pd.Series([pd.NA] * n, dtype="string")
    out["note"] = _text_or_na(frame, "note", n)
    table = pd.DataFrame(out)
    extras = _extras(frame, "arena").reset_index(drop=True)
    if expand.any():
        rows = np.concatenate([np.arange(n), np.flatnonzero(expand)])
        rows.sort(kind="stable")
        table = table.iloc[rows].reset_index(drop=True)
        extras = extras.iloc[rows].reset_index(drop=True)
        second = np.r_[False, rows[1:] == rows[:-1]]
        table.loc[second, "role"] = "beneficiary"
        ctx.row_map = rows
    if "role" in frame and all(c in frame for c in ("activity", "effect", "stakeholder")):
        _duplicates(ctx, table, ["activity", "effect", "stakeholder", "role"], "the same arena entry twice",
                    "remove the duplicate", severity="warning")
    absent = [c for c in CANONICAL["arena"] if c not in frame.columns]
    return _finish_table(ctx, table, CANONICAL["arena"], extras, absent)


# --------------------------------------------------------------------------- codes


def _int_positions(ctx: _Ctx, s: pd.Series, canon: str) -> pd.Series:
    def conv(v: Any) -> Any:
        if isinstance(v, bool):
            return None
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, float):
            return int(v) if v.is_integer() else None
        t = str(v).strip()
        if re.fullmatch(r"[+-]?\d+(?:[.,]0+)?", t):
            return int(re.split(r"[.,]", t)[0])
        return None

    parsed = _map_unique(s, conv)
    blank = _is_blank(s)
    bad = (parsed.isna() & ~blank) | parsed.map(lambda v: v is not None and v < 0).astype(bool)
    items = [(int(i), canon, s.iat[int(i)],
              f"column {canon!r}: {_show(s.iat[int(i)])} is not a character position; use a whole number "
              f"≥ 0 (Unicode code points; leave both start and end empty for the whole story){ctx.suffix(canon)}")
             for i in np.flatnonzero(bad.to_numpy())]
    ctx.add_many(items, f"bad {canon}")
    return pd.array([v if (v is not None and not b) else pd.NA for v, b in zip(parsed.tolist(), bad.tolist())],
                    dtype="Int64")


_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_ISO_DT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$", re.I)


def _created_at(ctx: _Ctx, s: pd.Series) -> pd.Series:
    def conv(v: Any) -> Any:
        ts = None
        try:
            if isinstance(v, str) and _ISO_UTC.match(v.strip()):
                ts = pd.Timestamp(v.strip())
                if 1900 <= ts.year <= 2200:
                    return v.strip()  # already canonical: keep it exactly (round trips stay identical)
            if isinstance(v, str) and _ISO_DT.match(v.strip()):
                ts = pd.Timestamp(v.strip())
            else:
                d = parse_date(v)
                ts = pd.Timestamp(d) if d else None
            if ts is None or ts is pd.NaT or not 1900 <= ts.year <= 2200:
                return None
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if ts.microsecond else "%Y-%m-%dT%H:%M:%SZ")
        except (ValueError, TypeError, OverflowError):
            return None

    parsed = _map_unique(s, conv)
    bad = parsed.isna() & ~_is_blank(s)
    items = [(int(i), "created_at", s.iat[int(i)],
              f"column 'created_at': {_show(s.iat[int(i)])} is not a date-time; use ISO 8601 such as "
              f"2025-03-02T14:05:00Z{ctx.suffix('created_at')}") for i in np.flatnonzero(bad.to_numpy())]
    ctx.add_many(items, "bad created_at")
    return pd.Series([v if v is not None else "" for v in parsed.tolist()], dtype="string")


def _melt_codes(frame: pd.DataFrame, ctx: _Ctx, dim_cols: dict[str, str]) -> tuple[pd.DataFrame, bool]:
    """One column per dimension -> one row per (row, dimension).  Tagger output
    (``valence_confidence`` … and ``evidence``) keeps each dimension's confidence;
    returns ``(long, machine)`` where ``machine`` says the table looks like tagger output."""
    keys = {column_key(c): c for c in frame.columns}
    conf_cols = {}
    for c, dim in dim_cols.items():
        for k in (column_key(c) + "confidence", dim + "confidence", column_key(c) + "zekerheid"):
            if k in keys:
                conf_cols[c] = keys[k]
                break
    machine = bool(conf_cols) or "evidence" in keys
    ids = [c for c in frame.columns if c not in dim_cols and c not in conf_cols.values()]
    n = len(frame)
    parts = []
    for c, dim in dim_cols.items():
        part = frame[ids].copy()
        part["dimension"] = dim
        part["value"] = frame[c].to_numpy()
        if c in conf_cols and "confidence" not in part.columns:
            part["confidence"] = frame[conf_cols[c]].to_numpy()
        part["_row"] = np.arange(n)
        part["_col"] = c
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    long = long.iloc[np.lexsort((np.zeros(len(long)), long["_row"].to_numpy()))]
    long = long[~_is_blank(long["value"]).to_numpy()].reset_index(drop=True)
    ctx.row_map = long["_row"].to_numpy()
    ctx.raw.notes.append(f"wide codes table: columns {', '.join(dim_cols)} turned into rows"
                         + ("; read as tagger output (source 'rules', status 'suggested')" if machine else ""))
    return long, machine


def normalise_codes(raw: RawTable, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Canonical codes table (see :func:`load_codes`)."""
    res = resolve_columns(list(raw.frame.columns), "codes", mapping, file=raw.file)
    mapped = set(res.rename.values())
    dim_cols = {c: dimension_for(c) for c in raw.frame.columns if c not in res.rename and dimension_for(c)}
    wide = not {"dimension", "value"} <= mapped and bool(dim_cols)
    required = ("story_id",) if wide else REQUIRED["codes"]
    frame, ctx, ok = _prepare(raw, "codes", mapping, required=required)
    if not ok:
        ctx.raise_if_errors()
    machine = False
    if wide and len(frame):
        frame, machine = _melt_codes(frame, ctx, dim_cols)  # type: ignore[arg-type]
    n = len(frame)
    out: dict[str, Any] = {}
    out["story_id"] = (_required_text(ctx, frame["story_id"], "story_id", "name the coded story")
                       if "story_id" in frame else pd.Series([pd.NA] * n, dtype="string"))
    out["start"] = _int_positions(ctx, frame["start"], "start") if "start" in frame else \
        pd.array([pd.NA] * n, dtype="Int64")
    out["end"] = _int_positions(ctx, frame["end"], "end") if "end" in frame else pd.array([pd.NA] * n, dtype="Int64")
    st, en = pd.Series(out["start"]), pd.Series(out["end"])
    half = st.isna() != en.isna()
    items = [(int(i), "end" if en.isna().iat[int(i)] else "start", None,
              "only one of 'start' and 'end' is given; give both (end exclusive) or neither (whole story)")
             for i in np.flatnonzero(half.to_numpy())]
    both = st.notna() & en.notna()
    order = both & (en.fillna(0) <= st.fillna(0))
    items += [(int(i), "end", int(en.iat[int(i)]),
               f"end {int(en.iat[int(i)])} is not after start {int(st.iat[int(i)])}; 'end' is exclusive, so it "
               "must be greater than 'start'") for i in np.flatnonzero(order.to_numpy())]
    ctx.add_many(items, "bad spans")
    if "dimension" in frame:
        dim_text = _required_text(ctx, frame["dimension"], "dimension", "name the dimension (e.g. valence)")
        dim = dim_text.map(lambda v: _DIMENSION_NAME_ALIASES.get(column_key(v), str(v).strip())
                           if v is not pd.NA else pd.NA).astype("string")
    else:
        dim = pd.Series([pd.NA] * n, dtype="string")
    out["dimension"] = dim
    if "value" in frame:
        val = _required_text(ctx, frame["value"], "value", "give the code's value")
        fixed, bad_items = [], []
        for i, (d, v) in enumerate(zip(dim.tolist(), val.tolist())):
            if v is pd.NA or d is pd.NA or d not in _DIMENSION_VALUE_ALIASES:
                fixed.append(v)
                continue
            got = _DIMENSION_VALUE_ALIASES[d].get(column_key(v) if column_key(v) else str(v).strip())
            if got is None:
                allowed = "/".join(DIMENSION_VALUES[d])
                bad_items.append((i, "value", v, f"column 'value': {_show(v)} is not a value of dimension {d!r}; "
                                  f"use {allowed}{ctx.suffix('value')}"))
                fixed.append(v)
            else:
                fixed.append(got)
        ctx.add_many(bad_items, "bad code values")
        out["value"] = pd.Series(fixed, dtype="string")
    else:
        out["value"] = pd.Series([pd.NA] * n, dtype="string")
    out["coder"] = _text_or_na(frame, "coder", n)
    default_source = "rules" if machine else "human"
    if "coder" not in frame.columns:
        if machine:
            out["coder"] = pd.Series(["impactlib"] * n, dtype="string")
        else:
            ctx.add(None, "coder", None, "no 'coder' column: the codes are not attributed to anyone; add a "
                    "'coder' (codeur) column", severity="warning")
    if "source" in frame:
        src = _choice(ctx, frame["source"], "source", _CODE_SOURCE_ALIASES,
                      f"use one of {', '.join(CODE_SOURCES)}").fillna(default_source)
    else:
        src = pd.Series([default_source] * n, dtype="string")
    out["source"] = src
    if "status" in frame:
        stat = _choice(ctx, frame["status"], "status", _CODE_STATUS_ALIASES,
                       f"use one of {', '.join(CODE_STATUSES)}")
    else:
        stat = pd.Series([pd.NA] * n, dtype="string")
    default = src.map(lambda s: "accepted" if s == "human" else "suggested").astype("string")
    out["status"] = stat.fillna(default).astype("string")
    if "confidence" in frame:
        conf, _ = _numbers(ctx, frame["confidence"], "confidence", guess_decimal(
            [v for v in frame["confidence"].tolist() if isinstance(v, str)], raw.delimiter))
        outside = conf.notna() & ((conf < 0) | (conf > 1))
        items = [(int(i), "confidence", float(conf.iat[int(i)]),
                  f"column 'confidence': {conf.iat[int(i)]:g} is outside 0…1; give a probability such as 0,85")
                 for i in np.flatnonzero(outside.to_numpy())]
        ctx.add_many(items, "confidence outside 0..1")
        out["confidence"] = conf
    else:
        out["confidence"] = pd.Series([np.nan] * n, dtype="float64")
    out["codebook_version"] = _text_or_na(frame, "codebook_version", n).fillna("")
    out["created_at"] = _created_at(ctx, frame["created_at"]) if "created_at" in frame else \
        pd.Series([""] * n, dtype="string")
    out["memo"] = _text_or_na(frame, "memo", n).fillna("")
    table = pd.DataFrame(out)
    absent = [c for c in CANONICAL["codes"] if c not in frame.columns]
    extras = frame[[c for c in frame.columns if c not in CANONICAL["codes"] and c not in ("_row", "_col")]]
    return _finish_table(ctx, table, CANONICAL["codes"], extras, absent)


# --------------------------------------------------------------------------- public loaders

NORMALISERS: dict[str, Callable[[RawTable, Mapping[str, str] | None], pd.DataFrame]] = {
    "stories": normalise_stories,
    "activities": normalise_activities,
    "indicators": normalise_indicators,
    "msc": normalise_msc,
    "arena": normalise_arena,
    "codes": normalise_codes,
}


def _load(kind: str, path: Any, mapping: Mapping[str, str] | None, sheet: str | int | None) -> pd.DataFrame:
    raw = _as_raw(path, sheet, kind)
    return NORMALISERS[kind](raw, mapping)


def load_stories(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
                 sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate a stories table.

    Parameters
    ----------
    path : path-like or DataFrame
        CSV/XLSX/JSONL file, a folder of ``.txt`` files (one story each), or a
        DataFrame to validate.
    mapping : mapping, optional
        ``{"column in file": "canonical name"}``; wins over the Dutch aliases.
    sheet : str or int, optional
        XLSX sheet.

    Returns
    -------
    DataFrame
        ``story_id``, ``text`` (``""`` when empty), ``activity``, ``activity_goal``,
        ``storyteller_role`` (string, ``<NA>`` when absent), ``collected_on``
        (``datetime64[ns]``), ``track``, ``domain``, ``why_significant``, ``area``,
        ``language``, then the file's other columns (case variables).  Columns the
        file lacks are ``<NA>`` and listed in ``attrs["absent_columns"]``.

    Raises
    ------
    ValidationError
        Listing every error: missing ``story_id``/``text`` columns (with the columns
        found), empty or duplicate ids (with their lines), impossible dates,
        malformed CBS codes, unreadable files.  Empty texts are only warnings.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("id,verhaal,rol\\nS1,Fijn,ouder\\nS2, ,deelnemer\\n", encoding="utf-8")
    >>> df = load_stories(p)
    >>> df["storyteller_role"].tolist(), df.attrs["warnings"][0].message[:35]
    (['ouder', 'deelnemer'], '1 story has no text and will not be')
    """
    return _load("stories", path, mapping, sheet)


def load_activities(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
                    sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate an activities table (``activity`` unique; ``social_work_type`` one of
    :data:`SOCIAL_WORK_TYPES`, Dutch spellings and case tolerated).  See :func:`load_stories`."""
    return _load("activities", path, mapping, sheet)


def load_indicators(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
                    sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate an indicators table, long or wide, always returned long.

    Wide tables have one column per period (``2024K1``, ``2024-Q1``,
    ``2024 kwartaal 1``, ``2024-03``, ``2024``) or one column per indicator
    (with a ``period`` column).  Values may use a decimal comma and thousands
    dot (``1.234,5``) or the English convention (guessed per file), and CBS
    symbols: ``.`` missing, ``x`` confidential, ``*`` provisional (``12,5*``),
    ``-``/``–`` nil (0).  Periods become ``2025-Q1``/``2025-03``/``2025`` with
    ``period_start``; areas are checked as CBS codes (malformed ``GM``/``WK``/``BU``
    codes are errors, free names a warning).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ind.csv"
    >>> _ = p.write_text("indicator;gebied;2025K1;2025K2\\nBezoekers;WK990102;1.234,5;12*\\n", encoding="utf-8")
    >>> df = load_indicators(p)
    >>> df[["period", "value", "status"]].values.tolist()
    [['2025-Q1', 1234.5, 'ok'], ['2025-Q2', 12.0, 'provisional']]
    """
    return _load("indicators", path, mapping, sheet)


def load_msc(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
             sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate MSC selection rounds (``selected`` read from ja/nee/1/0/x/true/empty;
    ``round`` as integers when written ``1``/``ronde 1``).  See :func:`load_stories`."""
    return _load("msc", path, mapping, sheet)


def load_arena(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
               sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate an effect-arena table (``role``: investeerder→investor,
    incasseerder→beneficiary; ``beide`` gives one row of each).  See :func:`load_stories`."""
    return _load("arena", path, mapping, sheet)


def load_codes(path: PathLike | pd.DataFrame, *, mapping: Mapping[str, str] | None = None,
               sheet: str | int | None = None) -> pd.DataFrame:
    """Load and validate a codes table, long (one row per coding) or wide (one column per
    dimension, e.g. ``valence``/``valentie``), always returned long with Dutch labels
    (positief, bedoeld, …) turned into the English keys.  See :func:`load_stories`."""
    return _load("codes", path, mapping, sheet)


def load_table(path: PathLike | pd.DataFrame, kind: str | None = None, *,
               mapping: Mapping[str, str] | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Load any canonical table; the kind is inferred from the columns when not given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("activiteit,effect,belanghebbende,rol\\nA,Minder schulden,Woningcorporatie,incasseerder\\n")
    >>> load_table(p).attrs["kind"]
    'arena'
    """
    if kind is not None and kind not in NORMALISERS:
        raise ImpactError(f"unknown table kind {kind!r}; use one of {', '.join(KINDS)}")
    raw = _as_raw(path, sheet, kind)
    if kind is None:
        if raw.frame.shape[1] == 0:
            raise ValidationError(raw.problems or [Problem(raw.file, None, None, None, "no table found")],
                                  summary=f"{raw.file}: cannot read the table")
        kind = infer_kind(list(raw.frame.columns), filename=raw.path.name)
    return NORMALISERS[kind](raw, mapping)


__all__ = [
    "SOCIAL_WORK_TYPES",
    "TRACKS",
    "ROLES",
    "CODE_SOURCES",
    "CODE_STATUSES",
    "DIMENSION_VALUES",
    "load_stories",
    "load_activities",
    "load_indicators",
    "load_msc",
    "load_arena",
    "load_codes",
    "load_table",
    "to_text",
]

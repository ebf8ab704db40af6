"""``impactlib agreement``: intercoder agreement per dimension, with bootstrap CIs.

Usage::

    impactlib agreement CODES [--unit story_id] [--coder-column coder]
        [--dimensions valence,intentionality,directness] [--level story|segment]
        [--match exact|overlap] [--coders A,B] [--reference CODER] [--include-suggestions]
        [--bootstrap N] [--seed S] [--ci 0.95] [--confusion] [--sheet NAME] [--json]

CODES is a CSV or XLSX file: a wide table (one row per unit × coder, a column
per dimension) or the canonical codes table (``story_id, start, end,
dimension, value, coder, status, ...``).  Prints per dimension: units, coders,
% agreement, Cohen's κ (two coders), Fleiss' κ, Krippendorff's α and their
bootstrap confidence intervals; ``--json`` prints the same figures as JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

from impactlib.errors import ImpactError

_HELP = "intercoder agreement (%% agreement, Cohen's/Fleiss' kappa, Krippendorff's alpha) with bootstrap CIs"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``agreement`` sub-command to the ``impactlib`` parser."""
    p = subparsers.add_parser(
        "agreement",
        help=_HELP,
        description=(
            "Intercoder agreement per dimension: units, coders, % agreement, Cohen's kappa (exactly two "
            "coders), Fleiss' kappa and Krippendorff's alpha (nominal), with bootstrap confidence "
            "intervals (units resampled). CODES is a CSV/XLSX wide table (one row per unit x coder, a "
            "column per dimension) or the canonical codes table (dimension/value columns; only current "
            "accepted/edited codes count)."
        ),
    )
    p.add_argument("codes", metavar="CODES", nargs="+",
                   help="codes file(s) (CSV or XLSX); with several files they are combined, and a file "
                        "without a coder column (e.g. the output of 'impactlib tag') counts as one coder "
                        "named after the file")
    p.add_argument("--unit", default="story_id", help="column naming the unit (default: story_id)")
    p.add_argument("--coder-column", default="coder", help="column naming the coder (default: coder)")
    p.add_argument("--dimensions", default=None,
                   help="comma-separated dimensions (default: valence,intentionality,directness when present)")
    p.add_argument("--level", default="story", choices=("story", "segment", "sentence"),
                   help="story-level codes, or segment/sentence codes matched by (story_id, start, end)")
    p.add_argument("--match", default="exact", choices=("exact", "overlap"),
                   help="segment matching: identical spans (exact) or overlapping spans (overlap)")
    p.add_argument("--coders", default=None, help="comma-separated coders to include (default: all)")
    p.add_argument("--reference", default=None, metavar="CODER",
                   help="compare every other coder (human or machine) with this reference coder")
    p.add_argument("--include-suggestions", action="store_true",
                   help="count 'suggested' codes of a codes table too (e.g. a machine coder); rejected never count")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="bootstrap resamples for the CIs (default 1000; 0 = no CIs)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--ci", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--confusion", action="store_true", help="also print confusion matrices (two coders)")
    p.add_argument("--sheet", default=None, help="XLSX sheet (default: the first)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=run)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

def _fallback_read(path: Path, sheet: str | None):
    """Read CSV (sniffed delimiter; UTF-8, UTF-8 BOM or cp1252) or XLSX with pandas."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object)
        except ValueError as exc:  # unknown sheet
            raise ImpactError(f"{path.name}: {exc}; name an existing sheet with --sheet") from None
        except Exception as exc:  # zipfile.BadZipFile, openpyxl errors
            raise ImpactError(f"{path.name}: not a readable XLSX file ({exc}); save it again as .xlsx or CSV") from None
        df.attrs["encoding"] = "xlsx"
    else:
        raw = path.read_bytes()
        if b"\x00" in raw[:65536]:
            raise ImpactError(f"{path.name}: contains NUL bytes — this is a binary file, not CSV; "
                              f"export the codes as CSV (UTF-8) or XLSX")
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - cp1252 decodes almost anything
            raise ImpactError(f"{path.name}: not UTF-8 or cp1252 text; save it as CSV UTF-8")
        if not text.strip():
            raise ImpactError(f"{path.name}: the file is empty; export the codes with a header row")
        head = "\n".join(text.splitlines()[:50])
        try:
            delimiter = csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
        except csv.Error:
            first = text.splitlines()[0]
            delimiter = max(",;\t", key=first.count)
        try:
            df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
        except pd.errors.ParserError as exc:
            raise ImpactError(f"{path.name}: cannot be read as CSV ({exc}); fix the rows with too many fields") from None
        df.attrs["encoding"] = "utf-8" if encoding == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf") else encoding
    df.columns = [str(c).strip() for c in df.columns]
    return df


def read_codes_file(path: str | Path, *, sheet: str | None = None, keep: tuple[str, ...] = (),
                    canonical_codes: bool = True):
    """Read a codes file for agreement, as a DataFrame with ``attrs['source']`` set.

    Uses :func:`impactlib.io.read_table` when it exists, otherwise pandas
    (delimiter sniffing, UTF-8/BOM/cp1252, XLSX).  Column headers that are
    Dutch aliases of the codes table (``verhaal_id``, ``codeur``, ``dimensie``,
    ``waarde``, ``Valentie``...) are renamed to the canonical names when the
    canonical name is not present; columns named in ``keep`` (the columns the
    user asked for, e.g. ``--unit`` and ``--coder-column``) are never renamed.
    With ``canonical_codes`` (default), a long codes table is loaded and
    validated with :func:`impactlib.io.load_codes` (every bad cell is reported
    with its line).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    if p.is_dir():
        raise ImpactError(f"{p}: is a folder; give the codes file (CSV or XLSX)")
    df = None
    read_table = None
    try:
        from impactlib.io import read_table  # type: ignore[attr-defined,no-redef]
    except ImportError:
        try:
            from impactlib.io.readers import read_table  # type: ignore[no-redef]
        except ImportError:
            read_table = None
    if read_table is not None:
        df = read_table(p, sheet)
    if df is None:
        df = _fallback_read(p, sheet)
    df.attrs["source"] = p.name
    if canonical_codes and _is_long_codes(df):
        try:
            from impactlib.io import load_codes  # type: ignore[attr-defined]
        except ImportError:
            load_codes = None
        if load_codes is not None:
            # validates the codes table (located errors) and maps Dutch labels/statuses to the keys
            from impactlib.errors import ValidationError

            try:
                loaded = load_codes(df)
            except ValidationError as exc:
                # values outside the codebook are still labels that coders can agree on
                if not exc.problems or any(pr.column != "value" for pr in exc.problems):
                    raise
                first = exc.problems[0]
                print(f"warning: {p.name}: {len(exc.problems)} value(s) are not in the codebook (e.g. {first}); "
                      "they are compared as labels, as written", file=sys.stderr)
            else:
                loaded.attrs["source"] = p.name
                return loaded
    return _canonical_headers(df, keep)


def _is_long_codes(df) -> bool:
    """Whether a table is the canonical (long) codes table, judging by its (aliased) headers."""
    try:
        from impactlib.io.columns import resolve_columns
    except ImportError:  # pragma: no cover
        return {"dimension", "value"} <= set(df.columns)
    mapped = set(resolve_columns([str(c) for c in df.columns], "codes").rename.values()) | set(df.columns)
    return {"story_id", "dimension", "value"} <= mapped


def _canonical_headers(df, keep: tuple[str, ...] = ()):
    """Rename alias headers (Dutch or survey-tool names) to canonical codes-table names."""
    try:
        from impactlib.io.columns import DIMENSION_ALIASES, column_key, resolve_columns
    except ImportError:  # pragma: no cover - the io package is part of impactlib
        return df
    present = set(df.columns)
    rename: dict[str, str] = {}
    resolution = resolve_columns([str(c) for c in df.columns], "codes", file=df.attrs.get("source", "<table>"))
    for col, canon in resolution.rename.items():
        if canon not in present and col != canon and col not in keep:
            rename[col] = canon
    for col in df.columns:
        key = column_key(col)
        for dim, aliases in DIMENSION_ALIASES.items():
            if dim not in present and col not in rename and col not in keep and key in {column_key(a) for a in aliases}:
                rename[col] = dim
    if rename:
        attrs = dict(df.attrs)
        df = df.rename(columns=rename)
        df.attrs.update(attrs)
    return df


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

_STAT_LABELS = {
    "percent_agreement": "% agreement",
    "cohen_kappa": "Cohen's κ",
    "fleiss_kappa": "Fleiss' κ",
    "krippendorff_alpha": "Krippendorff's α",
}


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _dimension_json(row: Any, confusion: Any | None) -> dict[str, Any]:
    from impactlib.agreement import STATISTICS

    out: dict[str, Any] = {
        "units": int(row["units"]),
        "coders": int(row["coders"]),
        "pairable_units": int(row["pairable_units"]),
    }
    for stat in STATISTICS:
        out[stat] = _num(row[stat])
        out[f"{stat}_ci"] = [_num(row[f"{stat}_ci_low"]), _num(row[f"{stat}_ci_high"])]
    out["note"] = row["note"] or None
    if confusion is not None:
        out["confusion_matrix"] = {
            "rows": confusion.index.name, "columns": confusion.columns.name,
            "labels": [str(x) for x in confusion.index], "counts": confusion.to_numpy().tolist(),
        }
    return out


def _fmt(stat: str, value: Any) -> str:
    v = _num(value)
    if v is None:
        return "–"
    return f"{v * 100:.1f}%" if stat == "percent_agreement" else f"{v:.3f}"


def _text_block(row: Any, n_coders_total: int, ci: float, n_boot: int, confusion: Any | None) -> list[str]:
    from impactlib.agreement import STATISTICS

    lines = [f"{row['dimension']}: {int(row['units'])} units, {int(row['coders'])} coders, "
             f"{int(row['pairable_units'])} pairable units"]
    head_ci = f"{ci * 100:g}% CI" if n_boot > 0 else "CI"
    lines.append(f"  {'statistic':<18} {'estimate':>9}   {head_ci}")
    for stat in STATISTICS:
        est = _fmt(stat, row[stat])
        lo, hi = row[f"{stat}_ci_low"], row[f"{stat}_ci_high"]
        if stat == "cohen_kappa" and n_coders_total != 2:
            interval = "(only for exactly 2 coders)"
        elif _num(row[stat]) is None:
            interval = "(undefined)"
        elif n_boot <= 0:
            interval = "(no bootstrap)"
        elif _num(lo) is None:
            interval = "(not estimable)"
        else:
            interval = f"[{_fmt(stat, lo)}, {_fmt(stat, hi)}]"
        lines.append(f"  {_STAT_LABELS[stat]:<18} {est:>9}   {interval}")
    if row["note"]:
        lines.append(f"  note: {row['note']}")
    if confusion is not None:
        lines.append(f"  confusion matrix (rows {confusion.index.name}, columns {confusion.columns.name}):")
        width = max([len(str(x)) for x in confusion.index] + [5])
        lines.append("    " + " " * width + "  " + "  ".join(f"{str(c):>{width}}" for c in confusion.columns))
        for label, counts in confusion.iterrows():
            lines.append("    " + f"{str(label):<{width}}" + "  " + "  ".join(f"{int(v):>{width}}" for v in counts))
    return lines


def _ascii_safe(text: str) -> str:
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        return (text.replace("κ", "kappa").replace("α", "alpha").replace("–", "-").replace("×", "x"))


def _read_all(args: argparse.Namespace, dims: list[str] | None):
    """Read every CODES file; several files are combined into one long codes table."""
    import pandas as pd

    from impactlib.agreement import as_codes

    keep = (args.unit, args.coder_column, *(dims or ()))
    canonical = args.unit == "story_id" and args.coder_column == "coder"
    frames = []
    for path in args.codes:
        df = read_codes_file(path, sheet=args.sheet, keep=keep, canonical_codes=canonical)
        for problem in df.attrs.get("warnings", []) or []:
            print(f"warning: {problem}", file=sys.stderr)
        frames.append(df)
    if len(frames) == 1:
        return frames[0]
    longs = []
    for path, df in zip(args.codes, frames):
        name = None
        if args.coder_column not in df.columns or df[args.coder_column].isna().all():
            name = Path(path).stem
            print(f"note: {Path(path).name} has no coder column; its codes count as coder {name!r}", file=sys.stderr)
            df = df.drop(columns=[args.coder_column], errors="ignore")
        long = as_codes(df, unit=args.unit, coder=args.coder_column, dimensions=dims, coder_name=name)
        long.attrs = {}
        longs.append(long)
    combined = pd.concat(longs, ignore_index=True)
    combined.attrs["source"] = " + ".join(Path(p).name for p in args.codes)
    return combined


def run(args: argparse.Namespace) -> int:
    """Run ``impactlib agreement``; returns the exit code."""
    import pandas as pd

    from impactlib.agreement import CURRENT_STATUSES, compare_to_reference, reliability

    if args.bootstrap < 0:
        raise ImpactError(f"--bootstrap {args.bootstrap}: use 0 (no intervals) or a positive number such as 1000")
    if not 0 < args.ci < 1:
        raise ImpactError(f"--ci {args.ci}: use a confidence level between 0 and 1, such as 0.95")
    dims = [d.strip() for d in args.dimensions.split(",") if d.strip()] if args.dimensions else None
    coders = [c.strip() for c in args.coders.split(",") if c.strip()] if args.coders else None
    statuses = CURRENT_STATUSES + ("suggested",) if args.include_suggestions else CURRENT_STATUSES
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = _read_all(args, dims)
        common = dict(unit=args.unit, coder=args.coder_column, dimensions=dims, level=args.level,
                      match=args.match, statuses=statuses, n_boot=args.bootstrap, seed=args.seed, ci=args.ci)
        if args.reference:
            table = compare_to_reference(df, args.reference, coders=coders, **common)
            groups = [((ref, other), part) for (ref, other), part in table.groupby(["reference", "coder"], sort=False)]
        else:
            table = reliability(df, coders=coders, **common)
            groups = [(None, table)]
        confusions: dict[tuple, Any] = {}
        for key, _part in groups:
            found = (table.attrs.get("confusion", {}) if key is None
                     else table.attrs.get("confusion_by_coder", {}).get(key[1], {}))
            for dim, conf in found.items():
                confusions[(key, dim)] = pd.DataFrame(
                    conf["counts"], index=pd.Index(conf["labels"], name=conf["rows"]),
                    columns=pd.Index(conf["labels"], name=conf["columns"]))
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"warning: {w.message}", file=sys.stderr)

    source = df.attrs.get("source", " + ".join(map(str, args.codes)))
    level = "segment" if args.level in ("segment", "sentence") else "story"
    if args.json:
        payload: dict[str, Any] = {
            "source": source, "level": level, "match": args.match if level == "segment" else None,
            "n_boot": args.bootstrap, "seed": args.seed, "ci_level": args.ci,
            "definitions": {
                "percent_agreement": "mean share of agreeing coder pairs per pairable unit, as a proportion (0-1)",
                "cohen_kappa": "two coders only (null otherwise), units coded by both",
                "fleiss_kappa": "any number of coders; units with unequal numbers of ratings allowed",
                "krippendorff_alpha": "nominal, any number of coders, missing values allowed",
                "_ci": "percentile bootstrap interval, units resampled",
            },
        }
        if args.reference:
            payload["reference"] = args.reference
            payload["comparisons"] = [
                {"reference": ref, "coder": other,
                 "dimensions": {r["dimension"]: _dimension_json(r, confusions.get(((ref, other), r["dimension"])))
                                for _, r in part.iterrows()}}
                for (ref, other), part in groups
            ]
        else:
            payload["coders"] = list(table.attrs.get("coders", []))
            payload["dimensions"] = {r["dimension"]: _dimension_json(r, confusions.get((None, r["dimension"])))
                                     for _, r in table.iterrows()}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0

    lines: list[str] = []
    for key, part in groups:
        names = list(key) if key else list(table.attrs.get("coders", []))
        title = (f"Agreement of {key[1]!r} with reference {key[0]!r}" if key else "Intercoder agreement")
        lines.append(f"{title}: {source} — {level} level" + (f" ({args.match} span match)" if level == "segment" else "")
                     + f"; coders: {', '.join(names)}")
        if args.bootstrap > 0:
            lines.append(f"CIs: {args.ci * 100:g}% percentile bootstrap over units, {args.bootstrap} resamples, seed {args.seed}")
        lines.append("")
        for _, row in part.iterrows():
            conf = confusions.get((key, row["dimension"])) if args.confusion else None
            lines.extend(_text_block(row, int(row["coders"]), args.ci, args.bootstrap, conf))
            lines.append("")
    print(_ascii_safe("\n".join(lines).rstrip()))
    return 0

"""``impactlib validate``: check tables or a project and print every problem.

Usage::

    impactlib validate [--kind stories|activities|indicators|msc|arena|codes|project]
                       [--sheet SHEET] PATH...

For each PATH prints ``OK PATH (kind, N rows, encoding)`` and its warnings, or
its errors, one per line (``file:line: message``).  Exit code 0 when every PATH
is valid (warnings allowed), 1 when any is not.  The kind is inferred from the
columns when ``--kind`` is omitted; a folder or a ``.toml``/``.yaml`` file is a
project (a folder of ``.txt`` files without tables is a stories table).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

KIND_CHOICES = ("stories", "activities", "indicators", "msc", "arena", "codes", "project", "codebook")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check tables or a project folder and list every problem",
        description=(
            "Check input tables (CSV/XLSX/JSONL, a folder of .txt stories) or a project "
            "(folder or project.toml) and print every problem with its file and line. "
            "Exit 0 when valid (warnings are printed), 1 when not."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or project.toml")
    parser.add_argument("--kind", choices=KIND_CHOICES, default=None,
                        help="what the files hold (default: inferred from the columns; folders are projects)")
    parser.add_argument("--sheet", default=None, help="XLSX sheet to read (default: a sheet named after the kind; without --kind "
                             "every sheet that holds a known table)")
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=NAME",
                        help="map a column in the file to a canonical name, e.g. --map Q2=text (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.set_defaults(func=run)
    return parser


def _is_codebook(path: Path, kind: str | None) -> bool:
    if kind == "codebook":
        return True
    if kind is not None or not path.is_file() or path.suffix.lower() not in (".yaml", ".yml"):
        return False
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and bool({"dimensions", "themes"} & set(data)) and not (
        {"files", "columns", "sheets"} & set(data))


def _is_project(path: Path, kind: str | None) -> bool:
    if kind == "project":
        return True
    if kind is not None:
        return False
    if path.is_file():
        return path.suffix.lower() in (".toml", ".yaml", ".yml")
    if path.is_dir():
        from impactlib.io.project import CONVENTIONAL, PROJECT_FILES, _discover

        if any((path / n).is_file() for n in PROJECT_FILES):
            return True
        if any(_discover(path, k)[0] is not None for k in CONVENTIONAL):
            return True
        return not any(p.suffix.lower() == ".txt" for p in path.iterdir() if p.is_file())
    return False


def _table_sheets(path: Path) -> list[str]:
    """The sheets of a workbook whose kind of table can be recognised (all sheets when none can)."""
    import openpyxl

    from impactlib.errors import ImpactError
    from impactlib.io.columns import infer_kind
    from impactlib.io.readers import read_raw

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
    except Exception:  # noqa: BLE001 — load_table reports an unreadable workbook properly
        return []
    if len(names) < 2:
        return names
    found = []
    for name in names:
        raw = read_raw(path, name)
        if raw.frame.shape[1] == 0:
            continue
        try:
            infer_kind(list(raw.frame.columns), filename=name)
        except ImpactError:
            continue
        found.append(name)
    if found and len(found) < len(names):
        skipped = [n for n in names if n not in found]
        print(f"note: {path}: sheet(s) {', '.join(map(repr, skipped))} skipped (not a table impactlib knows; "
              "use --sheet and --kind to check one)", file=sys.stdout)
    return found or names[:1]


def _print_problems(problems, out) -> None:
    for p in problems:
        print(f"  {p}", file=out)


def _validate_one(path_text: str, kind: str | None, sheet: str | None, quiet: bool,
                  mapping: dict[str, str] | None = None) -> bool:
    from impactlib.errors import ImpactError, ValidationError
    from impactlib.io import load_project, load_table

    path = Path(path_text)
    out = sys.stdout
    label = path_text if sheet is None else f"{path_text} (sheet {sheet!r})"
    try:
        if not path.exists():
            print(f"FAIL {path_text}: no such file or folder; check the path", file=out)
            return False
        if _is_codebook(path, kind):
            from impactlib.codebook import load_codebook

            cb = load_codebook(path)
            print(f"OK {path_text} (codebook {cb.name!r} version {cb.version}, {len(cb.dimensions)} dimensions, "
                  f"{len(cb.themes)} themes)", file=out)
            return True
        if _is_project(path, kind):
            proj = load_project(path)
            if proj.codebook_path is not None:  # the project's own codebook must be valid too
                from impactlib.codebook import load_codebook

                load_codebook(proj.codebook_path)
            parts = [f"{k} {len(df)}" for k, df in proj.tables().items()]
            print(f"OK {path_text} (project {proj.name!r}: {', '.join(parts) or 'no tables'}"
                  f"{'; synthetic' if proj.synthetic else ''})", file=out)
            if not quiet:
                for k, df in proj.tables().items():
                    print(f"  {k}: {proj.files[k].name} ({len(df)} rows, {df.attrs.get('encoding') or 'n/a'})",
                          file=out)
                _print_problems(proj.warnings, out)
            return True
        if kind is None and sheet is None and path.suffix.lower() in (".xlsx", ".xlsm"):
            sheets = _table_sheets(path)
            if len(sheets) > 1:
                results = [_validate_one(path_text, None, s, quiet, mapping) for s in sheets]
                return all(results)
        df = load_table(path, kind, sheet=sheet, mapping=mapping or None)
        enc = df.attrs.get("encoding") or ("xlsx" if df.attrs.get("format") == "xlsx" else None)
        extra = []
        if df.attrs.get("sheet"):
            extra.append(f"sheet {df.attrs['sheet']!r}")
        if df.attrs.get("format") in ("qualtrics", "limesurvey"):
            extra.append(f"{df.attrs['format']} export")
        print(f"OK {path_text} ({df.attrs['kind']}, {len(df)} rows, {enc or 'n/a'}"
              f"{', ' + ', '.join(extra) if extra else ''})", file=out)
        if not quiet:
            _print_problems(df.attrs.get("warnings", []), out)
        return True
    except ValidationError as exc:
        errs = [p for p in exc.problems if p.severity == "error"]
        print(f"FAIL {label}: {len(errs)} error(s)", file=out)
        _print_problems(exc.problems if not quiet else errs, out)
        return False
    except ImpactError as exc:
        print(f"FAIL {label}: {exc}", file=out)
        return False
    except IsADirectoryError as exc:
        print(f"FAIL {label}: {exc.filename or path_text} is a folder, not a file; give a table file "
              "or use --kind project", file=out)
        return False
    except PermissionError as exc:
        print(f"FAIL {label}: cannot open {exc.filename or path_text} (permission denied); check the file's "
              "permissions or close it in Excel", file=out)
        return False
    except FileNotFoundError as exc:
        print(f"FAIL {label}: {exc.filename or path_text}: no such file; check the path", file=out)
        return False
    except (OSError, UnicodeError, MemoryError) as exc:
        print(f"FAIL {label}: cannot read it ({type(exc).__name__}: {exc})", file=out)
        return False
    except Exception as exc:  # noqa: BLE001 — never a traceback for user data
        print(f"FAIL {label}: unexpected problem while reading ({type(exc).__name__}: {exc}); "
              "this is a bug in impactlib — please report it with the file's header", file=out)
        return False


def run(args: argparse.Namespace) -> int:
    """Validate every PATH; exit 1 when any is invalid."""
    from impactlib.errors import ImpactError

    mapping: dict[str, str] = {}
    for item in args.map:
        col, sep, name = item.partition("=")
        if not sep or not col.strip() or not name.strip():
            raise ImpactError(f"--map {item!r}: write COLUMN=NAME, e.g. --map Q2=text")
        mapping[col.strip()] = name.strip()
    ok = [_validate_one(p, args.kind, args.sheet, args.quiet, mapping) for p in args.paths]
    bad = ok.count(False)
    if bad:
        print(f"{bad} of {len(ok)} path(s) invalid", file=sys.stderr)
        return 1
    return 0

"""``impactlib store``: the coding store from the command line.

Sub-commands (each takes ``--store FILE`` or ``--project DIR``)::

    impactlib store info            --project data/sample
    impactlib store add-stories     STORIES.csv --store S.sqlite
    impactlib store add-suggestions TAGGED.csv [SEGMENTS.csv] --store S.sqlite [--source model]
    impactlib store import-codes    CODES.csv|xlsx --store S.sqlite [--coder coder_a]
    impactlib store export-codes    -o CODES.csv|xlsx --store S.sqlite [--history] [--status accepted,edited]
    impactlib store merge           OTHER.sqlite|CODES.csv ... --store S.sqlite
    impactlib store history         --store S.sqlite [--story S014] [--coder coder_a]
    impactlib store export-xlsx     -o codeer.xlsx --coder coder_a --store S.sqlite [--level segment]
    impactlib store import-xlsx     codeer.xlsx --store S.sqlite [--coder coder_a]
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "store",
        help="the coding store: import/export/merge codes, history, spreadsheet round trip",
        description="Work with a project's coding store (SQLite, append-only history of every coding).",
    )
    cmds = p.add_subparsers(dest="store_command", metavar="ACTION")

    def add(name: str, help_: str, func) -> argparse.ArgumentParser:
        sp = cmds.add_parser(name, help=help_, description=help_)
        where = sp.add_mutually_exclusive_group(required=True)
        where.add_argument("--store", metavar="FILE", help="the store file (.sqlite); created when absent")
        where.add_argument("--project", metavar="DIR", help="project folder or project.toml (uses its store)")
        sp.add_argument("--codebook", metavar="FILE", help="codebook YAML to register (default: the project's "
                        "or the packaged one, when the store has none)")
        sp.set_defaults(func=func)
        return sp

    add("info", "what the store holds", run_info)
    sp = add("add-stories", "add stories (CSV/XLSX/JSONL) to the store", run_add_stories)
    sp.add_argument("stories", metavar="STORIES")
    sp = add("add-suggestions", "store the output of 'impactlib tag' as suggestions", run_add_suggestions)
    sp.add_argument("files", nargs="+", metavar="TAGGED", help="TAGGED.csv and/or SEGMENTS.csv")
    sp.add_argument("--source", choices=["rules", "model"], default="rules")
    sp.add_argument("--coder", default="impactlib", help="name of the machine coder (default impactlib)")
    sp = add("import-codes", "import a codes table (CSV/XLSX); every bad row is listed", run_import_codes)
    sp.add_argument("codes", metavar="CODES")
    sp.add_argument("--coder", help="coder for rows without one")
    sp.add_argument("--sheet", help="XLSX sheet")
    sp = add("export-codes", "export current codes (or the history) to CSV/XLSX", run_export_codes)
    sp.add_argument("-o", "--output", required=True, metavar="FILE")
    sp.add_argument("--history", action="store_true", help="every event instead of the current codes")
    sp.add_argument("--status", help="comma-separated statuses, e.g. accepted,edited")
    sp.add_argument("--level", choices=["story", "segment"])
    sp = add("merge", "merge other coders' stores or code exports into this store", run_merge)
    sp.add_argument("others", nargs="+", metavar="OTHER")
    sp = add("history", "print the history of codings", run_history)
    sp.add_argument("--story", help="only this story_id")
    sp.add_argument("--coder", help="only this coder")
    sp = add("export-xlsx", "write a coding workbook (XLSX) with suggestions for one coder", run_export_xlsx)
    sp.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    sp.add_argument("--coder", required=True)
    sp.add_argument("--level", choices=["story", "segment"], default="story")
    sp.add_argument("--all-stories", action="store_true", help="also stories without suggestions")
    sp = add("import-xlsx", "read a coded workbook back into the store", run_import_xlsx)
    sp.add_argument("workbook", metavar="FILE.xlsx")
    sp.add_argument("--coder", help="overrides the coder named in the workbook")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


_READ_ONLY = {"info", "export-codes", "history", "export-xlsx"}


def _open(args: argparse.Namespace):
    from impactlib.codebook import load_codebook
    from impactlib.store import CodingStore

    codebook_path = args.codebook
    if args.project:
        from impactlib.io import load_project

        project = load_project(args.project)
        path = Path(project.store_path)
        codebook_path = codebook_path or project.codebook_path
    else:
        path = Path(args.store)
    store = CodingStore(path, create=args.store_command not in _READ_ONLY)
    if codebook_path or not store.codebook_versions():
        store.register_codebook(load_codebook(codebook_path))
    return store


def run_info(args: argparse.Namespace) -> int:
    with _open(args) as store:
        con = store._con
        n_st = con.execute("SELECT count(*) FROM stories").fetchone()[0]
        n_ev = con.execute("SELECT count(*) FROM codings").fetchone()[0]
        print(f"{store.path}: schema {store.schema_version}, {n_st} stories, {n_ev} coding events")
        print(f"codebook versions: {', '.join(store.codebook_versions())}")
        cur = store.current()
        if len(cur):
            table = cur.groupby(["coder", "status"]).size().rename("codes").reset_index()
            print(table.to_string(index=False))
    return 0


def run_add_stories(args: argparse.Namespace) -> int:
    from impactlib.io import load_stories

    df = load_stories(args.stories)
    for w in df.attrs.get("warnings", []):
        print(w)
    with _open(args) as store:
        n = store.add_stories(df)
    print(f"{n} new stories added ({len(df) - n} already in the store)")
    return 0


def run_add_suggestions(args: argparse.Namespace) -> int:
    import pandas as pd

    total = 0
    with _open(args) as store:
        for f in args.files:
            df = pd.read_csv(f, dtype=object, keep_default_na=False).replace({"": None})
            for c in [c for c in df.columns if c.endswith("_confidence") or c in ("start", "end")]:
                df[c] = pd.to_numeric(df[c].str.replace(",", ".", regex=False), errors="coerce")
            df.attrs["source"] = Path(f).name
            ids = store.add_suggestions(df, coder=args.coder, source=args.source)
            print(f"{Path(f).name}: {len(ids)} new suggestions")
            total += len(ids)
    return 0


def run_import_codes(args: argparse.Namespace) -> int:
    with _open(args) as store:
        print(f"{Path(args.codes).name}: {store.import_codes(args.codes, coder=args.coder, sheet=args.sheet)}")
    return 0


def run_export_codes(args: argparse.Namespace) -> int:
    status = args.status.split(",") if args.status else None
    with _open(args) as store:
        out = store.export_codes(args.output, history=args.history, status=status, level=args.level)
    print(f"{out}: written (text cells that start with = + - @ are prefixed with ')")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    with _open(args) as store:
        for other in args.others:
            print(f"{other}: {store.merge(other)}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    import pandas as pd

    with _open(args) as store:
        hist = store.history(args.story, coder=args.coder)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 500):
        cols = ["story_id", "start", "end", "dimension", "value", "coder", "source", "status", "created_at",
                "supersedes", "memo"]
        print(hist[cols].to_string() if len(hist) else "no codings yet")
    return 0


def run_export_xlsx(args: argparse.Namespace) -> int:
    from impactlib.spreadsheet import export_suggestions

    with _open(args) as store:
        out = export_suggestions(store, args.output, coder=args.coder, level=args.level,
                                 all_stories=args.all_stories)
    print(f"{out}: coding workbook for {args.coder} written (contains story texts: share only within the team)")
    return 0


def run_import_xlsx(args: argparse.Namespace) -> int:
    from impactlib.spreadsheet import import_spreadsheet

    with _open(args) as store:
        print(f"{Path(args.workbook).name}: {import_spreadsheet(store, args.workbook, coder=args.coder)}")
    return 0

"""``impactlib report``: run the notebook suite on a project and write HTML reports."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="run all notebooks on a project and write HTML reports with an index page",
        description=(
            "Run the notebook suite on a project (--project DIR|FILE) or on loose tables "
            "(--stories FILE with optional --indicators/--activities/--codes). Without codes "
            "the stories are coded by the default tagger."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--project", metavar="DIR|FILE", help="project folder or project.toml")
    src.add_argument("--stories", metavar="FILE", help="stories table (CSV/XLSX/JSONL or folder of .txt)")
    p.add_argument("--indicators", metavar="FILE")
    p.add_argument("--activities", metavar="FILE")
    p.add_argument("--codes", metavar="FILE", help="human codes (canonical codes table)")
    p.add_argument("-o", "--outdir", default="reports", help="output folder (default: reports/)")
    p.add_argument("--only", metavar="NAME", action="append", help="run only this notebook (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from impactlib.report import run_report

    if args.project and any([args.indicators, args.activities, args.codes]):
        print("error: --indicators/--activities/--codes go with --stories; a project names its own files",
              file=sys.stderr)
        return 2
    run_report(
        project=args.project,
        stories=args.stories,
        indicators=args.indicators,
        activities=args.activities,
        codes=args.codes,
        outdir=args.outdir,
        notebooks=args.only,
        jobs=max(1, args.jobs),
        progress=lambda line: print(line, flush=True),
    )
    return 0

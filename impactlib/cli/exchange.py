"""``impactlib export`` and ``impactlib import``: REFI-QDA exchange with other QDA tools."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser(
        "export",
        help="export a project to REFI-QDA (.qdpx) or its codebook (.qdc)",
        description="Export for ATLAS.ti, MAXQDA, NVivo, QualCoder and other REFI-QDA tools.",
    )
    exp.add_argument("format", choices=["qdpx", "qdc"])
    exp.add_argument("--project", required=True, metavar="DIR", help="project folder or project.toml")
    exp.add_argument("-o", "--output", required=True, metavar="FILE")
    exp.add_argument("--include-suggestions", action="store_true",
                     help="also export machine suggestions nobody has reviewed yet")
    exp.set_defaults(func=run_export)

    imp = sub.add_parser(
        "import",
        help="import a REFI-QDA project (.qdpx) or codebook (.qdc) into a project's coding store",
        description=(
            "Codes that match the project's codebook are mapped onto it; other codes are kept as "
            "new theme codes and listed. Nothing is written when the file is rejected."
        ),
    )
    imp.add_argument("format", choices=["qdpx", "qdc"])
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--project", required=True, metavar="DIR", help="project folder or project.toml")
    imp.set_defaults(func=run_import)


def run_export(args: argparse.Namespace) -> int:
    from impactlib.exchange.project import export_project

    statuses = ("accepted", "edited", "suggested") if args.include_suggestions else ("accepted", "edited")
    result = export_project(args.project, args.output, fmt=args.format, statuses=statuses)
    print(result if args.format == "qdpx" else f"{result}: codebook written")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from impactlib.exchange.project import import_file

    print(import_file(args.file, args.project, kind=args.format))
    return 0

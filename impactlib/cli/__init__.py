"""``impactlib`` command line: a thin shell over the library.

Each sub-command lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
``func(args) -> int`` (the exit code).  Heavy imports (spaCy, pandas,
papermill) happen inside ``func`` so that ``impactlib --help`` is instant.

Errors about user data (:class:`impactlib.errors.ImpactError`) are printed as
one clear message and give exit code 1; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from impactlib import __version__
from impactlib.errors import ImpactError

#: Sub-command modules, in the order they appear in ``--help``.
COMMAND_MODULES = ("validate", "tag", "agreement", "report", "exchange", "store")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="impactlib",
        description="Stories next to numbers: impact research for social work.",
    )
    parser.add_argument("--version", action="version", version=f"impactlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"impactlib.cli.{name}")
        except ModuleNotFoundError as exc:  # a command module not (yet) present
            if exc.name != f"impactlib.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ImpactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        name = exc.filename or str(exc)
        print(f"error: {name}: file not found; check the path", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``impactlib tag``: suggest impact codes for every story of a file, streaming.

Examples
--------
::

    impactlib tag data/sample/stories.csv -o tagged.csv --segments segments.csv --jobs 2
"""

from __future__ import annotations

import argparse
import os
import sys

from impactlib.errors import ImpactError

HELP = "suggest impact codes (valence, intentionality, directness) for every story"

DESCRIPTION = """\
Tag every story of STORIES (CSV, XLSX or JSON Lines with at least story_id and
text; Dutch column names such as verhaal_id and verhaal also work; activity,
activity_goal and why_significant are used when present).

Writes one row per story to TAGGED.csv (story_id, valence, intentionality,
directness, their confidences, evidence) and, with --segments, one row per
suggested effect span (start/end are Unicode code points into the text, end
exclusive). Input is read and output written in chunks, so memory does not grow
with the corpus. Stories that cannot be tagged (empty text, tagger error) keep
their row with empty codes and get a warning on stderr naming them.
"""


def register(subparsers: "argparse._SubParsersAction") -> None:
    """Add the ``tag`` sub-command to the ``impactlib`` parser."""
    p = subparsers.add_parser("tag", help=HELP, description=DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stories", metavar="STORIES", help="stories file (.csv, .xlsx, .jsonl)")
    p.add_argument("-o", "--output", metavar="TAGGED.csv", default="-",
                   help="story-level output CSV ('-' or omitted: stdout)")
    p.add_argument("--segments", metavar="SEGMENTS.csv", default=None,
                   help="also write one row per suggested effect span to this CSV ('-': stdout)")
    p.add_argument("--codebook", metavar="FILE", default=None,
                   help="codebook YAML (default: the packaged codebook)")
    p.add_argument("--activities", metavar="FILE", default=None,
                   help="activities table (activity, activity_goal): gives stories without an "
                        "activity_goal column the goal of their activity")
    p.add_argument("--model", metavar="DIR", default="default",
                   help="learned model folder (or spaCy package) combined with the rules; "
                        "default: the model shipped with impactlib; 'none': rules only (faster, "
                        "less accurate on new stories, see docs/evaluation.md)")
    p.add_argument("--jobs", "-j", metavar="N", type=int, default=1,
                   help="worker processes (default 1; 0 = one per CPU core)")
    p.add_argument("--chunk-size", metavar="N", type=int, default=None,
                   help="stories per work unit (default 2000)")
    p.add_argument("--all-warnings", action="store_true",
                   help="list every warning instead of the first 20 of each kind")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary line on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``impactlib tag``; returns the exit code."""
    from impactlib.nlp.runner import DEFAULT_CHUNK_SIZE, tag_file

    if not os.path.exists(args.stories):
        raise ImpactError(f"{args.stories}: file not found; check the path")
    jobs = args.jobs if args.jobs and args.jobs > 0 else (os.cpu_count() or 1)
    if args.output == "-" and args.segments == "-":
        raise ImpactError("--segments - and -o - cannot both write to stdout; give --segments a file name")
    if (args.segments not in (None, "-") and args.output != "-"
            and os.path.abspath(args.segments) == os.path.abspath(args.output)):
        raise ImpactError(f"-o and --segments both name {args.output}; give them different file names")
    for opt, path in (("--codebook", args.codebook), ("--activities", args.activities)):
        if path is not None and not os.path.exists(path):
            raise ImpactError(f"{opt} {path}: not found; check the path or leave {opt} out for the default")
    goals = _goals(args.activities) if args.activities else None
    chunk = args.chunk_size if args.chunk_size is not None else DEFAULT_CHUNK_SIZE
    if chunk < 1:
        raise ImpactError(f"--chunk-size must be at least 1, got {chunk}")
    stats = tag_file(
        args.stories,
        args.output,
        segments=args.segments,
        codebook=args.codebook,
        model=None if str(args.model).lower() in ("none", "rules") else args.model,
        jobs=jobs,
        chunk_size=chunk,
        max_warnings=None if args.all_warnings else 20,
        goals=goals,
    )
    if not args.quiet:
        print(f"impactlib tag: {stats.summary()}", file=sys.stderr)
    return 0


def _goals(path: str) -> dict:
    """``activity -> activity_goal`` from an activities table (validated by :mod:`impactlib.io`)."""
    from impactlib.io import load_table

    df = load_table(path, "activities")
    if "activity_goal" not in df.columns:
        raise ImpactError(f"{path}: no 'activity_goal' (doel) column; --activities needs the goal of each activity")
    goals = {}
    for act, goal in zip(df["activity"], df["activity_goal"]):
        if isinstance(act, str) and isinstance(goal, str) and goal.strip():
            goals[act] = goal
    return goals

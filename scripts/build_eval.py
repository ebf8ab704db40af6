#!/usr/bin/env python
"""Build the SYNTHETIC evaluation set ``data/eval/`` from ``scripts/eval_src/gold_*.yaml``.

The evaluation set is the tagger's *held-out* test: stories written and coded by
people who had not seen the tagger's rules, the sample stories the rules were
developed on, or the model's training data (see ``docs/evaluation.md``).  Nothing
in ``impactlib`` is tuned on it.

Input format (one YAML list per file)::

    - story_id: A001
      activity: "Taalcafé De Brug"
      activity_goal: "..."
      storyteller_role: deelnemer
      collected_on: 2025-03-12
      track: betekenisgeving
      domain: "Meedoen"
      why_significant: ""
      text: |-
        ...
      story_code: [positive, intended, direct]
      effects:
        - quote: "exact substring of text"
          code: [positive, intended, direct]

Outputs (deterministic)
-----------------------
One folder per source file: ``gold_a.yaml`` → ``data/eval/a/`` (the
*development* set: its errors are read to improve the rules), ``gold_b.yaml`` →
``data/eval/b/`` (the *test* set: only its scores are ever looked at).

``data/eval/<set>/stories.csv``
    One row per story (canonical column names).
``data/eval/<set>/codes_gold.csv``
    The gold codes as a codes table (coder ``gold``): one whole-story row per
    dimension and one row per dimension per effect span (Unicode code points,
    end exclusive, found from the quote).

Usage
-----
    python scripts/build_eval.py [--src scripts/eval_src] [--out data/eval]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from build_sample import CODE_COLUMNS, DIMENSIONS, _check_code  # noqa: E402

STORY_COLUMNS = ["story_id", "text", "activity", "activity_goal", "storyteller_role", "collected_on",
                 "track", "domain", "why_significant"]


def _code(value, where: str, problems: list[str]) -> list[str] | None:
    """The ``[valence, intentionality, directness]`` list, or None after noting the problem
    (the sample builder's check)."""
    problem = _check_code(value)
    if problem:
        problems.append(f"{where}: {problem}")
        return None
    return [str(v) for v in value]


def _item_codes(s: dict, sid: str, text: str, where: str, problems: list[str]) -> list[dict]:
    """Code rows of one coded story (its ``story_code`` and its ``effects``, each quote found
    in ``text``, in order)."""
    codes: list[dict] = []
    code = _code(s.get("story_code"), f"{where} story_code", problems)
    if code:
        for dim, v in zip(DIMENSIONS, code):
            codes.append({"story_id": sid, "start": "", "end": "", "dimension": dim, "value": v})
    pos = 0
    for j, eff in enumerate(s.get("effects") or [], 1):
        quote = str(eff.get("quote", "")).strip()
        at = text.find(quote, pos)
        if at < 0:
            at = text.find(quote)
        if not quote or at < 0:
            problems.append(f"{where} effect {j}: quote not found in text: {quote[:60]!r}")
            continue
        pos = at + len(quote)
        ecode = _code(eff.get("code"), f"{where} effect {j}", problems)
        if ecode:
            for dim, v in zip(DIMENSIONS, ecode):
                codes.append({"story_id": sid, "start": at, "end": at + len(quote), "dimension": dim, "value": v})
    return codes


def _write_codes(path: Path, codes: list[dict], coder: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, CODE_COLUMNS, lineterminator="\n")
        w.writeheader()
        for c in codes:
            w.writerow({**c, "coder": coder, "source": "human", "status": "accepted", "confidence": "",
                        "codebook_version": "1.0.0", "created_at": "2026-11-27T00:00:00Z", "memo": ""})


def build_second_coder(path: Path, out: Path) -> int:
    """Write ``out/codes_coder2.csv`` from a second, independent coder's file (``coder2_<set>.yaml``:
    story_id, story_code, effects) over the stories of ``out/stories.csv``; return stories coded."""
    with open(out / "stories.csv", encoding="utf-8", newline="") as fh:
        texts = {r["story_id"]: r["text"] for r in csv.DictReader(fh)}
    problems: list[str] = []
    codes: list[dict] = []
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for i, s in enumerate(items, 1):
        sid = str(s.get("story_id", "")).strip()
        where = f"{path.name}: story {i} ({sid or 'no id'})"
        if sid not in texts:
            problems.append(f"{where}: story_id not in {out / 'stories.csv'}")
            continue
        codes += _item_codes(s, sid, texts[sid], where, problems)
    if problems:
        raise SystemExit("invalid second coding:\n  " + "\n  ".join(problems))
    _write_codes(out / "codes_coder2.csv", codes, "coder2")
    return len(items)


def build(files: list[Path], out: Path) -> tuple[int, int]:
    """Write one evaluation set from ``files``; return (stories, effect spans).

    Raises SystemExit on bad input.
    """
    problems: list[str] = []
    stories: list[dict] = []
    codes: list[dict] = []
    seen: set[str] = set()
    for path in files:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for i, s in enumerate(items, 1):
            sid = str(s.get("story_id", "")).strip()
            where = f"{path.name}: story {i} ({sid or 'no id'})"
            if not sid or sid in seen:
                problems.append(f"{where}: missing or duplicate story_id")
                continue
            seen.add(sid)
            text = str(s.get("text", "")).replace("\r\n", "\n").strip()
            if not text:
                problems.append(f"{where}: empty text")
                continue
            row = {c: ("" if s.get(c) is None else str(s.get(c))) for c in STORY_COLUMNS}
            row["story_id"], row["text"] = sid, text
            stories.append(row)
            codes += _item_codes(s, sid, text, where, problems)
    if problems:
        raise SystemExit("invalid evaluation stories:\n  " + "\n  ".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "stories.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, STORY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(stories)
    _write_codes(out / "codes_gold.csv", codes, "gold")
    return len(stories), sum(1 for c in codes if c["start"] != "") // 3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=str(ROOT / "scripts" / "eval_src"))
    ap.add_argument("--out", default=str(ROOT / "data" / "eval"))
    args = ap.parse_args(argv)
    files = sorted(Path(args.src).glob("gold_*.yaml"))
    if not files:
        raise SystemExit(f"{args.src}: no gold_*.yaml files")
    for path in files:
        name = path.stem.removeprefix("gold_")
        n, m = build([path], Path(args.out) / name)
        print(f"{Path(args.out) / name}: {n} stories, {m} effect spans")
        second = path.with_name(f"coder2_{name}.yaml")
        if second.exists():
            k = build_second_coder(second, Path(args.out) / name)
            print(f"{Path(args.out) / name}/codes_coder2.csv: {k} stories coded again by a second coder")
    return 0


if __name__ == "__main__":
    sys.exit(main())

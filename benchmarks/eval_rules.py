"""Agreement of the rule tagger (ImpactEngine) with human coder_a on the sample project.

Story-level Cohen's kappa per dimension on two splits of ``data/sample``:
odd-numbered story ids (the split the rules were tuned on) and even-numbered ids
(held out, never used for tuning), plus sentence-level agreement on the human
effect spans that the tagger also found (a suggested span overlapping the quote).

    python benchmarks/eval_rules.py [--sample data/sample]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score

DIMS = ("valence", "intentionality", "directness")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", default=str(Path(__file__).resolve().parents[1] / "data" / "sample"))
    ap.add_argument("--coder", default="coder_a")
    args = ap.parse_args(argv)
    root = Path(args.sample)
    stories = pd.read_csv(root / "stories.csv", dtype=str, keep_default_na=False)
    codes = pd.read_csv(root / "codes_human.csv", dtype={"story_id": str, "start": "Int64", "end": "Int64"})
    codes = codes[codes["coder"] == args.coder]

    from impactlib.nlp import ImpactEngine

    engine = ImpactEngine()
    records = stories.to_dict("records")
    story_rows, segment_rows = engine.tag(records)
    pred = {r["story_id"]: r for r in story_rows}
    segs = pd.DataFrame(segment_rows)

    whole = codes[codes["start"].isna()].pivot_table(index="story_id", columns="dimension", values="value",
                                                     aggfunc="first")
    spans = codes[codes["start"].notna()].pivot_table(index=["story_id", "start", "end"], columns="dimension",
                                                      values="value", aggfunc="first").reset_index()

    def number(sid: str) -> int:
        m = re.search(r"\d+", sid)
        return int(m.group(0)) if m else 0

    for name, parity in (("odd (tuning)", 1), ("even (held out)", 0)):
        ids = [s for s in whole.index if number(s) % 2 == parity and s in pred]
        print(f"{name}: {len(ids)} stories")
        for d in DIMS:
            gold = [whole.loc[s, d] for s in ids]
            got = [pred[s][d] or "none" for s in ids]
            k = cohen_kappa_score(gold, got)
            acc = sum(g == p for g, p in zip(gold, got)) / max(len(ids), 1)
            print(f"  story    {d:15s} kappa {k:6.3f}  accuracy {acc:.3f}")
        sub = spans[spans["story_id"].map(lambda s: number(s) % 2 == parity)]
        found = []
        for row in sub.itertuples(index=False):
            cand = segs[(segs["story_id"] == row.story_id) & (segs["start"] < row.end) & (segs["end"] > row.start)]
            if len(cand):
                found.append((row, cand.iloc[0]))
        print(f"  sentence: {len(found)} of {len(sub)} human effect spans found")
        for d in DIMS:
            gold = [getattr(r, d) for r, _ in found]
            got = [c[d] for _, c in found]
            print(f"  sentence {d:15s} kappa {cohen_kappa_score(gold, got):6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

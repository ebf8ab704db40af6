#!/usr/bin/env python
"""Score ``impactlib tag`` against a gold-coded story set, the way the issue checks it.

Runs the real CLI (``python -m impactlib tag STORIES -o … --segments …``) on the
gold set's stories, once per configuration (rules only, ``--model default``, and
both again with the optional ``storyteller_role``/``why_significant`` columns
removed), then prints per dimension:

* story level: Cohen's κ, accuracy and macro-F1 against the gold story codes
  (a story the tagger leaves empty counts as its own label, i.e. as an error);
* sentence level, on multi-effect stories: how many gold effect spans a suggested
  span overlaps, and κ of the overlapping suggestion (largest overlap) on those.

Writes nothing but temporary files.

Usage
-----
    python scripts/evaluate_gold.py [--gold data/eval/b] [--coder gold] [--jobs 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_default_model import codes_file  # noqa: E402
DIMS = ("valence", "intentionality", "directness")
LABELS = {"valence": ["positive", "negative"], "intentionality": ["intended", "unintended"],
          "directness": ["direct", "indirect"]}


def run_tag(stories: Path, out: Path, segs: Path, model: str | None, jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    cmd = [sys.executable, "-m", "impactlib", "tag", str(stories), "-o", str(out), "--segments", str(segs),
           "--jobs", str(jobs)]
    if model:
        cmd += ["--model", model]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        raise SystemExit(f"impactlib tag failed ({res.returncode}):\n{res.stderr}")
    read = dict(dtype=str, keep_default_na=False)
    return pd.read_csv(out, **read), pd.read_csv(segs, **read)


def score(gold: pd.DataFrame, tagged: pd.DataFrame, segs: pd.DataFrame) -> dict[str, float]:
    whole = gold[gold["start"] == ""].pivot_table(index="story_id", columns="dimension", values="value",
                                                  aggfunc="first")
    pred = tagged.set_index("story_id")
    ids = [s for s in whole.index]
    out: dict[str, float] = {}
    for d in DIMS:
        g = [whole.loc[s, d] for s in ids]
        p = [(pred.loc[s, d] if s in pred.index else "") or "none" for s in ids]
        out[f"{d}_kappa"] = cohen_kappa_score(g, p)
        out[f"{d}_acc"] = sum(a == b for a, b in zip(g, p)) / len(ids)
        out[f"{d}_f1"] = f1_score(g, p, labels=LABELS[d], average="macro", zero_division=0)
    # sentence level on multi-effect stories
    sp = gold[gold["start"] != ""].copy()
    sp["start"], sp["end"] = sp["start"].astype(int), sp["end"].astype(int)
    sp = sp.pivot_table(index=["story_id", "start", "end"], columns="dimension", values="value",
                        aggfunc="first").reset_index()
    multi = sp.groupby("story_id")["start"].transform("size") >= 2
    sp = sp[multi]
    sg = segs.copy()
    if len(sg):
        sg["start"], sg["end"] = sg["start"].astype(int), sg["end"].astype(int)
    found = []
    for r in sp.itertuples(index=False):
        c = sg[(sg["story_id"] == r.story_id) & (sg["start"] < r.end) & (sg["end"] > r.start)] if len(sg) else sg
        if len(c):
            ov = c.apply(lambda x: min(x["end"], r.end) - max(x["start"], r.start), axis=1)
            found.append((r, c.loc[ov.idxmax()]))
    out["spans"] = len(sp)
    out["found"] = len(found)
    for d in DIMS:
        g = [getattr(r, d) for r, _ in found]
        p = [c[d] for _, c in found]
        out[f"{d}_span_kappa"] = cohen_kappa_score(g, p) if found else float("nan")
    out["n"] = len(ids)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT / "data" / "eval" / "b"), help="gold set folder (default: the test set)")
    ap.add_argument("--coder", default="gold")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--model", default="default", help="model for the 'model' configurations (default: the shipped one)")
    ap.add_argument("--configs", default="rules,model,rules-bare,model-bare",
                    help="comma list of rules, model, rules-bare, model-bare (bare = without role/why columns)")
    args = ap.parse_args(argv)
    gold_dir = Path(args.gold)
    stories = pd.read_csv(gold_dir / "stories.csv", dtype=str, keep_default_na=False)
    codes_path = codes_file(gold_dir)
    gold = pd.read_csv(codes_path, dtype=str, keep_default_na=False)
    gold = gold[gold["coder"] == args.coder]
    print(f"gold set {gold_dir}: {len(stories)} stories, coder {args.coder!r} ({codes_path.name})")
    for d in DIMS:
        vc = gold[(gold["start"] == "") & (gold["dimension"] == d)]["value"].value_counts()
        print(f"  {d:15s} " + ", ".join(f"{k} {v}" for k, v in vc.items()))
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        bare = t / "bare.csv"
        stories.drop(columns=[c for c in ("storyteller_role", "why_significant") if c in stories.columns]).to_csv(
            bare, index=False)
        print(f"\n{'configuration':24s} " + " ".join(f"{d[:5]:>6s}κ" for d in DIMS) + "   mean κ  |"
              + " ".join(f"{d[:5]:>6s}F1" for d in DIMS) + " | multi-effect spans found, span κ v/i/d")
        for cfg in [c.strip() for c in args.configs.split(",") if c.strip()]:
            src = bare if cfg.endswith("-bare") else gold_dir / "stories.csv"
            model = args.model if cfg.startswith("model") else "none"
            tagged, segs = run_tag(src, t / "out.csv", t / "segs.csv", model, args.jobs)
            s = score(gold, tagged, segs)
            ks = [s[f"{d}_kappa"] for d in DIMS]
            print(f"{cfg:24s} " + " ".join(f"{k:7.3f}" for k in ks) + f"   {sum(ks) / 3:6.3f}  |"
                  + " ".join(f"{s[f'{d}_f1']:8.3f}" for d in DIMS)
                  + f" | {s['found']}/{s['spans']}, "
                  + "/".join(f"{s[f'{d}_span_kappa']:.2f}" for d in DIMS))
    return 0


if __name__ == "__main__":
    sys.exit(main())

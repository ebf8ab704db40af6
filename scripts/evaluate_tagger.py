#!/usr/bin/env python
"""Evaluate the impact tagger on the held-out split of the sample project (prints only).

Reference codes: ``coder_a``'s story-level codes (the coder the default model is
trained on).  Held-out split: stories with an **even** numeric id (never used to
train the model or tune the rules).  Printed per dimension (Cohen's κ, macro-F1,
confusion matrix) for

* **rules only** — :class:`impactlib.nlp.ImpactEngine` without a learned model;
* **model only** — :class:`impactlib.nlp.model.ImpactModel` with the default model's
  settings but *without* the rule features, trained on the training split (odd ids);
* **rules + model** — the shipped default model (stacked on the rules) combined
  with the rule values by :meth:`ImpactModel.refine_rows`;

plus 5-fold cross-validated κ on the training split (``cross_val_predict`` on
``ImpactModel``, story-level codes only) and the human–human κ (coder_a vs
coder_b) on the same held-out stories as the reference, and the held-out κ when the
optional ``storyteller_role`` and ``why_significant`` columns are absent.  Writes nothing.

Usage
-----
    python scripts/evaluate_tagger.py [--data data/sample] [--model impactlib/data/model]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import KFold, cross_val_predict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from impactlib.io import load_codes  # noqa: E402
from impactlib.nlp import ImpactEngine  # noqa: E402
from impactlib.nlp.model import DIMENSIONS, LABELS, ImpactModel, _kappa, load_model, story_level_codes  # noqa: E402
from train_default_model import SEED, segment_table, split_table, with_segments  # noqa: E402


def report(name: str, truth: pd.DataFrame, pred: pd.DataFrame) -> dict[str, float]:
    """Print κ, macro-F1 and the confusion matrix per dimension; return κ (and F1) per dimension."""
    print(f"\n== {name} (n = {len(truth)}) ==")
    kappas = {}
    for d in DIMENSIONS:
        t = truth[d].astype(str).to_numpy()
        p = pred[d].fillna("").astype(str).to_numpy()
        labels = list(LABELS[d]) + ([""] if (p == "").any() else [])
        k = _kappa(t, p)
        f1 = f1_score(t, p, labels=list(LABELS[d]), average="macro", zero_division=0)
        kappas[d] = k
        kappas[f"{d}_f1"] = f1
        cm = confusion_matrix(t, p, labels=labels)
        print(f"{d:<15} kappa {k:6.3f}   macro-F1 {f1:5.3f}")
        head = "".join(f"{(lab or '(leeg)'):>12}" for lab in labels)
        print("    " + "human / tagger".ljust(18) + head)
        for lab, row in zip(labels, cm):
            if lab:
                print(f"    {lab:<18}" + "".join(f"{v:>12d}" for v in row))
    print(f"{'mean kappa':<15} {np.mean([kappas[d] for d in DIMENSIONS]):6.3f}")
    return kappas


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--coder", default="coder_a")
    ap.add_argument("--markdown", action="store_true", help="also print the summary as a Markdown table")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    X_train, y_train = split_table(args.data, args.coder, training=True)
    X_test, y_test = split_table(args.data, args.coder, training=False)
    records = X_test.to_dict("records")
    model = load_model(args.model)
    print(f"held-out split: {len(X_test)} stories with an even id, coded by {args.coder}; "
          f"training split: {len(X_train)} stories (odd ids)")
    print(f"default model: {model.get_params()}")
    from train_default_model import rules_fingerprint

    if model.get_params()["use_rules"] and model.metadata_.get("rules_fingerprint") != rules_fingerprint(X_train):
        print("WARNING: the rule engine's output on the training split differs from when the model was trained; "
              "retrain with scripts/train_default_model.py (the stacked model's rule features are stale)")

    engine = ImpactEngine()
    rule_rows, _ = engine.tag(records)
    rules = pd.DataFrame(rule_rows)
    results = {"rules only": report("rules only", y_test, rules)}

    params = model.get_params()
    params.update(use_rules=False, combine_weight=0.0)
    S, Sy = segment_table(args.data, args.coder, X_train)
    learned = ImpactModel(**params).fit(*with_segments(X_train, y_train, S, Sy, X_train["story_id"]))
    results["model only"] = report("model only (no rule features)", y_test, learned.predict_frame(X_test))

    combined = pd.DataFrame(model.refine_rows(records, rule_rows))
    results["rules + model"] = report("rules + model (shipped default model)", y_test, combined)

    # robustness: the same held-out stories without the optional context columns
    bare = X_test.assign(storyteller_role="", why_significant="").to_dict("records")
    bare_rules, _ = engine.tag(bare)
    bare_comb = pd.DataFrame(model.refine_rows(bare, bare_rules))
    print("\n== held-out stories without storyteller_role and why_significant (kappa) ==")
    bare_k = {}
    for name, frame in (("rules only", pd.DataFrame(bare_rules)), ("rules + model", bare_comb)):
        ks = [_kappa(y_test[d].astype(str), frame[d].fillna("").astype(str)) for d in DIMENSIONS]
        bare_k[name] = ks
        print(f"{name:<16}" + "  ".join(f"{d} {k:.3f}" for d, k in zip(DIMENSIONS, ks)))

    # the rules on the split they were tuned on: the gap to the held-out split is their tuning bias
    train_rules, _ = engine.tag(X_train.to_dict("records"))
    tr = pd.DataFrame(train_rules)
    tune_k = [_kappa(y_train[d].astype(str), tr[d].fillna("").astype(str)) for d in DIMENSIONS]
    print(f"\n== rules only on the training split they were tuned on (n = {len(X_train)}) ==")
    print("  ".join(f"{d} {k:.3f}" for d, k in zip(DIMENSIONS, tune_k)) + f"  mean {np.mean(tune_k):.3f}")

    cv = KFold(5, shuffle=True, random_state=SEED)
    pred = cross_val_predict(ImpactModel(**model.get_params()), X_train, y_train, cv=cv)
    cv_k = [_kappa(y_train[d], pred[:, j]) for j, d in enumerate(DIMENSIONS)]
    print(f"\n== 5-fold cross-validated kappa on the training split (story-level codes only, n = {len(X_train)}) ==")
    print("  ".join(f"{d} {k:.3f}" for d, k in zip(DIMENSIONS, cv_k)) + f"  mean {np.mean(cv_k):.3f}")

    codes = load_codes(args.data / "codes_human.csv")
    a = story_level_codes(codes, "coder_a")
    b = story_level_codes(codes, "coder_b")
    ids = [s for s in X_test["story_id"] if s in a.index and s in b.index]
    print(f"\n== human-human kappa, coder_a vs coder_b on the held-out stories both coded (n = {len(ids)}) ==")
    hh = [_kappa(a.loc[ids, d], b.loc[ids, d]) for d in DIMENSIONS]
    print("  ".join(f"{d} {k:.3f}" for d, k in zip(DIMENSIONS, hh)) + f"  mean {np.mean(hh):.3f}")
    if ids:
        other = combined.set_index("story_id").loc[ids]
        mb = [_kappa(b.loc[ids, d], other[d].fillna("")) for d in DIMENSIONS]
        print("rules + model vs coder_b on the same stories: "
              + "  ".join(f"{d} {k:.3f}" for d, k in zip(DIMENSIONS, mb)))

    print("\n== summary: held-out kappa per dimension ==")
    print(f"{'':<16}" + "".join(f"{d:>16}" for d in DIMENSIONS))
    for name, ks in results.items():
        print(f"{name:<16}" + "".join(f"{ks[d]:>16.3f}" for d in DIMENSIONS))
    print(f"{'human-human':<16}" + "".join(f"{k:>16.3f}" for k in hh))
    if args.markdown:
        print("\n| held-out (n = %d, vs %s) | valence κ | intentionality κ | directness κ | mean κ | macro-F1 (v / i / d) |"
              % (len(X_test), args.coder))
        print("|---|---|---|---|---|---|")
        for name, ks in results.items():
            print(f"| {name} | " + " | ".join(f"{ks[d]:.2f}" for d in DIMENSIONS)
                  + f" | {np.mean([ks[d] for d in DIMENSIONS]):.2f} | "
                  + " / ".join(f"{ks[d + '_f1']:.2f}" for d in DIMENSIONS) + " |")
        print(f"| rules only, without role/why | " + " | ".join(f"{k:.2f}" for k in bare_k["rules only"])
              + f" | {np.mean(bare_k['rules only']):.2f} | |")
        print(f"| rules + model, without role/why | " + " | ".join(f"{k:.2f}" for k in bare_k["rules + model"])
              + f" | {np.mean(bare_k['rules + model']):.2f} | |")
        print(f"| human–human (coder_a vs coder_b, n = {len(ids)}) | " + " | ".join(f"{k:.2f}" for k in hh)
              + f" | {np.mean(hh):.2f} | |")
        print(f"| *rules on their tuning split (odd ids, n = {len(X_train)})* | "
              + " | ".join(f"{k:.2f}" for k in tune_k) + f" | {np.mean(tune_k):.2f} | |")
        print(f"| *5-fold CV of the default model on the training split* | "
              + " | ".join(f"{k:.2f}" for k in cv_k) + f" | {np.mean(cv_k):.2f} | |")
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

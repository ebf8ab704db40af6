#!/usr/bin/env python
"""Train impactlib's default impact model, reproducibly, from coded stories in the repository.

Data (every story with story-level codes, plus its coded effect segments):

* ``data/sample`` — the sample project, codes of ``coder_a`` (``codes_human.csv``);
* ``data/train/*`` — independently written, coded training sets (coder ``gold``);
* ``data/eval/a`` — the development set (coder ``gold``).

The test set ``data/eval/b`` is never read here; ``scripts/evaluate_gold.py`` scores the
result on it (``docs/evaluation.md``).  ``--split odd`` reproduces the older protocol
(odd sample ids only, even ids held out).

Besides the story-level codes, each coder's segment-level codes of the same stories
are added as extra examples (the segment text with its story's context).  Every training
row is also added as a bare copy, without ``storyteller_role`` and ``why_significant``
(``--no-augment`` to skip), since ``impactlib tag`` needs only ``story_id`` and ``text``.

Hyper-parameters (``C``, character n-grams, context weight) and the weight of the
rules in :func:`impactlib.nlp.model.combine` (per dimension) are chosen by 5-fold
cross-validation whose folds hold out whole source sets, i.e. writers (``--cv stories``:
stories at random, fixed seed); a story's segments never train the fold that scores it,
and folds are scored on the story-level codes of every held-out story with and without
role/why.  The mean Cohen's κ over the three dimensions is the criterion (near-ties,
equal to two decimals, go to the smaller model).

Output: ``impactlib/data/model/impactlib_model.json`` (JSON only, no pickles).

Usage
-----
    python scripts/train_default_model.py [--out impactlib/data/model] [--extra DIR[:CODER] ...]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from impactlib.io import load_codes, load_stories  # noqa: E402
from impactlib.workflow import text_digest  # noqa: E402
from impactlib.nlp.model import (  # noqa: E402
    DIMENSIONS,
    ImpactModel,
    _kappa,
    _rule_values,
    _as_frame,
    combine,
    story_level_codes,
)

SEED = 0
N_FOLDS = 5
#: The hyper-parameter grid searched by cross-validation on the training split.
GRID = {
    "C": [1.0, 3.0, 10.0],
    "use_char": [False],
    "context_weight": [0.01, 0.03, 0.1],
    "use_rules": [True],
    "dimension_features": [False],
}
COMBINE_WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]
OVERRIDE_FLOORS = [0.0, 0.6, 0.7, 0.8, 0.9]


def default_extra() -> list[str]:
    """The coded sets the default model is trained on besides the sample: data/train/* and the
    development set data/eval/a (never the test set data/eval/b)."""
    sets = [p for p in sorted((ROOT / "data" / "train").glob("*")) if (p / "stories.csv").exists()]
    sets.append(ROOT / "data" / "eval" / "a")
    return [str(p.relative_to(ROOT)) for p in sets]


def is_training_id(story_id: str) -> bool:
    """The shared split rule: odd numeric story id = train/tune, even = held-out evaluation."""
    digits = "".join(ch for ch in str(story_id) if ch.isdigit())
    return bool(digits) and int(digits) % 2 == 1


def codes_file(data: Path) -> Path:
    """The human codes table of a data folder (``codes_human.csv`` or ``codes_gold.csv``)."""
    for name in ("codes_human.csv", "codes_gold.csv"):
        if (data / name).exists():
            return data / name
    raise SystemExit(f"{data}: no codes_human.csv or codes_gold.csv")


def split_table(data: Path, coder: str, *, training: bool | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stories of one split that ``coder`` coded at story level, with their codes (same order).

    ``training=None`` takes every coded story (both splits).
    """
    stories = load_stories(data / "stories.csv")
    codes = load_codes(codes_file(data))
    wide = story_level_codes(codes, coder)
    if training is not None:
        stories = stories[stories["story_id"].map(lambda s: is_training_id(s) == training)]
    stories = stories[stories["story_id"].isin(wide.index)]
    stories = stories[stories["text"].str.strip() != ""].reset_index(drop=True)
    y = wide.loc[stories["story_id"], list(DIMENSIONS)].reset_index(drop=True)
    return stories, y


def segment_table(data: Path, coder: str, stories: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coder's sentence/clause-level codes of ``stories`` as extra training rows.

    Each coded segment becomes a record whose ``text`` is the segment and whose
    context (``activity_goal``, ``storyteller_role``, ``why_significant``…) is its story's.
    """
    codes = load_codes(codes_file(data))
    seg = codes[(codes["coder"] == coder) & codes["start"].notna() & (codes["status"] != "rejected")]
    seg = seg[seg["story_id"].isin(set(stories["story_id"]))]
    wide = seg.pivot_table(index=["story_id", "start", "end"], columns="dimension", values="value",
                           aggfunc="last").reset_index().sort_values(["story_id", "start", "end"])
    by_id = stories.set_index("story_id")
    records, labels = [], []
    for row in wide.itertuples(index=False):
        rec = by_id.loc[row.story_id].to_dict()
        rec["story_id"] = row.story_id
        rec["text"] = rec["text"][int(row.start):int(row.end)]
        records.append(rec)
        labels.append({d: getattr(row, d, "") or "" for d in DIMENSIONS})
    return pd.DataFrame(records), pd.DataFrame(labels, columns=list(DIMENSIONS)).fillna("")


def with_segments(X, y, S, Sy, ids) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stories ``X``/``y`` plus the segments of the stories in ``ids`` (the same fold only)."""
    if S is None or S.empty:
        return X, y
    m = S["story_id"].isin(set(ids)).to_numpy()
    return (pd.concat([X, S[m]], ignore_index=True), pd.concat([y, Sy[m]], ignore_index=True))


#: The story fields a user's file may lack (the CLI contract needs only story_id and text,
#: using activity and activity_goal when present); see :func:`bare`.
OPTIONAL_CONTEXT = ("storyteller_role", "why_significant")


def bare(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` without storyteller_role and why_significant (blank), as a file without those columns."""
    out = X.copy()
    for col in OPTIONAL_CONTEXT:
        out[col] = ""
    return out


def eval_rows(X: pd.DataFrame, y: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every story as given, then as a bare copy (:func:`bare`), with its codes: what folds are
    scored on (a user's file may or may not carry role and why_significant)."""
    return pd.concat([X, bare(X)], ignore_index=True), pd.concat([y, y], ignore_index=True)


def augmented(X: pd.DataFrame, y: pd.DataFrame, augment: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows plus, with ``augment``, a bare copy of each (:func:`eval_rows`): the model
    learns the text's own cues for who changes and why, not only the storyteller's role."""
    return eval_rows(X, y) if augment else (X, y)


def cv_predict(model: ImpactModel, X, y, S, Sy, cv, groups=None, augment: bool = True
               ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Out-of-fold story-level predictions and probabilities for :func:`eval_rows` of ``X``
    (the stories, then their bare copies).  Folds split by story (or by ``groups``: whole
    source sets, i.e. writers), so a story's segments never train the fold that evaluates it."""
    n = len(X)
    pred = np.empty((2 * n, len(DIMENSIONS)), dtype=object)
    probas = [np.zeros((2 * n, 2)) for _ in DIMENSIONS]
    for train, test in cv.split(X, groups=groups):
        Xt, yt = with_segments(X.iloc[train], y.iloc[train], S, Sy, X["story_id"].iloc[train])
        fitted = clone(model).fit(*augmented(Xt, yt, augment))
        rows = np.concatenate([test, test + n])
        Xe, _ = eval_rows(X.iloc[test], y.iloc[test])
        pred[rows] = fitted.predict(Xe)
        for j, p in enumerate(fitted.predict_proba(Xe)):
            probas[j][rows] = p
    return pred, probas


def rules_fingerprint(X: pd.DataFrame) -> str:
    """SHA-256 of the rule engine's story-level output on ``X``: the stacked model's
    rule features are only valid for the rules it was trained with (retrain when this changes)."""
    h = hashlib.sha256()
    for row in _rule_values(_as_frame(X)):
        h.update(repr(row).encode("utf-8"))
    return h.hexdigest()


def rel(path: Path) -> str:
    """``path`` relative to the repository when inside it (metadata stays machine-independent)."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cv_kappas(model: ImpactModel, X, y, S, Sy, cv, groups=None, augment: bool = True) -> list[float]:
    """Out-of-fold κ per dimension over :func:`eval_rows` (stories with and without role/why)."""
    pred, _ = cv_predict(model, X, y, S, Sy, cv, groups, augment)
    _, y2 = eval_rows(X, y)
    return [_kappa(y2[d], pred[:, j]) for j, d in enumerate(DIMENSIONS)]


def choose_combine_weight(model: ImpactModel, X, y, S, Sy, cv, groups=None, augment: bool = True
                          ) -> tuple[dict, dict, dict]:
    """Per dimension, the rules' weight and override floor in ``combine`` with the best
    cross-validated κ (ties, to three decimals: the smaller weight, then the lower floor).

    ``weight`` mixes rule confidence and model probability; a floor lets the model
    override rule values whose confidence is below it.
    """
    _, probas = cv_predict(model, X, y, S, Sy, cv, groups, augment)
    X, y = eval_rows(X, y)
    classes = [sorted(set(y[d])) for d in DIMENSIONS]
    rules = _rule_values(_as_frame(X))
    scores = {}
    for w in COMBINE_WEIGHTS:
        for floor in OVERRIDE_FLOORS:
            pred = {d: [] for d in DIMENSIONS}
            for i, rule in enumerate(rules):
                rule_row = {}
                for d, (v, c) in zip(DIMENSIONS, rule):
                    rule_row[d], rule_row[f"{d}_confidence"] = v, c
                proba_row = {d: dict(zip(classes[j], map(float, probas[j][i]))) for j, d in enumerate(DIMENSIONS)}
                out = combine(rule_row, proba_row, weight=w, override_below=floor)
                for d in DIMENSIONS:
                    pred[d].append(out[d])
            scores[(w, floor)] = [_kappa(y[d], pred[d]) for d in DIMENSIONS]
    best = {d: max(scores, key=lambda k: (round(scores[k][j], 3), -k[0], -k[1])) for j, d in enumerate(DIMENSIONS)}
    weights = {d: best[d][0] for d in DIMENSIONS}
    floors = {d: best[d][1] for d in DIMENSIONS}
    return weights, floors, scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    ap.add_argument("--out", type=Path, default=ROOT / "impactlib" / "data" / "model")
    ap.add_argument("--coder", default="coder_a")
    ap.add_argument("--no-segments", action="store_true",
                    help="train on story-level codes only (default: also on the coder's segment codes)")
    ap.add_argument("--extra", action="append", default=None, metavar="DIR[:CODER]",
                    help="further coded story sets to train on (default: data/train/* and the development "
                         "set data/eval/a; coder 'gold'); 'none' for the sample only. The test set "
                         "data/eval/b is never used")
    ap.add_argument("--split", choices=("all", "odd"), default="all",
                    help="all: every coded sample story (the held-out test is the independent gold set "
                         "data/eval); odd: odd ids only (the even ids stay held out)")
    ap.add_argument("--cv", choices=("sets", "stories"), default="sets",
                    help="sets (default): folds hold out whole source sets (writers), as a new user's file "
                         "would be; stories: folds split stories at random (optimistic: a writer's style "
                         "and activities are on both sides)")
    ap.add_argument("--no-augment", action="store_true",
                    help="do not add a copy of each training story without storyteller_role and "
                         "why_significant (default: add it)")
    args = ap.parse_args(argv)
    augment = not args.no_augment

    t0 = time.perf_counter()
    X, y = split_table(args.data, args.coder, training=True if args.split == "odd" else None)
    if args.split == "odd":
        assert all(is_training_id(s) for s in X["story_id"]), "training split holds an even id"
    S, Sy = (None, None) if args.no_segments else segment_table(args.data, args.coder, X)
    extra = args.extra if args.extra is not None else default_extra()
    extra = [e for e in extra if e != "none"]
    sources = [{"data": rel(args.data), "coder": args.coder, "stories": len(X)}]
    groups = [rel(args.data)] * len(X)  # the source set of each story (its writer)
    for spec in extra:
        folder, _, coder = spec.partition(":")
        coder = coder or "gold"
        Xe, ye = split_table(Path(folder), coder, training=None)
        groups += [rel(Path(folder))] * len(Xe)
        X, y = pd.concat([X, Xe], ignore_index=True), pd.concat([y, ye], ignore_index=True)
        if S is not None:
            Se, Sye = segment_table(Path(folder), coder, Xe)
            S, Sy = pd.concat([S, Se], ignore_index=True), pd.concat([Sy, Sye], ignore_index=True)
        sources.append({"data": rel(Path(folder)), "coder": coder, "stories": len(Xe)})
    if X["story_id"].duplicated().any():
        raise SystemExit("story ids repeat across the training sets: "
                         + ", ".join(X.loc[X["story_id"].duplicated(), "story_id"].head(5)))
    n_seg = 0 if S is None else len(S)
    print(f"training data: {len(X)} stories ({', '.join(str(x['data']) + ' ' + str(x['stories']) for x in sources)}), "
          f"plus {n_seg} coded segments")
    if args.cv == "sets" and len(sources) >= N_FOLDS:
        cv = GroupKFold(N_FOLDS)
        cv_groups = np.asarray(groups)
    else:
        cv = KFold(N_FOLDS, shuffle=True, random_state=SEED)
        cv_groups = None

    results = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        params = dict(zip(keys, values))
        kappas = cv_kappas(ImpactModel(random_state=SEED, **params), X, y, S, Sy, cv, cv_groups, augment)
        results.append((float(np.mean(kappas)), params, kappas))
    # best mean κ; near-ties (same κ to two decimals, well within the CV noise) go to the
    # smaller model: no character n-grams, then the stronger regularisation
    results.sort(key=lambda r: (-round(r[0], 2), r[1]["use_char"], r[1]["C"], -r[0]))
    print(f"{N_FOLDS}-fold CV on the training split, best of {len(results)} settings (mean κ; κ per dimension):")
    for mean, params, kappas in results[:5]:
        print(f"  {mean:.3f}  {' '.join(f'{k:.3f}' for k in kappas)}  {params}")
    best_mean, best_params, best_kappas = results[0]

    model = ImpactModel(random_state=SEED, **best_params)
    weight, floor, wscores = choose_combine_weight(clone(model), X, y, S, Sy, cv, cv_groups, augment)
    print("combine with the rules (CV κ per dimension, (weight, floor)): "
          + ", ".join(f"{k}: " + "/".join(f"{x:.3f}" for x in s) for k, s in wscores.items() if k[1] in (0.0, 0.8)))
    print(f"  -> rules weight {weight}, model overrides rule values below {floor}")
    model.set_params(combine_weight=weight, combine_override_below=floor)
    model.fit(*augmented(*with_segments(X, y, S, Sy, X["story_id"]), augment))

    meta = {
        "trained_on": "data/sample (synthetic sample project)" + "".join(f" + {x['data']}" for x in sources[1:]),
        "coder": args.coder,
        "sources": sources,
        "split": ("odd numeric story ids (train/tune); even ids are held out for evaluation" if args.split == "odd"
                  else "every coded sample story; held-out evaluation on the independent gold set data/eval"),
        "story_ids": list(X["story_id"]),
        # lets a notebook tell which of a project's stories the model has seen (see
        # impactlib.workflow.heldout_story_ids): SHA-1 of the NFC text, first 16 hex digits
        "training_text_sha1": sorted({text_digest(t) for t in X["text"]}),
        "n_segments": n_seg,
        # (ROOT / an absolute path is that path)
        "files_sha256": {f"{x['data']}/{name}": sha256(ROOT / x["data"] / name)
                         for x in sources for name in ("stories.csv", codes_file(ROOT / x["data"]).name)},
        "seed": SEED,
        "augment_bare": augment,
        "cv": {
            "folds": N_FOLDS,
            "split": ("whole source sets (writers) held out" if cv_groups is not None else "stories at random"),
            "scored_on": "every story with and without storyteller_role/why_significant",
            "grid": GRID,
            "best_params": best_params,
            "kappa_per_dimension": dict(zip(DIMENSIONS, [round(k, 4) for k in best_kappas])),
            "kappa_mean": round(best_mean, 4),
            "combine": {f"weight={k[0]} floor={k[1]}": [round(x, 4) for x in s] for k, s in wscores.items()},
        },
        "rules_fingerprint": rules_fingerprint(X),
        "script": "scripts/train_default_model.py",
    }
    path = model.save(args.out, metadata=meta)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"({path.stat().st_size / 1024:.0f} KB, {len(model.feature_names_)} features) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

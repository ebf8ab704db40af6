"""Tests for impactlib.nlp.scoring: prediction without scikit-learn equals the estimator's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from impactlib.nlp.engine import ImpactEngine
from impactlib.nlp.model import ImpactModel, load_model
from impactlib.nlp.scoring import (
    DIMENSIONS,
    LABELS,
    PARAM_DEFAULTS,
    ImpactScorer,
    LinearClassifier,
    l2_normalize_rows,
    load_scorer,
)

ROOT = Path(__file__).resolve().parents[1]


def test_param_defaults_are_the_estimators():
    assert ImpactModel().get_params() == PARAM_DEFAULTS


def _random_csr(rng, n_rows, n_cols, max_len):
    rows, cols, vals = [], [], []
    for i in range(n_rows):
        k = int(rng.integers(0, max_len + 1))  # some rows empty
        c = rng.choice(n_cols, size=min(k, n_cols), replace=False)
        rows += [i] * len(c)
        cols += c.tolist()
        vals += (rng.random(len(c)) * rng.choice([1e-3, 1.0, 7.5], size=len(c))).tolist()
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))


def test_l2_normalize_rows_equals_sklearn_bit_for_bit():
    rng = np.random.default_rng(3)
    for n_rows, max_len in ((1, 1), (50, 5), (200, 60), (3, 2000)):
        X = _random_csr(rng, n_rows, 5000, max_len)
        expected = normalize(X.copy(), norm="l2")
        got = l2_normalize_rows(X.copy())
        assert np.array_equal(got.indptr, expected.indptr) and np.array_equal(got.indices, expected.indices)
        assert got.data.tobytes() == expected.data.tobytes()
    empty = sp.csr_matrix((4, 10))
    assert l2_normalize_rows(empty).nnz == 0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_linear_classifier_equals_logistic_regression(n_classes):
    rng = np.random.default_rng(7)
    X = normalize(_random_csr(rng, 300, 400, 30), norm="l2")
    y = rng.integers(0, n_classes, size=300)
    clf = LogisticRegression(C=3.0, solver="liblinear" if n_classes == 2 else "lbfgs", max_iter=2000).fit(X, y)
    light = LinearClassifier(clf.classes_, clf.coef_, clf.intercept_)
    assert light.predict_proba(X).tobytes() == clf.predict_proba(X).tobytes()


def _stories(n=150):
    frame = pd.read_csv(ROOT / "data" / "sample" / "stories.csv", dtype=str, keep_default_na=False)
    return frame.head(n).to_dict("records")


def test_scorer_refines_rows_exactly_as_the_estimator():
    """The tagger's scorer and the estimator give the same rows (values, confidences, evidence)."""
    records = _stories()
    rule_rows, _ = ImpactEngine().tag(records, segments=False)
    estimator, scorer = load_model(), load_scorer()
    assert scorer.dimensions_ == estimator.dimensions_
    assert scorer.refine_rows(records, rule_rows) == estimator.refine_rows(records, rule_rows)


def test_scorer_equals_estimator_with_char_ngrams_and_rules(tmp_path):
    """A model with every feature block; its labels only need to vary (two predictors of one model are compared)."""
    records = _stories(60)
    rule_rows, _ = ImpactEngine().tag(records, segments=False)
    y = pd.DataFrame([{d: row[d] or LABELS[d][i % 2] for d in DIMENSIONS} for i, row in enumerate(rule_rows)])
    m = ImpactModel(use_char=True, use_rules=True, combine_weight={"directness": 0.5}).fit(records, y)
    m.save(tmp_path)
    scorer = ImpactScorer.load(tmp_path)
    assert scorer.refine_rows(records, rule_rows) == m.refine_rows(records, rule_rows)
    Xf = m._transform(records)
    for a, b in zip(scorer.estimators_, m.estimators_):
        assert a.predict_proba(Xf).tobytes() == b.predict_proba(Xf).tobytes()


def test_tagging_imports_neither_sklearn_nor_pandas():
    """``impactlib tag`` starts ~1 s sooner without them; the shipped model is still used."""
    code = ("import sys\n"
            "from impactlib.nlp.runner import EngineFactory\n"
            "engine = EngineFactory(None, 'default')()\n"
            "row = engine.tag([{'story_id': 's', 'text': 'Ik ben niet meer eenzaam.'}], segments=False)[0][0]\n"
            "assert 'model:' in row['evidence'], row\n"
            "print(sorted(m for m in ('sklearn', 'pandas') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _combine_reference(rule_row, proba_row, weight, floor):
    """combine() as first written (the general max over values), to check the fast two-value path."""
    out = {}
    for d, probs in proba_row.items():
        values = list(probs)
        v = rule_row.get(d) or ""
        c = rule_row.get(f"{d}_confidence")
        c = None if c is None or c == "" else float(c)
        if c is not None and c < floor:
            c = None
        if v in probs and c is not None and weight > 0:
            rest = (1.0 - c) / max(1, len(values) - 1)
            mixed = {k: weight * (c if k == v else rest) + (1.0 - weight) * probs[k] for k in values}
        else:
            mixed = dict(probs)
        best = max(values, key=lambda k: (mixed[k], k == v))
        out[d] = best
        out[f"{d}_confidence"] = round(float(mixed[best]), 6)
    return out


def test_combine_two_value_path_equals_the_general_rule():
    import random

    from impactlib.nlp.scoring import combine

    rng = random.Random(11)
    grid = [0.0, 0.25, 0.5, 0.75, 1.0]
    for _ in range(3000):
        p = rng.choice(grid + [rng.random()])
        proba = {"valence": {"negative": 1.0 - p, "positive": p}}
        if rng.random() < 0.3:
            proba["valence"] = dict(reversed(list(proba["valence"].items())))
        rule = {"valence": rng.choice(["", "positive", "negative"]),
                "valence_confidence": rng.choice([None, "", 0.5, 0.8, 1.0, rng.random(), "0.7"])}
        w, floor = rng.choice(grid), rng.choice([0.0, 0.6, 0.8])
        assert combine(rule, proba, weight=w, override_below=floor) == _combine_reference(rule, proba, w, floor)

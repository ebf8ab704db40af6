"""Tests for impactlib.nlp.model: the learnable layer (sklearn contract, JSON persistence, combine)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_val_predict, cross_val_score
from sklearn.utils.validation import check_is_fitted
from sklearn.exceptions import NotFittedError

from impactlib.errors import ModelError
from impactlib.nlp.scoring import ImpactScorer
from impactlib.nlp.model import (
    DEFAULT_MODEL_DIR,
    DIMENSIONS,
    LABELS,
    MODEL_FILE,
    ImpactModel,
    active_learning_order,
    combine,
    is_model_dir,
    kappa_scorer,
    load_model,
    margins,
    story_level_codes,
)

GOAL = "Ontmoeting tussen buurtbewoners bevorderen en eenzaamheid onder (oudere) bewoners verminderen."
SCHOOL = "Schoolprestaties van kinderen verbeteren en schooluitval voorkomen."

# (text, goal, role, valence, intentionality, directness)
_STORIES = [
    ("Ik voel me niet meer eenzaam sinds ik naar de buurtkamer ga.", GOAL, "deelnemer", "positive", "intended", "direct"),
    ("Ik heb nieuwe vrienden gemaakt en ben minder alleen.", GOAL, "deelnemer", "positive", "intended", "direct"),
    ("Ik ben nog steeds heel eenzaam, er is geen verbetering.", GOAL, "deelnemer", "negative", "intended", "direct"),
    ("Ik kom er niet meer, ik voelde me er alleen en eenzaam.", GOAL, "deelnemer", "negative", "intended", "direct"),
    ("Mijn buurvrouw heeft nu meer rust doordat haar moeder daar koffie drinkt.", GOAL, "buurtbewoner",
     "positive", "unintended", "indirect"),
    ("De vrijwilligers zijn overbelast geraakt en twee zijn gestopt.", GOAL, "vrijwilliger",
     "negative", "unintended", "indirect"),
    ("Zijn cijfers zijn omhoog gegaan en hij haalt voldoendes.", SCHOOL, "ouder", "positive", "intended", "direct"),
    ("Haar rapport is slechter en ze heeft geen motivatie meer voor school.", SCHOOL, "docent",
     "negative", "intended", "direct"),
    ("Zijn broertje doet nu ook mee, waardoor het thuis rustiger is.", SCHOOL, "ouder",
     "positive", "unintended", "indirect"),
    ("De juf klaagt dat de klas onrustig is geworden door de extra groep.", SCHOOL, "docent",
     "negative", "unintended", "indirect"),
    ("Ik durf weer contact te maken met mensen in de wijk.", GOAL, "deelnemer", "positive", "intended", "direct"),
    ("Onverwacht is de straat schoner geworden, de buren helpen elkaar.", GOAL, "buurtbewoner",
     "positive", "unintended", "indirect"),
]


def _data(n_repeat: int = 2):
    rows = []
    for k in range(n_repeat):
        for i, (text, goal, role, v, it, d) in enumerate(_STORIES):
            suffix = "" if k == 0 else f" Dat zei ik al in gesprek {k}."
            rows.append({"story_id": f"S{k}{i:02d}", "text": text + suffix, "activity_goal": goal,
                         "storyteller_role": role, "valence": v, "intentionality": it, "directness": d})
    df = pd.DataFrame(rows)
    return df[["story_id", "text", "activity_goal", "storyteller_role"]], df[list(DIMENSIONS)]


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return ImpactModel(use_rules=False).fit(X, y)


def test_fit_predict_small_set(fitted, data):
    X, y = data
    pred = fitted.predict(X)
    assert pred.shape == (len(X), 3)
    for j, d in enumerate(DIMENSIONS):
        assert set(pred[:, j]) <= set(LABELS[d])
        # a linear model with these features separates its own training data well
        assert (pred[:, j] == y[d].to_numpy()).mean() >= 0.9
    probas = fitted.predict_proba(X)
    assert len(probas) == 3
    for p in probas:
        assert p.shape == (len(X), 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert fitted.dimensions_ == list(DIMENSIONS)
    assert fitted.training_["n_samples"] == len(X)
    assert len(fitted.training_["fingerprint"]) == 64
    check_is_fitted(fitted)


def test_fit_returns_self_and_accepts_records_and_series(data):
    X, y = data
    m = ImpactModel(use_rules=False, use_char=False)
    assert m.fit(X.to_dict("records"), y) is m
    a = m.predict_proba(X)
    b = m.predict_proba(pd.Series(X.to_dict("records")))
    for pa, pb in zip(a, b):
        np.testing.assert_allclose(pa, pb)


def test_unfitted_model_raises():
    with pytest.raises(NotFittedError):
        ImpactModel().predict([{"text": "Ik ben blij."}])


def test_negation_marks_words(fitted):
    from impactlib.nlp.model import _lemma_string, _resources, _tokens

    s = _lemma_string(_tokens("Ik ben niet meer eenzaam, maar wel moe."), _resources()["negators"])
    assert "neg_eenzaam" in s.split()
    assert "moe" in s.split()


def test_get_set_params_and_clone(fitted):
    params = fitted.get_params()
    assert params["use_rules"] is False and "C" in params
    c = clone(fitted)
    assert c.get_params() == params
    assert not hasattr(c, "estimators_")
    c.set_params(C=0.5)
    assert c.C == 0.5 and fitted.C != 0.5


def test_cross_val_score_and_predict(data):
    X, y = data
    cv = KFold(3, shuffle=True, random_state=0)
    m = ImpactModel(use_rules=False, use_char=False)
    scores = cross_val_score(m, X, y, cv=cv)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    per_dim = cross_val_score(m, X, y, cv=cv, scoring=kappa_scorer("directness"))
    assert per_dim.shape == (3,) and np.all((per_dim >= -1) & (per_dim <= 1))
    pred = cross_val_predict(m, X, y, cv=cv)
    assert pred.shape == (len(X), 3)
    probas = cross_val_predict(m, X, y, cv=cv, method="predict_proba")
    assert len(probas) == 3 and probas[0].shape == (len(X), 2)


def test_rules_as_stacking_features(data):
    X, y = data
    m = ImpactModel(use_char=False).fit(X, y)  # runs the rule engine for its features
    assert any(n.startswith("r:rules_") for n in m.feature_names_)
    # rule values given as columns are used without re-running the engine
    Xr = X.copy()
    for d in DIMENSIONS:
        Xr[f"rules_{d}"] = y[d]
        Xr[f"rules_{d}_confidence"] = 0.9
    p = m.predict(Xr)
    assert p.shape == (len(X), 3)


def test_dimension_features_restrict_each_classifier(data, tmp_path):
    X, y = data
    m = ImpactModel(use_rules=False, use_char=False, dimension_features=True).fit(X, y)
    names = m.feature_names_
    for d, clf in zip(m.dimensions_, m.estimators_):
        used = {names[i] for i in np.nonzero(clf.coef_[0])[0] if names[i].startswith("x:")}
        other = {"valence": "x:dir_", "intentionality": "x:val_", "directness": "x:int_"}[d]
        assert used and not any(n.startswith(other) for n in used)
    m.save(tmp_path)
    for a, b in zip(m.predict_proba(X), ImpactModel.load(tmp_path).predict_proba(X)):
        np.testing.assert_array_equal(a, b)


def test_fit_is_reproducible(data):
    X, y = data
    a = ImpactModel(use_rules=False).fit(X, y).to_dict()
    b = ImpactModel(use_rules=False).fit(X, y).to_dict()
    assert a == b


def test_no_features_is_an_error(data):
    X, y = data
    with pytest.raises(ModelError, match="no features"):
        ImpactModel(use_words=False, use_char=False, use_context=False, use_rules=False).fit(X, y)


def test_missing_codes_are_left_out(data):
    X, y = data
    y2 = y.copy()
    y2.loc[0, "valence"] = ""
    y2.loc[1, "directness"] = None
    m = ImpactModel(use_rules=False, use_char=False).fit(X, y2)
    assert m.training_["n_per_dimension"]["valence"] == len(X) - 1
    assert m.training_["n_per_dimension"]["directness"] == len(X) - 1


def test_bad_training_data():
    X = [{"text": "Ik ben blij."}, {"text": "Ik ben verdrietig."}]
    y = pd.DataFrame({"valence": ["positive", "positive"], "intentionality": ["intended", "unintended"],
                      "directness": ["direct", "indirect"]})
    with pytest.raises(ModelError, match="'valence' has 1 distinct value"):
        ImpactModel(use_rules=False).fit(X, y)
    with pytest.raises(ModelError, match="X has 2 stories but y has 1 rows"):
        ImpactModel(use_rules=False).fit(X, y.iloc[:1])
    with pytest.raises(ModelError, match="no 'text' column"):
        ImpactModel(use_rules=False).fit(pd.DataFrame({"verhaal": ["a", "b"]}), y)


def test_save_load_round_trip_identical(fitted, data, tmp_path):
    X, _ = data
    path = fitted.save(tmp_path / "m", metadata={"note": "test"})
    assert path.name == MODEL_FILE
    assert is_model_dir(tmp_path / "m")
    loaded = ImpactModel.load(tmp_path / "m")
    for a, b in zip(fitted.predict_proba(X), loaded.predict_proba(X)):
        np.testing.assert_array_equal(a, b)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.metadata_["note"] == "test"
    assert loaded.metadata_["fingerprint"] == fitted.training_["fingerprint"]
    assert "sklearn_version" in loaded.metadata_
    # JSON only: no pickle/joblib files, and the file is plain JSON
    files = list((tmp_path / "m").iterdir())
    assert [f.name for f in files] == [MODEL_FILE]
    assert not any(f.suffix in {".pkl", ".pickle", ".joblib", ".npy", ".npz"} for f in files)
    data_ = json.loads(path.read_text(encoding="utf-8"))
    assert data_["format_version"] == 1 and "coef" in data_["classifiers"]["valence"]


def test_round_trip_with_char_and_rules(data, tmp_path):
    X, y = data
    m = ImpactModel(use_char=True, use_rules=True, combine_weight=0.5).fit(X, y)
    m.save(tmp_path)
    loaded = load_model(tmp_path)
    for a, b in zip(m.predict_proba(X), loaded.predict_proba(X)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("loader", [ImpactModel, ImpactScorer], ids=["estimator", "scorer"])
def test_bad_model_dirs(fitted, tmp_path, loader):
    """The estimator and the prediction-only scorer refuse the same damaged files."""
    with pytest.raises(ModelError, match="does not exist"):
        loader.load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="impactlib_model.json: not found"):
        loader.load(tmp_path / "empty")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(ModelError, match="is a file, not a model folder"):
        loader.load(f)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / MODEL_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid JSON"):
        loader.load(bad)
    # a changed coefficient is caught by the checksum
    good = tmp_path / "good"
    fitted.save(good)
    text = (good / MODEL_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    data["classifiers"]["valence"]["intercept"][0] += 1.0
    (good / MODEL_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match="checksum mismatch"):
        loader.load(good)
    # a newer format version is refused with a clear message (checksum recomputed)
    data = fitted.to_dict()
    data["format_version"] = 99
    with pytest.raises(ModelError, match="format version 99 is not supported"):
        loader.from_dict(data, source="x")
    data = fitted.to_dict()
    data["classifiers"]["valence"]["coef"] = [[0.0, 1.0]]
    with pytest.raises(ModelError, match="expected \\(1, "):
        loader.from_dict(data, source="x")
    data = fitted.to_dict()
    del data["word_vectorizer"]
    with pytest.raises(ModelError, match="incomplete or damaged"):
        loader.from_dict(data, source="x")


def test_combine():
    proba = {"valence": {"negative": 0.3, "positive": 0.7},
             "directness": {"direct": 0.45, "indirect": 0.55}}
    rule = {"valence": "negative", "valence_confidence": 0.9, "directness": "", "directness_confidence": None}
    out = combine(rule, proba, weight=0.5)
    assert out["valence"] == "negative" and out["valence_confidence"] == pytest.approx(0.6)
    assert out["directness"] == "indirect" and out["directness_confidence"] == pytest.approx(0.55)
    out0 = combine(rule, proba, weight=0.0)
    assert out0["valence"] == "positive"
    out1 = combine(rule, proba, weight=1.0)
    assert out1["valence"] == "negative" and out1["valence_confidence"] == pytest.approx(0.9)
    with pytest.raises(ModelError, match="outside"):
        combine(rule, proba, weight=1.5)
    # the model overrides rule values below the floor
    low = {"valence": "negative", "valence_confidence": 0.6}
    assert combine(low, proba, weight=1.0)["valence"] == "negative"
    assert combine(low, proba, weight=1.0, override_below=0.7)["valence"] == "positive"
    assert combine(low, proba, weight=1.0, override_below={"valence": 0.5})["valence"] == "negative"
    # one weight per dimension: rules decide valence, the model directness
    per_dim = combine(rule, proba, weight={"valence": 1.0})
    assert per_dim["valence"] == "negative" and per_dim["directness"] == "indirect"


def test_active_learning_order(fitted, data):
    X, _ = data
    m = margins(fitted, X)
    order = active_learning_order(fitted, X)
    assert sorted(order.tolist()) == list(range(len(X)))
    assert np.all(np.diff(m[order]) >= 0)  # least certain first
    assert m[order[0]] == m.min()


def test_story_level_codes():
    codes = pd.DataFrame({
        "story_id": ["S1", "S1", "S1", "S1", "S2"],
        "start": [None, None, 0, None, None],
        "end": [None, None, 5, None, None],
        "dimension": ["valence", "directness", "valence", "valence", "valence"],
        "value": ["positive", "direct", "negative", "negative", "positive"],
        "coder": ["a", "a", "a", "b", "a"],
        "status": ["accepted"] * 5,
    })
    wide = story_level_codes(codes, "a")
    assert wide.loc["S1", "valence"] == "positive" and wide.loc["S1", "directness"] == "direct"
    assert wide.loc["S2", "intentionality"] == ""
    with pytest.raises(ModelError, match="no story-level codes for coder 'z'"):
        story_level_codes(codes, "z")


def test_refine_rows_keeps_empty_and_combines(fitted):
    records = [{"story_id": "A", "text": "Ik voel me niet meer eenzaam.", "activity_goal": GOAL},
               {"story_id": "B", "text": "   "}]
    rows = [{"story_id": "A", "valence": "positive", "intentionality": "intended", "directness": "direct",
             "valence_confidence": 0.8, "intentionality_confidence": 0.7, "directness_confidence": 0.9,
             "evidence": "regel"},
            {"story_id": "B", "valence": "", "intentionality": "", "directness": "",
             "valence_confidence": None, "intentionality_confidence": None, "directness_confidence": None,
             "evidence": "lege tekst: niet getagd"}]
    records.append({"story_id": "C", "text": "Hello world, this is English."})
    rows.append({"story_id": "C", "valence": "", "intentionality": "", "directness": "",
                 "valence_confidence": None, "intentionality_confidence": None, "directness_confidence": None,
                 "evidence": "geen effect gevonden"})
    out = fitted.refine_rows(records, rows)
    assert out[1] == rows[1]
    assert out[2] == rows[2]  # no effect found by the rules: the model does not invent one
    assert out[0]["evidence"].startswith("regel; model: ")
    for d in DIMENSIONS:
        assert out[0][d] in LABELS[d]
        assert 0.5 <= out[0][f"{d}_confidence"] <= 1.0
    assert rows[0]["evidence"] == "regel"  # input not modified


def test_shipped_default_model_loads_and_predicts():
    assert is_model_dir(DEFAULT_MODEL_DIR)
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in DEFAULT_MODEL_DIR.iterdir())
    m = load_model()
    assert m.metadata_["coder"] == "coder_a"
    # trained on the sample and the training sets, never on the test set data/eval/b
    import pandas as pd

    from impactlib.workflow import text_digest

    test_set = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "eval" / "b" / "stories.csv", dtype=str)
    assert not set(m.metadata_["story_ids"]) & set(test_set["story_id"])
    assert not {text_digest(t) for t in test_set["text"]} & set(m.metadata_["training_text_sha1"])
    assert {"S001", "S002"} <= set(m.metadata_["story_ids"])
    recs = [{"text": "Sinds de huiswerkklas haalt mijn zoon voldoendes en gaat hij weer graag naar school.",
             "activity_goal": SCHOOL, "storyteller_role": "ouder"},
            {"text": "Door de buurtkamer is mijn moeder minder eenzaam, en ik heb daardoor meer rust.",
             "activity_goal": GOAL, "storyteller_role": "mantelzorger"}]
    pred = m.predict_frame(recs)
    for d in DIMENSIONS:
        assert set(pred[d]) <= set(LABELS[d])
        assert pred[f"{d}_confidence"].between(0.5, 1.0).all()


def test_refine_rows_depend_only_on_each_story():
    """The shipped model gives each story the same probabilities and rows whatever else is
    in the batch (features and predictions are per story: fixed idf, per-row L2 norm,
    stored standardisation), so ``impactlib tag --jobs/--chunk-size`` cannot change rows."""
    import csv
    from pathlib import Path

    from impactlib.nlp.engine import ImpactEngine

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "stories.csv"
    with open(sample, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:60]
    keys = ("story_id", "text", "activity", "activity_goal", "why_significant", "storyteller_role")
    records = [{k: r.get(k) for k in keys} for r in rows]
    story_rows, _ = ImpactEngine().tag(records)
    m = load_model()
    whole = m.refine_rows(records, story_rows)
    one_by_one = [m.refine_rows([rec], [row])[0] for rec, row in zip(records, story_rows)]
    assert one_by_one == whole
    rev = m.refine_rows(records[::-1], story_rows[::-1])[::-1]
    assert rev == whole
    p_all = m.predict_proba(records)
    for a, b in ((0, 7), (7, 31), (31, 60)):
        for j, p in enumerate(m.predict_proba(records[a:b])):
            assert np.array_equal(p, p_all[j][a:b])  # bit-identical, not approximately
    # the engine with the model: any engine batch size gives the same story rows
    big = ImpactEngine(model="default").tag(records)[0]
    small = ImpactEngine(model="default", batch_size=3).tag(records)[0]
    assert big == small
    assert sum("model: " in r["evidence"] for r in big) >= 40


def test_heldout_story_ids_leaves_out_what_the_model_was_trained_on():
    import pandas as pd

    from impactlib.workflow import heldout_story_ids

    root = Path(__file__).resolve().parents[1] / "data"
    seen = pd.read_csv(root / "train" / "c" / "stories.csv", dtype=str).head(3)
    unseen = pd.read_csv(root / "eval" / "b" / "stories.csv", dtype=str).head(2)

    class Project:
        synthetic = False
        stories = pd.concat([seen, unseen], ignore_index=True)

    assert heldout_story_ids(Project()) == list(unseen["story_id"])
    assert heldout_story_ids(Project(), model=None) == list(Project.stories["story_id"])
    Project.synthetic = True  # the sample project: the rules were developed on all of it
    assert heldout_story_ids(Project()) == []


# ---------------------------------------------------------------------------
# the prediction fast path equals the reference feature code, bit for bit
# ---------------------------------------------------------------------------
_TRICKY = [
    # negation running from the text into why_significant; sigma, non-breaking and other spaces
    {"text": "Ik ben niet", "why_significant": "eenzaam meer want blij", "activity_goal": GOAL},
    {"text": "ΟΔΟΣ niet blij  \t\u00a0 x\u2003y", "why_significant": "Σ", "activity_goal": ""},
    {"text": "...!!", "why_significant": "", "storyteller_role": " Ouder "},
    {"text": "_a __ 12 'x it’s d'r (buren) vrijwilligers; school", "why_significant": "?", "activity_goal": SCHOOL},
    {"text": "İstanbul ﬁne straße", "why_significant": None, "storyteller_role": "deelnemer"},
    {"text": "niet", "why_significant": "niet niet goed slecht weinig blij"},
    {"text": "Mijn buurvrouw heeft minder zorgen, doordat haar zoon nu naar school gaat. Niet slecht!",
     "why_significant": "De vrijwilligers waren ook blij.", "activity_goal": GOAL, "storyteller_role": "vrijwilliger"},
]


def _assert_same_matrix(a, b):
    a, b = a.tocsr(), b.tocsr()
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # exact, not approximately


@pytest.mark.parametrize("params", [
    dict(use_rules=False),
    dict(use_rules=False, use_char=False, dimension_features=True),
    dict(use_rules=False, use_context=False, word_ngram_range=(1, 3), char_ngram_range=(2, 4), char_min_df=1),
    dict(use_rules=False, use_words=False, use_context=False, char_max_features=50),
    dict(use_rules=False, use_char=False, word_ngram_range=(2, 2)),
])
def test_fast_features_equal_reference(data, params):
    from impactlib.nlp.model import _as_frame

    X, y = data
    m = ImpactModel(**params).fit(X, y)
    for records in (X, pd.DataFrame(_TRICKY)):
        frame = _as_frame(records)
        _assert_same_matrix(m._features(frame, fit=False), m._features(frame, fit=False, reference=True))


def test_fast_features_equal_reference_default_model():
    from impactlib.nlp.model import _as_frame

    m = load_model()
    frame = _as_frame(pd.DataFrame(_TRICKY).assign(
        rules_valence=["positive", "", "negative", "positive", "", "negative", "positive"],
        rules_valence_confidence=[0.8, None, 0.7, float("nan"), None, 0.6, 0.9],
        rules_intentionality="intended", rules_intentionality_confidence=0.65,
        rules_directness=["direct", "indirect", "", "direct", "direct", "", "indirect"],
        rules_directness_confidence=[0.9, 0.6, None, "0.7", "", None, 0.55]))
    _assert_same_matrix(m._features(frame, fit=False), m._features(frame, fit=False, reference=True))
    # the string path for word n-grams (used when a lemma holds whitespace) gives the same matrix
    args = ([str(t) for t in frame["text"]], list(frame["why_significant"]), list(frame["activity_goal"]),
            list(frame["storyteller_role"]))
    from impactlib.nlp.model import _rule_values

    rules = _rule_values(frame)
    _assert_same_matrix(m._fast_matrix(*args, rules), m._fast_matrix(*args, rules, _strings=True))


def test_refine_rows_uses_engine_rows_without_rerunning_rules(monkeypatch):
    from impactlib.nlp import model as mm

    m = load_model()
    records = [dict(r, story_id=f"T{i}") for i, r in enumerate(_TRICKY)]
    rows = [{"story_id": r["story_id"], "valence": "positive", "intentionality": "intended", "directness": "",
             "valence_confidence": 0.8, "intentionality_confidence": 0.6, "directness_confidence": None,
             "evidence": "regels"} for r in records]
    # the reference: proba_rows of a DataFrame carrying the rule values as columns
    frame = pd.DataFrame(records)
    for d in DIMENSIONS:
        frame[f"rules_{d}"] = [r[d] for r in rows]
        frame[f"rules_{d}_confidence"] = [r[f"{d}_confidence"] for r in rows]
    expected = m.proba_rows(frame)

    def boom(*a, **k):
        raise AssertionError("refine_rows must not re-run the rule engine")

    monkeypatch.setattr(mm, "_rule_engine", boom)
    out = m.refine_rows(records, rows)
    for row, proba, rule in zip(out, expected, rows):
        combined = combine(rule, proba, weight=m.combine_weight, override_below=m.combine_override_below)
        for d in DIMENSIONS:
            assert row[d] == combined[d] and row[f"{d}_confidence"] == combined[f"{d}_confidence"]
        assert row["evidence"].startswith("regels; model: ")


def test_fast_path_caches_are_bounded(monkeypatch, data):
    from impactlib.nlp import model as mm

    X, y = data
    m = ImpactModel(use_rules=False).fit(X, y)
    from impactlib.nlp import scoring

    monkeypatch.setattr(scoring, "FAST_CACHE_MAX", 5)
    before = m.predict_proba(X)
    again = m.predict_proba(X)  # the caches were cleared in between; same numbers
    for a, b in zip(before, again):
        np.testing.assert_array_equal(a, b)
    assert len(scoring._fast_state().forms) == 0  # more than FAST_CACHE_MAX forms: cleared before the next batch


def _train_script():
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "scripts" / "train_default_model.py"
    spec = importlib.util.spec_from_file_location("train_default_model", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_default_model", mod)
    spec.loader.exec_module(mod)
    return mod


def test_training_protocol_bare_copies_and_folds_by_writer(data):
    """The default model's protocol: each training story also without storyteller_role and
    why_significant (a user's file may lack them), folds that hold out whole source sets, and
    every held-out story scored both with and without those columns."""
    from sklearn.model_selection import GroupKFold

    T = _train_script()
    X, y = data
    X = X.assign(why_significant="Omdat het veel verschil maakt.")
    b = T.bare(X)
    assert (b["storyteller_role"] == "").all() and (b["why_significant"] == "").all()
    assert b["text"].equals(X["text"]) and (X["storyteller_role"] != "").all()  # input not changed
    Xa, ya = T.augmented(X, y, True)
    assert len(Xa) == 2 * len(X) and ya.iloc[len(X):].reset_index(drop=True).equals(y)
    assert T.augmented(X, y, False)[0] is X
    groups = np.array(["set1"] * 6 + ["set2"] * 6 + ["set3"] * 6 + ["set4"] * 6)[: len(X)]
    cv = GroupKFold(4)
    for train, test in cv.split(X, groups=groups):
        assert not set(groups[train]) & set(groups[test])
    pred, probas = T.cv_predict(ImpactModel(use_rules=False), X, y, None, None, cv, groups, True)
    assert pred.shape == (2 * len(X), len(DIMENSIONS)) and (pred != None).all()  # noqa: E711
    assert all(p.shape == (2 * len(X), 2) for p in probas)
    assert np.allclose(probas[0].sum(axis=1), 1.0)
    kappas = T.cv_kappas(ImpactModel(use_rules=False), X, y, None, None, cv, groups, True)
    assert len(kappas) == 3 and all(-1.0 <= k <= 1.0 for k in kappas)


@pytest.mark.parametrize("loader", [ImpactModel, ImpactScorer], ids=["estimator", "scorer"])
def test_model_file_layouts_and_checksum(fitted, tmp_path, loader):
    """Saved files lead with their checksum (verified without re-encoding); files in any other
    JSON layout still load when their content is unchanged; a changed byte is refused."""
    path = fitted.save(tmp_path / "new")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{"checksum":"') and "\n" not in text
    loader.load(tmp_path / "new")
    # the same content re-indented (as older impactlib versions wrote it) loads too
    old = tmp_path / "old"
    old.mkdir()
    (old / MODEL_FILE).write_text(json.dumps(json.loads(text), sort_keys=True, indent=0), encoding="utf-8")
    assert loader.load(old).dimensions_ == list(DIMENSIONS)
    # one changed digit in a coefficient
    i = text.index('"coef":[[') + len('"coef":[[')
    j = next(k for k in range(i, len(text)) if text[k].isdigit() and text[k] != "9")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / MODEL_FILE).write_text(text[:j] + str(int(text[j]) + 1) + text[j + 1:], encoding="utf-8")
    with pytest.raises(ModelError, match="checksum mismatch"):
        loader.load(bad)

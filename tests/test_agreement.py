"""Tests for impactlib.agreement, verified against published worked examples."""

from __future__ import annotations

from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from impactlib import agreement as ag
from impactlib.errors import CodeConflictWarning, ImpactError, ImpactWarning

FIXTURES = Path(__file__).parent / "fixtures" / "agreement"

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C:
# nominal data, 4 observers x 12 units, missing values; alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Krippendorff (2011) section A: binary data, two observers, 10 units; alpha = 0.095.
KRIPPENDORFF_BINARY = ([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
# Fleiss (1971) as worked on Wikipedia: 10 subjects x 14 raters x 5 categories; kappa = 0.210.
FLEISS_1971 = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def _pairs(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    a, b = [], []
    for (x, y), n in table.items():
        a += [x] * n
        b += [y] * n
    return a, b


def _wide(a: list, b: list, dim: str = "valence") -> pd.DataFrame:
    n = len(a)
    return pd.DataFrame({
        "story_id": [f"S{i:03d}" for i in range(n)] * 2,
        "coder": ["coder_a"] * n + ["coder_b"] * n,
        dim: list(a) + list(b),
    })


# --------------------------------------------------------------------------- published examples

def test_krippendorff_2011_nominal_example_alpha_0743():
    units_by_coders = pd.DataFrame(KRIPPENDORFF_2011).T
    assert ag.krippendorff_alpha(units_by_coders) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_2011_fixture_through_reliability():
    df = pd.read_csv(FIXTURES / "krippendorff_2011_nominal.csv", dtype=str, keep_default_na=False)
    row = ag.reliability(df, dimensions=["category"], n_boot=200).iloc[0]
    assert row["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)
    assert row["units"] == 12 and row["coders"] == 4
    assert row["pairable_units"] == 11  # unit 12 has a single value
    assert np.isnan(row["cohen_kappa"])  # four coders
    assert row["krippendorff_alpha_ci_low"] < 0.743 < row["krippendorff_alpha_ci_high"]


def test_krippendorff_binary_two_observers_alpha_0095():
    a, b = KRIPPENDORFF_BINARY
    assert ag.krippendorff_alpha(pd.DataFrame({"a": a, "b": b})) == pytest.approx(0.095, abs=5e-4)


def test_fleiss_1971_wikipedia_counts_kappa_0210():
    assert ag.fleiss_kappa(FLEISS_1971, counts=True) == pytest.approx(0.210, abs=5e-4)
    # Wikipedia's intermediate figure: P-bar = 0.378
    assert ag.percent_agreement(FLEISS_1971, counts=True) == pytest.approx(0.378, abs=5e-4)


def test_fleiss_1971_fixture_long_table():
    df = pd.read_csv(FIXTURES / "fleiss_1971_wikipedia.csv", sep=";", dtype=str)
    row = ag.reliability(df, unit="subject", coder="rater", dimensions=["category"], n_boot=100).iloc[0]
    assert row["fleiss_kappa"] == pytest.approx(0.210, abs=5e-4)
    assert (row["units"], row["coders"], row["pairable_units"]) == (10, 14, 10)


@pytest.mark.parametrize(
    "table, kappa",
    [
        # Wikipedia, Cohen's kappa: 50 grant proposals, p_o = 0.7, p_e = 0.5, kappa = 0.4
        ({("Yes", "Yes"): 20, ("Yes", "No"): 5, ("No", "Yes"): 10, ("No", "No"): 15}, 0.4),
        # Wikipedia's "same agreement, different kappa" examples
        ({("Yes", "Yes"): 45, ("Yes", "No"): 15, ("No", "Yes"): 25, ("No", "No"): 15}, 0.1304),
        ({("Yes", "Yes"): 25, ("Yes", "No"): 35, ("No", "Yes"): 5, ("No", "No"): 35}, 0.2593),
    ],
)
def test_cohen_kappa_wikipedia_examples(table, kappa):
    a, b = _pairs(table)
    assert ag.cohen_kappa(a, b) == pytest.approx(kappa, abs=5e-4)
    row = ag.reliability(_wide(a, b, "decision"), dimensions=["decision"], n_boot=0).iloc[0]
    assert row["cohen_kappa"] == pytest.approx(kappa, abs=5e-4)


def test_cohen_fixture_and_confusion_matrix():
    df = pd.read_csv(FIXTURES / "cohen_wikipedia_50.csv", dtype=str, keep_default_na=False)
    row = ag.reliability(df, dimensions=["decision"], n_boot=300).iloc[0]
    assert row["percent_agreement"] == pytest.approx(0.70)
    assert row["cohen_kappa"] == pytest.approx(0.40)
    cm = ag.confusion_matrix(df, "decision", "A", "B")
    assert cm.index.name == "A" and cm.columns.name == "B"
    assert cm.loc["Yes", "Yes"] == 20 and cm.loc["Yes", "No"] == 5
    assert cm.loc["No", "Yes"] == 10 and cm.loc["No", "No"] == 15


# --------------------------------------------------------------------------- vectorised core = packages

def test_vectorised_point_estimates_match_sklearn_and_krippendorff():
    rng = np.random.default_rng(3)
    a = rng.choice(["x", "y", "z"], size=300, p=[0.5, 0.3, 0.2])
    b = np.where(rng.random(300) < 0.7, a, rng.choice(["x", "y", "z"], size=300))
    mat = np.stack([pd.factorize(np.r_[a, b], sort=True)[0][:300], pd.factorize(np.r_[a, b], sort=True)[0][300:]], 1)
    p = ag._patterns(mat.astype(np.int32), 3)
    est = ag._stats_from_weights(p, p.freq[None, :])
    assert est["cohen_kappa"][0] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert est["krippendorff_alpha"][0] == pytest.approx(
        krippendorff.alpha(reliability_data=mat.T, level_of_measurement="nominal"), abs=1e-12)


def test_bootstrap_weights_equal_statistics_of_an_explicit_resample():
    rng = np.random.default_rng(5)
    data = rng.integers(-1, 3, size=(60, 3)).astype(np.int32)  # 3 coders, missing values
    data[:, 0] = np.where(data[:, 0] < 0, 1, data[:, 0])  # at least one rating per unit
    p = ag._patterns(data, 3)
    pairable = data[(data >= 0).sum(1) >= 2]
    pick = rng.integers(0, len(pairable), len(pairable))
    resample = pairable[pick]
    # weights of the same resample over the distinct patterns
    counts = np.zeros((len(resample), 3))
    for i, row in enumerate(resample):
        for v in row[row >= 0]:
            counts[i, v] += 1
    w = np.array([[np.all(counts == pc, axis=1).sum() for pc in p.counts]])
    got = ag._stats_from_weights(p, w)
    expected = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    assert got["krippendorff_alpha"][0] == pytest.approx(expected, abs=1e-12)
    assert got["fleiss_kappa"][0] == pytest.approx(ag.fleiss_kappa(counts, counts=True), abs=1e-12)


# --------------------------------------------------------------------------- rules and edge cases

def test_fleiss_unequal_number_of_ratings_follows_documented_rule():
    # unit 1: 3 ratings (a, a, b); unit 2: 2 ratings (b, b); unit 3: 1 rating (left out)
    data = [["a", "a", "b"], ["b", "b", None], ["a", None, None]]
    p_units = [(2 * 1) / (3 * 2), (2 * 1) / (2 * 1)]
    pbar = np.mean(p_units)
    pa, pb = 2 / 5, 3 / 5
    pe = pa**2 + pb**2
    assert ag.fleiss_kappa(data) == pytest.approx((pbar - pe) / (1 - pe))
    assert ag.percent_agreement(data) == pytest.approx(pbar)


def test_perfect_agreement():
    a = ["positive", "negative", "positive", "negative", "positive"]
    row = ag.reliability(_wide(a, a), dimensions=["valence"], n_boot=200).iloc[0]
    for stat in ag.STATISTICS:
        assert row[stat] == pytest.approx(1.0)
    assert row["cohen_kappa_ci_low"] == pytest.approx(1.0)
    assert row["krippendorff_alpha_ci_high"] == pytest.approx(1.0)
    assert row["note"] == ""


def test_all_one_category_gives_nan_with_a_reason():
    a = ["positive"] * 6
    row = ag.reliability(_wide(a, a), dimensions=["valence"], n_boot=100).iloc[0]
    assert row["percent_agreement"] == 1.0
    for stat in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        assert np.isnan(row[stat])
        assert np.isnan(row[f"{stat}_ci_low"]) and np.isnan(row[f"{stat}_ci_high"])
    assert "undefined" in row["note"] and "'positive'" in row["note"]
    assert np.isnan(ag.cohen_kappa(a, a))
    assert np.isnan(ag.krippendorff_alpha(pd.DataFrame({"x": a, "y": a})))
    assert np.isnan(ag.fleiss_kappa(pd.DataFrame({"x": a, "y": a})))


def test_missing_values_nan_none_and_empty_are_missing():
    df = pd.DataFrame({
        "story_id": ["S1", "S1", "S2", "S2", "S3", "S3", "S4", "S4", "S5"],
        "coder": ["a", "b"] * 4 + ["a"],
        "valence": ["positive", " positive ", "negative", "", "negative", "negative", None, np.nan, "positive"],
    })
    row = ag.reliability(df, dimensions=["valence"], n_boot=0).iloc[0]
    assert row["units"] == 4  # S4 has no code at all
    assert row["pairable_units"] == 2  # S1 and S3 (whitespace stripped)
    assert row["percent_agreement"] == 1.0
    table = ag.ratings_table(df, "valence")
    assert table.loc["S2", "b"] is pd.NA and table.loc["S1", "b"] == "positive"


def test_labels_compared_as_strings_integral_floats_equal_ints():
    a = pd.Series([1.0, 2.0, 1.0, 2.0])
    b = pd.Series(["1", "2", "1", "1"], dtype=object)
    df = pd.DataFrame({"story_id": list(range(4)) * 2, "coder": ["a"] * 4 + ["b"] * 4,
                       "code": pd.concat([a.astype(object), b], ignore_index=True)})
    row = ag.reliability(df, dimensions=["code"], n_boot=0).iloc[0]
    assert row["percent_agreement"] == pytest.approx(0.75)
    assert sorted(ag.confusion_matrix(df, "code", "a", "b").index) == ["1", "2"]


def test_three_coders_cohen_is_nan_but_fleiss_and_alpha_are_given():
    df = pd.DataFrame({"story_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], "coder": ["a", "b", "c"] * 4,
                       "valence": ["positive", "positive", "negative", "negative", "negative", "negative",
                                   "positive", "positive", "positive", "negative", "positive", "negative"]})
    row = ag.reliability(df, dimensions=["valence"], n_boot=50).iloc[0]
    assert np.isnan(row["cohen_kappa"]) and row["coders"] == 3
    assert np.isfinite(row["fleiss_kappa"]) and np.isfinite(row["krippendorff_alpha"])
    two = ag.reliability(df, dimensions=["valence"], coders=["a", "b"], n_boot=0).iloc[0]
    # a vs b: p_o = 3/4, p_e = (2*3 + 2*1)/16 = 1/2 -> kappa = 0.5
    assert two["cohen_kappa"] == pytest.approx(0.5)


def test_result_columns_and_default_dimensions():
    a = ["positive", "negative", "positive", "positive"]
    df = _wide(a, a[::-1])
    df["intentionality"] = ["intended", "unintended"] * 4
    df["directness"] = ["direct"] * 4 + ["indirect"] * 4
    out = ag.reliability(df, n_boot=20)
    assert list(out["dimension"]) == ["valence", "intentionality", "directness"]
    expected = ["dimension", "units", "coders", "pairable_units", *ag.STATISTICS]
    assert list(out.columns[: len(expected)]) == expected
    for stat in ag.STATISTICS:
        assert f"{stat}_ci_low" in out.columns and f"{stat}_ci_high" in out.columns


# --------------------------------------------------------------------------- bootstrap

def _noisy(n: int = 400, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.choice(["positive", "negative"], size=n, p=[0.6, 0.4])
    b = np.where(rng.random(n) < 0.85, a, rng.choice(["positive", "negative"], size=n))
    df = _wide(list(a), list(b))
    df["directness"] = np.where(rng.random(2 * n) < 0.5, "direct", "indirect")
    return df


def test_bootstrap_is_seeded_and_reproducible():
    df = _noisy()
    one = ag.reliability(df, dimensions=["valence"], n_boot=300, seed=7)
    two = ag.reliability(df, dimensions=["valence"], n_boot=300, seed=7)
    other = ag.reliability(df, dimensions=["valence"], n_boot=300, seed=8)
    pd.testing.assert_frame_equal(one, two)
    assert one.loc[0, "cohen_kappa_ci_low"] != other.loc[0, "cohen_kappa_ci_low"]
    # adding a dimension does not change another dimension's interval
    both = ag.reliability(df, dimensions=["directness", "valence"], n_boot=300, seed=7)
    assert both.loc[1, "cohen_kappa_ci_low"] == one.loc[0, "cohen_kappa_ci_low"]


def test_bootstrap_interval_brackets_estimate_and_narrows_with_more_units():
    small = ag.reliability(_noisy(100), dimensions=["valence"], n_boot=500).iloc[0]
    large = ag.reliability(_noisy(1600), dimensions=["valence"], n_boot=500).iloc[0]
    for row in (small, large):
        for stat in ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
            assert row[f"{stat}_ci_low"] <= row[stat] <= row[f"{stat}_ci_high"]
    width = lambda r: r["krippendorff_alpha_ci_high"] - r["krippendorff_alpha_ci_low"]  # noqa: E731
    assert width(large) < width(small) / 2.5  # ~ 1/sqrt(16) = 1/4


def test_bootstrap_matches_naive_unit_resampling():
    df = _noisy(300)
    fast = ag.reliability(df, dimensions=["valence"], n_boot=2000, seed=1).iloc[0]
    table = ag.ratings_table(df, "valence")
    a = (table["coder_a"] == "positive").to_numpy(dtype=int)
    b = (table["coder_b"] == "positive").to_numpy(dtype=int)
    assert cohen_kappa_score(a, b) == pytest.approx(fast["cohen_kappa"])
    rng = np.random.default_rng(99)
    reps = []
    for _ in range(2000):  # naive: draw unit indices, build the 2x2 table, compute kappa
        i = rng.integers(0, len(a), len(a))
        conf = np.bincount(a[i] * 2 + b[i], minlength=4).reshape(2, 2) / len(i)
        po, pe = np.trace(conf), conf.sum(1) @ conf.sum(0)
        reps.append((po - pe) / (1 - pe))
    lo, hi = np.percentile(reps, [2.5, 97.5])
    assert fast["cohen_kappa_ci_low"] == pytest.approx(lo, abs=0.02)
    assert fast["cohen_kappa_ci_high"] == pytest.approx(hi, abs=0.02)


def test_no_bootstrap_and_ci_level():
    df = _noisy(200)
    out = ag.reliability(df, dimensions=["valence"], n_boot=0).iloc[0]
    assert np.isnan(out["cohen_kappa_ci_low"]) and out["n_boot"] == 0
    r90 = ag.reliability(df, dimensions=["valence"], n_boot=400, ci=0.90).iloc[0]
    r99 = ag.reliability(df, dimensions=["valence"], n_boot=400, ci=0.99).iloc[0]
    assert r99["cohen_kappa_ci_low"] < r90["cohen_kappa_ci_low"]
    with pytest.raises(ImpactError, match="between 0 and 1"):
        ag.reliability(df, dimensions=["valence"], ci=95)


# --------------------------------------------------------------------------- codes table

def _codes() -> pd.DataFrame:
    rows = [
        # story level: coder_a accepted then edited S1 (edit is current)
        ("S1", None, None, "valence", "positive", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S1", None, None, "valence", "negative", "coder_a", "human", "edited", "2025-01-02T10:00:00Z"),
        ("S1", None, None, "valence", "negative", "coder_b", "human", "accepted", "2025-01-01T11:00:00Z"),
        ("S2", None, None, "valence", "positive", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S2", None, None, "valence", "positive", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
        # S3: coder_b's suggestion was rejected -> not a code; machine suggestion is not a human code
        ("S3", None, None, "valence", "negative", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S3", None, None, "valence", "positive", "coder_b", "human", "rejected", "2025-01-01T10:00:00Z"),
        ("S3", None, None, "valence", "negative", "impactlib", "model", "suggested", "2025-01-01T09:00:00Z"),
        ("S2", None, None, "valence", "negative", "impactlib", "model", "suggested", "2025-01-01T09:00:00Z"),
        ("S1", None, None, "valence", "negative", "impactlib", "model", "suggested", "2025-01-01T09:00:00Z"),
        # later accepted then rejected by the same coder: the latest decision (rejected) wins
        ("S4", None, None, "valence", "positive", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S4", None, None, "valence", "positive", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S4", None, None, "valence", "positive", "coder_b", "human", "rejected", "2025-01-05T10:00:00Z"),
        # segments
        ("S1", 0, 40, "valence", "positive", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S1", 0, 40, "valence", "positive", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S1", 41, 90, "valence", "negative", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S1", 45, 90, "valence", "negative", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S2", 0, 30, "valence", "positive", "coder_a", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S2", 0, 12, "valence", "negative", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
        ("S2", 12, 30, "valence", "positive", "coder_b", "human", "accepted", "2025-01-01T10:00:00Z"),
    ]
    cols = ["story_id", "start", "end", "dimension", "value", "coder", "source", "status", "created_at"]
    df = pd.DataFrame(rows, columns=cols)
    df["start"] = df["start"].astype("Int64")
    df["end"] = df["end"].astype("Int64")
    return df


def test_current_codes_latest_decision_and_status_filter():
    cur = ag.current_codes(_codes())
    story = cur[cur["start"].isna()]
    got = {(r.story_id, r.coder): r.value for r in story.itertuples()}
    assert got == {("S1", "coder_a"): "negative", ("S1", "coder_b"): "negative",
                   ("S2", "coder_a"): "positive", ("S2", "coder_b"): "positive",
                   ("S3", "coder_a"): "negative", ("S4", "coder_a"): "positive"}
    with_suggestions = ag.current_codes(_codes(), statuses=("accepted", "edited", "suggested"))
    assert (with_suggestions["coder"] == "impactlib").sum() == 3
    assert not (ag.current_codes(_codes(), statuses=None)["status"] == "rejected").any()


def test_codes_table_story_level_uses_current_human_codes():
    out = ag.reliability(_codes(), n_boot=0).iloc[0]
    assert out["dimension"] == "valence"
    assert (out["units"], out["coders"], out["pairable_units"]) == (4, 2, 2)
    assert out["percent_agreement"] == 1.0


def test_codes_table_segment_level_exact_and_overlap():
    exact = ag.ratings_table(_codes(), "valence", level="segment")
    assert list(exact.index) == ["S1:0-40", "S1:41-90", "S1:45-90", "S2:0-12", "S2:0-30", "S2:12-30"]
    row = ag.reliability(_codes(), level="segment", n_boot=0).iloc[0]
    assert row["pairable_units"] == 1  # only S1:0-40 was coded identically by both
    with pytest.warns(ImpactWarning, match="covering most code points") as record:
        over = ag.ratings_table(_codes(), "valence", level="segment", match="overlap")
    assert list(over.index) == ["S1:0-40", "S1:41-90", "S2:0-30"]
    # the warning carries its facts for a Dutch message in the notebooks
    w = next(r.message for r in record if isinstance(r.message, CodeConflictWarning))
    assert w.overlap and w.count == len(w.examples) >= 1
    assert all(d == "valence" and u.startswith("S") and c for d, u, c in w.examples)
    # coder_b's S2 spans: negative 12 code points, positive 18 -> positive
    assert over.loc["S2:0-30", "coder_b"] == "positive"
    with pytest.warns(ImpactWarning):
        row = ag.reliability(_codes(), level="sentence", match="overlap", n_boot=0).iloc[0]
    assert row["pairable_units"] == 3 and row["percent_agreement"] == 1.0


def test_human_machine_compare_to_reference():
    out = ag.compare_to_reference(_codes(), "coder_a", statuses=("accepted", "edited", "suggested"), n_boot=0)
    assert list(out["coder"]) == ["coder_b", "impactlib"]
    machine = out[out["coder"] == "impactlib"].iloc[0]
    assert machine["reference"] == "coder_a"
    assert machine["pairable_units"] == 3  # S1, S2, S3
    assert machine["percent_agreement"] == pytest.approx(2 / 3)
    with pytest.raises(ImpactError, match="reference coder 'nobody' has no codes; coders found: 'coder_a', 'coder_b'"):
        ag.compare_to_reference(_codes(), "nobody")


def test_theme_codes_are_any_nominal_dimension():
    codes = pd.DataFrame({
        "story_id": ["S1", "S1", "S2", "S2", "S3", "S3"],
        "dimension": ["theme"] * 6,
        "value": ["eenzaamheid", "eenzaamheid", "schulden", "opvoeding", "schulden", "schulden"],
        "coder": ["coder_a", "coder_b"] * 3,
    })
    out = ag.reliability(codes, n_boot=0)
    assert list(out["dimension"]) == ["theme"]
    multi = pd.concat([codes, codes.iloc[[0]].assign(value="werk")], ignore_index=True)
    with pytest.warns(ImpactWarning, match="1 story × span × dimension × coder combination.*several different values"):
        ag.reliability(multi, n_boot=0)
    assert out.loc[0, "percent_agreement"] == pytest.approx(2 / 3)


def test_conflicting_duplicate_codes_warn_and_keep_the_last():
    df = pd.DataFrame({"story_id": ["S1", "S1", "S1", "S2", "S2"], "coder": ["a", "a", "b", "a", "b"],
                       "valence": ["positive", "negative", "negative", "positive", "positive"]})
    with pytest.warns(ImpactWarning, match="1 unit × coder × dimension combination"):
        out = ag.reliability(df, dimensions=["valence"], n_boot=0).iloc[0]
    assert out["percent_agreement"] == 1.0


# --------------------------------------------------------------------------- errors

def test_error_missing_unit_or_coder_column():
    df = _noisy(10)
    with pytest.raises(ImpactError, match="no unit column 'verhaal'; columns found: 'story_id', 'coder'"):
        ag.reliability(df, unit="verhaal")
    with pytest.raises(ImpactError, match="no coder column 'rater'"):
        ag.reliability(df, coder="rater")


def test_error_unknown_dimension_lists_columns():
    with pytest.raises(ImpactError, match=r"unknown dimension\(s\) 'thema'; columns found: 'story_id', 'coder', 'valence'"):
        ag.reliability(_noisy(10), dimensions=["thema"])
    with pytest.raises(ImpactError, match="dimensions found in column 'dimension': 'valence'"):
        ag.reliability(_codes(), dimensions=["directness"])


def test_no_default_dimension_compares_other_columns_with_a_warning_or_errors():
    df = pd.DataFrame({"story_id": [1, 1, 2, 2], "coder": ["a", "b"] * 2, "thema": ["x", "y", "x", "x"],
                       "text": ["t"] * 4, "valence_confidence": [0.5] * 4})
    with pytest.warns(ImpactWarning, match="none of the default dimensions.*comparing every other column.*'thema'"):
        out = ag.reliability(df, n_boot=0)
    assert list(out["dimension"]) == ["thema"]
    only_meta = df[["story_id", "coder", "text"]]
    with pytest.raises(ImpactError, match="none of the default dimensions.*columns found: 'story_id', 'coder', 'text'"):
        ag.reliability(only_meta)
    # a wide column named like a meta column can still be asked for explicitly
    assert ag.reliability(df.rename(columns={"thema": "value"}), dimensions=["value"], n_boot=0).loc[0, "units"] == 2


def test_missing_markers():
    df = pd.DataFrame({"story_id": [1, 1, 2, 2, 3, 3], "coder": ["a", "b"] * 3,
                       "valence": ["positive", "NA", ".", "negative", "*", "n/a"]})
    table = ag.ratings_table(df, "valence")
    assert int(table.notna().sum().sum()) == 2  # only 'positive' (unit 1) and 'negative' (unit 2)
    with pytest.raises(ImpactError, match="no pairable units \\(2 unit\\(s\\) coded"):
        ag.reliability(df, n_boot=0)


def test_error_fewer_than_two_coders():
    df = pd.DataFrame({"story_id": [1, 2], "coder": ["a", "a"], "valence": ["positive", "negative"]})
    with pytest.raises(ImpactError, match=r"at least 2 coders in column 'coder'; found 1 \('a'\)"):
        ag.reliability(df)
    with pytest.raises(ImpactError, match="coder\\(s\\) 'zz' have no codes"):
        ag.reliability(_noisy(10), coders=["coder_a", "zz"])


def test_error_no_pairable_units():
    df = pd.DataFrame({"story_id": [1, 2], "coder": ["a", "b"], "valence": ["positive", "negative"]})
    with pytest.raises(ImpactError, match="dimension 'valence' has no pairable units"):
        ag.reliability(df)
    with pytest.raises(ImpactError, match="no pairable units"):
        ag.krippendorff_alpha([["a", None], [None, "b"]])


def test_error_level_and_positions():
    with pytest.raises(ImpactError, match="segment level needs columns 'start' and 'end'"):
        ag.reliability(_noisy(10), level="segment")
    seg_only = _codes().dropna(subset=["start"])
    with pytest.raises(ImpactError, match="no story-level codes"):
        ag.reliability(seg_only)
    bad = _codes().astype({"start": object})
    bad.loc[13, "start"] = "abc"
    with pytest.raises(ImpactError, match="table: row 14: column 'start': 'abc' is not a position"):
        ag.reliability(bad, level="segment")
    with pytest.raises(ImpactError, match="level 'paragraph' is not known"):
        ag.reliability(_noisy(10), level="paragraph")


def test_coder_without_codes_for_a_dimension_takes_no_part():
    df = pd.DataFrame({
        "story_id": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        "coder": ["a", "b", "c"] * 3,
        "valence": ["positive", "positive", None, "negative", "negative", None, "positive", "negative", None],
        "theme": ["x", "x", "x", "y", "y", "y", "x", "y", "x"],
    })
    out = ag.reliability(df, dimensions=["valence", "theme"], n_boot=0).set_index("dimension")
    assert out.loc["valence", "coders"] == 2
    assert np.isfinite(out.loc["valence", "cohen_kappa"])  # two coders coded valence
    assert out.loc["theme", "coders"] == 3 and np.isnan(out.loc["theme", "cohen_kappa"])
    with pytest.raises(ImpactError, match="coder 'c' has no codes for dimension 'valence'"):
        ag.confusion_matrix(df, "valence", "a", "c")


def test_dutch_display_labels_of_impact_dimensions_are_keys_other_labels_exact():
    df = pd.DataFrame({"story_id": [1, 1, 2, 2], "coder": ["a", "b"] * 2,
                       "intentionality": ["bedoeld", "intended", "Onbedoeld", "unintended"],
                       "theme": ["Eenzaamheid", "eenzaamheid", "x", "x"]})
    out = ag.reliability(df, dimensions=["intentionality", "theme"], n_boot=0).set_index("dimension")
    assert out.loc["intentionality", "percent_agreement"] == 1.0
    assert out.loc["theme", "percent_agreement"] == 0.5  # theme labels are compared as written


def test_as_codes_combines_machine_output_with_human_codes():
    tagged = pd.DataFrame({"story_id": ["S1", "S2", "S3"], "start": ["", "", ""], "end": ["", "", ""],
                           "valence": ["negative", "positive", "negative"], "evidence": ["", "", ""]})
    combined = pd.concat([_codes(), ag.as_codes(tagged, coder_name="tagger")], ignore_index=True)
    out = ag.compare_to_reference(combined, "coder_a", coders=["tagger"], n_boot=0).iloc[0]
    # coder_a current story codes: S1 negative (edited), S2 positive, S3 negative, S4 positive
    assert out["pairable_units"] == 3 and out["percent_agreement"] == 1.0
    with pytest.raises(ImpactError, match="no coder column 'coder'"):
        ag.as_codes(tagged)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(ag, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


def test_error_empty_table_half_spans_and_no_current_codes():
    with pytest.raises(ImpactError, match="the table has no rows"):
        ag.reliability(pd.DataFrame(columns=["story_id", "coder", "valence"]))
    half = _codes()
    half.loc[0, "end"] = 12
    with pytest.raises(ImpactError, match="table: row 1: only one of 'start' and 'end' is given"):
        ag.reliability(half)
    only_suggestions = _codes()[_codes()["status"] == "suggested"]
    with pytest.raises(ImpactError, match="none of the 3 row\\(s\\) is a current code .*--include-suggestions"):
        ag.reliability(only_suggestions)

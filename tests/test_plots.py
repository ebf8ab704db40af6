"""impactlib.plots, tested through the data each figure draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from impactlib import analysis as A  # noqa: E402
from impactlib import plots as P  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _legend(ax):
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def test_code_shares_draws_the_shares_with_colour_and_hatch():
    counts = pd.DataFrame({
        "track": ["vakmanschap"] * 2 + ["betekenisgeving"] * 2,
        "dimension": ["valence"] * 4, "value": ["positive", "negative"] * 2,
        "n": [1, 3, 2, 2], "total": [4, 4, 4, 4], "share": [0.25, 0.75, 0.5, 0.5],
    })
    ax = P.plot_code_shares(counts, dimension="valence")
    widths = [round(p.get_width(), 6) for p in ax.patches]
    assert widths == [25.0, 50.0, 75.0, 50.0]  # positive bars of both groups, then negative
    lefts = [round(p.get_x(), 6) for p in ax.patches]
    assert lefts == [0, 0, 25.0, 50.0]
    assert _legend(ax) == ["positief", "negatief"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["vakmanschap (n=4)", "betekenisgeving (n=4)"]
    hatches = {p.get_hatch() or "" for p in ax.patches}
    assert len(hatches) == 2  # readable without colour
    assert ax.patches[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(P.OKABE_ITO[0]))
    assert ax.get_xlabel() == "aandeel (%)" and "spoor" in ax.get_title()


def test_code_shares_combination_legend_in_dutch():
    codes = pd.DataFrame({"story_id": ["S1"] * 3, "start": [None] * 3, "end": [None] * 3,
                          "dimension": ["valence", "intentionality", "directness"],
                          "value": ["negative", "unintended", "indirect"]})
    stories = pd.DataFrame({"story_id": ["S1"], "text": ["x"], "track": ["vakmanschap"]})
    counts = A.code_counts(codes, stories, dimensions=["combination"])
    ax = P.plot_code_shares(counts, dimension="combination")
    labels = _legend(ax)
    assert len(labels) == 8 and "negatief/onbedoeld/indirect" in labels
    assert max(p.get_width() for p in ax.patches) == pytest.approx(100.0)


def test_indicator_trend_lines_gaps_target_and_provisional():
    s = pd.DataFrame({"area": ["WK1"] * 4 + ["WK2"] * 4,
                      "period": ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"] * 2,
                      "period_start": pd.to_datetime(["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"] * 2),
                      "value": [10, np.nan, 8, 7, 3, 4, 5, 6],
                      "status": ["ok", "missing", "ok", "provisional", "ok", "ok", "ok", "ok"],
                      "target": [6.0] * 4 + [np.nan] * 4})
    ax = P.plot_indicator_trend(s, title="test", unit="meldingen")
    data_lines = [ln for ln in ax.lines if ln.get_label() in ("WK1", "WK2")]
    y1 = data_lines[0].get_ydata()
    assert np.isnan(y1[1]) and list(np.asarray(y1)[[0, 2, 3]]) == [10, 8, 7]
    assert data_lines[0].get_linestyle() != data_lines[1].get_linestyle()
    assert data_lines[0].get_marker() != data_lines[1].get_marker()
    targets = [ln for ln in ax.lines if list(ln.get_ydata()) == [6.0, 6.0]]
    assert len(targets) == 1  # only WK1 has a target
    hollow = [ln for ln in ax.lines if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and list(hollow[0].get_ydata()) == [7]
    assert ax.get_ylabel() == "meldingen"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]


def test_stories_vs_indicators_markers_by_verdict():
    t = pd.DataFrame({
        "activity": ["B", "B", "S"], "theme": ["eenzaamheid", "eenzaamheid", "stigma"],
        "indicator": ["ervaren eenzaamheid", "bezoekers", None], "area": ["WK1", "WK1", None],
        "trend": ["down", "flat", None], "toward_target": [True, None, None], "n_effects": [4, 4, 2],
        "share_positive": [0.75, 0.5, 0.0], "verdict": ["confirm", "expand", "expand"],
    })
    ax = P.plot_stories_vs_indicators(t)
    offsets = {c.get_label(): c.get_offsets() for c in ax.collections}
    assert set(offsets) == {"bevestigen", "verrijken"}
    assert offsets["bevestigen"][0][0] == pytest.approx(75.0)
    assert len(offsets["verrijken"]) == 1  # the theme without an indicator is left out by default
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert labels == ["B: ervaren eenzaamheid (WK1)", "B: bezoekers (WK1)"]
    ax2 = P.plot_stories_vs_indicators(t, with_indicator_only=False)
    assert len(ax2.get_yticklabels()) == 3


def test_theme_counts_diverging():
    t = pd.DataFrame({"activity": ["B", "B"], "theme": ["eenzaamheid", "stigma"], "n": [5, 2],
                      "n_positive": [4, 0], "n_negative": [1, 2], "n_unintended": [0, 2]})
    ax = P.plot_theme_counts(t)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [-2.0, -1.0, 0.0, 4.0]
    assert _legend(ax) == ["positief", "negatief"]


def test_msc_funnel_and_criteria():
    d = pd.DataFrame({"domain": ["A", "A", "A", "B"], "round": [0, 1, 2, 0], "considered": [10, 4, 1, 3],
                      "selected": [pd.NA, 1, 1, pd.NA]}).astype({"selected": "Int64"})
    ax = P.plot_msc_funnel(d)
    assert _legend(ax) == ["verzameld", "ronde 1: besproken", "ronde 1: gekozen", "ronde 2: besproken",
                           "ronde 2: gekozen"]
    assert [p.get_width() for p in ax.patches] == [10, 3, 4, 0, 1, 0, 1, 0, 1, 0]
    c = pd.DataFrame({"round": [1, 1, 2, 2], "criterion": ["bereik", "onverwacht"] * 2, "n": [1, 2, 0, 1],
                      "n_reasons": [4, 4, 1, 1], "share": [0.25, 0.5, 0.0, 1.0]})
    ax = P.plot_msc_criteria(c)
    assert [p.get_width() for p in ax.patches] == [25.0, 50.0, 0.0, 100.0]
    assert _legend(ax) == ["ronde 1 (n=4)", "ronde 2 (n=1)"]


def test_meta_monitoring_shares():
    m = pd.DataFrame({"aspect": ["storyteller_role"] * 4, "group": ["ouder", "professional"] * 2,
                      "stage": ["collected", "collected", "round_1", "round_1"], "n": [1, 3, 1, 0],
                      "share": [0.25, 0.75, 1.0, 0.0]})
    ax = P.plot_meta_monitoring(m)
    assert [p.get_width() for p in ax.patches] == [25.0, 75.0, 100.0, 0.0]
    assert _legend(ax) == ["verzameld", "gekozen in ronde 1"]
    assert ax.get_title().startswith("Wie vertelt")


def test_arena_matrix_counts_and_wrong_pocket_hatch():
    arena = pd.DataFrame({"activity": ["S"] * 4, "effect": ["e1", "e1", "e2", "e2"],
                          "stakeholder": ["gemeente", "corporatie", "gemeente", "gemeente"],
                          "role": ["investor", "beneficiary", "investor", "beneficiary"], "note": ""})
    ax = P.plot_arena_matrix(A.arena_matrix(arena))
    grid = ax.images[0].get_array()
    assert grid.tolist() == [[1.0, 1.0]]  # gemeente -> corporatie, gemeente -> gemeente
    boxed = [p for p in ax.patches if p.get_hatch() == "///"]
    assert len(boxed) == 1 and boxed[0].get_x() == pytest.approx(-0.5)  # the corporatie column
    assert [t.get_text() for t in ax.get_xticklabels()] == ["corporatie", "gemeente"]
    assert "verkeerde zak" in _legend(ax)[0]


def test_owners_bars():
    s = pd.DataFrame({"kind": ["indicator", "indicator", "code"], "owner": ["gemeente", "bewoners", "onderzoekers"],
                      "n_items": [3, 1, 6], "n": [10, 2, 30], "n_with_target": [3, 1, 0]})
    ax = P.plot_owners(s)
    assert [p.get_width() for p in ax.patches] == [1, 3, 0, 0, 0, 6]
    assert _legend(ax) == ["indicatoren", "codes (soorten)"]


@pytest.mark.parametrize("fn", [P.plot_code_shares, P.plot_indicator_trend, P.plot_stories_vs_indicators,
                                P.plot_theme_counts, P.plot_msc_funnel, P.plot_msc_criteria,
                                P.plot_meta_monitoring, P.plot_arena_matrix, P.plot_owners])
def test_empty_input_says_so(fn):
    ax = fn(pd.DataFrame())
    assert "Geen gegevens" in ax.texts[0].get_text()
    ax = fn(None)
    assert not ax.axison


def test_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    out = P.plot_owners(pd.DataFrame({"kind": ["code"], "owner": ["x"], "n_items": [1], "n": [1],
                                      "n_with_target": [0]}), ax=ax)
    assert out is ax


def _crowded_indicators(n_areas=7):
    rows = []
    for a in range(n_areas):
        for q, period in enumerate(["2024K1", "2024K2", "2024K3", "2024K4"]):
            rows.append({"indicator": "meldingen", "area": f"WK99010{a}", "period": period,
                         "value": 10.0 + 0.2 * a + q, "unit": "meldingen", "source": "x", "owner": "gemeente",
                         "status": "ok", "target": 8.0 + a, "activity": "Straatteam" if a == 3 else None})
    return pd.DataFrame(rows)


def test_indicator_trend_highlights_areas_against_grey_and_labels_do_not_collide():
    from impactlib import analysis as A
    ind = _crowded_indicators()
    s = A.indicator_series(ind, "meldingen")
    ax = P.plot_indicator_trend(s, highlight=["WK990103"], unit="meldingen")
    lines = {ln.get_label(): ln for ln in ax.lines if ln.get_label().startswith("WK")}
    assert lines["WK990103"].get_color() != P.GREY
    assert {ln.get_color() for k, ln in lines.items() if k != "WK990103"} == {P.GREY}
    # only the highlighted area's target is drawn
    assert [list(ln.get_ydata()) for ln in ax.lines if len(set(ln.get_ydata())) == 1 and len(ln.get_ydata()) == 2] \
        == [[11.0, 11.0]]
    # every area is labelled directly, and the labels (values 0.2 apart) do not overlap
    texts = [t for t in ax.texts if t.get_text().startswith("WK")]
    assert sorted(t.get_text() for t in texts) == sorted(lines)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("streef")] == ["streefwaarde"]


def test_indicator_panels_one_per_indicator_with_shared_legend():
    ind = pd.concat([_crowded_indicators(), _crowded_indicators(2).assign(indicator="bezoekers")])
    axes = P.plot_indicator_panels(ind, ncols=2)
    assert [ax.get_title(loc="left") for ax in axes.flat] == ["bezoekers", "meldingen"]
    legend = axes.flat[0].figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["gebied van de activiteit", "vergelijkingsgebied",
                                                          "streefwaarde", "voorlopig cijfer"]
    # 'bezoekers' has no activity: all its areas in colour
    assert P.GREY not in {ln.get_color() for ln in axes.flat[0].lines if ln.get_label().startswith("WK")}


def test_spread_keeps_order_and_gap():
    ys = P._spread([1.0, 1.1, 1.2, 5.0], 0.5)
    assert ys == sorted(ys) and all(b - a >= 0.5 - 1e-9 for a, b in zip(ys, ys[1:])) and ys[3] == 5.0

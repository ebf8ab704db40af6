"""impactlib.analysis on small hand-made tables whose answers can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impactlib import analysis as A

DIMS = ("valence", "intentionality", "directness")


def code_rows(story_id, values, coder="coder_a", start=None, end=None, source="human", status="accepted",
              confidence=None, created_at="2025-01-01T10:00:00Z"):
    return [{"story_id": story_id, "start": start, "end": end, "dimension": d, "value": v, "coder": coder,
             "source": source, "status": status, "confidence": confidence, "codebook_version": "1.0.0",
             "created_at": created_at, "memo": ""} for d, v in zip(DIMS, values)]


TEXTS = {
    "S1": "Ik ben niet meer eenzaam. Mijn dochter maakt zich minder zorgen.",
    "S2": "Ik zit nog steeds alleen thuis.",
    "S3": "Mijn cijfers voor school zijn beter. Mijn moeder vond werk via de juf.",
    "S4": "De schulden liepen toch op. Ik schaam me bij de buren.",
    "S5": "Ik registreer alles en heb minder tijd voor huisbezoeken.",
}


@pytest.fixture
def stories():
    return pd.DataFrame({
        "story_id": list(TEXTS),
        "text": list(TEXTS.values()),
        "activity": ["Buurtkamer", "Buurtkamer", "Huiswerkklas", "Schuldhulp", "Schuldhulp"],
        "track": ["betekenisgeving", "betekenisgeving", "doelmatigheid", "betekenisgeving", "vakmanschap"],
        "domain": ["Sociale contacten", "Sociale contacten", "School, werk en geld", "School, werk en geld",
                   "Professioneel handelen"],
        "storyteller_role": ["deelnemer", "deelnemer", "ouder", "deelnemer", "professional"],
        "collected_by": ["vrijwilliger", "student", "professional", "professional", "onderzoeker"],
        "collected_on": ["2024-02-01", "2024-05-01", "2024-02-10", "2025-03-01", "2025-11-30"],
        "area": ["BU99010201", "WK990102", "WK990103", "WK990104", "WK990104"],
    })


@pytest.fixture
def activities():
    return pd.DataFrame({
        "activity": ["Buurtkamer", "Huiswerkklas", "Schuldhulp"],
        "activity_goal": ["eenzaamheid verminderen", "schoolprestaties verbeteren", "schulden voorkomen"],
        "social_work_type": ["sociale basis", "preventie", "aanpak van problemen"],
        "organisation": ["W", "L", "G"], "area": ["WK990102", "WK990103", "WK990104"],
        "owner": ["organisatie", "organisatie", "gemeente"],
    })


@pytest.fixture
def codes():
    rows = []
    # S1: story + 2 segments, double-coded; coders disagree on intentionality of segment 2
    rows += code_rows("S1", ["positive", "intended", "direct"])
    rows += code_rows("S1", ["positive", "intended", "direct"], coder="coder_b")
    rows += code_rows("S1", ["positive", "intended", "direct"], start=0, end=25)
    rows += code_rows("S1", ["positive", "intended", "direct"], coder="coder_b", start=0, end=25)
    rows += code_rows("S1", ["positive", "unintended", "indirect"], start=26, end=65)
    rows += code_rows("S1", ["positive", "intended", "indirect"], coder="coder_b", start=26, end=65)
    # S2: negative intended (goal not reached)
    rows += code_rows("S2", ["negative", "intended", "direct"])
    rows += code_rows("S2", ["negative", "intended", "direct"], start=0, end=31)
    # S3: a tagger suggestion and a human code: the human wins; segment 2 only from the tagger
    rows += code_rows("S3", ["negative", "unintended", "indirect"], coder="tagger", source="model",
                      status="suggested", confidence=0.9)
    rows += code_rows("S3", ["positive", "intended", "direct"])
    rows += code_rows("S3", ["positive", "intended", "direct"], start=0, end=36)
    rows += code_rows("S3", ["positive", "unintended", "indirect"], coder="tagger", source="model",
                      status="suggested", confidence=0.7, start=37, end=70)
    # S4: two negative effects; a rejected suggestion that must be ignored
    rows += code_rows("S4", ["negative", "intended", "direct"])
    rows += code_rows("S4", ["negative", "intended", "direct"], start=0, end=27)
    rows += code_rows("S4", ["negative", "unintended", "direct"], start=28, end=54)
    rows += code_rows("S4", ["positive", "intended", "direct"], coder="tagger", source="model",
                      status="rejected", confidence=0.99, start=28, end=54)
    # S5: professional reflection
    rows += code_rows("S5", ["negative", "unintended", "indirect"])
    rows += code_rows("S5", ["negative", "unintended", "indirect"], start=0, end=56)
    return pd.DataFrame(rows)


def ind_rows(name, area, values, target, owner, activity, unit="aantal"):
    periods = [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)][:len(values)]
    return [{"indicator": name, "area": area, "period": p, "value": v, "unit": unit, "source": "test",
             "owner": owner, "status": "ok" if not pd.isna(v) else "missing", "target": target,
             "activity": activity, "track": "doelmatigheid"} for p, v in zip(periods, values)]


@pytest.fixture
def indicators():
    rows = []
    # loneliness falls toward a lower target -> with positive Buurtkamer stories: confirm
    rows += ind_rows("ervaren eenzaamheid", "WK990102", [30, 29, np.nan, 27, 26, 25, 24, 23], 20, "bewoners",
                     "Buurtkamer", "%")
    # comparison area without activity: not linked
    rows += ind_rows("ervaren eenzaamheid", "WK990101", [20, 20, 20, 20], 18, "bewoners", None, "%")
    # arrears rise away from a lower target -> with negative Schuldhulp stories: confirm
    rows += ind_rows("huishoudens met betalingsachterstand", "WK990104", [100, 110, 120, 130], 80, "gemeente",
                     "Schuldhulp")
    # school absence falls toward target but the only matching effect is... positive -> confirm;
    # huiswerkklas participants flat -> expand
    rows += ind_rows("schoolverzuim meldingen", "WK990103", [50, 50, 51, 50], 40, "gemeente", "Huiswerkklas")
    # an indicator no story talks about
    rows += ind_rows("crisisinterventies", "WK990103", [10, 9, 8, 7], 5, "organisatie", "Huiswerkklas")
    return pd.DataFrame(rows)


@pytest.fixture
def msc():
    return pd.DataFrame({
        "round": [1, 1, 1, 1, 2, 2],
        "panel": ["bewoners", "bewoners", "professionals", "professionals", "stuurgroep", "stuurgroep"],
        "domain": ["Sociale contacten", "Sociale contacten", "School, werk en geld", "School, werk en geld",
                   "Sociale contacten", "School, werk en geld"],
        "story_id": ["S1", "S2", "S3", "S4", "S1", "S4"],
        "selected": ["true", "false", "false", "true", True, False],
        "reasons": ["Heel herkenbaar en onverwacht voor de buurt.", "", "Mooi, maar pril.",
                    "Een kritisch verhaal over de keerzijde.", "Blijvend: het houdt al een jaar stand.",
                    "Minder overtuigend."],
    })


@pytest.fixture
def arena():
    rows = [
        ("Schuldhulp", "minder huisuitzettingen", "gemeente", "investor"),
        ("Schuldhulp", "minder huisuitzettingen", "woningcorporatie", "beneficiary"),
        ("Schuldhulp", "minder huisuitzettingen", "huishoudens", "beneficiary"),
        ("Buurtkamer", "minder eenzaamheid", "gemeente", "investor"),
        ("Buurtkamer", "minder eenzaamheid", "gemeente", "beneficiary"),
        ("Buurtkamer", "minder eenzaamheid", "bewoners", "beneficiary"),
        ("Schuldhulp", "schulden blijven klein", "gemeente", "investeerder"),
        ("Schuldhulp", "schulden blijven klein", "zorgverzekeraar", "incasseerder"),
    ]
    return pd.DataFrame(rows, columns=["activity", "effect", "stakeholder", "role"]).assign(note="")


# ---------------------------------------------------------------------------- resolution
def test_resolve_codes_story_level_prefers_humans_and_drops_rejected(codes):
    r = A.resolve_codes(codes, level="story").set_index("story_id")
    assert list(r.index) == ["S1", "S2", "S3", "S4", "S5"]
    assert r.loc["S3", "valence"] == "positive"  # human beats the model suggestion
    assert r.loc["S3", "source"] == "human"
    assert r.loc["S1", "n_coders"] == 2
    assert r["start"].isna().all()


def test_resolve_codes_segments_tie_goes_to_first_coder_and_model_fills_gaps(codes):
    r = A.resolve_codes(codes, level="segment")
    s1b = r[(r["story_id"] == "S1") & (r["start"] == 26)].iloc[0]
    assert s1b["intentionality"] == "unintended"  # 1-1 tie -> coder_a
    assert s1b["coder"] == "coder_a" and s1b["n_coders"] == 2
    s3b = r[(r["story_id"] == "S3") & (r["start"] == 37)].iloc[0]
    assert s3b["source"] == "model" and s3b["confidence"] == pytest.approx(0.7)
    s4b = r[(r["story_id"] == "S4") & (r["start"] == 28)].iloc[0]
    assert s4b["valence"] == "negative"  # the rejected suggestion is ignored
    assert str(r["start"].dtype) == "Int64"


def test_resolve_codes_majority_of_three_coders():
    rows = (code_rows("S1", ["positive", "intended", "direct"], coder="c1")
            + code_rows("S1", ["negative", "intended", "direct"], coder="c2")
            + code_rows("S1", ["negative", "intended", "direct"], coder="c3"))
    r = A.resolve_codes(pd.DataFrame(rows))
    assert r.loc[0, "valence"] == "negative"


def test_resolve_codes_accepts_wide_tagger_output():
    wide = pd.DataFrame({"story_id": ["S1", "S2"], "valence": ["positive", ""],
                         "intentionality": ["intended", ""], "directness": ["indirect", ""],
                         "valence_confidence": [0.8, np.nan], "intentionality_confidence": [0.6, np.nan],
                         "directness_confidence": [0.9, np.nan], "evidence": ["x", ""]})
    r = A.resolve_codes(wide)
    assert list(r["story_id"]) == ["S1"]  # no effect found in S2: nothing to count
    assert r.loc[0, "directness"] == "indirect" and r.loc[0, "confidence"] == pytest.approx(0.6)


def test_resolve_codes_rejects_unknown_level(codes):
    with pytest.raises(ValueError, match="level 'sentence' is not allowed"):
        A.resolve_codes(codes, level="sentence")


# ---------------------------------------------------------------------------- counts
def test_code_counts_shares_per_group(codes, stories, activities):
    c = A.code_counts(codes, stories, activities, by="social_work_type", dimensions=["valence"])
    assert list(c.columns) == ["social_work_type", "dimension", "value", "n", "total", "share"]
    basis = c[c["social_work_type"] == "sociale basis"].set_index("value")
    assert basis.loc["positive", "n"] == 1 and basis.loc["negative", "n"] == 1
    assert basis["share"].sum() == pytest.approx(1.0)
    prev = c[c["social_work_type"] == "preventie"].set_index("value")
    assert prev.loc["negative", "n"] == 0 and prev.loc["negative", "share"] == 0  # zero rows kept


def test_code_counts_by_period_and_combination(codes, stories):
    c = A.code_counts(codes, stories, by=["period"], dimensions=["combination"])
    assert set(c["period"]) == {"2024-Q1", "2024-Q2", "2025-Q1", "2025-Q4"}
    assert len(c) == 4 * 8
    q1 = c[(c["period"] == "2024-Q1") & (c["n"] > 0)]
    assert set(q1["value"]) == {"positive/intended/direct"} and q1["n"].sum() == 2


def test_code_counts_segments_and_wijk(codes, stories):
    c = A.code_counts(codes, stories, by="wijk", level="segment", dimensions=["directness"])
    de_linde = c[c["wijk"] == "WK990102"].set_index("value")  # BU99010201 rolls up to its wijk
    assert de_linde.loc["direct", "n"] == 2 and de_linde.loc["indirect", "n"] == 1


def test_code_counts_bad_group_names_the_columns(codes, stories):
    with pytest.raises(KeyError, match="cannot group by \\['gemeente'\\].*available"):
        A.code_counts(codes, stories, by="gemeente")


def test_statistics_by_themes_exemplars_are_reproducible(codes, stories):
    j = A.statistics_by_themes(codes, stories, by="track", dimension="valence", n_quotes=2)
    neg = j[(j["track"] == "betekenisgeving") & (j["value"] == "negative")].iloc[0]
    assert neg["n"] == 3  # S2 one segment, S4 two
    # one quote per story, story order (no confidences on human codes)
    assert (neg["story_id_1"], neg["story_id_2"]) == ("S2", "S4")
    assert neg["quote_1"] == TEXTS["S2"]
    assert neg["quote_2"] == TEXTS["S4"][0:27]
    pos = j[(j["track"] == "doelmatigheid") & (j["value"] == "positive")].iloc[0]
    # the human code comes before the model suggestion, however confident; the table says which
    assert pos["story_id_1"] == "S3" and pos["quote_1"] == TEXTS["S3"][0:36]
    assert pos["origin_1"] == "human"
    assert pos["quote_2"] == "" and pos["origin_2"] == ""
    assert neg["origin_1"] == neg["origin_2"] == "human"
    again = A.statistics_by_themes(codes, stories, by="track", dimension="valence", n_quotes=2)
    pd.testing.assert_frame_equal(j, again)


def test_exemplars_prefer_human_codes_then_confident_machine_codes():
    stories = pd.DataFrame({"story_id": ["S1", "S2", "S3", "S4"], "activity": ["A"] * 4,
                            "text": ["Een zeker voorstel.", "Een mens codeerde dit.", "Twee mensen codeerden dit.",
                                     "Een onzeker voorstel."]})
    rows = [("S1", "tagger", "model", "suggested", 0.99), ("S2", "coder_a", "human", "edited", None),
            ("S3", "coder_a", "human", "accepted", None), ("S3", "coder_b", "human", "accepted", None),
            ("S4", "tagger", "rules", "suggested", 0.51)]
    codes = pd.DataFrame([{"story_id": sid, "start": None, "end": None, "dimension": "valence", "value": "positive",
                           "coder": coder, "source": src, "status": st, "confidence": conf}
                          for sid, coder, src, st, conf in rows])
    j = A.statistics_by_themes(codes, stories, by=[], dimension="valence", level="story", n_quotes=4).iloc[0]
    # double-coded human material first, then single human, then the machine by confidence
    assert [j[f"story_id_{k}"] for k in range(1, 5)] == ["S3", "S2", "S1", "S4"]
    assert [j[f"origin_{k}"] for k in range(1, 5)] == ["human", "human", "machine", "machine"]
    # a rejected human code does not count as human material
    rejected = codes.assign(status=["suggested", "rejected", "rejected", "rejected", "suggested"])
    j = A.statistics_by_themes(rejected, stories, by=[], dimension="valence", level="story", n_quotes=2).iloc[0]
    assert (j["story_id_1"], j["origin_1"]) == ("S1", "machine")
    # the display says mens/machine
    from impactlib.display import table
    assert "mens" in repr(table(pd.DataFrame({"origin": ["human"]})))


def test_statistics_by_themes_on_themes(codes, stories):
    j = A.statistics_by_themes(codes, stories, by="activity", dimension="theme")
    lonely = j[(j["activity"] == "Buurtkamer") & (j["value"] == "eenzaamheid en contact")].iloc[0]
    assert lonely["n"] == 2 and {lonely["story_id_1"], lonely["story_id_2"]} == {"S1", "S2"}


def test_unintended_and_negative_finder(codes, stories):
    f = A.unintended_and_negative(codes, stories)
    assert list(f["kind"]) == ["negative/unintended", "negative/unintended", "positive/unintended",
                               "positive/unintended", "negative/intended", "negative/intended"]
    assert set(f.loc[f["kind"] == "negative/unintended", "story_id"]) == {"S4", "S5"}
    assert f["quote"].str.len().gt(0).all()
    assert f.loc[0, "kind_label"].startswith("nieuwe schade")


def test_find_effects_filters(codes, stories):
    f = A.find_effects(codes, stories, valence="negative", directness=["indirect"])
    assert list(f["story_id"]) == ["S5"]
    with pytest.raises(KeyError, match="cannot filter on 'kleur'"):
        A.find_effects(codes, stories, kleur="rood")


def test_theme_counts(codes, stories):
    t = A.theme_counts(codes, stories, by="activity")
    row = t[(t["activity"] == "Schuldhulp") & (t["theme"] == "stigma en wantrouwen")].iloc[0]
    assert row["n_negative"] == 1 and row["n_unintended"] == 1


# ---------------------------------------------------------------------------- indicators
def test_indicator_trends_rule(indicators):
    t = A.indicator_trends(indicators).set_index(["indicator", "area"])
    lon = t.loc[("ervaren eenzaamheid", "WK990102")]
    assert lon["start_value"] == pytest.approx(29.5) and lon["end_value"] == pytest.approx(23.5)
    assert lon["trend"] == "down" and lon["desired"] == "lower" and bool(lon["toward_target"]) is True
    assert lon["n_missing"] == 1 and bool(lon["target_met"]) is False
    arrears = t.loc[("huishoudens met betalingsachterstand", "WK990104")]
    assert arrears["trend"] == "up" and bool(arrears["toward_target"]) is False
    school = t.loc[("schoolverzuim meldingen", "WK990103")]
    assert school["trend"] == "flat" and pd.isna(school["toward_target"])


def test_indicator_trends_without_target_and_single_value():
    ind = pd.DataFrame(ind_rows("x", "GM9901", [5.0], np.nan, "gemeente", None))
    t = A.indicator_trends(ind)
    assert pd.isna(t.loc[0, "trend"]) and pd.isna(t.loc[0, "desired"]) and t.loc[0, "start_value"] == 5


def test_indicator_trends_parses_dutch_periods_without_period_start():
    ind = pd.DataFrame({"indicator": ["x"] * 3, "area": ["WK990101"] * 3, "period": ["2025K2", "2025K1", "2024"],
                        "value": [3.0, 2.0, 1.0], "target": [5.0] * 3})
    t = A.indicator_trends(ind, window=1)
    assert t.loc[0, "first_period"] == "2024" and t.loc[0, "last_period"] == "2025K2"
    assert t.loc[0, "trend"] == "up" and bool(t.loc[0, "toward_target"]) is True


def test_stories_vs_indicators_verdicts(codes, stories, indicators, activities):
    v = A.stories_vs_indicators(codes, stories, indicators, activities)
    by_ind = v[v["indicator"].notna()].set_index(["indicator", "area"])
    lon = by_ind.loc[("ervaren eenzaamheid", "WK990102")]
    # effects about loneliness at the Buurtkamer: S1 positive, S2 negative -> 50% = mixed
    assert lon["n_effects"] == 2 and lon["verdict"] == "expand"
    assert ("ervaren eenzaamheid", "WK990101") not in by_ind.index  # comparison area: no activity
    arrears = by_ind.loc[("huishoudens met betalingsachterstand", "WK990104")]
    assert arrears["n_effects"] == 1 and arrears["verdict"] == "confirm"  # away from target, negative
    school = by_ind.loc[("schoolverzuim meldingen", "WK990103")]
    assert school["verdict"] == "expand" and "gelijk" in school["explanation"]
    crisis = by_ind.loc[("crisisinterventies", "WK990103")]
    assert crisis["n_effects"] == 0 and pd.isna(crisis["verdict"])
    # themes with no indicator: expand, "onzichtbaar in de cijfers"
    free = v[v["indicator"].isna()]
    stigma = free[(free["activity"] == "Schuldhulp") & (free["theme"] == "stigma en wantrouwen")].iloc[0]
    assert stigma["verdict"] == "expand" and "onzichtbaar" in stigma["explanation"]


def test_stories_vs_indicators_confirm_and_contradict():
    stories = pd.DataFrame({"story_id": ["S1", "S2"], "text": ["Ik ben niet meer eenzaam.", "Nooit meer alleen."],
                            "activity": ["B", "B"]})
    codes = pd.DataFrame(code_rows("S1", ["positive", "intended", "direct"], start=0, end=25)
                         + code_rows("S2", ["positive", "intended", "direct"], start=0, end=18))
    down = pd.DataFrame(ind_rows("ervaren eenzaamheid", "WK990102", [30, 28, 25, 22], 20, "bewoners", "B"))
    up = pd.DataFrame(ind_rows("ervaren eenzaamheid", "WK990102", [20, 22, 25, 28], 15, "bewoners", "B"))
    assert A.stories_vs_indicators(codes, stories, down).loc[0, "verdict"] == "confirm"
    r = A.stories_vs_indicators(codes, stories, up).iloc[0]
    assert r["verdict"] == "contradict" and r["explanation"] == "cijfer weg van streefwaarde maar verhalen overwegend positief"


def test_stories_vs_indicators_links_by_area_when_table_has_no_activity(codes, stories, activities):
    ind = pd.DataFrame(ind_rows("ervaren eenzaamheid", "WK990102", [30, 28, 26, 24], 20, "bewoners", None))
    v = A.stories_vs_indicators(codes, stories, ind, activities)
    row = v[v["indicator"] == "ervaren eenzaamheid"].iloc[0]
    assert row["activity"] == "Buurtkamer" and row["n_effects"] == 2


def test_invisible_effects(codes, stories, indicators, activities):
    inv = A.invisible_effects(codes, stories, indicators, activities)
    reasons = dict(zip(zip(inv["story_id"], inv["start"]), inv["reason"]))
    assert reasons[("S4", 28)] == "no_indicator"  # stigma: no indicator measures it
    assert reasons[("S1", 26)] == "no_theme"  # the daughter worries less: no theme, no figure
    assert ("S1", 0) not in reasons  # loneliness is measured
    assert reasons[("S5", 0)] == "no_indicator"  # registration burden
    assert A.invisible_effects(codes, stories, None)["reason"].ne("").all()


def test_by_owner_with_codebook(codes, indicators):
    class V:
        def __init__(self, owner):
            self.owner = owner

    class D:
        def __init__(self, owner, values):
            self.values = {v: V(owner) for v in values}

    class CB:
        dimensions = {"valence": D("bewoners", ["positive", "negative"]),
                      "intentionality": D("gemeente", ["intended", "unintended"]),
                      "directness": D("onderzoekers", ["direct", "indirect"])}
        themes: dict = {}

    t = A.by_owner(indicators, codes, CB())
    ind = t[t["kind"] == "indicator"].set_index("item")
    assert ind.loc["huishoudens met betalingsachterstand", "owner"] == "gemeente"
    assert ind.loc["ervaren eenzaamheid", "n"] == 11 and ind.loc["ervaren eenzaamheid", "n_areas"] == 2
    cod = t[t["kind"] == "code"].set_index("item")
    assert cod.loc["valence:positive", "owner"] == "bewoners"
    s = A.owner_summary(t).set_index(["kind", "owner"])
    assert s.loc[("indicator", "gemeente"), "n_items"] == 2
    assert s.loc[("code", "gemeente"), "n_items"] == 2
    assert set(A.by_owner(None, codes)["owner"]) == {"onderzoekers"}


def test_targets_vs_registered(codes, stories, indicators, activities):
    t = A.targets_vs_registered(indicators, codes, stories, activities)
    rows = t.set_index(["activity", "perspective"])
    gem = rows.loc[("Schuldhulp", "gemeente")]
    assert gem["n_items"] == 1 and gem["n_away_from_target"] == 1
    org = rows.loc[("Huiswerkklas", "organisatie")]
    assert org["items"] == "crisisinterventies" and org["n_toward_target"] == 1
    prof = rows.loc[("Schuldhulp", "professionals")]
    assert prof["n_stories"] == 1 and prof["share_negative"] == 1.0
    assert "werkdruk en registratie" in prof["themes"]  # what the municipal figures miss


def test_indicator_series(indicators):
    s = A.indicator_series(indicators, "ervaren eenzaamheid", ["WK990102"])
    assert list(s["period"])[:2] == ["2024-Q1", "2024-Q2"] and s["value"].isna().sum() == 1


# ---------------------------------------------------------------------------- MSC
def test_msc_domain_counts(stories, msc):
    d = A.msc_domain_counts(stories, msc).set_index(["domain", "round"])
    assert d.loc[("Sociale contacten", 0), "considered"] == 2
    assert d.loc[("Sociale contacten", 1), "selected"] == 1
    assert d.loc[("School, werk en geld", 2), "considered"] == 1
    assert d.loc[("School, werk en geld", 2), "selected"] == 0
    assert d.loc[("Professioneel handelen", 0), "considered"] == 1


def test_msc_survival(stories, msc):
    s = A.msc_survival(msc, stories).set_index("story_id")
    assert s.loc["S1", "stage"] == "gekozen in ronde 2" and s.loc["S1", "reasons"].startswith("Blijvend")
    assert s.loc["S4", "stage"] == "gekozen in ronde 1" and s.loc["S4", "last_round_considered"] == 2
    assert s.loc["S3", "stage"] == "besproken in ronde 1"
    assert s.loc["S5", "stage"] == "verzameld"


def test_msc_criteria(msc):
    c = A.msc_criteria(msc).set_index(["round", "criterion"])
    assert c.loc[(1, "herkenbaarheid"), "n"] == 1 and c.loc[(1, "onverwacht"), "n"] == 1
    assert c.loc[(1, "kritisch"), "n"] == 1 and c.loc[(1, "herkenbaarheid"), "n_reasons"] == 2
    assert c.loc[(2, "duurzaamheid"), "share"] == 1.0
    own = A.msc_criteria(msc, {"pril": [r"pril"]}, selected_only=False).set_index(["round", "criterion"])
    assert own.loc[(1, "pril"), "n"] == 1 and own.loc[(1, "(geen)"), "n"] == 2


def test_meta_monitoring(stories, msc):
    m = A.meta_monitoring(stories, msc)
    roles = m[m["aspect"] == "storyteller_role"].set_index(["group", "stage"])
    assert roles.loc[("deelnemer", "collected"), "share"] == pytest.approx(3 / 5)
    assert roles.loc[("deelnemer", "round_1"), "share"] == 1.0  # both round-1 picks are participants
    assert roles.loc[("professional", "round_2"), "n"] == 0
    coll = m[m["aspect"] == "collected_by"]
    assert set(coll["stage"]) == {"collected", "round_1", "round_2"}


# ---------------------------------------------------------------------------- arena
def test_arena_effects_and_wrong_pocket(arena):
    e = A.arena_effects(arena).set_index("effect")
    assert bool(e.loc["minder huisuitzettingen", "wrong_pocket"]) is True
    assert bool(e.loc["minder eenzaamheid", "wrong_pocket"]) is False
    assert e.loc["schulden blijven klein", "beneficiaries"] == "zorgverzekeraar"  # Dutch role names read


def test_arena_matrix(arena):
    m = A.arena_matrix(arena).set_index(["investor", "beneficiary"])
    assert m.loc[("gemeente", "woningcorporatie"), "n_wrong_pocket"] == 1
    assert m.loc[("gemeente", "gemeente"), "n_wrong_pocket"] == 0
    assert m.loc[("gemeente", "bewoners"), "n_effects"] == 1
    assert m["n_effects"].sum() == 5


def test_arena_support(arena, codes, stories):
    s = A.arena_support(arena, codes, stories).set_index("effect")
    lonely = s.loc["minder eenzaamheid"]
    assert lonely["stories"] == "S1, S2" and lonely["n_positive"] == 1 and lonely["n_negative"] == 1
    debts = s.loc["schulden blijven klein"]
    assert debts["stories"] == "S4" and debts["quote_1"] == TEXTS["S4"][0:27]
    assert s.loc["minder huisuitzettingen", "n_stories"] == 0


# ---------------------------------------------------------------------------- missing inputs
@pytest.mark.parametrize("call, columns", [
    (lambda: A.code_counts(None), ["track", "dimension", "value", "n", "total", "share"]),
    (lambda: A.statistics_by_themes(None, None), None),
    (lambda: A.unintended_and_negative(None, None), None),
    (lambda: A.theme_counts(None, None), None),
    (lambda: A.indicator_trends(None), None),
    (lambda: A.stories_vs_indicators(None, None, None), None),
    (lambda: A.invisible_effects(None, None, None), None),
    (lambda: A.by_owner(None, None), None),
    (lambda: A.targets_vs_registered(None), None),
    (lambda: A.msc_domain_counts(None), None),
    (lambda: A.msc_survival(None), None),
    (lambda: A.msc_criteria(None), None),
    (lambda: A.meta_monitoring(None), None),
    (lambda: A.arena_effects(None), None),
    (lambda: A.arena_matrix(None), None),
    (lambda: A.arena_support(None, None, None), None),
    (lambda: A.msc_criteria(pd.DataFrame(columns=["round", "story_id", "selected", "reasons"])), None),
])
def test_missing_inputs_give_empty_frames_with_columns(call, columns):
    out = call()
    assert isinstance(out, pd.DataFrame) and out.empty and len(out.columns) >= 4
    if columns:
        assert list(out.columns) == columns


def test_missing_indicators_still_list_invisible_effects(codes, stories):
    v = A.stories_vs_indicators(codes, stories, None)
    assert len(v) and (v["verdict"] == "expand").all() and v["indicator"].isna().all()


def test_label_dutch():
    assert A.label("unintended") == "onbedoeld" and A.label("contradict") == "spreken tegen"
    assert A.label("onbekend") == "onbekend"


# ---------------------------------------------------------------------------- the sample project
def test_every_table_on_the_sample_project():
    from pathlib import Path

    from impactlib.io import load_project

    p = load_project(Path(__file__).resolve().parents[1] / "data" / "sample")
    c = A.code_counts(p.codes, p.stories, p.activities, by=["track", "social_work_type"])
    assert set(c["track"]) == {"doelmatigheid", "betekenisgeving", "vakmanschap"}
    assert c.groupby(["track", "social_work_type", "dimension"])["share"].sum().round(6).eq(1).all()
    j = A.statistics_by_themes(p.codes, p.stories, p.activities, by="activity")
    assert j["n"].gt(0).all() and j.groupby("activity").size().min() >= 5  # varied effects per activity
    assert (j["quote_1"] != "").all()
    v = A.stories_vs_indicators(p.codes, p.stories, p.indicators, p.activities)
    assert {"confirm", "contradict", "expand"} <= set(v["verdict"].dropna())
    arrears = v[(v["indicator"] == "huishoudens met betalingsachterstand") & (v["area"] == "WK990104")].iloc[0]
    assert arrears["verdict"] == "contradict"  # more arrears signalled, stories mostly positive
    inv = A.invisible_effects(p.codes, p.stories, p.indicators, p.activities)
    assert {"no_theme", "no_indicator"} == set(inv["reason"]) and len(inv) > 50
    t = A.targets_vs_registered(p.indicators, p.codes, p.stories, p.activities)
    assert set(t["perspective"]) == {"gemeente", "organisatie", "professionals"}
    assert A.msc_criteria(p.msc).query("criterion == '(geen)'")["n"].sum() == 0
    s = A.msc_survival(p.msc, p.stories)
    assert len(s) == len(p.stories) and s["stage"].str.startswith("gekozen in ronde 2").sum() == 4
    e = A.arena_effects(p.arena)
    assert e["wrong_pocket"].sum() >= 5
    sup = A.arena_support(p.arena, p.codes, p.stories, p.activities)
    assert (sup["n_stories"] > 0).sum() >= 12
    o = A.owner_summary(A.by_owner(p.indicators, p.codes))
    assert set(o.loc[o["kind"] == "indicator", "owner"]) == {"gemeente", "organisatie", "bewoners", "onderzoekers"}


def test_themes_come_from_the_codebook(tmp_path):
    from impactlib.codebook import default_codebook, load_codebook
    # the default themes are the packaged codebook's theme codes, named by their label
    assert list(A.THEMES) == [c.label for c in default_codebook().themes.values()]
    assert "eenzaamheid en contact" in A.compile_themes(None)
    # a user adds a theme code: the analysis sees it without code changes
    (tmp_path / "codebook.yaml").write_text(
        'name: eigen\nversion: "2"\nthemes:\n'
        '  armoede:\n    label: armoede en rondkomen\n    patterns: [voedselbank, {regex: "^(krap|arm)$"}]\n',
        encoding="utf-8")
    own = load_codebook(tmp_path / "codebook.yaml")
    stories = pd.DataFrame({"story_id": ["S1", "S2"], "activity": ["A", "A"],
                            "text": ["We hoeven niet meer naar de voedselbank.", "Het is krap maar het gaat."]})
    codes = pd.DataFrame({"story_id": ["S1", "S2"], "start": [None, None], "end": [None, None],
                          "dimension": ["valence"] * 2, "value": ["positive", "negative"], "coder": ["a", "a"]})
    t = A.theme_counts(codes, stories, by=[], level="story", themes=own)
    assert t["theme"].tolist() == ["armoede en rondkomen"] and t["n"].tolist() == [2]
    # a codebook without theme codes keeps the default themes
    (tmp_path / "bare.yaml").write_text('name: kaal\nversion: "1"\n', encoding="utf-8")
    bare = load_codebook(tmp_path / "bare.yaml")
    assert list(A.compile_themes(bare)) == list(A.THEMES)


def test_theme_patterns_follow_the_codebook_syntax():
    rx = A.compile_themes({"t": ["verhuiz", {"regex": "overlast"}, {"regex": "^(werk|baan)$"}, {"phrase": "op straat"}]})
    assert A.themes_of("Na de verhuizing", rx) == ["t"]
    assert A.themes_of("Minder jeugdoverlast", rx) == ["t"]      # regex: inside a word
    assert A.themes_of("Hij heeft werk", rx) == ["t"] and A.themes_of("Het werkt", rx) == []  # ^$: whole word
    assert A.themes_of("Niet meer op straat", rx) == ["t"]
    assert A.themes_of("Geen thema hier", rx) == []

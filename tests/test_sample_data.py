"""The synthetic sample project in data/sample satisfies the foundation issue's counts.

Also checks that the committed files are what ``scripts/build_sample.py`` builds from
``scripts/sample_src`` and that the build fails loudly on a quote not in its text.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SRC = ROOT / "scripts" / "sample_src"


def _build_module():
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "scripts" / "build_sample.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_sample", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def project():
    """The sample project as the library loads it."""
    from impactlib.io import load_project

    return load_project(SAMPLE)


@pytest.fixture(scope="module")
def tables(project) -> dict[str, pd.DataFrame]:
    """Canonical tables of the sample (via impactlib.io); raw Dutch indicator file as text."""
    return {
        "stories": project.stories,
        "activities": project.activities,
        "codes": project.codes,
        "indicators": pd.read_csv(SAMPLE / "indicators.csv", sep=";", encoding="cp1252", dtype=str,
                                  keep_default_na=False),
        "indicators_long": project.indicators,
        "msc": project.msc,
        "arena": project.arena,
    }


def test_sample_loads_without_problems(project):
    assert project.synthetic is True
    assert project.warnings == []
    for name in ("stories", "activities", "indicators", "msc", "arena", "codes"):
        assert getattr(project, name) is not None and len(getattr(project, name)), name
    ind = project.indicators
    assert set(ind["status"]) == {"ok", "provisional", "missing", "confidential"}
    assert ind["period"].str.fullmatch(r"202[45]-Q[1-4]").all()
    assert ind.loc[ind["status"] == "provisional", "value"].notna().all()
    assert ind.loc[ind["status"].isin(["missing", "confidential"]), "value"].isna().all()


def test_wide_xlsx_loads_like_the_csv(project):
    from impactlib.io import load_indicators

    wide = load_indicators(SAMPLE / "indicators.xlsx", sheet="Indicatoren")
    key = ["indicator", "area", "period"]
    a = project.indicators.sort_values(key).reset_index(drop=True)
    b = wide.sort_values(key).reset_index(drop=True)
    assert len(a) == len(b)
    pd.testing.assert_series_equal(a["value"], b["value"], check_names=False)
    assert (a["status"].astype(str) == b["status"].astype(str)).all()


def test_project_file_marks_synthetic():
    conf = tomllib.loads((SAMPLE / "project.toml").read_text(encoding="utf-8"))
    assert conf["project"]["synthetic"] is True
    for name in conf["files"].values():
        if name.endswith(".csv"):
            assert (SAMPLE / name).is_file(), name
    assert "SYNTHETIC" in (ROOT / "data" / "README.md").read_text(encoding="utf-8")


def test_story_counts(tables):
    st = tables["stories"]
    acts = tables["activities"]
    assert len(st) >= 240
    assert st["story_id"].is_unique
    assert (st["text"].str.strip() != "").all()
    assert str(st["collected_on"].dtype).startswith("datetime64")
    assert st["activity"].nunique() >= 8
    assert set(st["activity"]) <= set(acts["activity"])
    kinds = st.merge(acts[["activity", "social_work_type"]], on="activity")["social_work_type"]
    assert set(kinds) == {"sociale basis", "preventie", "aanpak van problemen",
                          "juridische en klinische interventies"}
    assert set(st["track"]) == {"doelmatigheid", "betekenisgeving", "vakmanschap"}
    assert (st["track"] == "vakmanschap").sum() >= 40
    dates = st["collected_on"]
    assert dates.min() < pd.Timestamp("2024-04-01") and dates.max() > pd.Timestamp("2025-09-30")
    assert (dates.max() - dates.min()).days >= 600
    assert st["domain"].nunique() == 6
    assert st["storyteller_role"].nunique() >= 8
    assert st["why_significant"].fillna("").str.len().gt(0).mean() > 0.9
    assert st["area"].str.fullmatch(r"(BU\d{8}|WK\d{6})").all()
    # goal column filled from the activities table
    goals = dict(zip(acts["activity"], acts["activity_goal"]))
    assert (st["activity_goal"] == st["activity"].map(goals)).all()
    # varied length: a few very short and a few long stories
    words = st["text"].str.split().str.len()
    assert words.min() <= 40 and words.max() >= 150


def _story_level(codes: pd.DataFrame) -> pd.DataFrame:
    sl = codes[codes["start"].isna()]
    return sl.pivot_table(index=["story_id", "coder"], columns="dimension", values="value",
                          aggfunc="first").reset_index()


def test_codes_follow_canonical_table(tables):
    codes = tables["codes"]
    assert list(codes.columns) == ["story_id", "start", "end", "dimension", "value", "coder", "source",
                                   "status", "confidence", "codebook_version", "created_at", "memo"]
    assert set(codes["dimension"]) == {"valence", "intentionality", "directness"}
    allowed = {"positive", "negative", "intended", "unintended", "direct", "indirect"}
    assert set(codes["value"]) == allowed
    assert set(codes["coder"]) == {"coder_a", "coder_b"}
    assert set(codes["source"]) == {"human"} and set(codes["status"]) == {"accepted"}
    assert codes["confidence"].isna().all()
    assert set(codes["story_id"]) <= set(tables["stories"]["story_id"])
    assert codes["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    # segments are inside their text and are sentences/clauses, not whole stories mostly
    seg = codes[codes["start"].notna()].merge(tables["stories"][["story_id", "text"]], on="story_id")
    assert (seg["start"] < seg["end"]).all()
    assert (seg["end"] <= seg["text"].str.len()).all()


def test_double_coding_and_balance(tables):
    codes = tables["codes"]
    sl = _story_level(codes)
    b_story = set(sl.loc[sl["coder"] == "coder_b", "story_id"])
    assert len(b_story) >= 120
    seg = codes[codes["start"].notna()]
    b_seg = set(seg.loc[seg["coder"] == "coder_b", "story_id"])
    assert len(b_seg) >= 120
    a = sl[sl["coder"] == "coder_a"].set_index("story_id")
    # all 8 combinations at story level
    combos = a.groupby(["valence", "intentionality", "directness"]).size()
    assert len(combos) == 8 and combos.min() >= 3
    assert (a["valence"] == "negative").mean() >= 0.2
    assert (a["intentionality"] == "unintended").mean() >= 0.25
    assert (a["directness"] == "indirect").mean() >= 0.25
    # realistic disagreement: some, not too much, per dimension
    b = sl[sl["coder"] == "coder_b"].set_index("story_id")
    both = a.loc[b.index]
    for dim in ("valence", "intentionality", "directness"):
        agree = (both[dim] == b[dim]).mean()
        assert 0.7 <= agree < 1.0, (dim, agree)
    # multi-effect stories
    n_eff = seg[seg["coder"] == "coder_a"].drop_duplicates(["story_id", "start"]).groupby("story_id").size()
    assert (n_eff >= 2).sum() >= 80


def test_indicators_dutch_excel_style(tables):
    raw = (SAMPLE / "indicators.csv").read_bytes()
    assert b"\r\n" in raw and raw.decode("cp1252")  # cp1252, Excel line ends
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # 'mantelzorgcafé' in cp1252 is not valid UTF-8
    ind = tables["indicators"]
    assert list(ind.columns) == ["indicator", "gebied", "periode", "waarde", "eenheid", "bron",
                                 "eigenaar", "streefwaarde", "activiteit", "spoor"]
    wk = ind[ind["gebied"].str.startswith("WK")]
    per_area = wk.groupby("gebied")["periode"].nunique()
    assert len(per_area) >= 6 and per_area.min() >= 8
    assert set(ind["periode"]) == {f"{y}K{q}" for y in (2024, 2025) for q in range(1, 5)}
    assert set(ind["eigenaar"]) == {"gemeente", "organisatie", "bewoners", "onderzoekers"}
    vals = ind["waarde"]
    for sym in (".", "x", "-"):
        assert (vals == sym).sum() >= 3, sym
    assert vals.str.endswith("*").sum() >= 3
    assert vals.str.contains(r"^\d+,\d$").any()  # decimal comma
    assert vals.str.contains(r"^\d{1,3}\.\d{3}").any()  # thousands dot
    assert (ind["streefwaarde"] != "").all()


def test_indicators_xlsx_matches_csv(tables):
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE / "indicators.xlsx", read_only=True)
    assert wb.sheetnames == ["Indicatoren", "Toelichting"]
    rows = list(wb["Indicatoren"].iter_rows(values_only=True))
    head = rows[0]
    assert head[-8:] == tuple(f"{y}K{q}" for y in (2024, 2025) for q in range(1, 5))
    ind = tables["indicators"]
    assert (len(rows) - 1) * 8 == len(ind)
    toel = " ".join(str(c) for r in wb["Toelichting"].iter_rows(values_only=True) for c in r if c)
    assert "SYNTHETISCH" in toel
    # one cell checked against the long CSV
    first = dict(zip(head, rows[1]))
    csv_val = ind[(ind["indicator"] == first["indicator"]) & (ind["gebied"] == first["gebied"])
                  & (ind["periode"] == "2024K1")]["waarde"].iloc[0]
    assert str(first["2024K1"]).replace(".", ",") == csv_val or csv_val in {".", "x", "-"}


def test_msc_rounds(tables):
    msc = tables["msc"]
    st = tables["stories"]
    assert set(msc["round"]) >= {1, 2}
    assert set(msc["story_id"]) <= set(st["story_id"])
    assert msc["selected"].dtype == bool
    r1 = msc[msc["round"] == 1]
    assert r1["domain"].nunique() == 6
    winners1 = set(r1.loc[r1["selected"], "story_id"])
    r2 = msc[msc["round"] == 2]
    assert set(r2["story_id"]) <= winners1  # round 2 reads round-1 winners only
    assert r2["selected"].sum() >= 2
    sel = msc[msc["selected"]]
    assert (sel["reasons"].str.len() > 20).all()
    # every selected story's reasons name at least one criterion the analysis recognises
    from impactlib.analysis import MSC_CRITERIA
    from impactlib.analysis.msc import criteria_in
    import re

    hits = criteria_in(sel["reasons"], {k: re.compile("|".join(v), re.I) for k, v in MSC_CRITERIA.items()})
    assert hits.any(axis=1).all(), sel.loc[~hits.any(axis=1), "reasons"].tolist()
    assert (hits.sum() > 0).sum() >= 6  # the panels use varied criteria


def test_effect_arena_has_wrong_pocket(tables):
    ar = tables["arena"]
    assert set(ar["role"]) == {"investor", "beneficiary"}
    assert ar["activity"].nunique() == 8
    wrong = 0
    for _, g in ar.groupby(["activity", "effect"]):
        inv = set(g.loc[g["role"] == "investor", "stakeholder"])
        ben = set(g.loc[g["role"] == "beneficiary", "stakeholder"])
        assert inv and ben
        wrong += not (inv & ben)
    assert wrong >= 5


def test_committed_sample_is_up_to_date(tmp_path):
    mod = _build_module()
    mod.build(SRC, tmp_path)
    for f in sorted(tmp_path.iterdir()):
        assert f.read_bytes() == (SAMPLE / f.name).read_bytes(), (
            f"data/sample/{f.name} is out of date; run python scripts/build_sample.py")


def test_build_fails_on_quote_not_in_text(tmp_path):
    mod = _build_module()
    src = tmp_path / "src"
    src.mkdir()
    (src / "stories_part1.yaml").write_text(
        "- story_id: S001\n  activity: Mantelzorgcafé\n  storyteller_role: mantelzorger\n"
        "  collected_on: 2024-05-01\n  track: betekenisgeving\n  domain: Sociale contacten\n"
        "  area: WK990105\n  collected_by: vrijwilliger\n  why_significant: x\n"
        "  text: Ik voel me minder alleen.\n"
        "  story_code: {coder_a: [positive, intended, direct]}\n"
        "  effects:\n    - quote: Ik voel me niet meer alleen.\n"
        "      coder_a: [positive, intended, direct]\n", encoding="utf-8")
    with pytest.raises(mod.BuildError, match=r"S001: effect #1: quote 'Ik voel me niet meer alleen\.' is not"):
        mod.build(src, tmp_path / "out")
    # lenient mode skips the story and still writes the other files
    n = mod.build(src, tmp_path / "out", lenient=True)
    assert n["stories"] == 0 and (tmp_path / "out" / "indicators.csv").is_file()

"""The sentences of notebooks 6 and 7, reached without a notebook."""

from types import SimpleNamespace

import pandas as pd
import pytest

from impactlib import analysis as A
from impactlib import synthesis as S
from impactlib.display import findings

STORIES = pd.DataFrame({
    "story_id": ["S1", "S2", "S3", "S4"],
    "text": ["Ik ben niet meer eenzaam sinds de buurtkamer.", "De schulden liepen toch op.",
             "Het turven kost veel tijd. Ik heb geleerd eerst te luisteren.", "De wachtlijst is lang."],
    "activity": ["Buurtkamer", "Schuldhulp", "Buurtkamer", "Schuldhulp"],
    "track": ["betekenisgeving", "betekenisgeving", "vakmanschap", "vakmanschap"],
    "storyteller_role": ["deelnemer", "deelnemer", "professional", "professional"],
})
ARENA = pd.DataFrame({
    "activity": ["Buurtkamer"] * 3 + ["Schuldhulp"] * 2,
    "effect": ["minder eenzaamheid"] * 3 + ["minder schulden"] * 2,
    "stakeholder": ["gemeente", "gemeente", "bewoners", "gemeente", "woningcorporatie"],
    "role": ["investor", "beneficiary", "beneficiary", "investor", "beneficiary"],
})


def _codes(values):
    """Whole-story codes plus one segment over the whole text, by one human coder."""
    texts = dict(zip(STORIES["story_id"], STORIES["text"]))
    rows = []
    for sid, (v, i, d) in values.items():
        for start, end in ((None, None), (0, len(texts[sid]))):
            for dim, val in zip(("valence", "intentionality", "directness"), (v, i, d)):
                rows.append({"story_id": sid, "start": start, "end": end, "dimension": dim, "value": val,
                             "coder": "coder_a", "source": "human", "status": "accepted", "origin": "human"})
    return pd.DataFrame(rows)


CODES = _codes({"S1": ("positive", "intended", "direct"), "S2": ("negative", "intended", "direct"),
                "S3": ("negative", "unintended", "indirect"), "S4": ("negative", "unintended", "direct")})


def test_pct_and_findings_display():
    assert S.pct(0.5) == "50%" and S.pct(None) == "–"
    g = findings([S.Finding("Een."), S.Finding("Twee.", True)])
    assert "Een." in repr(g) and "Twee." in repr(g)


def test_vakmanschap_compares_tracks_and_names_negative_themes():
    f = S.vakmanschap(CODES, STORIES)
    assert f[0].text.startswith("In de reflecties van professionals is 100% van de hoofdeffecten negatief, tegen 50%")
    assert "meer keerzijden" in f[0].text
    assert "werkdruk en registratie (1)" in f[1].text and "toegang en bereik (1)" in f[1].text
    none = S.vakmanschap(CODES, STORIES.drop(columns="track"))
    assert none[0].warning and "geen reflecties" in none[0].text


def test_arena_findings_name_wrong_pockets_and_parties_that_only_cash_in():
    f = S.arena(ARENA, CODES, STORIES)
    assert f[0].text.startswith("1 van de 2 effecten in de arena zijn verkeerde-zak-effecten")
    assert "Partijen die alleen incasseren: bewoners, woningcorporatie." in f[0].text
    assert S.arena(None, CODES, STORIES)[0].warning


def test_arena_support_findings():
    support = A.arena_support(ARENA, CODES, STORIES)
    f = S.arena_support_findings(support)
    assert len(f) == 3 and f[2].text.startswith("Van de 1 verkeerde-zak-effecten")
    assert S.arena_support_findings(pd.DataFrame()) == []


def test_doelmatigheid_without_indicators_warns():
    f = S.doelmatigheid(None, CODES, STORIES)
    assert f[0].warning and "geen indicatoren" in f[0].text


def test_betekenisgeving_without_msc():
    f = S.betekenisgeving(CODES, STORIES, None)
    assert f[0].text.startswith("2 verhalen van deelnemers en hun omgeving zijn gecodeerd: 50%")
    assert f[1].warning and "geen MSC-selectierondes" in f[1].text


def test_caveats_and_next_steps():
    project = SimpleNamespace(name="p", stories=STORIES, indicators=None, activities=None, msc=None, arena=ARENA,
                              codes=CODES, synthetic=True)
    c = S.caveats(project, CODES)
    assert c[0].warning and "synthetisch" in c[0].text
    assert "4 verhalen zijn door onderzoekers gecodeerd, 0 alleen door de tagger" in c[1].text
    assert "niet door twee codeurs" in c[2].text
    steps = S.next_steps(project, CODES)
    assert [s.text[:2] for s in steps] == [f"{i}." for i in range(1, len(steps) + 1)]
    assert any("voeg de indicatoren" in s.text for s in steps)
    assert any("tweede codeur" in s.text for s in steps)


def test_invisible_and_unintended_tables():
    f, top = S.invisible(CODES, STORIES, None)
    assert "hebben geen indicator" in f[0].text and "helemaal geen indicatoren" in f[0].text
    assert set(top.columns) >= {"theme", "voorbeeld", "bron"} and set(top["bron"]) == {"human"}
    f, harm = S.unintended(CODES, STORIES)
    assert f[0].text.startswith("nieuwe schade: 2 effecten in 2 verhalen")
    assert list(harm["activity"]) == ["Buurtkamer", "Schuldhulp"]


def test_reflections_and_lessons():
    refl, how = A.reflection_stories(STORIES)
    assert refl["story_id"].tolist() == ["S3", "S4"] and how == "de verhalen van het spoor vakmanschap"
    lessons = A.lesson_sentences(refl)
    assert lessons[["story_id", "quote", "cue"]].to_numpy().tolist() == [
        ["S3", "Ik heb geleerd eerst te luisteren.", "geleerd"]]
    assert A.lesson_sentences(refl, cues=["wachtlijst"])["story_id"].tolist() == ["S4"]
    assert A.lesson_sentences(None).empty
    refl, how = A.reflection_stories(None)
    assert refl.empty and how == "het project heeft geen verhalen"


def test_effects_with_themes_one_per_story():
    seg = CODES
    e = A.effects_with_themes(seg, STORIES)
    assert e["story_id"].tolist() == ["S3"]
    assert A.effects_with_themes(seg, STORIES, names=["toegang en bereik"])["story_id"].tolist() == ["S4"]


def test_stakeholder_positions():
    pos = A.stakeholder_positions(ARENA)
    assert pos.to_numpy().tolist() == [["gemeente", 2, 1, "beide"], ["bewoners", 0, 1, "alleen incasseerder"],
                                       ["woningcorporatie", 0, 1, "alleen incasseerder"]]
    assert A.stakeholder_positions(None).empty


def test_counts_of_one_read_in_the_singular():
    """'1 verhaal', not '1 verhalen': the findings are read by municipalities."""
    assert S.n_of(1, "verhaal", "verhalen") == "1 verhaal"
    assert S.n_of(0, "verhaal", "verhalen") == "0 verhalen"
    assert S.n_of(12, "cijfer", "cijfers") == "12 cijfers"
    one = CODES[CODES["story_id"] == CODES["story_id"].iloc[0]]
    project = SimpleNamespace(name="p", stories=STORIES.iloc[:1], indicators=None, activities=None, msc=None,
                              arena=ARENA, codes=one, synthetic=False)
    text = S.caveats(project, one)[0].text
    assert text.startswith("Codes: 1 verhaal is door onderzoekers gecodeerd, 0 alleen door de tagger")
    assert "0 verhalen hebben geen gecodeerd effect" in text


def test_next_step_for_one_machine_coded_story_is_grammatical():
    codes = CODES.copy()
    codes["origin"] = ["machine" if sid == "S1" else "human" for sid in codes["story_id"]]
    project = SimpleNamespace(name="p", stories=STORIES, indicators=None, activities=None, msc=None, arena=ARENA,
                              codes=codes, synthetic=False)
    texts = [s.text for s in S.next_steps(project, codes)]
    assert any("Laat het verhaal dat alleen de tagger codeerde nakijken" in t for t in texts), texts

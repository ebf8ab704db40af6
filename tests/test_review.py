"""Tests of impactlib.review: the reviewer driven through its plain methods and its widgets."""

from __future__ import annotations

import pandas as pd
import pytest

from impactlib.codebook import load_codebook
from impactlib.errors import StoreError
from impactlib.review import Reviewer, highlight_html
from impactlib.store import open_store

STORIES = pd.DataFrame({
    "story_id": ["S1", "S2", "S3"],
    "text": [
        "Ik ben niet meer eenzaam sinds de buurtkamer. Mijn buren zien me nu ook.",
        "De huiswerkklas hielp niet; mijn cijfers bleven slecht.",
        "<script>alert('x')</script> & de vrijwilliger raakte overbelast.",
    ],
    "activity": ["Buurtkamer De Linde", "Huiswerkklas Oost", "Mantelzorgcafé"],
    "activity_goal": ["Ontmoeting bevorderen.", "Schoolprestaties verbeteren.", "Overbelasting voorkomen."],
})
STORY_ROWS = pd.DataFrame({
    "story_id": ["S1", "S2", "S3"],
    "valence": ["positive", "negative", "negative"],
    "intentionality": ["intended", "intended", "unintended"],
    "directness": ["direct", "direct", "indirect"],
    "valence_confidence": [0.9, 0.55, 0.7],
    "intentionality_confidence": [0.8, 0.6, 0.66],
    "directness_confidence": [0.7, 0.52, 0.65],
    "evidence": ["eenzaam(+, omgedraaid door niet meer)", "hielp niet", "<b>overbelast</b>"],
})
SEGMENT_ROWS = pd.DataFrame({
    "story_id": ["S1", "S1"], "start": [0, 46], "end": [45, 72],
    "text": ["Ik ben niet meer eenzaam sinds de buurtkamer.", "Mijn buren zien me nu ook."],
    "valence": ["positive", "positive"], "intentionality": ["intended", "unintended"],
    "directness": ["direct", "indirect"],
    "valence_confidence": [0.82, 0.75], "intentionality_confidence": [0.76, 0.84],
    "directness_confidence": [0.84, 0.92], "evidence": ["eenzaam", "wie verandert: buren"],
})


@pytest.fixture()
def store(tmp_path):
    with open_store(tmp_path / "impactlib.sqlite") as s:
        s.register_codebook(load_codebook())
        yield s


@pytest.fixture()
def reviewer(store):
    return Reviewer(store, STORIES, [STORY_ROWS, SEGMENT_ROWS], coder="coder_a")


def mine(store):
    cur = store.current(coder="coder_a")
    return {(r.story_id, None if pd.isna(r.start) else int(r.start), r.dimension): (r.status, r.value)
            for r in cur.itertuples()}


def test_order_is_least_certain_first(reviewer, store):
    assert reviewer.story_ids == ["S2", "S3", "S1"]
    assert reviewer.story_id == "S2"
    assert len(store.current(status="suggested")) == 9 + 6
    # suggestions given again are not stored twice
    Reviewer(store, STORIES, [STORY_ROWS, SEGMENT_ROWS], coder="coder_b")
    assert len(store.history()) == 15


def test_decide_accepts_edits_rejects_and_records(reviewer, store):
    reviewer.go_to("S1")
    reviewer.decide("valence", "positief")                          # same as suggested
    reviewer.decide("intentionality", "unintended", memo="bijeffect")  # changed
    reviewer.decide("directness", None)                             # rejected
    reviewer.decide("directness", "indirect", span=(46, 72))        # same as the span suggestion
    reviewer.decide("valence", "afwijzen", span=(0, 45))
    assert mine(store) == {
        ("S1", None, "valence"): ("accepted", "positive"),
        ("S1", None, "intentionality"): ("edited", "unintended"),
        ("S1", None, "directness"): ("rejected", "direct"),
        ("S1", 46, "directness"): ("accepted", "indirect"),
        ("S1", 0, "valence"): ("rejected", "positive"),
    }
    assert store.current(coder="coder_a", dimension="intentionality")["memo"].tolist() == ["bijeffect"]
    assert reviewer.messages[1] == "S1: intentionality = onbedoeld (aangepast)"
    # a dimension on a span without a suggestion becomes a new human code
    reviewer.decide("valence", "negative", span=(10, 20))
    row = store.current(coder="coder_a", level="segment", dimension="valence")
    assert ("human", 10, 20) in set(zip(row.source, row.start, row.end))


def test_bad_decisions_are_refused_with_a_clear_message(reviewer, store):
    with pytest.raises(StoreError, match=r"'positve' is not a value of valence; use positive \(positief\), negative"):
        reviewer.decide("valence", "positve")
    with pytest.raises(StoreError, match=r"there is no suggestion for valence to reject"):
        reviewer.decide("valence", None, span=(1, 3))
    with pytest.raises(StoreError, match="dimension 'mood' is not reviewed here"):
        reviewer.decide("mood", "blij")
    assert store.current(coder="coder_a").empty


def test_accept_all_and_navigation(reviewer, store):
    assert reviewer.open_count() == 3
    reviewer.decide("valence", "positive")  # S2: change before accepting the rest
    ids = reviewer.accept_all()
    assert len(ids) == 2 and reviewer.open_count() == 0
    assert mine(store)[("S2", None, "valence")] == ("edited", "positive")
    assert reviewer.previous() == "S2"  # stays at the start
    assert reviewer.next() == "S3"
    assert len(reviewer.accept_all()) == 3
    assert reviewer.next() == "S1"
    assert reviewer.next() == "S1"  # stays at the end
    assert len(reviewer.accept_all()) == 3 + 6
    assert store.queue("coder_a").empty
    prog = reviewer.progress()
    assert prog.loc["valence"].to_dict() == {"accepted": 4, "edited": 1}
    assert prog.attrs["open_stories"] == 0
    assert "nog te beoordelen: 0" in repr(reviewer)


def test_keyboard_shortcuts(reviewer, store):
    reviewer.handle_key("2")   # valence negatief = suggested -> accepted
    reviewer.handle_key("4")   # onbedoeld -> edited
    reviewer.handle_key("c")   # reject directness
    reviewer.handle_key("?")   # ignored
    assert mine(store) == {("S2", None, "valence"): ("accepted", "negative"),
                           ("S2", None, "intentionality"): ("edited", "unintended"),
                           ("S2", None, "directness"): ("rejected", "direct")}
    reviewer.handle_key("n")
    assert reviewer.story_id == "S3"
    reviewer.handle_key("a")
    assert reviewer.open_count("S3") == 0
    reviewer.handle_key("p")
    assert reviewer.story_id == "S2"


def test_story_html_highlights_spans_and_escapes(reviewer):
    reviewer.go_to("S1")
    out = reviewer.story_html()
    assert out.count("<mark") == 2
    assert "#009E73" in out  # positive colour from the codebook
    assert "positief · onbedoeld · indirect" in out
    reviewer.go_to("S3")
    out = reviewer.story_html()
    assert "<script>" not in out and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; de" in out


def test_highlight_html_overlaps_and_bounds():
    out = highlight_html("abcdefgh", [
        {"start": 0, "end": 6, "valence": "positive", "title": 'a"b'},
        {"start": 2, "end": 4, "valence": "negative"},
        {"start": 5, "end": 99},  # outside the text: dropped
    ])
    assert out.count("<mark") == 3  # ab | cd (inner, negative) | ef
    assert "#D55E0033" in out and 'title="a&quot;b"' in out
    assert out.endswith("gh</div>")


def test_widgets_write_to_the_store(reviewer, store):
    w = reviewer.widget
    assert w is reviewer.widget  # built once
    ui = reviewer._ui
    assert "Verhaal 1 van 3" in ui["header"].value and "Schoolprestaties verbeteren." in ui["header"].value
    tb = ui["toggles"][(None, "valence")]
    assert tb.options == ("positief", "negatief", "afwijzen")
    tb.value = "positief"  # a click
    assert mine(store)[("S2", None, "valence")] == ("edited", "positive")
    assert "S2: valence = positief (aangepast)" in ui["status"].value
    ui["keys"].value = "x"  # shortcut typed in the field: reject intentionality
    assert mine(store)[("S2", None, "intentionality")] == ("rejected", "intended")
    assert ui["keys"].value == ""
    assert ui["toggles"][(None, "intentionality")].value == "afwijzen"
    ui["buttons"][2].click()  # Volgende
    assert reviewer.story_id == "S3" and "Verhaal 2 van 3" in ui["header"].value
    ui["buttons"][1].click()  # Alles accepteren
    assert reviewer.open_count("S3") == 0
    assert ui["toggles"][(None, "directness")].value == "indirect"
    ui["buttons"][2].click()
    assert set(k[0] for k in ui["toggles"]) == {None, (0, 45), (46, 72)}  # S1: whole story + 2 spans


def test_reviewer_without_suggestions_codes_from_scratch(store):
    r = Reviewer(store, STORIES.iloc[:1], coder="coder_b")
    assert r.story_ids == ["S1"] and r.items()[0]["dims"] == {}
    r.decide("valence", "positive")
    assert store.current(coder="coder_b")["source"].tolist() == ["human"]
    with pytest.raises(StoreError, match="coder's name"):
        Reviewer(store, coder="")

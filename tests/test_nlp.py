"""Tests for impactlib.nlp: pipeline, lemmatizer, impact_suggester rules, ImpactEngine rows."""

from __future__ import annotations

import pytest
import spacy
import yaml

from impactlib.codebook import load_codebook
from impactlib.errors import CodebookError
from impactlib.nlp import (
    SEGMENT_COLUMNS,
    STORY_COLUMNS,
    ImpactEngine,
    build_pipeline,
    clean_text,
    lemmatize_word,
)
from impactlib.nlp.lexicon import polarity_lexicon

BUURTKAMER = "Ontmoeting tussen buurtbewoners bevorderen en eenzaamheid onder (oudere) bewoners verminderen."
HUISWERK = ("Schoolprestaties en motivatie van kinderen uit groep 7-8 en de brugklas verbeteren "
            "en schooluitval voorkomen.")
SCHULD = "Betalingsachterstanden vroeg signaleren en oplopende schulden en huisuitzettingen voorkomen."
OVERLAST = "Overlast door jongeren verminderen en jongeren toeleiden naar school, werk of zinvolle vrije tijd."


@pytest.fixture(scope="module")
def engine() -> ImpactEngine:
    return ImpactEngine()


def story(engine, text, goal=None, **ctx):
    row, segs = engine.tag_text(text, goal, **ctx)
    return row, segs


def code(engine, text, goal=None, **ctx):
    row, _ = story(engine, text, goal, **ctx)
    return row["valence"], row["intentionality"], row["directness"]


# ---------------------------------------------------------------- pipeline and lemmatizer
def test_pipeline_components_and_spans(engine):
    nlp = engine.nlp
    assert nlp.pipe_names == ["impact_sentencizer", "impact_lemmatizer", "impact_suggester"]
    doc = nlp.make_doc("Ik ben niet meer eenzaam. Mijn dochter maakt zich minder zorgen.")
    doc._.activity_goal = BUURTKAMER
    doc = nlp(doc)
    assert [t.lemma_ for t in doc[:5]] == ["ik", "zijn", "niet", "meer", "eenzaam"]
    spans = doc.spans["impact"]
    assert len(spans) == 2
    first = spans[0]._.impact
    assert (first["valence"], first["intentionality"], first["directness"]) == ("positive", "intended", "direct")
    for key in ("terms", "negation", "goal_overlap", "who", "chain", "themes"):
        assert key in first["evidence"]
    assert first["evidence"]["negation"] == ["niet meer"]
    assert "eenzaam" in first["evidence"]["goal_overlap"]
    assert 0.5 <= first["valence_confidence"] <= 1.0
    assert doc._.impact["valence"] == "positive"


def test_extensions_are_idempotent_and_pipelines_independent():
    a = build_pipeline()
    b = build_pipeline(model="blank")
    assert a("Ik ben blij.").spans["impact"] is not None
    assert b.pipe_names == a.pipe_names


def test_lemmatizer_uses_simplemma_and_fixes_what_rules_need():
    assert lemmatize_word("eenzame") == "eenzaam"
    assert lemmatize_word("kinderen") == "kind"
    assert lemmatize_word("opgelopen") == "oplopen"  # separable verb joined
    assert lemmatize_word("minder") == "minder"  # simplemma says 'weinig'
    nlp = spacy.blank("nl")
    nlp.add_pipe("impact_lemmatizer")
    doc = nlp("De wachtlijsten voor vrijwilligers")
    assert [t.lemma_ for t in doc] == ["de", "wachtlijst", "voor", "vrijwilliger"]


def test_general_polarity_lexicon_is_loaded():
    pol = polarity_lexicon()
    assert len(pol) > 1000
    assert pol["blij"] > 0 > pol["bang"]


def test_suggester_to_disk_from_disk_keeps_codebook(tmp_path):
    nlp = build_pipeline(load_codebook())
    comp = nlp.get_pipe("impact_suggester")
    comp.min_polarity = 0.33
    comp.to_disk(tmp_path / "sugg")
    other = build_pipeline().get_pipe("impact_suggester")
    other.from_disk(tmp_path / "sugg")
    assert other.min_polarity == 0.33
    assert other.codebook.fingerprint() == comp.codebook.fingerprint()


# ---------------------------------------------------------------- valence and negation
@pytest.mark.parametrize(
    "text, goal, valence",
    [
        ("Ik ben niet meer eenzaam.", BUURTKAMER, "positive"),
        ("Er is geen verbetering in zijn cijfers.", HUISWERK, "negative"),
        ("Er is geen enkele verbetering.", HUISWERK, "negative"),
        ("Ik heb nooit meer last van overlast.", OVERLAST, "positive"),
        ("De achterstand is niet kleiner geworden.", SCHULD, "negative"),
        ("Mijn schulden zijn minder geworden.", SCHULD, "positive"),
        ("De schulden liepen toch op.", SCHULD, "negative"),
        ("Eenzaam ben ik nog steeds.", BUURTKAMER, "negative"),
        ("Het lukt hem niet om zijn huiswerk te maken.", HUISWERK, "negative"),
        ("Vroeger was ik heel eenzaam, nu heb ik elke week contact met mensen.", BUURTKAMER, "positive"),
    ],
)
def test_negation_and_shifters(engine, text, goal, valence):
    assert code(engine, text, goal)[0] == valence


def test_change_without_evaluative_word_defaults_to_positive_with_low_confidence(engine):
    row, segs = story(engine, "Sinds de zomer slaap ik weer door.", OVERLAST, storyteller_role="buurtbewoner")
    assert row["valence"] == "positive"
    assert "standaard positief" in segs[0]["evidence"]
    assert segs[0]["valence_confidence"] < 0.7
    # a description of the situation before is not an effect on its own
    _, segs = story(engine, "Vroeger ging ik elke dag naar de markt.", BUURTKAMER)
    assert segs == []


def test_dutch_compounds_inherit_domain_valence(engine):
    row, segs = story(engine, "De jeugdoverlast op het plein is flink afgenomen.", OVERLAST)
    assert row["valence"] == "positive"
    assert "jeugdoverlast" in segs[0]["evidence"]


def test_sentences_split_on_final_punctuation_and_blank_lines(engine):
    doc = engine.nlp("Het gaat goed. Echt!\n\nNieuwe alinea zonder punt\n\nEn nog een")
    assert [s.text.strip() for s in doc.sents] == ["Het gaat goed.", "Echt!", "Nieuwe alinea zonder punt", "En nog een"]


def test_niet_alleen_is_not_loneliness(engine):
    _, segs = story(engine, "Het gaat niet alleen om koffie.", BUURTKAMER)
    assert segs == []


# ---------------------------------------------------------------- intentionality against the goal
def test_same_change_intended_or_not_depending_on_goal(engine):
    text = "Mijn schulden zijn minder geworden."
    assert code(engine, text, SCHULD)[1] == "intended"
    assert code(engine, text, HUISWERK)[1] == "unintended"


def test_goal_fallen_short_is_intended(engine):
    row, _ = story(engine, "De achterstand is niet kleiner geworden.", SCHULD)
    assert row["intentionality"] == "intended"
    assert "niet bereikt" in row["evidence"]


def test_side_effects_are_unintended(engine):
    v, i, _ = code(engine, "Sommige ouders schamen zich en het stigma is groot.", HUISWERK, storyteller_role="docent")
    assert (v, i) == ("negative", "unintended")
    v, i, _ = code(engine, "Via de schuldhulp heb ik een nieuwe vriendin leren kennen.", SCHULD)
    assert (v, i) == ("positive", "unintended")
    row, _ = story(engine, "Ik ben niet meer eenzaam.")  # no goal: said so in the evidence
    assert "geen activity_goal" in row["evidence"]


# ---------------------------------------------------------------- directness: who changes
def test_direct_vs_indirect_by_who_changes(engine):
    assert code(engine, "Sinds de buurtkamer ben ik minder eenzaam.", BUURTKAMER)[2] == "direct"
    row, segs = story(engine, "Mijn dochter maakt zich minder zorgen.", BUURTKAMER, storyteller_role="deelnemer")
    assert row["directness"] == "indirect"
    assert "dochter" in segs[0]["evidence"]
    # a volunteer's own change is not a participant's
    assert code(engine, "Ik ben overbelast geraakt.", BUURTKAMER, storyteller_role="vrijwilliger")[1:] == (
        "unintended", "indirect")
    # a parent about the child of a homework class: the child is the participant
    assert code(engine, "Mijn zoon haalt nu betere cijfers.", HUISWERK, storyteller_role="ouder")[2] == "direct"
    # places after a preposition are not who changes
    assert code(engine, "Ik ga weer met plezier naar school.", HUISWERK, storyteller_role="kind/jongere")[2] == "direct"


def test_chains_are_indirect_with_evidence(engine):
    row, segs = story(engine, "Doordat mijn moeder op tijd hulp kreeg, kan ik op mijn school blijven.", SCHULD,
                      storyteller_role="kind/jongere")
    assert row["directness"] == "indirect"
    assert "keten: doordat" in segs[0]["evidence"]
    row, segs = story(engine, "Hij is gestopt met blowen, waardoor zijn broertje ook minder problemen heeft.",
                      OVERLAST, storyteller_role="jongerenwerker")
    assert segs and segs[0]["directness"] == "indirect"
    assert "waardoor" in segs[0]["evidence"]


# ---------------------------------------------------------------- rows and offsets
def test_rows_have_exactly_the_contract_columns(engine):
    stories, segments = engine.tag([
        {"story_id": "S1", "text": "Ik ben niet meer eenzaam. Mijn zoon is blij.", "activity_goal": BUURTKAMER},
        {"story_id": "S2", "text": "", "activity_goal": BUURTKAMER},
    ])
    assert [tuple(r) for r in stories] == [STORY_COLUMNS, STORY_COLUMNS]
    assert all(tuple(r) == SEGMENT_COLUMNS for r in segments)
    assert [s["story_id"] for s in segments] == ["S1", "S1"]
    empty = stories[1]
    assert empty["valence"] == "" and empty["valence_confidence"] is None
    assert "lege tekst" in empty["evidence"]


def test_offsets_are_code_points_into_the_original_text(engine):
    text = "Renée 😊 zegt: \"het gaat beter\". Ik ben niet meer eenzaam 👍 en blij!"
    _, segs = story(engine, text, BUURTKAMER)
    assert segs
    for s in segs:
        assert text[s["start"]:s["end"]] == s["text"]
    assert segs[-1]["text"].startswith("Ik ben niet meer eenzaam")


def test_html_and_control_characters_keep_offsets(engine):
    text = "<p>Ik ben <b>niet meer</b> eenzaam.</p>\x07 Mijn zoon&nbsp;is blij."
    cleaned, notes = clean_text(text)
    assert len(cleaned) == len(text)
    assert "HTML-resten genegeerd" in notes and "stuurtekens genegeerd" in notes
    row, segs = story(engine, text, BUURTKAMER)
    assert row["valence"] == "positive"
    assert "HTML-resten genegeerd" in row["evidence"]
    for s in segs:
        assert text[s["start"]:s["end"]] == s["text"]


def test_bad_input_never_crashes(engine):
    big = ("Ik ben niet meer eenzaam sinds ik naar de buurtkamer ga. " * 18000)[:1_000_000]
    records = [
        {"story_id": "big", "text": big, "activity_goal": BUURTKAMER},
        {"story_id": "en", "text": "The kids are doing much better now, thank you so much for this."},
        {"story_id": "blank", "text": "   \n\t "},
        {"story_id": "none", "text": None},
        {"story_id": "nan", "text": float("nan")},
        {"story_id": "ctrl", "text": "\x00\x01\x02"},
        {"story_id": "num", "text": 12345},
    ]
    stories, segments = engine.tag(records)
    assert [r["story_id"] for r in stories] == ["big", "en", "blank", "none", "nan", "ctrl", "num"]
    by = {r["story_id"]: r for r in stories}
    assert by["big"]["valence"] == "positive"
    assert "lange tekst" in by["big"]["evidence"]
    assert by["en"]["valence"] == "" or "Engels" in by["en"]["evidence"]
    assert "lege tekst" in by["blank"]["evidence"] and "lege tekst" in by["none"]["evidence"]
    assert "niet getagd" in by["ctrl"]["evidence"]
    big_segs = [s for s in segments if s["story_id"] == "big"]
    assert 0 < len(big_segs) <= 200


def test_story_level_main_effect_follows_why_significant(engine):
    text = ("Ik ben niet meer eenzaam. "
            "Wel ben ik mijn fiets kwijt, dat is vervelend.")
    row, segs = story(engine, text, BUURTKAMER, why_significant="Omdat ik me niet meer eenzaam voel.")
    assert len(segs) == 2
    assert row["valence"] == "positive"
    assert "waarom belangrijk" in row["evidence"]


# ---------------------------------------------------------------- codebook integration
def test_user_theme_codes_are_picked_up(tmp_path):
    cb_file = tmp_path / "mijn_codeboek.yaml"
    cb_file.write_text(yaml.safe_dump({
        "name": "wonen", "version": "0.1",
        "themes": {"wonen": {"label": "wonen", "owner": "bewoners",
                              "patterns": ["woning", "schimmel", {"regex": "^huurverhog"}]}},
    }), encoding="utf-8")
    eng = ImpactEngine(cb_file)
    assert eng.codebook_version == "0.1"
    _, segs = eng.tag_text("De schimmel in onze woning is eindelijk weg, dat is fijn.", SCHULD)
    assert segs and "thema's: wonen" in segs[0]["evidence"]
    doc = eng.nlp("Na de huurverhoging hebben we weer betalingsproblemen en veel zorgen.")
    assert any("wonen" in s._.impact["themes"] for s in doc.spans["impact"])


def test_user_domain_lexicon_changes_valence(tmp_path):
    base = load_codebook().to_dict()
    base["version"] = "9"
    base["dimensions"]["valence"]["values"]["positive"]["patterns"].append("klusgroep")
    p = tmp_path / "cb.yaml"
    p.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    default_row, _ = ImpactEngine().tag_text("Er is een klusgroep.", BUURTKAMER)
    row, _ = ImpactEngine(p).tag_text("Er is een klusgroep.", BUURTKAMER)
    assert default_row["valence"] == ""
    assert row["valence"] == "positive"


def test_invalid_codebook_is_a_clear_error(tmp_path):
    p = tmp_path / "kapot.yaml"
    p.write_text("version: '1'\nthemes:\n  stigma:\n    patterns: [schaamte, stempel, {regex: '(['}]\n",
                 encoding="utf-8")
    with pytest.raises(CodebookError, match=r"kapot\.yaml: themes\.stigma\.patterns\[2\]: bad regex"):
        build_pipeline(p)
    p.write_text("version: '1'\ndimensions:\n  valance: {}\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"unknown dimension 'valance'"):
        ImpactEngine(p)


def test_engine_combines_a_learned_model_folder(tmp_path):
    pd = pytest.importorskip("pandas")
    from impactlib.nlp.model import ImpactModel

    texts = ["Ik ben niet meer eenzaam.", "Er is geen verbetering.", "Mijn dochter is blij.", "De schulden liepen op."]
    X = pd.DataFrame({"text": texts * 5, "activity_goal": [BUURTKAMER] * 20})
    y = pd.DataFrame({"valence": ["positive", "negative", "positive", "negative"] * 5,
                      "intentionality": ["intended", "intended", "unintended", "intended"] * 5,
                      "directness": ["direct", "direct", "indirect", "direct"] * 5})
    ImpactModel().fit(X, y).save(tmp_path / "model")
    eng = ImpactEngine(model=tmp_path / "model")
    stories, segments = eng.tag([{"story_id": "a", "text": texts[0], "activity_goal": BUURTKAMER},
                                 {"story_id": "b", "text": ""}])
    assert [tuple(r) for r in stories] == [STORY_COLUMNS, STORY_COLUMNS]
    assert stories[0]["valence"] == "positive" and "model:" in stories[0]["evidence"]
    assert stories[1]["valence"] == "" and "lege tekst" in stories[1]["evidence"]
    assert len(segments) == 1


def test_whole_pipeline_saves_and_loads_with_spacy(tmp_path):
    nlp = build_pipeline(load_codebook())
    nlp.to_disk(tmp_path / "pipe")
    again = spacy.load(tmp_path / "pipe")
    assert again.pipe_names == nlp.pipe_names
    doc = again("Ik ben niet meer eenzaam.")
    assert doc.spans["impact"][0]._.impact["valence"] == "positive"
    assert again.get_pipe("impact_suggester").codebook.fingerprint() == load_codebook().fingerprint()


def test_fast_path_equals_the_spacy_components(engine):
    """``ImpactSuggester.analyse_doc`` (the engine's one-pass path) = the three components run by spaCy."""
    import csv
    import random
    from pathlib import Path

    nlp, sug = engine.nlp, engine.suggester
    with open(Path(__file__).resolve().parent.parent / "data" / "sample" / "stories.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pieces = ["Ik ben blij.", "Het gaat slecht!", "\n\n", "\n", "  ", '"', ")", "...", "?!", "maar", ";", "nu",
              "niet meer eenzaam", "the", "and", "was", "with", "vroeger", "waardoor", "geen", "…", "”", ",", "en"]
    rng = random.Random(3)
    texts = [(r["text"], r.get("activity_goal") or None, r.get("why_significant") or None,
              r.get("storyteller_role") or None) for r in rows]
    for _ in range(300):
        r = rng.choice(rows)
        texts.append((" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))), r.get("activity_goal") or None,
                      rng.choice([None, r.get("why_significant")]), rng.choice([None, r.get("storyteller_role")])))
    for text, goal, why, role in texts:
        doc = nlp.make_doc(text)
        doc._.activity_goal, doc._.why_significant, doc._.storyteller_role = goal, why, role
        doc = nlp(doc)
        segs, story = sug.analyse_doc(nlp.make_doc(text), goal, why, role)
        assert [s._.impact for s in doc.spans["impact"]] == [g["info"] for g in segs], text
        assert doc._.impact == story, text
    # and the engine takes the fast path for this pipeline
    assert engine._is_blank_pipeline()


def test_lean_lexemes_tags_the_same():
    """``ImpactEngine.lean_lexemes`` (what ``impactlib tag`` workers use) skips spaCy's unused
    lexical attributes for new words; the tag rows stay the same, new words lose only those attributes."""
    import csv
    from pathlib import Path

    from impactlib.nlp.engine import ImpactEngine

    with open(Path(__file__).resolve().parent.parent / "data" / "sample" / "stories.csv", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    records.append({"story_id": "new", "text": "Zorgvlindertjes2031 en kwispelbrommers: ik ben niet meer eenzaam."})
    full, lean = ImpactEngine(), ImpactEngine()
    lean.lean_lexemes()
    assert lean.tag(records) == full.tag(records)
    word = lean.nlp.vocab["Zorgvlindertjes2031"]
    assert word.lower_ == "zorgvlindertjes2031" and word.shape_ == ""  # shape not computed
    assert full.nlp.vocab["Zorgvlindertjes2031"].shape_.startswith("Xxxx")


def test_cached_simplemma_dictionary_gives_simplemma_lemmas(tmp_path, monkeypatch):
    """The Dutch dictionary decoded once into the cache folder: the same lemmas as simplemma's
    own function, a corrupt cache file is rebuilt, an unwritable folder only costs time."""
    import csv
    import re
    from pathlib import Path

    import simplemma

    from impactlib.nlp import lemmatizer as lm

    monkeypatch.setenv("IMPACTLIB_CACHE_DIR", str(tmp_path / "cache"))
    words = set()
    root = Path(__file__).resolve().parent.parent
    for f in [root / "data" / "sample" / "stories.csv", *sorted((root / "data" / "train").glob("*/stories.csv"))[:8]]:
        with open(f, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                words.update(w.lower() for w in re.findall(r"\w+", row["text"]))
    words.update(["opgelopen", "eenzame", "kinderen", "xqzvbrt", "schuldhulpmaatjes", "Zo'n", "café", "2024"])
    ours = lm._make_simplemma()
    assert sorted(words)[:3] and len(words) > 3000
    assert all(ours(w, lang="nl") == simplemma.lemmatize(w, lang="nl") for w in words)
    cached = list((tmp_path / "cache").glob("simplemma-*-nl.marshal"))
    assert len(cached) == 1
    cached[0].write_bytes(b"not marshal data")  # damaged: decoded again and rewritten
    assert lm._make_simplemma()("huizen", lang="nl") == "huis"
    assert cached[0].stat().st_size > 1_000_000
    monkeypatch.setenv("IMPACTLIB_CACHE_DIR", str(cached[0]))  # a file, not a folder: no cache, same lemma
    assert lm._make_simplemma()("liepen", lang="nl") == simplemma.lemmatize("liepen", lang="nl")

"""Tests for impactlib.codebook."""

from __future__ import annotations

import re

import pytest
import yaml

from impactlib.codebook import (
    DIMENSIONS,
    OKABE_ITO,
    Code,
    Codebook,
    codebook_from_dict,
    load_codebook,
)
from impactlib.errors import CodebookError


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook()


def write(tmp_path, data, name="codebook.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data,
                 encoding="utf-8")
    return p


def test_default_codebook_has_three_dimensions_with_dutch_labels(cb):
    assert list(cb.dimensions) == ["valence", "intentionality", "directness"]
    assert cb.version == "1.0.0"
    labels = {(d, v): cb.label(d, v) for d, vals in DIMENSIONS.items() for v in vals}
    assert labels == {
        ("valence", "positive"): "positief",
        ("valence", "negative"): "negatief",
        ("intentionality", "intended"): "bedoeld",
        ("intentionality", "unintended"): "onbedoeld",
        ("directness", "direct"): "direct",
        ("directness", "indirect"): "indirect",
    }


def test_default_codes_carry_rules_examples_owner_and_safe_colour(cb):
    # the coding rules of DESIGN.md are in the definitions
    assert "niet meer eenzaam" in cb.dimensions["valence"].definition
    assert "activity_goal" in cb.dimensions["intentionality"].definition
    assert "doordat" in cb.dimensions["directness"].definition
    for dim, code in cb.iter_codes():
        assert isinstance(code, Code)
        assert code.owner in {"onderzoekers", "gemeente", "professionals", "bewoners"}
        assert re.fullmatch(r"#[0-9A-F]{6}", code.color)
        assert code.definition
        assert code.examples, (dim, code.key)
    value_colors = [c.color for d in cb.dimensions.values() for c in d.values.values()]
    assert set(value_colors) <= set(OKABE_ITO)
    # the domain lexicon holds social-work words that general lexicons miss
    neg = cb.dimensions["valence"].values["negative"].phrases()
    for word in ("eenzaam", "schulden", "overlast", "uithuisplaatsing", "terugval", "wachtlijst"):
        assert word in neg


def test_check_and_resolve(cb):
    assert cb.check("valence", "negative") == "negative"
    assert cb.resolve("intentionality", "Onbedoeld") == "unintended"
    assert cb.check("theme", "stigma") == "stigma"
    with pytest.raises(CodebookError, match=r"'maybe' is not a value of 'valence'; allowed: positive, negative"):
        cb.check("valence", "maybe")
    with pytest.raises(CodebookError, match=r"'positief' is the label of 'positive'"):
        cb.check("valence", "positief")
    with pytest.raises(CodebookError, match=r"unknown dimension 'valance'; allowed: valence"):
        cb.check("valance", "positive")


def test_round_trip_and_fingerprint(cb, tmp_path):
    p = tmp_path / "copy.yaml"
    cb.to_yaml(p)
    again = load_codebook(p)
    assert again == cb
    assert again.fingerprint() == cb.fingerprint()
    d = cb.to_dict()
    d["themes"]["stigma"]["definition"] += " Extra."
    assert codebook_from_dict(d).fingerprint() != cb.fingerprint()


def test_user_codebook_with_only_themes_inherits_dimensions(tmp_path, cb):
    p = write(tmp_path, {
        "name": "mijn project", "version": 2,
        "themes": {"wonen": {"label": "wonen", "patterns": ["woning", {"regex": "^huur"}]}},
    })
    user = load_codebook(p)
    assert user.version == "2"
    assert list(user.themes) == ["wonen"]
    assert user.dimensions == cb.dimensions
    code = user.themes["wonen"]
    assert code.phrases() == ["woning"] and code.regexes() == ["^huur"]
    assert code.color in OKABE_ITO
    assert user.label("theme", "wonen") == "wonen"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "x", "themes": {}}, r"codebook\.yaml: version: missing"),
        ({"version": "1", "dimensions": {"valance": {}}},
         r"dimensions\.valance: unknown dimension 'valance'; allowed: valence, intentionality, directness"),
        ({"version": "1", "themes": {"stigma": {"patterns": ["schaamte", "stempel", {"regex": "(["}]}}},
         r"codebook\.yaml: themes\.stigma\.patterns\[2\]: bad regex '\(\['"),
        ({"version": "1", "themes": {"stigma": {"patterns": ["a", ["b"]]}}},
         r"themes\.stigma\.patterns\[1\]: \['b'\] is not a pattern"),
        ({"version": "1", "themes": {"stigma": {"patterns": [{"lemma": "x"}]}}},
         r"themes\.stigma\.patterns\[0\]: a pattern mapping needs exactly one key 'regex' or 'phrase'"),
        ({"version": "1", "themes": {"stigma": {"owner": "wethouder"}}},
         r"themes\.stigma\.owner: 'wethouder' is not a known owner"),
        ({"version": "1", "themes": {"stigma": {"color": "red"}}},
         r"themes\.stigma\.color: 'red' is not a colour"),
        ({"version": "1", "themes": {"stigma": {"pattern": ["x"]}}},
         r"themes\.stigma: unknown key\(s\) pattern"),
        ({"version": "1", "dimensions": {
            "valence": {"values": {"positive": {}, "negative": {}, "neutral": {}}},
            "intentionality": {"values": {"intended": {}, "unintended": {}}},
            "directness": {"values": {"direct": {}, "indirect": {}}}}},
         r"dimensions\.valence\.values\.neutral: unknown value 'neutral' for 'valence'; allowed: positive, negative"),
        ({"version": "1", "dimensions": {"valence": {"values": {"positive": {}, "negative": {}}}}},
         r"dimension 'intentionality' is missing"),
        ({"version": "1", "colour": "x"}, r"unknown top-level key\(s\) colour"),
    ],
)
def test_invalid_codebooks_name_the_entry(tmp_path, data, message):
    p = write(tmp_path, data)
    with pytest.raises(CodebookError, match=message):
        load_codebook(p)


def test_bad_yaml_and_missing_file(tmp_path):
    p = write(tmp_path, "version: 1\nthemes: [a\n", name="kapot.yaml")
    with pytest.raises(CodebookError, match=r"kapot\.yaml:\d+: invalid YAML"):
        load_codebook(p)
    with pytest.raises(CodebookError, match="codebook file not found"):
        load_codebook(tmp_path / "nope.yaml")
    p2 = write(tmp_path, "- a\n- b\n", name="lijst.yaml")
    with pytest.raises(CodebookError, match=r"lijst\.yaml: a codebook must be a YAML mapping"):
        load_codebook(p2)

"""REFI-QDA export/import: schema validity, round trips, interop with `qc`, malicious files."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xmlschema

from impactlib.codebook import load_codebook
from impactlib.errors import ExchangeError
from impactlib.exchange import (
    codebook_xml,
    codings_to_codes,
    export_qdc,
    export_qdpx,
    map_codes,
    read_qdc,
    read_qdpx,
)
from impactlib.exchange.refiqda import normalise_newlines

FIXTURES = Path(__file__).parent / "fixtures" / "refi-qda"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(FIXTURES / "Project-mrt2019.xsd"))


@pytest.fixture(scope="module")
def codebook_schema():
    return xmlschema.XMLSchema(str(FIXTURES / "Codebook-mrt2019.xsd"))


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _code(story_id, dimension, value, coder, start=None, end=None, memo=None, status="accepted"):
    return dict(story_id=story_id, start=start, end=end, dimension=dimension, value=value, coder=coder,
                source="human", status=status, confidence=None, codebook_version="1.0.0",
                created_at="2025-02-03T10:00:00Z", memo=memo)


@pytest.fixture
def small():
    text1 = "Ik ben niet meer eenzaam.\r\nMijn dochter is blij 😀, zegt ze."
    stories = pd.DataFrame({
        "story_id": ["S1", "S2", "S/3"],
        "text": [text1, "Geen verbetering, de schulden liepen op.", "Crème brûlée-avond: ‘gezellig’."],
        "activity": ["Buurtkamer De Linde", "Vroeg Eropaf schuldhulp", "Buurtkamer De Linde"],
        "track": ["betekenisgeving", "doelmatigheid", "betekenisgeving"],
        "collected_on": pd.to_datetime(["2024-01-02", "2025-03-04", "2025-06-30"]),
        "leeftijd": [71, 45, 80],
    })
    start = text1.index("Mijn dochter")
    codes = pd.DataFrame([
        _code("S1", "valence", "positive", "coder_a"),
        _code("S1", "directness", "indirect", "coder_b", start, start + len("Mijn dochter is blij 😀"), memo="=HYPERLINK()"),
        _code("S2", "valence", "negative", "coder_a", 0, 16),
        _code("S3", "valence", "negative", "coder_a"),  # unknown story: reported, not exported
        _code("S2", "theme", "schulden", "coder_b", 18, 40),
        _code("S2", "intentionality", "intended", "impactlib", status="suggested"),
    ])
    return stories, codes


def test_codebook_export_validates_and_reads_back(tmp_path, codebook, codebook_schema):
    path = export_qdc(codebook, tmp_path / "codeboek.qdc")
    codebook_schema.validate(str(path))
    codes = read_qdc(path)
    names = {c.name for c in codes.values()}
    assert {"positief", "negatief", "bedoeld", "onbedoeld", "direct", "indirect"} <= names
    mapping = map_codes(codes, codebook)
    assert not mapping.new_themes  # our own codebook maps onto itself completely
    assert sorted(mapping.mapped.values()) == sorted((d, c.key) for d, c in codebook.iter_codes())


def test_project_export_is_schema_valid_and_complete(tmp_path, small, codebook, project_schema):
    stories, codes = small
    summary = export_qdpx(tmp_path / "p.qdpx", stories, codes, codebook, name="klein")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        names = set(zf.namelist())
        xml = zf.read("project.qde").decode("utf-8")
        s1 = zf.read("sources/S1.txt").decode("utf-8")
    project_schema.validate(xml)
    assert {"project.qde", "sources/S1.txt", "sources/S2.txt", "sources/S_3.txt"} == names
    assert "\r" not in s1 and s1 == normalise_newlines(stories.text[0])[0]
    assert summary.sources == 3 and summary.codings == 4
    assert any("S3" in s and "not in the project" in s for s in summary.skipped)
    assert "suggested" not in xml  # suggestions are left out unless asked for
    assert "<User" in xml and 'name="coder_b"' in xml and "<Case " in xml and "spoor: doelmatigheid" in xml


def test_positions_land_on_the_same_characters_in_the_source_files(tmp_path, small, codebook):
    stories, codes = small
    export_qdpx(tmp_path / "p.qdpx", stories, codes, codebook)
    project = read_qdpx(tmp_path / "p.qdpx")
    text = dict(zip(project.stories.story_id, project.stories.text))
    segment = project.codings.dropna(subset=["start"])
    quoted = {text[r.story_id][int(r.start):int(r.end)] for r in segment.itertuples()}
    assert "Mijn dochter is blij 😀" in quoted  # an emoji is one code point; \r\n became \n
    assert "Geen verbetering" in quoted


def test_round_trip_keeps_codes_coders_and_levels(tmp_path, small, codebook):
    stories, codes = small
    export_qdpx(tmp_path / "p.qdpx", stories, codes, codebook)
    project = read_qdpx(tmp_path / "p.qdpx")
    mapping = map_codes(project.codes, codebook)
    back, problems = codings_to_codes(project, mapping, origin="p.qdpx")
    assert problems == []
    got = set(zip(back.story_id, back.dimension, back.value, back.coder, back.start.isna()))
    assert got == {
        ("S1", "valence", "positive", "coder_a", True),
        ("S1", "directness", "indirect", "coder_b", False),
        ("S2", "valence", "negative", "coder_a", False),
        ("S2", "theme", "schulden", "coder_b", False),
    }
    assert project.stories.set_index("story_id").loc["S1", "leeftijd"] == "71"
    assert "S/3" in set(project.stories.story_id)  # the id survives an unsafe file name


def _qdpx(tmp_path, qde: str, sources: dict[str, str] | None = None, name="other.qdpx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        for fname, text in (sources or {}).items():
            zf.writestr(f"sources/{fname}", text)
    return path


OTHER_TOOL = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Uit MAXQDA" origin="MAXQDA 2024">
 <Users><User guid="11111111-1111-1111-1111-111111111111" name="Fatima"/></Users>
 <CodeBook><Codes>
  <Code guid="22222222-2222-2222-2222-222222222222" name="Waardering" isCodable="false">
   <Code guid="33333333-3333-3333-3333-333333333333" name="Positief" isCodable="true"/>
  </Code>
  <Code guid="44444444-4444-4444-4444-444444444444" name="onbedoeld" isCodable="true"/>
  <Code guid="55555555-5555-5555-5555-555555555555" name="Woonomgeving" isCodable="true" color="#123456">
   <Description>Over de straat en de buurt</Description>
  </Code>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="66666666-6666-6666-6666-666666666666" name="interview 1" plainTextPath="internal://i1.txt">
   <PlainTextSelection guid="77777777-7777-7777-7777-777777777777" startPosition="0" endPosition="12" creatingUser="11111111-1111-1111-1111-111111111111">
    <Coding guid="88888888-8888-8888-8888-888888888888" creatingUser="11111111-1111-1111-1111-111111111111"><CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/></Coding>
    <Coding guid="99999999-9999-9999-9999-999999999999" creatingUser="11111111-1111-1111-1111-111111111111"><CodeRef targetGUID="55555555-5555-5555-5555-555555555555"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" startPosition="13" endPosition="999">
    <Coding guid="bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"><CodeRef targetGUID="44444444-4444-4444-4444-444444444444"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <PictureSource guid="cccccccc-cccc-cccc-cccc-cccccccccccc" name="foto" path="internal://foto.png"/>
 </Sources>
</Project>"""


def test_import_from_another_tool_maps_codes_and_reports_the_rest(tmp_path, codebook, project_schema):
    project_schema.validate(OTHER_TOOL)  # the fixture itself is valid QDA-XML
    path = _qdpx(tmp_path, OTHER_TOOL, {"i1.txt": "Ik voel me thuis hier. Maar de buren klagen."})
    project = read_qdpx(path)
    mapping = map_codes(project.codes, codebook)
    codes, problems = codings_to_codes(project, mapping, origin=path.name)
    assert mapping.mapped["33333333-3333-3333-3333-333333333333"] == ("valence", "positive")
    assert mapping.mapped["44444444-4444-4444-4444-444444444444"] == ("intentionality", "unintended")
    assert mapping.new_themes == {"55555555-5555-5555-5555-555555555555": "woonomgeving"}
    assert "woonomgeving" in mapping.codebook.themes and mapping.codebook.version.startswith("1.0.0+import.")
    assert any("Woonomgeving" in line for line in mapping.report(project.codes))
    assert set(zip(codes.dimension, codes.value)) == {("valence", "positive"), ("theme", "woonomgeving")}
    assert set(codes.coder) == {"Fatima"} and set(codes.story_id) == {"interview 1"}
    joined = "\n".join(project.problems)
    assert "outside the text" in joined and "PictureSource" in joined


# --- malicious and broken input -------------------------------------------------------------

def test_rejects_path_traversal(tmp_path):
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", OTHER_TOOL)
        zf.writestr("../../etc/cron.d/evil", "x")
    with pytest.raises(ExchangeError, match=r"points outside the archive.*path traversal"):
        read_qdpx(path)


def test_rejects_absolute_entry(tmp_path):
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", OTHER_TOOL)
        zf.writestr("/tmp/evil.txt", "x")
    with pytest.raises(ExchangeError, match="absolute"):
        read_qdpx(path)


def test_rejects_external_entities(tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>')
    with pytest.raises(ExchangeError, match="DTD, entities or external references"):
        read_qdpx(_qdpx(tmp_path, xxe))


def test_rejects_entity_expansion(tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><Project xmlns="urn:QDA-XML:project:1.0" name="&c;"/>')
    with pytest.raises(ExchangeError, match="entity"):
        read_qdpx(_qdpx(tmp_path, laughs))


def test_rejects_zip_bomb(tmp_path):
    path = tmp_path / "bom.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", OTHER_TOOL)
        zf.writestr("sources/i1.txt", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(ExchangeError, match="zip bomb"):
        read_qdpx(path)


def test_rejects_malformed_xml_with_position(tmp_path):
    with pytest.raises(ExchangeError, match=r"malformed XML at line 1, column"):
        read_qdpx(_qdpx(tmp_path, '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Users></Project>'))


def test_rejects_non_zip_and_wrong_root(tmp_path):
    fake = tmp_path / "fake.qdpx"
    fake.write_text("dit is geen zip")
    with pytest.raises(ExchangeError, match="not a ZIP archive"):
        read_qdpx(fake)
    with pytest.raises(ExchangeError, match="not a REFI-QDA Project"):
        read_qdpx(_qdpx(tmp_path, "<Foo/>", name="foo.qdpx"))
    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ExchangeError, match="no project.qde"):
        read_qdpx(empty)


def test_codebook_xml_is_deterministic(codebook):
    assert codebook_xml(codebook) == codebook_xml(codebook)

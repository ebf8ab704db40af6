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


# --- the sample project: standard, independent tool, store import ---------------------------

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample_qdpx(tmp_path_factory):
    from impactlib.cli import main

    out = tmp_path_factory.mktemp("qdpx") / "sample.qdpx"
    assert main(["export", "qdpx", "--project", str(SAMPLE), "-o", str(out)]) == 0
    return out


def test_sample_export_validates_against_the_standard(sample_qdpx, project_schema, tmp_path, codebook_schema):
    from impactlib.cli import main

    with zipfile.ZipFile(sample_qdpx) as zf:
        project_schema.validate(zf.read("project.qde").decode("utf-8"))
        assert sum(n.startswith("sources/") for n in zf.namelist()) == 250
    assert main(["export", "qdc", "--project", str(SAMPLE), "-o", str(tmp_path / "c.qdc")]) == 0
    codebook_schema.validate(str(tmp_path / "c.qdc"))


def test_independent_tool_receives_documents_codes_and_codings(sample_qdpx, tmp_path):
    """`qc init --import` (qualitative-coding, an independent REFI-QDA reader) takes the export."""
    qc = Path(sys.executable).with_name("qc")
    assert qc.exists(), "qualitative-coding is a dev dependency; reinstall with pip install -e .[dev]"
    env = {**os.environ, "PYTHONBREAKPOINT": "0"}  # its 1.7.8 release has a stray breakpoint()
    done = subprocess.run([str(qc), "init", "--import", str(sample_qdpx)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    con = sqlite3.connect(tmp_path / "qualitative_coding.sqlite3")
    documents = {r[0] for r in con.execute("SELECT * FROM document")}
    codes = {r[0] for r in con.execute("SELECT * FROM code")}
    coders = {r[0] for r in con.execute("SELECT * FROM coder")}
    coded = con.execute("SELECT coder_id, code_id, count(*) FROM coded_line GROUP BY coder_id, code_id").fetchall()
    assert len(documents) == 250 and "S001.txt" in documents
    assert {"positief", "negatief", "bedoeld", "onbedoeld", "direct", "indirect"} <= codes
    assert coders == {"coder_a", "coder_b"}
    assert {c for c, _, _ in coded} == {"coder_a", "coder_b"}
    assert {code for _, code, _ in coded} >= {"positief", "negatief", "onbedoeld", "indirect"}
    text = (tmp_path / "corpus" / "S001.txt").read_text(encoding="utf-8")
    assert text.startswith("Na de dood van mijn man")


def _project(tmp_path, n=12) -> Path:
    import shutil

    folder = tmp_path / "proj"
    folder.mkdir()
    stories = pd.read_csv(SAMPLE / "stories.csv", dtype=str).head(n)
    stories.to_csv(folder / "stories.csv", index=False)
    shutil.copy(SAMPLE / "activities.csv", folder / "activities.csv")
    (folder / "project.toml").write_text('[project]\nname = "t"\n[files]\nstories = "stories.csv"\n'
                                         'activities = "activities.csv"\nstore = "codes.sqlite"\n', encoding="utf-8")
    return folder


def test_import_into_the_store_and_report(tmp_path, capsys):
    from impactlib.cli import main
    from impactlib.store import CodingStore

    folder = _project(tmp_path)
    other = _qdpx(tmp_path, OTHER_TOOL, {"i1.txt": "Ik voel me thuis hier. Maar de buren klagen."})
    assert main(["import", "qdpx", str(other), "--project", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "kept as new theme" in out and "Woonomgeving" in out and "PictureSource" in out
    with CodingStore(folder / "codes.sqlite") as store:
        current = store.current()
        assert set(zip(current.dimension, current.value)) == {("valence", "positive"), ("theme", "woonomgeving")}
        assert "woonomgeving" in store.codebook().themes
        assert set(current.coder) == {"Fatima"}
    # importing the same file again adds nothing
    assert main(["import", "qdpx", str(other), "--project", str(folder)]) == 0
    assert "0 codings imported" in capsys.readouterr().out


def test_reimport_of_undated_codings_adds_nothing_even_seconds_later(tmp_path, capsys, monkeypatch):
    # regression: undated codings got the import time, so a second import a second later
    # (a slow machine) imported everything again
    import itertools

    import impactlib.exchange.refiqda as R
    from impactlib.cli import main

    ticks = itertools.count()
    monkeypatch.setattr(R, "_now", lambda: f"2026-01-01T00:00:{next(ticks) % 60:02d}Z", raising=False)
    folder = _project(tmp_path)
    other = _qdpx(tmp_path, OTHER_TOOL, {"i1.txt": "Ik voel me thuis hier. Maar de buren klagen."})
    assert main(["import", "qdpx", str(other), "--project", str(folder)]) == 0
    capsys.readouterr()
    assert main(["import", "qdpx", str(other), "--project", str(folder)]) == 0
    assert "0 codings imported" in capsys.readouterr().out


def test_round_trip_through_the_store_keeps_positions_with_crlf(tmp_path, codebook):
    from impactlib.exchange.project import import_file
    from impactlib.store import CodingStore

    folder = _project(tmp_path, n=2)
    stories = pd.read_csv(folder / "stories.csv", dtype=str)
    stories.loc[0, "text"] = stories.loc[0, "text"].replace(". ", ".\r\n", 2)
    with CodingStore(folder / "codes.sqlite") as store:
        store.register_codebook(codebook)
        store.add_stories(stories[["story_id", "text"]])
    text = stories.loc[0, "text"]
    start = text.index("\r\n") + 2
    codes = pd.DataFrame([_code(stories.loc[0, "story_id"], "valence", "positive", "coder_a", start, start + 10)])
    export_qdpx(tmp_path / "rt.qdpx", stories, codes, codebook)
    report = import_file(tmp_path / "rt.qdpx", folder)
    assert report.problems == [] and report.stories_added == 0
    with CodingStore(folder / "codes.sqlite") as store:
        row = store.current().iloc[0]
        assert (int(row.start), int(row.end)) == (start, start + 10)  # back on the stored \r\n text


@pytest.mark.parametrize("kind", ["traversal", "xxe", "bomb", "conflict"])
def test_rejected_import_writes_nothing(tmp_path, kind):
    from impactlib.exchange.project import import_file
    from impactlib.store import CodingStore

    folder = _project(tmp_path, n=3)
    with CodingStore(folder / "codes.sqlite") as store:
        store.register_codebook(load_codebook())
        store.add_stories(pd.DataFrame({"story_id": ["interview 1"], "text": ["Een andere tekst."]}))
        before = (len(store.history()), len(store.stories()), store.codebook_versions())
    path = tmp_path / f"{kind}.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if kind == "xxe":
            zf.writestr("project.qde", '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><p>&x;</p>')
        else:
            zf.writestr("project.qde", OTHER_TOOL)
        zf.writestr("sources/i1.txt", b"\0" * (8 << 20) if kind == "bomb" else b"Ik voel me thuis hier.")
        if kind == "traversal":
            zf.writestr("../x.txt", "x")
    with pytest.raises(ExchangeError):
        import_file(path, folder)
    with CodingStore(folder / "codes.sqlite") as store:
        assert (len(store.history()), len(store.stories()), store.codebook_versions()) == before

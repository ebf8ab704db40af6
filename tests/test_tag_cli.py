"""Tests of ``impactlib tag`` and its streaming runner (``impactlib.nlp.runner``).

The streaming and pool mechanics (chunking, ordering, fallbacks) are tested with
a tiny deterministic engine defined here, so a failure points at the runner and
not at the rules; everything else runs the real ``ImpactEngine`` through the CLI.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re

import pytest

from impactlib.cli import main
from impactlib.errors import ImpactError
from impactlib.nlp.runner import (
    SEGMENT_COLUMNS,
    STORY_COLUMNS,
    StoryReader,
    canonical_column,
    tag_file,
)


class SentenceEngine:
    """Deterministic stand-in for the streaming tests: one segment per sentence with
    'goed' (positive) or 'slecht' (negative); raises on the word BOEM."""

    def tag(self, records):
        stories, segments = [], []
        for r in records:
            text = r["text"]
            if "BOEM" in text:
                raise RuntimeError("kapot")
            first = None
            for m in re.finditer(r"[^.!?\n]+[.!?]?", text):
                s = m.group(0)
                value = "positive" if "goed" in s else "negative" if "slecht" in s else None
                if value is None:
                    continue
                a = m.start() + len(s) - len(s.lstrip())
                seg = {"story_id": r["story_id"], "start": a, "end": m.end(), "text": text[a:m.end()],
                       "valence": value, "intentionality": "intended", "directness": "direct",
                       "valence_confidence": 0.9, "intentionality_confidence": 0.5,
                       "directness_confidence": 0.5, "evidence": f"goal={r.get('activity_goal', '')[:5]}"}
                segments.append(seg)
                first = first or seg
            stories.append({"story_id": r["story_id"], "valence": first and first["valence"],
                            "intentionality": first and "intended", "directness": first and "direct",
                            "valence_confidence": first and 0.9, "intentionality_confidence": None,
                            "directness_confidence": None, "evidence": "sentence engine"})
        return stories, segments


def _write_csv(path, rows, header=("story_id", "text"), sep=",", encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(header)
        w.writerows(rows)
    return path


def _read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


STORIES = [
    ("S1", "Het ging slecht met Anna. Nu gaat het goed, ze komt elke week."),
    ("S2", "Geen verandering."),
    ("S3", "Goed nieuws: de buren zijn blij. Maar het huis is slecht."),
]


# -- runner mechanics (deterministic engine) ---------------------------------

def test_rows_and_segments_preserved_in_order(tmp_path):
    src = _write_csv(tmp_path / "s.csv", [(f"S{i}", STORIES[i % 3][1]) for i in range(25)])
    out, seg = tmp_path / "t.csv", tmp_path / "seg.csv"
    stats = tag_file(src, out, segments=seg, chunk_size=4, engine_factory=SentenceEngine, warn_stream=io.StringIO())
    rows = _read(out)
    assert list(rows[0].keys()) == list(STORY_COLUMNS)
    assert [r["story_id"] for r in rows] == [f"S{i}" for i in range(25)]
    assert stats.stories_in == stats.rows_out == 25
    assert rows[0]["valence"] == "negative" and rows[0]["valence_confidence"] == "0.900"
    assert rows[1]["valence"] == "" and rows[1]["evidence"] == "sentence engine"
    segs = _read(seg)
    assert list(segs[0].keys()) == list(SEGMENT_COLUMNS)
    assert stats.segments_out == len(segs) > 25
    assert not (tmp_path / "t.csv.part").exists()


def test_jobs_2_gives_identical_output(tmp_path):
    src = _write_csv(tmp_path / "s.csv", [(f"S{i}", STORIES[i % 3][1] + " x" * (i % 7)) for i in range(60)])
    outs = []
    for jobs in (1, 2):
        out, seg = tmp_path / f"t{jobs}.csv", tmp_path / f"seg{jobs}.csv"
        tag_file(src, out, segments=seg, jobs=jobs, chunk_size=7, engine_factory=SentenceEngine,
                 warn_stream=io.StringIO())
        outs.append((out.read_bytes(), seg.read_bytes()))
    assert outs[0] == outs[1]
    assert outs[0][0].count(b"\n") == 61


def test_engine_failure_keeps_row_and_names_story(tmp_path):
    src = _write_csv(tmp_path / "s.csv", [("A", "Het gaat goed."), ("B", "BOEM het gaat slecht."),
                                          ("C", "Het gaat slecht.")])
    for jobs in (1, 2):
        warn = io.StringIO()
        out = tmp_path / f"t{jobs}.csv"
        tag_file(src, out, jobs=jobs, engine_factory=SentenceEngine, warn_stream=warn)
        rows = _read(out)
        assert [r["story_id"] for r in rows] == ["A", "B", "C"]
        assert [r["valence"] for r in rows] == ["positive", "", "negative"]
        assert rows[1]["evidence"].startswith("niet getagd: fout in de tagger (RuntimeError")
        assert "story 'B'" in warn.getvalue() and "kapot" in warn.getvalue()


def test_bad_texts_are_tagged_or_skipped_with_warning(tmp_path):
    big = ("Het ging slecht. " * 70000) + "Nu gaat het goed."  # > 1 MB
    rows = [
        ("E1", ""),
        ("E2", "   \n "),
        ("H1", "<p>Het gaat <b>goed</b>&nbsp;met hem.</p>"),
        ("C1", "Het gaat\x00 goed\x07 nu.\x1b\u202e\u200b"),
        ("L1", big),
        ("EN", "The mother said that it was good for her and the kids, thank you."),
        ("OK", "Het gaat goed."),
        ("", "Zonder nummer gaat het goed."),
    ]
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join(json.dumps({"id": a, "tekst": b}) for a, b in rows), encoding="utf-8")
    as_csv = _write_csv(tmp_path / "s.csv", rows, header=("id", "tekst"))  # a 1 MB CSV field is read too
    assert [r[:2] for c in StoryReader(as_csv).chunks(3) for r in c] == [tuple(r) for r in rows]
    warn = io.StringIO()
    out, seg = tmp_path / "t.csv", tmp_path / "seg.csv"
    stats = tag_file(src, out, segments=seg, engine_factory=SentenceEngine, warn_stream=warn)
    got = {r["story_id"]: r for r in _read(out)}
    assert list(got) == [r[0] for r in rows] and stats.rows_out == len(rows)
    assert got[""]["valence"] == "positive"
    msgs = warn.getvalue()
    for sid, word in [("E1", "empty"), ("E2", "empty"), ("H1", "HTML"), ("C1", "control"),
                      ("L1", "parts"), ("EN", "English"), ("", "story number 8 in the file has no story_id")]:
        assert re.search(rf"story '{sid}': .*{word}", msgs), (sid, msgs)
    assert got["E1"]["evidence"] == "lege tekst: niet getagd" and got["E1"]["valence"] == ""
    assert got["H1"]["valence"] == "positive" and got["C1"]["valence"] == "positive"
    assert got["L1"]["valence"] in ("positive", "negative") and "delen getagd" in got["L1"]["evidence"]
    texts = dict(rows)
    segments = _read(seg)
    assert any(s["story_id"] == "L1" and int(s["start"]) > 1_000_000 for s in segments)
    for s in segments:  # offsets index into the ORIGINAL text, markup included
        assert texts[s["story_id"]][int(s["start"]):int(s["end"])] == s["text"]
    assert "story 'OK'" not in msgs


def test_csv_dialects_and_dutch_headers(tmp_path):
    src = _write_csv(tmp_path / "s.csv", [("1", "Het gaat goed; echt! € 5", "Buurtkamer", "Eenzaamheid verminderen")],
                     header=("Verhaal ID", "Verhaal", "Activiteit", "Doel"), sep=";", encoding="cp1252")
    reader = StoryReader(src)
    chunks = list(reader.chunks(10))
    assert reader.sep == ";" and reader.encoding == "cp1252"
    assert chunks == [[("1", "Het gaat goed; echt! € 5", "Buurtkamer", "Eenzaamheid verminderen", "", "")]]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffid\ttekst\r\nA\t\"twee\nregels é\"\r\n".encode("utf-8"))
    assert list(StoryReader(bom).chunks(5)) == [[("A", "twee\nregels é", "", "", "", "")]]
    assert canonical_column("Tekst") == "text"
    late = tmp_path / "late.csv"  # ASCII for 64 KB, then cp1252: still read, as cp1252
    late.write_bytes(b"id;tekst\r\n" + b"A;Het gaat goed.\r\n" * 5000 + "B;Café é\r\n".encode("cp1252"))
    reader = StoryReader(late)
    got = [r for c in reader.chunks(1000) for r in c]
    assert len(got) == 5001 and got[-1][:2] == ("B", "Café é") and reader.encoding == "cp1252"
    titled = tmp_path / "titled.csv"
    titled.write_text("Export verhalen gemeente Zuiderveen;;\n;;\nnr;verhaal;datum\nS9;Het gaat goed.;1-2-2025\n",
                      encoding="utf-8")
    reader = StoryReader(titled)
    assert list(reader.chunks()) == [[("S9", "Het gaat goed.", "", "", "", "")]]
    assert reader.notes == ["titled.csv:3: header row found here; the rows above it were skipped"]
    qualtrics = tmp_path / "qualtrics.csv"
    qualtrics.write_text('ResponseId,Q1,Verhaal\n"Response ID","Vraag 1","Vertel je verhaal"\n'
                         '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
                         'R_1,x,Het gaat goed.\nR_2,y,"Twee, regels"\n', encoding="utf-8")
    assert list(StoryReader(qualtrics).chunks(1)) == [[("R_1", "Het gaat goed.", "", "", "", "")],
                                                      [("R_2", "Twee, regels", "", "", "", "")]]


def test_xlsx_input(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Verhalen 2025 (export)"])
    ws.append(["verhaal_id", "verhaal", "waarom belangrijk"])
    ws.append([1, "Het gaat goed.", "omdat"])
    ws.append([None, None, None])
    ws.append([2.0, None, None])
    ws.append(["S3", "Het gaat slecht.", None])
    wb.save(tmp_path / "s.xlsx")
    out = tmp_path / "t.csv"
    warn = io.StringIO()
    tag_file(tmp_path / "s.xlsx", out, engine_factory=SentenceEngine, warn_stream=warn)
    rows = _read(out)
    assert [(r["story_id"], r["valence"]) for r in rows] == [("1", "positive"), ("2", ""), ("S3", "negative")]
    assert "story '2': empty text" in warn.getvalue()


def test_reader_errors_are_clear(tmp_path):
    bad = _write_csv(tmp_path / "bad.csv", [("x", "y")], header=("nummer", "inhoud"))
    with pytest.raises(ImpactError, match=r"bad.csv: missing required column\(s\) 'text'; columns found: 'nummer', 'inhoud'"):
        list(StoryReader(bad).chunks())
    jl = tmp_path / "bad.jsonl"
    jl.write_text('{"story_id": "a", "text": "b"}\n{"story_id": \n', encoding="utf-8")
    with pytest.raises(ImpactError, match=r"bad.jsonl:2: not valid JSON"):
        list(StoryReader(jl).chunks())
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("story_id,text\nA,b\nB,c,d,e\n", encoding="utf-8")
    with pytest.raises(ImpactError, match=r"ragged.csv:3: 4 fields where the header has 2"):
        list(StoryReader(ragged).chunks())
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"story_id,text\n" + b"\x00\x01\x02\x00\xff" * 1000)
    with pytest.raises(ImpactError, match=r"binary.csv:2: contains NUL bytes; this is not a text CSV file"):
        list(StoryReader(binary).chunks())
    stray = tmp_path / "stray.csv"  # one NUL in a text: read, then masked with a warning by the tagger
    stray.write_bytes(b"story_id,text\nA,ok\nB,bad\x00text\n")
    assert list(StoryReader(stray).chunks()) == [[("A", "ok", "", "", "", ""), ("B", "bad\x00text", "", "", "", "")]]


# -- the CLI with the real engine ---------------------------------------------

def test_cli_missing_columns_exit_1(tmp_path, capsys):
    src = _write_csv(tmp_path / "s.csv", [("S1", "x")], header=("story_id", "body"))
    out = tmp_path / "t.csv"
    assert main(["tag", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "s.csv: missing required column(s) 'text'" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_file_not_found_and_bad_options(tmp_path, capsys):
    assert main(["tag", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv: file not found" in capsys.readouterr().err
    src = _write_csv(tmp_path / "s.csv", STORIES)
    assert main(["tag", str(src), "--chunk-size", "0"]) == 1
    assert "--chunk-size must be at least 1" in capsys.readouterr().err
    assert main(["tag", str(src), "--codebook", str(tmp_path / "cb.yaml")]) == 1
    assert "--codebook" in capsys.readouterr().err
    same = str(tmp_path / "out.csv")
    assert main(["tag", str(src), "-o", same, "--segments", same]) == 1
    assert "give them different file names" in capsys.readouterr().err
    assert main(["tag", str(src), "-o", str(tmp_path / "no" / "dir.csv")]) == 1
    assert "does not exist; create it first" in capsys.readouterr().err


requires_engine = pytest.mark.skipif(importlib.util.find_spec("impactlib.nlp.engine") is None,
                                     reason="the rules engine has not landed yet")


@requires_engine

def test_cli_real_engine_csv_to_stdout_and_segments(tmp_path, capsys):
    rows = [("S1", "Sinds de buurtkamer is mevrouw niet meer eenzaam en heeft ze weer vriendinnen."),
            ("S2", "Door de schuldhulp zijn de betalingsachterstanden opgelost, maar haar zoon schaamt zich nu."),
            ("S1", "Geen verbetering: hij bleef thuis zitten."),
            ("S4", "")]
    src = _write_csv(tmp_path / "s.csv", [r + ("Buurtkamer De Linde", "Eenzaamheid verminderen.") for r in rows],
                     header=("story_id", "text", "activity", "activity_goal"))
    seg = tmp_path / "seg.csv"
    assert main(["tag", str(src), "--segments", str(seg)]) == 0
    captured = capsys.readouterr()
    got = list(csv.DictReader(io.StringIO(captured.out)))
    assert [r["story_id"] for r in got] == ["S1", "S2", "S1", "S4"]
    assert got[0]["valence"] == "positive"
    for r in got:
        assert r["valence"] in ("", "positive", "negative")
        assert r["intentionality"] in ("", "intended", "unintended")
        assert r["directness"] in ("", "direct", "indirect")
    assert "duplicate story_id" in captured.err and "story 'S4': empty text" in captured.err
    assert "4 stories in, 4 rows out" in captured.err
    texts = {i: r[1] for i, r in enumerate(rows)}
    segs = _read(seg)
    assert segs, "expected at least one effect span"
    for s in segs:
        candidates = [t for t in texts.values() if t[int(s["start"]):int(s["end"])] == s["text"]]
        assert candidates, s


@requires_engine
def test_cli_real_engine_jobs_2_identical_and_formats(tmp_path):
    texts = ["Mijn dochter gaat weer naar school en haalt goede cijfers.",
             "De jongeren hangen niet meer rond bij het winkelcentrum, de buren zijn blij.",
             "Door het mantelzorgcafé voel ik me minder alleen; mijn man merkt dat ook.",
             "<p>Helaas is de overlast niet minder geworden.</p>",
             "Control\x07 characters and English words here, thanks."]
    stories = [(f"V{i:03d}", texts[i % len(texts)]) for i in range(40)]
    src = _write_csv(tmp_path / "s.csv", stories)
    results = []
    for jobs in ("1", "2"):
        out, seg = tmp_path / f"t{jobs}.csv", tmp_path / f"g{jobs}.csv"
        assert main(["tag", str(src), "-o", str(out), "--segments", str(seg), "--jobs", jobs,
                     "--chunk-size", "6", "-q"]) == 0
        results.append((out.read_bytes(), seg.read_bytes()))
    assert results[0] == results[1]
    assert len(_read(tmp_path / "t1.csv")) == 40
    for jobs in (1, 2):  # fresh engines / worker processes every 10 stories: same rows
        out = tmp_path / f"r{jobs}.csv"
        tag_file(src, out, jobs=jobs, chunk_size=4, recycle_stories=10, warn_stream=io.StringIO())
        assert out.read_bytes() == results[0][0]
    jl = tmp_path / "s.jsonl"
    jl.write_text("\n".join(json.dumps({"verhaal_id": a, "verhaal": b}) for a, b in stories), encoding="utf-8")
    assert main(["tag", str(jl), "-o", str(tmp_path / "j.csv"), "-q"]) == 0
    assert (tmp_path / "j.csv").read_bytes() == results[0][0]


class ContextEngine:
    """Echoes the context each record reaches the engine with, as evidence."""

    def tag(self, records):
        return [{"story_id": r["story_id"], "evidence": f"{r.get('activity_goal', '-')}|{r.get('storyteller_role', '-')}"}
                for r in records], []


def test_context_columns_and_activities_goals(tmp_path, capsys):
    src = _write_csv(tmp_path / "s.csv", [("S1", "Tekst.", "Buurtkamer", "", "mantelzorger"),
                                          ("S2", "Tekst.", "Huiswerkklas", "Eigen doel.", ""),
                                          ("S3", "Tekst.", "Onbekend", "", "")],
                     header=("id", "verhaal", "activiteit", "doel", "verteller"))
    out = tmp_path / "t.csv"
    tag_file(src, out, engine_factory=ContextEngine, goals={"Buurtkamer": "Eenzaamheid verminderen."},
             warn_stream=io.StringIO())
    assert [r["evidence"] for r in _read(out)] == ["Eenzaamheid verminderen.|mantelzorger", "Eigen doel.|-", "-|-"]
    acts = _write_csv(tmp_path / "activiteiten.csv", [("Buurtkamer", "Ontmoeting bevorderen.", "sociale basis")],
                      header=("activiteit", "doel", "soort sociaal werk"))
    from impactlib.cli.tag import _goals

    assert _goals(str(acts)) == {"Buurtkamer": "Ontmoeting bevorderen."}
    assert main(["tag", str(src), "--activities", str(tmp_path / "nope.csv")]) == 1
    assert "--activities" in capsys.readouterr().err


@requires_engine
def test_cli_invalid_codebook_exit_1(tmp_path, capsys):
    src = _write_csv(tmp_path / "s.csv", STORIES)
    cb = tmp_path / "codeboek.yaml"
    cb.write_text('name: eigen\nversion: "1"\nthemes:\n  kapot:\n    patterns: [{regex: "("}]\n', encoding="utf-8")
    out = tmp_path / "t.csv"
    assert main(["tag", str(src), "--codebook", str(cb), "-o", str(out), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "codeboek.yaml" in err and "kapot" in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "t.csv.part").exists()


@requires_engine
def test_cli_model_default_same_rows_for_any_jobs_and_chunk_size(tmp_path):
    """With --model default every story's row depends only on that story: byte-identical
    output for any --jobs, --chunk-size and worker recycling (regression: the model was
    switched off by default after a comparison of a model run with a rules-only run)."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "stories.csv"
    with open(sample, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:45]
    cols = ("story_id", "text", "activity", "activity_goal", "storyteller_role", "why_significant")
    src = _write_csv(tmp_path / "s.csv", [tuple(r[c] for c in cols) for r in rows] + [("E1", "")], header=cols)
    results = {}
    for jobs, chunk in (("1", "1000"), ("1", "1"), ("2", "7"), ("2", "1000")):
        out, seg = tmp_path / f"t{jobs}_{chunk}.csv", tmp_path / f"g{jobs}_{chunk}.csv"
        assert main(["tag", str(src), "-o", str(out), "--segments", str(seg), "--model", "default",
                     "--jobs", jobs, "--chunk-size", chunk, "-q"]) == 0
        results[(jobs, chunk)] = (out.read_bytes(), seg.read_bytes())
    for jobs in (1, 2):  # fresh engines / worker processes every 10 stories
        out = tmp_path / f"r{jobs}.csv"
        tag_file(src, out, model="default", jobs=jobs, chunk_size=4, recycle_stories=10,
                 warn_stream=io.StringIO())
        results[("recycle", jobs)] = (out.read_bytes(), results[("1", "1000")][1])
    first = results[("1", "1000")]
    for key, got in results.items():
        assert got == first, key
    tagged = _read(tmp_path / "t1_1000.csv")
    assert len(tagged) == 46
    assert sum("model: " in r["evidence"] for r in tagged) >= 30  # the model took part
    default = tmp_path / "default.csv"
    assert main(["tag", str(src), "-o", str(default), "-q"]) == 0
    assert default.read_bytes() == first[0]  # the shipped model is the default
    rules = tmp_path / "rules.csv"
    assert main(["tag", str(src), "-o", str(rules), "--model", "none", "-q"]) == 0
    assert rules.read_bytes() != first[0]  # ... and a rules-only run is a different thing to compare with

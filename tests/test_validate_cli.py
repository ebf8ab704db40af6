"""`impactlib validate`: exit codes, messages, never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from impactlib.cli import main

FIX = Path(__file__).parent / "fixtures" / "io"


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


def test_valid_dutch_excel_file_exits_0_and_says_what_was_read(capsys):
    code, out = run(capsys, str(FIX / "excel_nl_stories.csv"))
    assert code == 0
    assert f"OK {FIX / 'excel_nl_stories.csv'} (stories, 5 rows, cp1252)" in out


def test_warnings_are_printed_with_exit_0(capsys):
    code, out = run(capsys, str(FIX / "txt_stories"))
    assert code == 0
    assert "(stories, 3 rows, mixed: utf-8 (2), cp1252 (1))" in out
    assert "warning: 1 story has no text and will not be tagged: 'B003'" in out


def test_kind_is_inferred_for_each_path(capsys):
    paths = [FIX / n for n in ("activiteiten.csv", "excel_nl_indicators_wide.csv", "msc_rondes.csv",
                               "effectenarena.csv", "codes_long.csv", "limesurvey_stories.csv")]
    code, out = run(capsys, *map(str, paths))
    assert code == 0
    for kind in ("activities", "indicators", "msc", "arena", "codes", "stories"):
        assert f"({kind}, " in out


def test_invalid_file_exits_1_with_located_messages(capsys, tmp_path):
    p = tmp_path / "stories.csv"
    p.write_bytes("verhaal_id;tekst;datum\r\nS1;a;31-02-2025\r\nS1;b;1-1-2025\r\nS3;c;d;e\r\n".encode("cp1252"))
    code, out = run(capsys, str(p))
    assert code == 1
    assert f"FAIL {p}: 4 error(s)" in out  # incl. the date 'd' in the ragged row
    assert "stories.csv:2: column 'collected_on': '31-02-2025' is not a date; use YYYY-MM-DD or DD-MM-YYYY" in out
    assert "stories.csv:2: story_id 'S1' occurs 2 times (lines 2, 3)" in out
    assert "stories.csv:4: this row has 4 values but the header has 3 columns" in out


def test_mixed_valid_and_invalid_paths(capsys, tmp_path):
    bad = tmp_path / "indicators.csv"
    bad.write_text("indicator;gebied;periode;waarde\nX;GM9901;2025K1;veel\n", encoding="utf-8")
    code, out = run(capsys, str(FIX / "msc_rondes.csv"), str(bad))
    assert code == 1
    assert "OK " in out and "indicators.csv:2: column 'value': 'veel' is not a number" in out
    assert "1 of 2 path(s) invalid" in out


@pytest.mark.parametrize("name, payload, expect", [
    ("png.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "looks like a PNG image"),
    ("nul.csv", b"id,text\nS1,a\x00b\n", "nul.csv:2: this line contains NUL bytes"),
    ("empty.csv", b"", "the file is empty"),
    ("header.csv", b"id,text\n", "header but no data rows"),
])
def test_bad_files_exit_1(capsys, tmp_path, name, payload, expect):
    p = tmp_path / name
    p.write_bytes(payload)
    code, out = run(capsys, "--kind", "stories", str(p))
    assert code == 1 and expect in out


def test_unknown_kind_of_table_asks_for_kind(capsys, tmp_path):
    p = tmp_path / "data.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    code, out = run(capsys, str(p))
    assert code == 1 and "cannot tell what kind of table this is" in out and "--kind" in out


def test_explicit_kind_and_sheet(capsys, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    ws = wb.create_sheet("Rondes")
    ws.append(["ronde", "verhaal_id", "geselecteerd", "reden"])
    ws.append([1, "S1", "ja", "Mooi"])
    wb.save(tmp_path / "msc.xlsx")
    code, out = run(capsys, "--kind", "msc", "--sheet", "Rondes", str(tmp_path / "msc.xlsx"))
    assert code == 0 and "(msc, 1 rows, xlsx, sheet 'Rondes')" in out
    code, out = run(capsys, "--kind", "msc", "--sheet", "Nee", str(tmp_path / "msc.xlsx"))
    assert code == 1 and "there is no sheet 'Nee'; the workbook has 'Blad1', 'Rondes'" in out


def test_map_option_for_survey_exports(capsys):
    qualtrics = str(FIX / "qualtrics_stories.csv")
    code, out = run(capsys, qualtrics)
    assert code == 1 and "missing required column(s) 'text'" in out
    code, out = run(capsys, "--map", "Q2=text", "--map", "Q1=activity", qualtrics)
    assert code == 0 and "(stories, 3 rows, utf-8-sig, qualtrics export)" in out
    assert main(["validate", "--map", "Q2", qualtrics]) == 1


def test_project_folder_and_toml(capsys):
    code, out = run(capsys, str(FIX / "project_nl"))
    assert code == 0
    assert "(project 'Testproject Zuiderveen': stories 5, activities 4, indicators 20, msc 4, arena 4; synthetic)" in out
    code, out = run(capsys, str(FIX / "project_nl" / "project.toml"))
    assert code == 0


def test_invalid_project_exits_1(capsys, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(FIX / "project_nl", root)
    (root / "msc_rondes.csv").write_text("ronde;verhaal_id\n1;V404\n", encoding="utf-8")
    code, out = run(capsys, str(root))
    assert code == 1 and "msc_rondes.csv:2: story_id 'V404' is not in the stories table" in out


def test_missing_path_exits_1(capsys, tmp_path):
    code, out = run(capsys, str(tmp_path / "nope.csv"))
    assert code == 1 and "no such file or folder" in out


def test_folder_given_as_a_table(capsys, tmp_path):
    code, out = run(capsys, "--kind", "stories", str(tmp_path))
    assert code == 1 and "holds no .txt files" in out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(capsys, tmp_path):
    p = tmp_path / "stories.csv"
    p.write_text("id,text\nS1,a\n", encoding="utf-8")
    p.chmod(0)
    try:
        code, out = run(capsys, str(p))
    finally:
        p.chmod(0o644)
    assert code == 1 and "permission denied" in out


def test_workbook_with_several_tables_checks_each_sheet(capsys, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Toelichting"
    wb.active.append(["Export van 3 maart"])
    ws = wb.create_sheet("Verhalen")
    ws.append(["Verhaal ID", "Tekst"])
    ws.append(["S1", "Ik voel me gesteund."])
    ws = wb.create_sheet("Indicatoren")
    ws.append(["Indicator", "Gebied", "2024K1"])
    ws.append(["Bereik", "GM9901", "twaalf"])
    wb.save(tmp_path / "alles.xlsx")
    code, out = run(capsys, str(tmp_path / "alles.xlsx"))
    assert code == 1
    assert "sheet(s) 'Toelichting' skipped" in out
    assert "(stories, 1 rows, xlsx, sheet 'Verhalen')" in out
    assert "alles.xlsx[Indicatoren]:2: column '2024K1': 'twaalf' is not a number" in out


def test_codebook_files_are_checked_too(capsys, tmp_path):
    import impactlib

    code, out = run(capsys, str(Path(impactlib.__file__).parent / "data" / "codebook.yaml"))
    assert code == 0 and "(codebook 'impactlib-standaard'" in out
    bad = tmp_path / "codebook.yaml"
    bad.write_text('name: x\nversion: "1"\ndimensions:\n  valence:\n    values: {positive: {label: p}, onzin: {}}\n',
                   encoding="utf-8")
    code, out = run(capsys, str(bad))
    assert code == 1 and "unknown value 'onzin'" in out


def test_project_with_an_invalid_codebook_fails(capsys, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(FIX / "project_nl", root)
    (root / "codebook.yaml").write_text("name: x\nversion: '1'\ndimensions:\n  kleur: {}\n", encoding="utf-8")
    code, out = run(capsys, str(root))
    assert code == 1 and "kleur" in out

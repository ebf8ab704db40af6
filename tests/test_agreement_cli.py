"""Tests for ``impactlib agreement`` (impactlib.cli.agreement)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from impactlib.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "agreement"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["agreement", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _codes_csv(path: Path) -> Path:
    rows = [
        "story_id,start,end,dimension,value,coder,source,status,confidence,codebook_version,created_at,memo",
        "S1,,,valence,positive,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S1,,,valence,positive,coder_b,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S2,,,valence,negative,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S2,,,valence,negative,coder_b,human,edited,,1.0.0,2025-01-01T10:00:00Z,",
        "S3,,,valence,positive,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S3,,,valence,negative,coder_b,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S4,,,valence,negative,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S4,,,valence,positive,coder_b,human,rejected,,1.0.0,2025-01-01T10:00:00Z,",
        "S1,,,valence,positive,impactlib,model,suggested,0.8,1.0.0,2025-01-01T09:00:00Z,",
        "S2,,,valence,positive,impactlib,model,suggested,0.6,1.0.0,2025-01-01T09:00:00Z,",
        "S3,,,valence,positive,impactlib,model,suggested,0.7,1.0.0,2025-01-01T09:00:00Z,",
        "S1,0,20,valence,positive,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S1,0,20,valence,positive,coder_b,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S1,21,50,valence,negative,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S1,21,50,valence,positive,coder_b,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S2,0,30,valence,negative,coder_a,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
        "S2,0,30,valence,negative,coder_b,human,accepted,,1.0.0,2025-01-01T10:00:00Z,",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- published examples

def test_json_krippendorff_2011_example(capsys):
    code, out, err = run(capsys, FIXTURES / "krippendorff_2011_nominal.csv", "--dimensions", "category",
                         "--json", "--bootstrap", "200")
    assert code == 0, err
    data = json.loads(out)
    fig = data["dimensions"]["category"]
    assert fig["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)
    assert fig["units"] == 12 and fig["coders"] == 4
    assert fig["cohen_kappa"] is None and fig["cohen_kappa_ci"] == [None, None]
    low, high = fig["krippendorff_alpha_ci"]
    assert low < fig["krippendorff_alpha"] < high
    for key in ("percent_agreement", "fleiss_kappa", "percent_agreement_ci", "fleiss_kappa_ci"):
        assert key in fig


def test_json_fleiss_example_with_unit_and_coder_columns(capsys):
    code, out, err = run(capsys, FIXTURES / "fleiss_1971_wikipedia.csv", "--unit", "subject",
                         "--coder-column", "rater", "--dimensions", "category", "--json", "--bootstrap", "100")
    assert code == 0, err
    fig = json.loads(out)["dimensions"]["category"]
    assert fig["fleiss_kappa"] == pytest.approx(0.210, abs=5e-4)
    assert fig["percent_agreement"] == pytest.approx(0.378, abs=5e-4)
    assert fig["coders"] == 14


def test_text_table_cohen_example_with_confusion(capsys):
    code, out, err = run(capsys, FIXTURES / "cohen_wikipedia_50.csv", "--dimensions", "decision", "--confusion",
                         "--bootstrap", "200")
    assert code == 0, err
    assert "decision: 50 units, 2 coders, 50 pairable units" in out
    assert "70.0%" in out
    lines = {ln.split()[0] + (" " + ln.split()[1] if len(ln.split()) > 1 else ""): ln for ln in out.splitlines() if ln.strip()}
    cohen = next(ln for ln in out.splitlines() if ln.strip().startswith("Cohen"))
    assert "0.400" in cohen and "[" in cohen
    assert "confusion matrix (rows A, columns B)" in out
    assert lines  # the table has rows
    assert "Krippendorff" in out and "Fleiss" in out


def test_same_seed_same_output(capsys):
    args = (FIXTURES / "cohen_wikipedia_50.csv", "--dimensions", "decision", "--json", "--bootstrap", "300",
            "--seed", "4")
    _, first, _ = run(capsys, *args)
    _, second, _ = run(capsys, *args)
    assert first == second


# --------------------------------------------------------------------------- codes tables and formats

def test_codes_table_story_and_segment_level(tmp_path, capsys):
    path = _codes_csv(tmp_path / "codes.csv")
    code, out, err = run(capsys, path, "--json", "--bootstrap", "0")
    assert code == 0, err
    data = json.loads(out)
    assert data["coders"] == ["coder_a", "coder_b"]  # machine suggestions are not codes
    fig = data["dimensions"]["valence"]
    assert (fig["units"], fig["pairable_units"]) == (4, 3)  # S4: coder_b's code was rejected
    assert fig["percent_agreement"] == pytest.approx(2 / 3)
    assert fig["confusion_matrix"]["counts"] == [[1, 0], [1, 1]]
    code, out, err = run(capsys, path, "--json", "--bootstrap", "0", "--level", "segment")
    assert code == 0, err
    seg = json.loads(out)["dimensions"]["valence"]
    assert seg["units"] == 3 and seg["percent_agreement"] == pytest.approx(2 / 3)


def test_reference_coder_human_machine(tmp_path, capsys):
    path = _codes_csv(tmp_path / "codes.csv")
    code, out, err = run(capsys, path, "--reference", "coder_a", "--include-suggestions", "--json",
                         "--bootstrap", "50")
    assert code == 0, err
    data = json.loads(out)
    by_coder = {c["coder"]: c["dimensions"]["valence"] for c in data["comparisons"]}
    assert set(by_coder) == {"coder_b", "impactlib"}
    assert by_coder["impactlib"]["percent_agreement"] == pytest.approx(2 / 3)  # S1 yes, S2 no, S3 yes
    code, out, err = run(capsys, path, "--reference", "coder_a", "--include-suggestions", "--bootstrap", "0")
    assert "Agreement of 'impactlib' with reference 'coder_a'" in out


def test_xlsx_input(tmp_path, capsys):
    df = pd.read_csv(FIXTURES / "cohen_wikipedia_50.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "codes.xlsx"
    df.to_excel(path, index=False, sheet_name="Codes")
    code, out, err = run(capsys, path, "--dimensions", "decision", "--json", "--bootstrap", "0")
    assert code == 0, err
    assert json.loads(out)["dimensions"]["decision"]["cohen_kappa"] == pytest.approx(0.4)


def test_dutch_excel_csv_with_aliases(tmp_path, capsys):
    text = "Verhaal ID;Codeur;Valentie;Directheid\r\n"
    rows = [("V1", "Anne", "positive", "direct"), ("V1", "Bram", "positive", "indirect"),
            ("V2", "Anne", "negative", "direct"), ("V2", "Bram", "negative", "direct"),
            ("V3", "Anne", "positive", "indirect"), ("V3", "Bram", "negative", "indirect")]
    text += "".join(";".join(r) + "\r\n" for r in rows)
    path = tmp_path / "coderingen é.csv"
    path.write_bytes(text.encode("cp1252"))
    code, out, err = run(capsys, path, "--json", "--bootstrap", "0")
    assert code == 0, err
    dims = json.loads(out)["dimensions"]
    assert set(dims) == {"valence", "directness"}
    assert dims["valence"]["percent_agreement"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- errors: exit 1, no traceback

@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "verhaal"], "no unit column 'verhaal'; columns found: 'story_id', 'coder', 'valence', 'decision'"),
        (["--coder-column", "rater"], "no coder column 'rater'"),
        (["--dimensions", "decision,thema"], r"unknown dimension\(s\) 'thema'; columns found: .*'decision'"),
        (["--dimensions", "valence"], "dimension 'valence' has no pairable units"),
        (["--coders", "A"], r"at least 2 coders in column 'coder'; found 1 \('A'\)"),
        (["--dimensions", "decision", "--level", "segment"], "segment level needs columns 'start' and 'end'"),
        (["--bootstrap", "-5"], "--bootstrap -5"),
    ],
)
def test_errors_are_clear_and_exit_1(capsys, args, message):
    code, out, err = run(capsys, FIXTURES / "cohen_wikipedia_50.csv", *args)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    import re
    assert re.search(message, err), err


def test_error_one_coder_and_missing_file(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("story_id,coder,valence\nS1,a,positive\nS2,a,negative\n", encoding="utf-8")
    code, _, err = run(capsys, path)
    assert code == 1 and "at least 2 coders" in err and "found 1 ('a')" in err
    code, _, err = run(capsys, tmp_path / "absent.csv")
    assert code == 1 and "absent.csv" in err and "not found" in err


def test_error_binary_file(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_bytes(b"story_id,coder\x00\x01\x02\x00" * 20)
    code, _, err = run(capsys, path)
    assert code == 1 and "codes.csv" in err and "Traceback" not in err


def test_console_script_runs_without_traceback(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("story_id,coder,valence\nS1,a,positive\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "impactlib", "agreement", str(path)], capture_output=True,
                          text=True)
    assert proc.returncode == 1
    assert "at least 2 coders" in proc.stderr and "Traceback" not in proc.stderr


def test_codes_table_with_values_outside_the_codebook_compares_labels(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    rows = ["story_id,dimension,value,coder"] + [
        f"S{i},valence,{a},coder_a\nS{i},valence,{b},coder_b" for i, (a, b) in
        enumerate([("1", "1"), ("2", "2"), ("1", "2"), ("3", "3")])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, path, "--json", "--bootstrap", "0")
    assert code == 0, err
    assert "not in the codebook" in err and "compared as labels" in err
    assert json.loads(out)["dimensions"]["valence"]["percent_agreement"] == pytest.approx(0.75)


def test_codes_table_is_validated_with_located_errors(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text("story_id,dimension,value,coder,status\nS1,valence,positief,a,accepted\n"
                    "S1,valence,blah,b,accepted\nS2,valence,negative,b,acepted\n", encoding="utf-8")
    code, _, err = run(capsys, path)
    assert code == 1 and "Traceback" not in err
    assert "codes.csv:3: column 'value': 'blah' is not a value of dimension 'valence'" in err
    assert "codes.csv:4: column 'status': 'acepted' is not allowed" in err


def test_dutch_labels_equal_english_keys(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text("story_id,coder,valence\nS1,a,positief\nS1,b,positive\nS2,a,Negatief\nS2,b,negative\n"
                    "S3,a,positief\nS3,b,negative\n", encoding="utf-8")
    code, out, err = run(capsys, path, "--json", "--bootstrap", "0")
    assert code == 0, err
    fig = json.loads(out)["dimensions"]["valence"]
    assert fig["percent_agreement"] == pytest.approx(2 / 3)
    assert fig["confusion_matrix"]["labels"] == ["negative", "positive"]


def test_human_codes_with_machine_output_without_coder_column(tmp_path, capsys):
    codes = _codes_csv(tmp_path / "codes.csv")
    tagged = tmp_path / "tagged.csv"
    tagged.write_text(
        "story_id,valence,intentionality,directness,valence_confidence,evidence\n"
        "S1,positive,intended,direct,0.9,a\nS2,positive,,indirect,0.6,b\nS3,negative,,,0.7,c\nS9,,,,,\n",
        encoding="utf-8")
    code, out, err = run(capsys, codes, tagged, "--reference", "coder_a", "--dimensions", "valence", "--json",
                         "--bootstrap", "0")
    assert code == 0, err
    assert "its codes count as coder 'tagged'" in err
    by_coder = {c["coder"]: c["dimensions"]["valence"] for c in json.loads(out)["comparisons"]}
    assert set(by_coder) == {"coder_b", "tagged"}
    # coder_a: S1 positive, S2 negative, S3 positive, S4 negative; tagged: S1 pos, S2 pos, S3 neg
    assert by_coder["tagged"]["pairable_units"] == 3
    assert by_coder["tagged"]["percent_agreement"] == pytest.approx(1 / 3)

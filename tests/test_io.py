"""Loaders of impactlib.io on realistic exports (Excel NL, Qualtrics, LimeSurvey) and bad inputs."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from impactlib.errors import ImpactError, ValidationError
from impactlib.io import (
    infer_kind,
    load_activities,
    load_arena,
    load_codes,
    load_indicators,
    load_msc,
    load_stories,
    load_table,
    read_table,
)

FIX = Path(__file__).parent / "fixtures" / "io"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- read_table


def test_read_table_detects_cp1252_semicolon_and_keeps_line_numbers_of_multiline_cells():
    df = read_table(FIX / "excel_nl_stories.csv")
    assert df.attrs["encoding"] == "cp1252"
    assert df.attrs["delimiter"] == ";"
    assert list(df.columns)[:3] == ["Verhaalnummer", "Datum", "Activiteit"]
    # V001's story spans physical lines 2-3, so V002 starts on line 4
    assert list(df.attrs["lines"]) == [2, 4, 5, 6, 7]
    assert "Café-gesprekken" in df.loc[4, "Verhaal"] and "€ 0" in df.loc[4, "Verhaal"]


@pytest.mark.parametrize(
    "encoding, bom, expected",
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("cp1252", b"", "cp1252")],
)
def test_read_table_reports_the_encoding(tmp_path, encoding, bom, expected):
    p = tmp_path / "s.csv"
    p.write_bytes(bom + "id;tekst\nS1;Coördinator zegt: één café\n".encode(encoding))
    df = read_table(p)
    assert df.attrs["encoding"] == expected
    assert df.loc[0, "tekst"] == "Coördinator zegt: één café"
    assert list(df.columns) == ["id", "tekst"]  # no BOM left in the first header


def test_read_table_reads_excel_unicode_text_utf16_tab(tmp_path):
    p = tmp_path / "export.txt"
    p.write_bytes("verhaal_id\ttekst\r\nS1\tHé, het gaat goed\r\n".encode("utf-16"))
    df = read_table(p)
    assert df.attrs["encoding"] == "utf-16" and df.attrs["delimiter"] == "\t"
    assert df.loc[0, "tekst"] == "Hé, het gaat goed"


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_read_table_sniffs_the_delimiter_despite_other_separators_in_text(tmp_path, delim):
    other = ";" if delim != ";" else ","
    text = (f"id{delim}tekst{delim}datum\n"
            f'S1{delim}"Eerst boos{other} toen blij{delim} echt"{delim}2025-01-02\n'
            f"S2{delim}Kort{other} maar krachtig{delim}2025-01-03\n")
    df = read_table(write(tmp_path / "s.csv", text))
    assert df.attrs["delimiter"] == delim
    assert df.shape == (2, 3)


def test_read_table_honours_excel_sep_line(tmp_path):
    df = read_table(write(tmp_path / "s.csv", "sep=,\nid,tekst\nS1,a;b\nS2,c\n"))
    assert df.attrs["delimiter"] == "," and list(df.attrs["lines"]) == [3, 4]


def test_read_table_skips_a_title_line_above_the_header(tmp_path):
    text = "Kerncijfers wijken Zuiderveen 2024;;;\nindicator;gebied;periode;waarde\nBezoekers;WK990102;2024;12\n"
    df = read_table(write(tmp_path / "i.csv", text))
    assert list(df.columns) == ["indicator", "gebied", "periode", "waarde"]
    assert list(df.attrs["lines"]) == [3]
    assert any("skipped" in w.message for w in df.attrs["warnings"])


def test_read_table_drops_empty_trailing_excel_columns_and_blank_rows(tmp_path):
    df = read_table(write(tmp_path / "s.csv", "id;tekst;;\nS1;a;;\n;;;\nS2;b;;\n"))
    assert list(df.columns) == ["id", "tekst"] and len(df) == 2
    assert list(df.attrs["lines"]) == [2, 4]


def test_binary_png_given_as_csv_is_a_located_problem(tmp_path):
    p = tmp_path / "stories.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ValidationError, match=r"stories\.csv: this is not a text file: it looks like a PNG image"):
        read_table(p)


def test_xlsx_renamed_to_csv_says_what_it_is(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["id", "tekst"])
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / "stories.csv"
    p.write_bytes(buf.getvalue())
    with pytest.raises(ValidationError, match=r"looks like an Excel workbook \(\.xlsx\); give it the \.xlsx"):
        load_stories(p)


def test_zip_given_as_csv(tmp_path):
    p = tmp_path / "stories.csv"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.txt", "hallo")
    with pytest.raises(ValidationError, match="looks like a ZIP archive"):
        load_stories(p)


def test_random_binary_data_given_as_csv(tmp_path):
    p = tmp_path / "stories.csv"
    p.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)))
    with pytest.raises(ValidationError, match="not a text file"):
        load_stories(p)


def test_nul_bytes_are_reported_per_line(tmp_path):
    p = tmp_path / "stories.csv"
    p.write_bytes(b"id,text\nS1,goed\nS2,ka\x00pot\nS3,ook\x00\n")
    with pytest.raises(ValidationError, match=r"stories\.csv:3: this line contains NUL bytes") as exc:
        load_stories(p)
    assert [pr.line for pr in exc.value.problems if "NUL" in pr.message] == [3, 4]


def test_rows_with_too_many_fields_are_located(tmp_path):
    p = write(tmp_path / "stories.csv", "id;tekst;rol\nS1;a;ouder\nS2;b;c;d\nS3;e;f\nS4;g;h;i;j\n")
    with pytest.raises(ValidationError, match=r"stories\.csv:3: this row has 4 values but the header has 3 "
                                              r"columns; a value probably contains an unquoted ';'") as exc:
        load_stories(p)
    assert [pr.line for pr in exc.value.problems if "values but" in pr.message] == [3, 5]


def test_rows_with_fewer_fields_are_padded(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id,text,rol\nS1,a\nS2,b,ouder\n"))
    assert df["storyteller_role"].isna().tolist() == [True, False]


def test_unclosed_quote_is_reported_where_it_starts(tmp_path):
    p = write(tmp_path / "stories.csv", 'id,text\nS1,ok\nS2,"begint hier\nS3,weg\nS4,ook weg\n')
    with pytest.raises(ValidationError, match=r"stories\.csv:3: a quoted value that starts on line 3 is never closed"):
        load_stories(p)


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n"])
def test_empty_file(tmp_path, content):
    p = tmp_path / "stories.csv"
    p.write_bytes(content)
    with pytest.raises(ValidationError, match=r"stories\.csv: the file is empty"):
        load_stories(p)


def test_header_only_file_is_an_error_naming_the_columns(tmp_path):
    p = write(tmp_path / "stories.csv", "verhaal_id;tekst;datum\r\n")
    with pytest.raises(ValidationError, match=r"header but no data rows.*'verhaal_id', 'tekst', 'datum'"):
        load_stories(p)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_stories(tmp_path / "nope.csv")


def test_old_xls_is_refused_with_advice(tmp_path):
    p = tmp_path / "stories.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ValidationError, match=r"old Excel \.xls files are not supported; .*save it as \.xlsx"):
        load_stories(p)


# --------------------------------------------------------------------------- XLSX


def make_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_xlsx_sheet_dates_title_row_and_line_numbers(tmp_path):
    p = make_xlsx(tmp_path / "verhalen.xlsx", {
        "Toelichting": [["Dit bestand bevat verhalen"]],
        "Verhalen": [
            ["Verhalen Zuiderveen, export 3 maart 2025"],
            [],
            ["Verhaal ID", "Tekst", "Datum", "Leeftijd"],
            [1, "Ik ga weer naar school.", dt.datetime(2025, 2, 3), 14],
            [2, "Mijn moeder lacht weer.", "4-2-2025", 15.0],
        ],
    })
    df = load_stories(p, sheet="verhalen")  # sheet names match case-insensitively
    assert df["story_id"].tolist() == ["1", "2"]
    assert df["collected_on"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-03", "2025-02-04"]
    assert list(df.attrs["lines"]) == [4, 5]
    assert df.attrs["sheet"] == "Verhalen"
    # without a sheet, a sheet named after the kind is preferred over the first one
    assert load_stories(p).attrs["sheet"] == "Verhalen"


def test_xlsx_wrong_sheet_lists_the_sheets(tmp_path):
    p = make_xlsx(tmp_path / "data.xlsx", {"Blad1": [["id", "tekst"], ["S1", "a"]], "Blad2": [["x"]]})
    with pytest.raises(ValidationError, match=r"there is no sheet 'Indicatoren'; the workbook has 'Blad1', 'Blad2'"):
        load_stories(p, sheet="Indicatoren")


def test_xlsx_errors_name_sheet_and_row(tmp_path):
    p = make_xlsx(tmp_path / "v.xlsx", {"Blad1": [["id", "tekst", "datum"], ["S1", "a", "31-02-2025"]]})
    with pytest.raises(ValidationError, match=r"v\.xlsx:2: column 'collected_on': '31-02-2025' is not a date"):
        load_stories(p)


def test_damaged_xlsx(tmp_path):
    p = tmp_path / "v.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match=r"not a readable \.xlsx workbook"):
        load_stories(p)


def test_xlsx_wide_indicators_with_numeric_cells_and_year_headers(tmp_path):
    p = make_xlsx(tmp_path / "indicatoren.xlsx", {"Indicatoren": [
        ["Indicator", "Gebied", "Eenheid", "Eigenaar", 2023, 2024, "2025K1"],
        ["Bereik", "WK990103", "aantal", "professionals", 40, 47.5, "12,5*"],
        ["Uitval", "GM9901", "%", "gemeente", 2.9, ".", "x"],
    ]})
    df = load_indicators(p)
    assert df["period"].tolist() == ["2023", "2024", "2025-Q1"] * 2
    assert df["value"].tolist()[:3] == [40.0, 47.5, 12.5]
    assert df["status"].tolist() == ["ok", "ok", "provisional", "ok", "missing", "confidential"]
    assert list(df.attrs["lines"]) == [2, 2, 2, 3, 3, 3]


# --------------------------------------------------------------------------- JSONL and .txt folder


def test_jsonl_stories():
    df = load_stories(FIX / "stories.jsonl")
    assert df["story_id"].tolist() == ["J1", "J2"]
    assert df["collected_on"].dt.day.tolist() == [15, 15]
    assert df.loc[1, "tags"] == '["geld", "gezin"]'


def test_jsonl_invalid_lines_are_located(tmp_path):
    p = write(tmp_path / "s.jsonl", '{"story_id": "A", "text": "x"}\n{"story_id": "B", "text": \n[1, 2]\n')
    with pytest.raises(ValidationError, match=r"s\.jsonl:2: not valid JSON") as exc:
        load_stories(p)
    assert [pr.line for pr in exc.value.problems] == [2, 3]


def test_folder_of_txt_files_is_one_story_per_file():
    df = load_stories(FIX / "txt_stories")
    assert df["story_id"].tolist() == ["B001", "B002", "B003"]
    assert df.loc[1, "text"] == "Café in de wijk is fijn."  # cp1252 file
    assert df.loc[2, "text"] == ""
    assert df.attrs["encoding"].startswith("mixed")
    (w,) = [w for w in df.attrs["warnings"] if "no text" in w.message]
    assert "'B003'" in w.message and "B003.txt" in w.message


def test_folder_without_txt_files(tmp_path):
    with pytest.raises(ValidationError, match="holds no .txt files"):
        load_stories(tmp_path)


# --------------------------------------------------------------------------- stories


def test_dutch_excel_stories_load_with_canonical_columns_and_types():
    df = load_stories(FIX / "excel_nl_stories.csv")
    assert list(df.columns[:11]) == ["story_id", "text", "activity", "activity_goal", "storyteller_role",
                                     "collected_on", "track", "domain", "why_significant", "area", "language"]
    assert df["story_id"].tolist() == ["V001", "V002", "V003", "V004", "V005"]
    assert df["collected_on"].dtype == "datetime64[ns]"
    assert df["collected_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-02-03", "2025-02-03", "2024-11-14", "2024-12-01", "2025-01-20"]
    assert df.loc[0, "text"].endswith("mijn buurvrouw gaat mee.\nZe zegt dat ik er beter uitzie.")
    assert "\r" not in "".join(df["text"])
    assert df.loc[2, "text"].endswith('Mevrouw zei "eindelijk iemand die luistert".')
    assert df["language"].isna().all() and "language" in df.attrs["absent_columns"]
    assert df.attrs["columns_from"]["story_id"] == "Verhaalnummer"
    assert pd.api.types.is_string_dtype(df["storyteller_role"])
    assert df["storyteller_role"].tolist() == ["deelnemer", "ouder", "professional", "mantelzorger", "ouder"]


def test_qualtrics_export_skips_the_two_extra_header_rows():
    mapping = {"Q1": "activity", "Q2": "text", "Q3": "why_significant", "Q4": "storyteller_role"}
    df = load_stories(FIX / "qualtrics_stories.csv", mapping=mapping)
    assert df.attrs["format"] == "qualtrics" and df.attrs["encoding"] == "utf-8-sig"
    assert df["story_id"].tolist() == ["R_1AbCdEfGhIjKlMn", "R_2XyZaBcDeFgHiJk", "R_3QrStUvWxYzAbCd"]
    assert df.loc[0, "activity"] == "Mantelzorgcafé"
    assert df.loc[0, "collected_on"] == pd.Timestamp("2025-03-02 10:09:56")
    assert df.loc[2, "text"] == ""
    assert list(df.attrs["lines"]) == [4, 6, 7]
    assert "StartDate" in df.columns and "Q3" not in df.columns  # other columns kept, mapped ones renamed


def test_qualtrics_without_mapping_lists_found_columns():
    with pytest.raises(ValidationError, match=r"missing required column\(s\) 'text'.*'ResponseId'.*'Q2'"):
        load_stories(FIX / "qualtrics_stories.csv")


def test_limesurvey_export():
    df = load_stories(FIX / "limesurvey_stories.csv")
    assert df.attrs["format"] == "limesurvey"
    assert df["story_id"].tolist() == ["1", "2", "3"]
    assert df.loc[0, "activity"] == "Vroeg Eropaf schuldhulp"
    assert df.loc[1, "text"].endswith("winkelcentrum; ze zitten nu bij de voetbalclub.\nDe buurt merkt het ook.")
    assert df.loc[0, "language"] == "nl" and df.loc[1, "storyteller_role"] == "buurtbewoner"
    assert pd.isna(df.loc[2, "collected_on"])  # incomplete response: no submitdate
    assert any("'3' (line 5)" in w.message for w in df.attrs["warnings"])


def test_missing_required_columns_list_the_columns_found(tmp_path):
    p = write(tmp_path / "stories.csv", "verhaal_id;datum\nS1;1-1-2025\n")
    with pytest.raises(ValidationError, match=r"stories\.csv:1: missing required column\(s\) 'text' for a stories "
                                              r"table; columns found: 'verhaal_id', 'datum'; accepted names — "
                                              r"text: text, verhaal, tekst"):
        load_stories(p)


def test_duplicate_story_ids_list_ids_and_lines(tmp_path):
    p = write(tmp_path / "stories.csv", "id,text\nS1,a\nS2,b\nS1,c\nS3,d\nS2,e\nS1,f\n")
    with pytest.raises(ValidationError) as exc:
        load_stories(p)
    msg = str(exc.value)
    assert "stories.csv:2: story_id 'S1' occurs 3 times (lines 2, 4, 7)" in msg
    assert "stories.csv:3: story_id 'S2' occurs 2 times (lines 3, 6)" in msg


def test_impossible_date_message_is_exact(tmp_path):
    rows = "".join(f"S{i:03d};tekst {i};{1 + i % 28}-02-2025\n" for i in range(1, 12))
    p = write(tmp_path / "stories.csv", "verhaal_id;verhaal;collected_on\n" + rows + "S013;x;2025-02-01\n"
              "S014;laatste;31-02-2025\n")
    with pytest.raises(ValidationError, match=r"stories\.csv:14: column 'collected_on': '31-02-2025' is not a "
                                              r"date; use YYYY-MM-DD or DD-MM-YYYY$"):
        load_stories(p)


def test_every_problem_is_reported_at_once(tmp_path):
    p = write(tmp_path / "stories.csv",
              "id;tekst;datum;gebied\nS1;a;32-01-2025;WK990101\nS1;b;2025-01-01;WK12\n;c;gisteren;GM9901\n"
              "S4;d;1-1-2025;BU123;extra\n")
    with pytest.raises(ValidationError) as exc:
        load_stories(p)
    errors = sorted((pr.line, pr.message.split(";")[0]) for pr in exc.value.problems if pr.severity == "error")
    assert errors == sorted([
        (2, "column 'collected_on': '32-01-2025' is not a date"),
        (2, "story_id 'S1' occurs 2 times (lines 2, 3)"),
        (3, "column 'area': 'WK12' is not a valid CBS area code"),
        (4, "column 'story_id' is empty"),
        (4, "column 'collected_on': 'gisteren' is not a date"),
        (5, "this row has 5 values but the header has 4 columns"),
        (5, "column 'area': 'BU123' is not a valid CBS area code"),
    ])


def test_many_bad_rows_are_capped_with_a_count(tmp_path):
    rows = "".join(f"S{i},t,99-99-2025\n" for i in range(120))
    with pytest.raises(ValidationError, match=r"… and 70 more row\(s\) with the same problem") as exc:
        load_stories(write(tmp_path / "s.csv", "id,text,datum\n" + rows))
    assert len(exc.value.problems) == 51


def test_blank_story_text_is_a_warning_naming_the_stories(tmp_path):
    df = load_stories(write(tmp_path / "stories.csv", 'id,text\nS1,goed\nS2,"   "\nS3,\nS4,"\n"\n'))
    assert df["text"].tolist() == ["goed", "", "", ""]
    (w,) = df.attrs["warnings"]
    assert w.severity == "warning"
    assert w.message.startswith("3 stories have no text and will not be tagged: 'S2' (line 3), 'S3' (line 4), "
                                "'S4' (line 5)")


def test_text_is_nfc_normalised(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id,text\nS1,Coo\u0308rdinator\n"))
    assert df.loc[0, "text"] == "Coördinator"


@pytest.mark.parametrize("value, expected", [
    ("2025-02-03", "2025-02-03"), ("03-02-2025", "2025-02-03"), ("3-2-2025", "2025-02-03"),
    ("03/02/2025", "2025-02-03"), ("3.2.2025", "2025-02-03"), ("3 februari 2025", "2025-02-03"),
    ("2025-02-03 14:05:00", "2025-02-03"), ("2025-02-03T14:05", "2025-02-03"), ("03-02-25", "2025-02-03"),
    ("3-feb-25", "2025-02-03"), ("feb 3, 2025", "2025-02-03"), ("03-02-2025 14:05", "2025-02-03"),
])
def test_dates_iso_and_dutch_day_first(tmp_path, value, expected):
    df = load_stories(write(tmp_path / "s.csv", f"id;text;datum\nS1;x;{value}\n"))
    assert df.loc[0, "collected_on"].strftime("%Y-%m-%d") == expected


@pytest.mark.parametrize("value", ["31-02-2025", "2025-13-01", "02/13/2025", "29-02-2023", "morgen", "00-01-2025"])
def test_impossible_dates_are_errors(tmp_path, value):
    with pytest.raises(ValidationError, match=rf"s\.csv:2: column 'collected_on': '{value}' is not a date"):
        load_stories(write(tmp_path / "s.csv", f"id;text;datum\nS1;x;{value}\n"))


def test_unlikely_dates_are_warnings(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id;text;datum\nS1;x;01-01-1900\n"))
    assert any("far in the past or future" in w.message for w in df.attrs["warnings"])


def test_area_names_are_a_warning_and_codes_are_normalised(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id;text;wijk\nS1;x;wk 990101\nS2;y;Centrum\nS3;z;GM9901  \n"
                                                "S4;q;NL01\nS5;r;BU99010101\n"))
    assert df["area"].tolist() == ["WK990101", "Centrum", "GM9901", "NL01", "BU99010101"]
    assert any("1 value(s) are names, not CBS codes ('Centrum')" in w.message for w in df.attrs["warnings"])


def test_unknown_track_is_kept_with_a_warning(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id;text;spoor\nS1;x;Doelmatigheid\nS2;y;Vakmanschap\nS3;z;anders\n"))
    assert df["track"].tolist() == ["doelmatigheid", "vakmanschap", "anders"]
    assert any("'anders'" in w.message for w in df.attrs["warnings"])


def test_explicit_mapping_wins_and_bad_mapping_is_reported(tmp_path):
    p = write(tmp_path / "s.csv", "Nr;Antwoord vraag 2;Tekst\nS1;Het echte verhaal;titel\n")
    df = load_stories(p, mapping={"antwoord_vraag_2": "text", "NR": "story_id"})
    assert df.loc[0, "text"] == "Het echte verhaal"
    assert df.loc[0, "Tekst"] == "titel"  # kept as a free column
    with pytest.raises(ValidationError, match=r"the column mapping names column 'Q9', which is not in the file"):
        load_stories(p, mapping={"Q9": "text"})


def test_competing_aliases_prefer_the_best_one_and_warn(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id,verhaal_id,text\n1,S1,a\n"))
    assert df.loc[0, "story_id"] == "S1" and df.loc[0, "id"] == "1"
    assert any("could both be 'story_id'" in w.message for w in df.attrs["warnings"])


def test_rol_means_storyteller_role_in_stories_and_role_in_arena(tmp_path):
    s = load_stories(write(tmp_path / "s.csv", "id,tekst,rol\nS1,x,ouder\n"))
    a = load_arena(write(tmp_path / "a.csv", "activiteit,effect,belanghebbende,rol\nA,E,Gemeente,investeerder\n"))
    assert s.loc[0, "storyteller_role"] == "ouder" and a.loc[0, "role"] == "investor"


def test_dataframe_input_is_validated_too():
    raw = pd.DataFrame({"verhaal_id": ["A", "A"], "tekst": ["x", "y"]})
    with pytest.raises(ValidationError, match=r"story_id 'A' occurs 2 times \(lines 2, 3\)"):
        load_stories(raw)


def test_attrs_survive_concat_and_copy():
    df = load_stories(FIX / "excel_nl_stories.csv")
    both = pd.concat([df, df.copy()])
    assert len(both) == 10
    assert df.iloc[:2].attrs["encoding"] == "cp1252"


# --------------------------------------------------------------------------- activities


def test_activities_fixture_and_kinds_of_social_work():
    df = load_activities(FIX / "activiteiten.csv")
    assert df["social_work_type"].tolist() == ["sociale basis", "preventie", "aanpak van problemen",
                                               "juridische en klinische interventies"]
    assert df.loc[2, "organisation"] == "Gemeente Zuiderveen, team Schulddienstverlening"
    assert df["owner"].tolist() == ["gemeente"] * 4


def test_bad_kind_of_social_work_and_duplicate_activity(tmp_path):
    p = write(tmp_path / "activities.csv", "activiteit;soort\nA;preventie\nB;curatief\nA;sociale basis\n")
    with pytest.raises(ValidationError) as exc:
        load_activities(p)
    msg = str(exc.value)
    assert "activities.csv:3: column 'social_work_type': 'curatief' is not allowed; use one of the four kinds" in msg
    assert "activity 'A' occurs 2 times (lines 2, 4)" in msg


# --------------------------------------------------------------------------- indicators


def test_dutch_excel_wide_indicators_become_long():
    df = load_indicators(FIX / "excel_nl_indicators_wide.csv")
    assert len(df) == 4 * 5
    first = df[df["indicator"] == "Bezoekers buurtkamer"]
    assert first["period"].tolist() == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert first["period_start"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2024-01-01", "2024-04-01"]
    assert first["value"].tolist()[:2] == [1034.0, 1112.0]
    assert first["status"].tolist() == ["ok", "ok", "missing", "provisional", "confidential"]
    assert first["value"].tolist()[3] == 1250.0 and math.isnan(first["value"].tolist()[4])
    assert first["target"].unique().tolist() == [1200.0]
    eenz = df[df["indicator"] == "Eenzaamheid 65+"]
    assert eenz["value"].tolist() == [41.2, 0.0, 40.5, 39.8, 0.0]  # '–' and '-' are nil
    assert df["value"].dtype == "float64" and df["period_start"].dtype == "datetime64[ns]"
    assert list(df.attrs["lines"])[:6] == [2, 2, 2, 2, 2, 3]


def test_long_indicators_with_mixed_period_spellings():
    df = load_indicators(FIX / "indicators_long.csv")
    assert df["period"].tolist() == ["2024-Q1", "2024-Q2", "2024-03", "2024", "2023"]
    assert df["value"].tolist() == [42.0, 47.0, 15.0, 2.3, 2.9]
    assert df["status"].tolist() == ["ok", "ok", "ok", "provisional", "ok"]
    assert df.attrs["encoding"] == "utf-8-sig"


@pytest.mark.parametrize("raw, period", [
    ("2025K1", "2025-Q1"), ("2025-Q1", "2025-Q1"), ("2025 kwartaal 1", "2025-Q1"), ("Q4 2024", "2024-Q4"),
    ("1e kwartaal 2025", "2025-Q1"), ("2025KW02", "2025-Q2"), ("2025MM03", "2025-03"), ("2025-03", "2025-03"),
    ("maart 2025", "2025-03"), ("03-2025", "2025-03"), ("2025", "2025"), ("2025JJ00", "2025"),
])
def test_period_normalisation(tmp_path, raw, period):
    df = load_indicators(write(tmp_path / "i.csv", f"indicator;gebied;periode;waarde\nX;GM9901;{raw};1\n"))
    assert df.loc[0, "period"] == period


@pytest.mark.parametrize("raw, value, status", [
    ("1.234,5", 1234.5, "ok"), ("12,5*", 12.5, "provisional"), ("12,5 *", 12.5, "provisional"),
    (".", math.nan, "missing"), ("x", math.nan, "confidential"), ("–", 0.0, "ok"), ("-", 0.0, "ok"),
    ("*", math.nan, "provisional"), ("-3,5", -3.5, "ok"), ("1.000.000", 1e6, "ok"), ("", math.nan, "missing"),
    ("45%", 45.0, "ok"),
])
def test_dutch_numbers_and_cbs_symbols(tmp_path, raw, value, status):
    df = load_indicators(write(tmp_path / "i.csv", f"indicator;gebied;periode;waarde\nX;GM9901;2025;{raw}\n"))
    got = df.loc[0, "value"]
    assert (math.isnan(got) and math.isnan(value)) or got == value
    assert df.loc[0, "status"] == status


def test_english_decimals_in_a_comma_separated_file(tmp_path):
    df = load_indicators(write(tmp_path / "i.csv", 'indicator,area,period,value\nX,GM9901,2025,"1,234.5"\n'
                                                   "Y,GM9901,2025,0.75\n"))
    assert df["value"].tolist() == [1234.5, 0.75]


def test_non_numeric_indicator_values_name_line_column_and_value(tmp_path):
    p = write(tmp_path / "indicators.csv",
              "indicator;gebied;2024K1;2024K2\nBezoekers;WK990102;12;twaalf\nUitval;GM9901;12 personen;3\n")
    with pytest.raises(ValidationError) as exc:
        load_indicators(p)
    msg = str(exc.value)
    assert "indicators.csv:2: column '2024K2': 'twaalf' is not a number; write a number like 12,5" in msg
    assert "indicators.csv:3: column '2024K1': '12 personen' is not a number" in msg


def test_words_for_missing_figures_are_missing_with_a_warning(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;2024K1;2024K2\nUitval;GM9901;n.v.t.;3\nB;GM9901;onbekend;4\n")
    df = load_indicators(p)
    assert df["status"].tolist() == ["missing", "ok", "missing", "ok"]
    (w,) = [w for w in df.attrs["warnings"] if "read as missing" in w.message]
    assert "'n.v.t.', 'onbekend' read as missing (status 'missing') in 2 cell(s) (lines 2, 3)" in w.message


def test_lenient_values_for_kinds_roles_and_selection(tmp_path):
    acts = load_activities(write(tmp_path / "a.csv", "activiteit;soort\nA;Sociale basisvoorziening\n"
                                                     "B;Juridische interventie (drang)\nC;Preventief aanbod\n"))
    assert acts["social_work_type"].tolist() == ["sociale basis", "juridische en klinische interventies", "preventie"]
    arena = load_arena(write(tmp_path / "r.csv", "activiteit;effect;belanghebbende;rol\nA;E;G;Investeerder (kosten)\n"
                                                 "A;E;W;incasseert de baten\n"))
    assert arena["role"].tolist() == ["investor", "beneficiary"]
    msc = load_msc(write(tmp_path / "m.csv", "ronde;verhaal_id;geselecteerd\n1;S1;Ja, geselecteerd\n1;S2;nee (te kort)\n"))
    assert msc["selected"].tolist() == [True, False]


def test_school_years_get_a_hint(tmp_path):
    with pytest.raises(ValidationError, match=r"'2023/2024' is not a period; .*school year such as 2023/2024"):
        load_indicators(write(tmp_path / "i.csv", "indicator;gebied;periode;waarde\nUitval;GM9901;2023/2024;2\n"))


def test_an_activity_in_several_areas_is_allowed_with_a_warning(tmp_path):
    df = load_activities(write(tmp_path / "a.csv", "activiteit;gebied\nBuurtkamer;WK990101\nBuurtkamer;WK990102\n"))
    assert len(df) == 2 and any("several areas" in w.message for w in df.attrs["warnings"])
    with pytest.raises(ValidationError, match=r"activity 'Buurtkamer' / area 'WK990101' occurs 2 times"):
        load_activities(write(tmp_path / "b.csv", "activiteit;gebied\nBuurtkamer;WK990101\nBuurtkamer;WK990101\n"))


def test_indicator_period_and_area_errors(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;periode;waarde\nX;WK12;2025-13;1\nY;Centrum;2025K5;2\n")
    with pytest.raises(ValidationError) as exc:
        load_indicators(p)
    msg = str(exc.value)
    assert "i.csv:2: column 'area': 'WK12' is not a valid CBS area code; CBS codes are GM + 4 digits" in msg
    assert "i.csv:2: column 'period': '2025-13' is not a period; use e.g. 2025-Q1" in msg
    assert "i.csv:3: column 'period': '2025K5' is not a period" in msg
    assert "warning: column 'area': 1 value(s) are names, not CBS codes ('Centrum')" in msg


def test_duplicate_indicator_values(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;periode;waarde\nX;GM9901;2025K1;1\nX;GM9901;2025-Q1;2\n")
    with pytest.raises(ValidationError, match=r"indicator 'X' / area 'GM9901' / period '2025-Q1' occurs 2 times "
                                              r"\(lines 2, 3\)"):
        load_indicators(p)


def test_indicators_one_column_per_indicator(tmp_path):
    p = write(tmp_path / "cijfers.csv", "gebied;periode;Bezoekers;Uitval %\nWK990102;2025K1;120;3,5\n")
    df = load_indicators(p)
    assert df[["indicator", "value"]].values.tolist() == [["Bezoekers", 120.0], ["Uitval %", 3.5]]


def test_indicators_without_owner_warn(tmp_path):
    df = load_indicators(write(tmp_path / "i.csv", "indicator;gebied;periode;waarde\nX;GM9901;2025;1\n"))
    assert any("who decided to measure" in w.message for w in df.attrs["warnings"])


# --------------------------------------------------------------------------- msc, arena, codes


def test_msc_rounds():
    df = load_msc(FIX / "msc_rondes.csv")
    assert df["round"].tolist() == [1, 1, 1, 2] and str(df["round"].dtype) == "Int64"
    assert df["selected"].tolist() == [True, False, True, True]
    assert df["selected"].dtype == bool
    assert df.loc[1, "reasons"] == ""


def test_msc_bad_selected_value(tmp_path):
    p = write(tmp_path / "msc.csv", "ronde;verhaal_id;geselecteerd\nRonde 1;V1;misschien\nRonde 2;V1;ja\n")
    with pytest.raises(ValidationError, match=r"msc\.csv:2: column 'selected': 'misschien' is not yes/no"):
        load_msc(p)


def test_arena_roles_and_beide():
    df = load_arena(FIX / "effectenarena.csv")
    assert df["role"].tolist() == ["investor", "beneficiary", "investor", "beneficiary"]
    assert list(df.attrs["lines"]) == [2, 3, 4, 4]


def test_arena_unknown_role(tmp_path):
    p = write(tmp_path / "arena.csv", "activiteit,effect,belanghebbende,rol\nA,E,Gemeente,sponsor\n")
    with pytest.raises(ValidationError, match=r"arena\.csv:2: column 'role': 'sponsor' is not allowed; use "
                                              r"investeerder \(investor\) or incasseerder \(beneficiary\)"):
        load_arena(p)


def test_codes_long_with_dutch_labels():
    df = load_codes(FIX / "codes_long.csv")
    assert df["dimension"].tolist() == ["valence", "valence", "intentionality", "directness"]
    assert df["value"].tolist() == ["positive", "negative", "intended", "direct"]
    assert str(df["start"].dtype) == "Int64" and pd.isna(df.loc[0, "start"]) and df.loc[1, "end"] == 24
    assert df["source"].tolist() == ["human", "human", "human", "rules"]
    assert df["status"].tolist() == ["accepted", "accepted", "accepted", "suggested"]
    assert df.loc[3, "confidence"] == 0.82
    assert df.loc[1, "created_at"] == "2025-03-01T09:01:00Z"


def test_codes_wide_become_long():
    df = load_codes(FIX / "codes_wide.csv")
    assert len(df) == 8  # V002's empty directness is no coding
    assert df[df["coder"] == "coder_b"]["value"].tolist() == ["positive", "unintended", "direct"]


def test_codes_errors(tmp_path):
    p = write(tmp_path / "codes.csv", "story_id,start,end,dimension,value,coder,confidence\n"
              "S1,10,5,valence,positive,a,0.5\nS1,3,,valence,neutraal,a,1.5\nS2,-1,4,directness,direct,a,\n")
    with pytest.raises(ValidationError) as exc:
        load_codes(p)
    msg = str(exc.value)
    assert "codes.csv:2: end 5 is not after start 10" in msg
    assert "codes.csv:3: only one of 'start' and 'end' is given" in msg
    assert "codes.csv:3: column 'value': 'neutraal' is not a value of dimension 'valence'; use positive/negative" in msg
    assert "codes.csv:3: column 'confidence': 1.5 is outside 0…1" in msg
    assert "codes.csv:4: column 'start': '-1' is not a character position" in msg


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize("columns, kind", [
    (["verhaal_id", "tekst", "rol"], "stories"),
    (["id", "submitdate", "verhaal"], "stories"),
    (["activiteit", "doel", "soort sociaal werk"], "activities"),
    (["indicator", "gebied", "periode", "waarde"], "indicators"),
    (["Indicator", "Gebied", "2024K1", "2024K2"], "indicators"),
    (["ronde", "panel", "verhaal_id", "geselecteerd"], "msc"),
    (["activiteit", "effect", "belanghebbende", "rol"], "arena"),
    (["story_id", "dimension", "value", "coder"], "codes"),
    (["verhaal_id", "codeur", "valentie", "directheid"], "codes"),
])
def test_infer_kind(columns, kind):
    assert infer_kind(columns) == kind


def test_infer_kind_fails_clearly():
    with pytest.raises(ImpactError, match=r"cannot tell what kind of table this is.*'foo', 'bar'.*--kind"):
        infer_kind(["foo", "bar"])


def test_load_table_infers_the_kind():
    assert load_table(FIX / "msc_rondes.csv").attrs["kind"] == "msc"
    assert load_table(FIX / "excel_nl_indicators_wide.csv").attrs["kind"] == "indicators"
    assert load_table(FIX / "codes_wide.csv").attrs["kind"] == "codes"
    with pytest.raises(ImpactError, match="unknown table kind 'verhalen'"):
        load_table(FIX / "msc_rondes.csv", kind="verhalen")


# --------------------------------------------------------------------------- hardening


def test_year_and_quarter_columns_are_combined(tmp_path):
    p = write(tmp_path / "i.csv", "Indicator;Wijk;Jaar;Kwartaal;Waarde\nA;WK990102;2024;1;12\nA;WK990102;2024;K2;14\n"
                                  "A;WK990102;2024;3e kwartaal;15\n")
    df = load_indicators(p)
    assert df["period"].tolist() == ["2024-Q1", "2024-Q2", "2024-Q3"]


def test_year_and_month_columns_are_combined(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;jaar;maand;waarde\nA;GM9901;2025;3;1\nA;GM9901;2025;april;2\n")
    assert load_indicators(p)["period"].tolist() == ["2025-03", "2025-04"]


def test_a_date_as_period_stands_for_its_month(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;peildatum;waarde\nA;GM9901;31-03-2025;1\nB;GM9901;mrt-25;2\n")
    df = load_indicators(p)
    assert df["period"].tolist() == ["2025-03", "2025-03"]


def test_money_values(tmp_path):
    p = write(tmp_path / "i.csv", "indicator;gebied;periode;waarde\nKosten;GM9901;2024;€ 1.234,50\nB;GM9901;2024;25,-\n")
    assert load_indicators(p)["value"].tolist() == [1234.5, 25.0]


@pytest.mark.parametrize("value", ["3-feb-2025", "dinsdag 4 februari 2025", "di 4 feb. 2025"])
def test_dutch_long_dates(tmp_path, value):
    df = load_stories(write(tmp_path / "s.csv", f"id;text;datum\nS1;x;{value}\n"))
    assert df.loc[0, "collected_on"].month == 2


def test_rows_with_too_few_values_are_a_warning(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id;tekst;rol\nS1;Ik ging\nnaar huis;ouder\nS2;b;ouder\n"))
    lines = [w.line for w in df.attrs["warnings"] if "too few" in w.message or "value(s) but" in w.message]
    assert lines == [2, 3]


def test_very_long_story_in_csv(tmp_path):
    import csv

    before = csv.field_size_limit(131072)  # csv's default, whatever an earlier test left
    try:
        long = "Het gaat beter. " * 20000  # 320 kB, above csv's default field limit
        df = load_stories(write(tmp_path / "s.csv", f'id,text\nS1,"{long}"\nS2,kort\n'))
        assert len(df.loc[0, "text"]) == len(long)
        assert csv.field_size_limit() == 131072  # restored
    finally:
        csv.field_size_limit(before)


def test_old_mac_line_endings(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", 'id;text\rS1;"a\rb"\rS2;c\r'))
    assert df["story_id"].tolist() == ["S1", "S2"] and list(df.attrs["lines"]) == [2, 4]
    assert df.loc[0, "text"] == "a\nb"


def test_big_stories_file_loads_fast_enough_to_be_usable(tmp_path):
    # not a timing test: checks that 20k rows with multi-line cells keep their line numbers
    rows = "".join(f'S{i},"regel één\nregel twee {i}",{1 + i % 28}-3-2025\n' for i in range(20000))
    df = load_stories(write(tmp_path / "s.csv", "id,text,datum\n" + rows))
    assert len(df) == 20000 and df.attrs["lines"][19999] == 2 + 2 * 19999


def test_arena_with_investor_and_beneficiary_columns(tmp_path):
    p = write(tmp_path / "arena.csv",
              "Activiteit;Effect;Investeerders;Incasseerders\n"
              'Vroeg Eropaf schuldhulp;Minder huisuitzettingen;Gemeente Zuiderveen;"Woningcorporatie Zuiderhaven, '
              'Zorgverzekeraar"\nHuiswerkklas Oost;Minder schooluitval;Stichting Leerkracht Oost;\n')
    df = load_table(p)
    assert df.attrs["kind"] == "arena"
    assert df[["stakeholder", "role"]].values.tolist() == [
        ["Gemeente Zuiderveen", "investor"], ["Woningcorporatie Zuiderhaven", "beneficiary"],
        ["Zorgverzekeraar", "beneficiary"], ["Stichting Leerkracht Oost", "investor"]]
    assert list(df.attrs["lines"]) == [2, 2, 2, 3]


def test_kind_with_a_missing_required_column_is_still_recognised(tmp_path):
    p = write(tmp_path / "export.csv", "verhaal_id;datum;rol\nS1;1-1-2025;ouder\n")
    with pytest.raises(ValidationError, match=r"missing required column\(s\) 'text' for a stories table"):
        load_table(p)


def test_statline_title_and_footnote_lines_are_skipped_with_warnings(tmp_path):
    p = write(tmp_path / "kerncijfers.csv", '"Kerncijfers wijken en buurten 2024";;;\nindicator;gebied;periode;waarde\n'
                                            'A;GM9901;2024;1\nB;GM9901;2024;2\n"Bron: CBS StatLine";;;\n')
    df = load_indicators(p)
    assert df["indicator"].tolist() == ["A", "B"] and list(df.attrs["lines"]) == [3, 4]
    msgs = [(w.line, w.message[:30]) for w in df.attrs["warnings"]]
    assert (2, "the header is on line 2; 1 lin") in msgs
    assert (5, "this line looks like a footnot") in msgs


def test_short_header_above_ragged_rows_stays_the_header(tmp_path):
    p = write(tmp_path / "s.csv", "id;text\nS1;a;b;c;d;e\nS2;a;b;c;d;e\nS3;x;y;z;w;v\n")
    with pytest.raises(ValidationError) as exc:
        load_stories(p)
    assert [pr.line for pr in exc.value.problems] == [2, 3, 4]
    assert all("6 values but the header has 2 columns" in pr.message for pr in exc.value.problems)


def test_case_variables_keep_their_values_and_blank_is_missing(tmp_path):
    df = load_stories(write(tmp_path / "s.csv", "id;text;leeftijdsgroep;opmerking\nS1;a;65+;\nS2;b;18-25;let op\n"))
    assert df["leeftijdsgroep"].tolist() == ["65+", "18-25"]
    assert df["opmerking"].isna().tolist() == [True, False]


def test_a_block_of_nul_bytes_in_text_is_located_not_called_binary(tmp_path):
    p = tmp_path / "stories.csv"
    p.write_bytes(b"id,text\nS1,goed\n" + b"\x00" * 3000 + b"S2,ook goed\n")
    with pytest.raises(ValidationError, match=r"stories\.csv:3: this line contains NUL bytes"):
        load_stories(p)
    p.write_bytes(b"\x00" * 500)
    with pytest.raises(ValidationError, match="nothing but NUL bytes"):
        load_stories(p)


def test_xlsx_with_a_wrong_dimension_tag_loses_no_rows(tmp_path):
    import re

    wb = openpyxl.Workbook()
    ws = wb.active
    for r, (a, b) in enumerate([("id", "text"), ("S1", "a"), ("S2", "b")], start=3):
        ws.cell(r, 1, a)
        ws.cell(r, 2, b)
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:B4"/>', data)
            zout.writestr(item, data)
    df = load_stories(bad)
    assert df["story_id"].tolist() == ["S1", "S2"] and list(df.attrs["lines"]) == [4, 5]


@pytest.mark.parametrize("value", ["-1", "12", "gisteren", "2025-02-30T10:00:00Z"])
def test_bad_created_at_is_a_located_error_not_a_crash(tmp_path, value):
    p = write(tmp_path / "codes.csv", f"story_id,dimension,value,coder,created_at\nS1,valence,positive,a,{value}\n")
    with pytest.raises(ValidationError, match=rf"codes\.csv:2: column 'created_at': '{value}' is not a date-time"):
        load_codes(p)


def test_missing_text_suggests_survey_question_columns(tmp_path):
    p = write(tmp_path / "forms.csv", '"ID","Tijd van voltooien","Wat is uw rol?","Vertel uw verhaal: wat is er '
                                      'veranderd?"\n"1","3-2-2025 10:05:00","ouder","Mijn zoon is rustiger."\n')
    with pytest.raises(ValidationError, match=r"maybe 'Vertel uw verhaal: wat is er veranderd\?' is the 'text' column"):
        load_stories(p)
    df = load_stories(p, mapping={"Vertel uw verhaal: wat is er veranderd?": "text", "Wat is uw rol?": "storyteller_role"})
    assert df.loc[0, "collected_on"] == pd.Timestamp("2025-02-03 10:05:00")


def test_qualtrics_missing_text_lists_the_questions():
    with pytest.raises(ValidationError, match=r"questions in this Qualtrics export: Q1 = 'Bij welke activiteit was u "
                                              r"betrokken\?'; Q2 = 'Wat is volgens u de belangrijkste"):
        load_stories(FIX / "qualtrics_stories.csv")


def test_missing_story_id_says_how_to_add_ids(tmp_path):
    with pytest.raises(ValidationError, match=r"add a column story_id and number the rows"):
        load_stories(write(tmp_path / "s.csv", "tekst;datum\nIk ben blij;1-1-2025\n"))


def test_indicator_duplicates_consider_unit_and_source(tmp_path):
    ok = write(tmp_path / "i.csv", "indicator;gebied;periode;waarde;eenheid\nX;GM9901;2025;1;aantal\nX;GM9901;2025;5;%\n")
    assert len(load_indicators(ok)) == 2
    bad = write(tmp_path / "j.csv", "indicator;gebied;periode;waarde;eenheid;bron\nX;GM9901;2025;1;;\nX;GM9901;2025;2;;\n")
    with pytest.raises(ValidationError, match=r"j\.csv:2: indicator 'X' / area 'GM9901' / period '2025' occurs 2 "
                                              r"times \(lines 2, 3\)"):
        load_indicators(bad)


def test_tagger_output_read_as_codes_is_not_mistaken_for_human_codes(tmp_path):
    p = write(tmp_path / "tagged.csv",
              "story_id,valence,intentionality,directness,valence_confidence,intentionality_confidence,"
              "directness_confidence,evidence\nS1,positive,intended,direct,0.9,0.7,0.8,niet meer eenzaam\n"
              "S2,,,,,,,\n")
    df = load_codes(p)
    assert df[["dimension", "value", "confidence"]].values.tolist() == [
        ["valence", "positive", 0.9], ["intentionality", "intended", 0.7], ["directness", "direct", 0.8]]
    assert set(df["source"]) == {"rules"} and set(df["status"]) == {"suggested"} and set(df["coder"]) == {"impactlib"}
    assert df.loc[0, "evidence"] == "niet meer eenzaam"


def test_one_column_per_indicator_keeps_text_columns_as_extras(tmp_path):
    p = write(tmp_path / "cijfers.csv", "gebied;periode;Bezoekers;Opmerking\nWK990102;2025K1;120;drukke maand\n"
                                        "WK990102;2025K2;80;\n")
    df = load_indicators(p)
    assert df["indicator"].unique().tolist() == ["Bezoekers"]
    assert df["Opmerking"].tolist()[0] == "drukke maand"


def test_mapping_to_an_unknown_name_warns(tmp_path):
    p = write(tmp_path / "s.csv", "nr;verhaal;leeftijd\nS1;x;40\n")
    df = load_stories(p, mapping={"nr": "story_id", "leeftijd": "age"})
    assert df.loc[0, "age"] == "40"
    assert any("'age', which is not a column of a stories table" in w.message for w in df.attrs["warnings"])


def test_arena_empty_role_is_a_located_error(tmp_path):
    p = write(tmp_path / "arena.csv", "activiteit,effect,belanghebbende,rol\nA,E,Gemeente,\nA,E,Corporatie,beide\n")
    with pytest.raises(ValidationError, match=r"arena\.csv:2: column 'role' is empty"):
        load_arena(p)


def test_a_file_mixing_utf8_and_cp1252_is_read_with_a_warning(tmp_path):
    p = tmp_path / "s.csv"
    p.write_bytes("id;text\nS1;één café\n".encode("utf-8") + "S2;coördinator\n".encode("cp1252"))
    df = load_stories(p)
    assert df.attrs["encoding"] == "mixed utf-8/cp1252"
    assert df["text"].tolist() == ["één café", "coördinator"]
    assert any("mixes UTF-8 and cp1252: line(s) 3 were read as cp1252" in w.message for w in df.attrs["warnings"])


def test_created_at_keeps_fractional_seconds(tmp_path):
    p = write(tmp_path / "codes.csv", "story_id,dimension,value,coder,created_at\n"
                                      "S1,valence,positive,a,2026-11-27T00:04:01.754694Z\n"
                                      "S1,directness,direct,a,2026-11-27 01:04:01.5+01:00\n")
    assert load_codes(p)["created_at"].tolist() == ["2026-11-27T00:04:01.754694Z", "2026-11-27T00:04:01.500000Z"]


def test_mapping_written_the_other_way_round_is_understood(tmp_path):
    p = write(tmp_path / "s.csv", "Q1,Q2\nS1,Het verhaal\n")
    df = load_stories(p, mapping={"story_id": "Q1", "text": "Q2"})
    assert df.loc[0, "text"] == "Het verhaal"
    assert any("is read as 'Q2' → 'text'" in w.message for w in df.attrs["warnings"])


def test_file_without_header_row_says_so(tmp_path):
    p = write(tmp_path / "stories.csv", "S001;Sinds de huiswerkklas haal ik betere cijfers en durf ik meer te vragen;3-2-2025\n"
                                        "S002;Mijn moeder is rustiger;4-2-2025\n")
    with pytest.raises(ValidationError, match=r"the header line looks like data .*add a header row"):
        load_stories(p)


@pytest.mark.parametrize("orient", ["records", "columns", "list"])
def test_json_tables_in_common_shapes(tmp_path, orient):
    df = pd.DataFrame({"story_id": ["A", "B"], "text": ["een", "twee"]})
    p = tmp_path / "stories.json"
    if orient == "list":
        p.write_text('{"story_id": ["A", "B"], "text": ["een", "twee"]}', encoding="utf-8")
    else:
        p.write_text(df.to_json(orient=orient, force_ascii=False), encoding="utf-8")
    assert load_stories(p)["text"].tolist() == ["een", "twee"]


def test_gzipped_csv_and_jsonl(tmp_path):
    import gzip

    (tmp_path / "s.csv.gz").write_bytes(gzip.compress("id;tekst\nS1;één\n".encode("utf-8")))
    (tmp_path / "s.jsonl.gz").write_bytes(gzip.compress(b'{"story_id": "J1", "text": "x"}\n'))
    assert load_stories(tmp_path / "s.csv.gz")["text"].tolist() == ["één"]
    assert load_stories(tmp_path / "s.jsonl.gz")["story_id"].tolist() == ["J1"]
    (tmp_path / "s.csv").write_bytes(gzip.compress(b"id;tekst\nS1;x\n"))
    with pytest.raises(ValidationError, match="looks like a gzip archive"):
        load_stories(tmp_path / "s.csv")


def test_qualtrics_legacy_export_with_v_columns(tmp_path):
    text = ('V1,V2,V3,V8,V9,Q1,Q2\n'
            'ResponseID,ResponseSet,Name,StartDate,EndDate,Wat is uw rol?,Vertel over de belangrijkste verandering\n'
            'R_abc,Default Response Set,Anonymous,2025-02-03 10:00:00,2025-02-03 10:09:00,ouder,"Mijn zoon slaapt beter."\n')
    df = load_stories(write(tmp_path / "legacy.csv", text), mapping={"Q2": "text", "Q1": "storyteller_role"})
    assert df.attrs["format"] == "qualtrics" and list(df.attrs["lines"]) == [3]
    assert df.loc[0, "story_id"] == "R_abc" and df.loc[0, "text"] == "Mijn zoon slaapt beter."

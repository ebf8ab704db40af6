"""Tests of impactlib.spreadsheet: the XLSX round trip for coders without Jupyter."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from impactlib.codebook import load_codebook
from impactlib.errors import StoreError, ValidationError
from impactlib.spreadsheet import SHEET, export_suggestions, import_spreadsheet
from impactlib.store import open_store

TEXTS = {
    "S1": "Ik ben niet meer eenzaam sinds de buurtkamer. Mijn buren zien me nu ook.",
    "S2": "De huiswerkklas hielp niet; mijn cijfers bleven slecht.",
    "S3": '=HYPERLINK("http://evil") zei de vrijwilliger, die overbelast raakte.',
    "S4": "Nog geen suggestie voor dit verhaal.",
}


@pytest.fixture()
def store(tmp_path):
    with open_store(tmp_path / "impactlib.sqlite") as s:
        s.register_codebook(load_codebook())
        s.add_stories(pd.DataFrame({"story_id": list(TEXTS), "text": list(TEXTS.values()),
                                    "activity": ["Buurtkamer De Linde", None, None, None],
                                    "activity_goal": ["Ontmoeting bevorderen.", None, None, None]}))
        s.add_suggestions(pd.DataFrame({
            "story_id": ["S1", "S2", "S3"],
            "valence": ["positive", "negative", "negative"],
            "intentionality": ["intended", "intended", "unintended"],
            "directness": ["direct", "direct", "indirect"],
            "valence_confidence": [0.9, 0.55, 0.7],
            "intentionality_confidence": [0.8, 0.6, 0.66],
            "directness_confidence": [0.7, 0.52, 0.65],
            "evidence": ["'niet meer eenzaam' (negatie)", "'hielp niet'", "-overbelast"],
        }), source="model")
        yield s


def cells(ws):
    header = [c.value for c in ws[1]]
    return header, {r[0].value: r for r in ws.iter_rows(min_row=2)}


def test_export_layout_dropdowns_and_safety(store, tmp_path):
    path = export_suggestions(store, tmp_path / "codeer.xlsx", coder="coder_a", all_stories=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == [SHEET, "Uitleg"] and wb["impactlib"].sheet_state == "hidden"
    ws = wb[SHEET]
    header, rows = cells(ws)
    assert header[:4] == ["verhaal_id", "verhaal", "Waardering (positief/negatief): suggestie [valence:suggestie]",
                          "Waardering (positief/negatief): jouw code [valence]"]
    assert [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)] == ["S2", "S3", "S1", "S4"]  # least certain first
    assert ws.freeze_panes == "C2"
    assert rows["S1"][1].alignment.wrap_text
    assert rows["S1"][2].value == "positief (90%)" and rows["S4"][2].value is None
    # formula injection: the story text and evidence are text, never formulas
    assert rows["S3"][1].value.startswith("'=HYPERLINK") and rows["S3"][1].data_type == "s"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert rows["S3"][8].value == "'-overbelast"
    assert rows["S1"][9].value == "Buurtkamer De Linde: Ontmoeting bevorderen." and rows["S2"][9].value is None
    dvs = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert dvs["D2:D5"] == '"positief,negatief,positive,negative,afwijzen"'
    assert dvs["F2:F5"] == '"bedoeld,onbedoeld,intended,unintended,afwijzen"'
    assert dvs["H2:H5"] == '"direct,indirect,afwijzen"'
    hidden = [k for k, d in ws.column_dimensions.items() if d.hidden]
    assert {"L", "M", "N", "O", "P"} <= set(hidden)


def test_round_trip_writes_accepted_edited_rejected(store, tmp_path):
    path = export_suggestions(store, tmp_path / "codeer.xlsx", coder="coder_a", all_stories=True,
                              order="story_id")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    _, rows = cells(ws)
    rows["S1"][3].value = "positief"       # = suggestion -> accepted
    rows["S1"][5].value = "Unintended"     # English key, other case -> edited
    rows["S1"][7].value = "afwijzen"       # -> rejected
    rows["S1"][10].value = "'=buren ook"  # memo typed after an apostrophe: text, not a formula
    rows["S2"][3].value = "negative"
    rows["S4"][3].value = "negatief"       # no suggestion -> a human code
    wb.save(path)
    result = import_spreadsheet(store, path)
    assert (result.accepted, result.edited, result.rejected, result.recorded) == (2, 1, 1, 1)
    cur = store.current(coder="coder_a")
    got = {(r.story_id, r.dimension): (r.status, r.value, r.source) for r in cur.itertuples()}
    assert got == {
        ("S1", "valence"): ("accepted", "positive", "model"),
        ("S1", "intentionality"): ("edited", "unintended", "human"),
        ("S1", "directness"): ("rejected", "direct", "model"),
        ("S2", "valence"): ("accepted", "negative", "model"),
        ("S4", "valence"): ("accepted", "negative", "human"),
    }
    assert set(cur.loc[cur.story_id == "S1", "memo"]) == {"=buren ook"}
    n = len(store.history())
    again = import_spreadsheet(store, path)
    assert again.unchanged == 5 and len(store.history()) == n
    # a fresh export shows the coder's decisions in the code cells
    wb2 = openpyxl.load_workbook(export_suggestions(store, tmp_path / "again.xlsx", coder="coder_a",
                                                    order="story_id"))
    _, rows2 = cells(wb2[SHEET])
    assert [rows2["S1"][k].value for k in (3, 5, 7)] == ["positief", "onbedoeld", "afwijzen"]


def test_bad_cells_are_each_named_and_nothing_is_written(store, tmp_path):
    path = export_suggestions(store, tmp_path / "codeer.xlsx", coder="coder_a", all_stories=True)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws["D3"] = "positve"
    ws["F2"] = "bedoelt"
    ws["D5"] = "afwijzen"  # S4 has no suggestion to reject
    ws["H4"] = "indirect"
    ws["A6"] = "S99"
    ws["D6"] = "positief"
    wb.save(path)
    before = len(store.history())
    with pytest.raises(ValidationError) as info:
        import_spreadsheet(store, path)
    msg = str(info.value)
    assert ("codeer.xlsx: sheet 'Coderen' cell D3: 'positve' is not a value of valence; use positive or negative "
            "(or positief, negatief), or afwijzen") in msg
    assert "cell F2: 'bedoelt' is not a value of intentionality; use intended or unintended" in msg
    assert "cell D5: there is no suggestion for valence to reject" in msg
    assert "cell A6: story 'S99' is not in the store" in msg
    assert len(info.value.problems) == 4
    assert len(store.history()) == before


def test_segment_level_round_trip(store, tmp_path):
    store.add_suggestions(pd.DataFrame({"story_id": ["S1", "S1"], "start": [0, 46], "end": [45, 72],
                                        "valence": ["positive", "positive"], "directness": ["direct", "indirect"],
                                        "valence_confidence": [0.8, 0.6]}))
    path = export_suggestions(store, tmp_path / "fragmenten.xlsx", coder="coder_b", level="segment")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert ws["B1"].value == "fragment"
    assert ws["B2"].value == "Mijn buren zien me nu ook." and ws["B3"].value == TEXTS["S1"][:45]
    ws["H2"] = "direct"  # edit the indirect suggestion for the second fragment
    wb.save(path)
    res = import_spreadsheet(store, path)
    assert res.edited == 1
    row = store.current(coder="coder_b").iloc[0]
    assert (row["start"], row["end"], row["value"], row["status"]) == (46, 72, "direct", "edited")


def test_wrong_workbook_is_explained(store, tmp_path):
    other = tmp_path / "iets.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.save(other)
    with pytest.raises(StoreError, match=r"iets.xlsx: no sheet 'Coderen'; found: Blad1"):
        import_spreadsheet(store, other)
    (tmp_path / "kapot.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(StoreError, match="not a readable XLSX workbook"):
        import_spreadsheet(store, tmp_path / "kapot.xlsx")

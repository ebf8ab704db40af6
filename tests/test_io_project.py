"""impactlib.io.load_project: project.toml, conventional names, cross-table checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from impactlib.errors import ValidationError
from impactlib.io import Project, load_project

FIX = Path(__file__).parent / "fixtures" / "io"


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(FIX / "project_nl", root)
    return root


def test_project_toml_with_dutch_files_and_column_mapping():
    proj = load_project(FIX / "project_nl")
    assert isinstance(proj, Project)
    assert proj.name == "Testproject Zuiderveen" and proj.synthetic
    assert proj.stories["story_id"].tolist() == ["V001", "V002", "V003", "V004", "V005"]
    assert proj.stories.attrs["columns_from"]["story_id"] == "Volgnr"
    assert len(proj.indicators) == 20 and proj.indicators.attrs["encoding"] == "cp1252"
    assert proj.codes is None and proj.codebook_path is None
    assert proj.store_path == FIX / "project_nl" / "impactlib.sqlite"
    assert proj.files["stories"].name == "verhalen_export.csv"
    assert any("not in the activities table" in w.message for w in proj.warnings)


def test_project_file_itself_can_be_given():
    proj = load_project(FIX / "project_nl" / "project.toml")
    assert proj.root == (FIX / "project_nl").resolve()


def test_activity_goal_is_filled_from_the_activities_table(tmp_path):
    (tmp_path / "stories.csv").write_text("id;tekst;activiteit\nS1;x;Huiswerkklas Oost\nS2;y;Onbekend\n",
                                          encoding="utf-8")
    shutil.copy(FIX / "activiteiten.csv", tmp_path / "activities.csv")
    proj = load_project(tmp_path)
    assert proj.stories.loc[0, "activity_goal"].startswith("Schoolprestaties en motivatie")
    assert proj.stories["activity_goal"].isna().tolist() == [False, True]
    assert proj.stories.attrs["encoding"] == "utf-8"  # attrs kept after filling


def test_conventional_names_without_project_file(tmp_path):
    shutil.copy(FIX / "excel_nl_stories.csv", tmp_path / "verhalen.csv")
    shutil.copy(FIX / "indicators_long.csv", tmp_path / "indicatoren.csv")
    shutil.copy(FIX / "msc_rondes.csv", tmp_path / "msc_rounds.csv")
    shutil.copy(FIX / "effectenarena.csv", tmp_path / "effect_arena.csv")
    shutil.copy(FIX / "codes_wide.csv", tmp_path / "codes_human.csv")
    proj = load_project(tmp_path)
    assert set(proj.tables()) == {"stories", "indicators", "msc", "arena", "codes"}
    assert proj.name == tmp_path.name and not proj.synthetic


def test_two_candidate_files_prefer_csv_and_warn(tmp_path):
    shutil.copy(FIX / "excel_nl_stories.csv", tmp_path / "stories.csv")
    shutil.copy(FIX / "indicators_long.csv", tmp_path / "indicators.csv")
    (tmp_path / "indicators.jsonl").write_text('{"indicator": "x"}\n', encoding="utf-8")
    proj = load_project(tmp_path)
    assert proj.files["indicators"].name == "indicators.csv"
    assert any("several files could be the indicators table" in w.message for w in proj.warnings)


def test_stories_folder_of_txt_files(tmp_path):
    shutil.copytree(FIX / "txt_stories", tmp_path / "stories")
    proj = load_project(tmp_path)
    assert proj.stories["story_id"].tolist() == ["B001", "B002", "B003"]


def test_every_problem_of_every_file_at_once(tmp_path):
    root = copy_project(tmp_path)
    with open(root / "msc_rondes.csv", "a", encoding="utf-8") as f:
        f.write("2;Stuurgroep gemeente;Sociale contacten;V999;ja;Onbekend verhaal\n")
    ind = (root / "indicatoren.csv").read_bytes().replace(b"1.034", b"veel")
    (root / "indicatoren.csv").write_bytes(ind)
    with pytest.raises(ValidationError) as exc:
        load_project(root)
    msg = str(exc.value)
    assert "indicatoren.csv:2: column '2024K1': 'veel' is not a number" in msg
    assert "msc_rondes.csv:6: story_id 'V999' is not in the stories table" in msg
    assert msg.startswith("project 'Testproject Zuiderveen': 2 error(s)")


def test_missing_file_named_in_project_toml(tmp_path):
    root = copy_project(tmp_path)
    (root / "effectenarena.csv").unlink()
    with pytest.raises(ValidationError, match=r"project\.toml: \[files\] arena = 'effectenarena\.csv': no such file"):
        load_project(root)


def test_invalid_toml_is_located(tmp_path):
    root = copy_project(tmp_path)
    (root / "project.toml").write_text('[project]\nname = "x\n[files]\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"project\.toml:2: not valid TOML"):
        load_project(root)


def test_yaml_project_file_and_sheets(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Uitleg"
    ws2 = wb.create_sheet("Data")
    ws2.append(["Nummer", "Tekst"])
    ws2.append(["S1", "Ik voel me gehoord."])
    wb.save(tmp_path / "alles.xlsx")
    (tmp_path / "project.yaml").write_text(
        "project: {name: Yaml}\nfiles: {stories: alles.xlsx}\nsheets: {stories: Data}\n"
        "columns: {stories: {Nummer: story_id}}\n", encoding="utf-8")
    proj = load_project(tmp_path)
    assert proj.name == "Yaml" and proj.stories["story_id"].tolist() == ["S1"]


def test_codes_spans_must_fit_the_story(tmp_path):
    (tmp_path / "stories.csv").write_text("id,text\nS1,kort\n", encoding="utf-8")
    (tmp_path / "codes.csv").write_text("story_id,start,end,dimension,value,coder\nS1,0,40,valence,positive,a\n"
                                        "S9,,,valence,positive,a\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_project(tmp_path)
    msg = str(exc.value)
    assert "codes.csv:2: end 40 lies beyond story 'S1', which has 4 characters" in msg
    assert "codes.csv:3: story_id 'S9' is not in the stories table" in msg


def test_project_without_stories(tmp_path):
    shutil.copy(FIX / "activiteiten.csv", tmp_path / "activities.csv")
    with pytest.raises(ValidationError, match="the project has no stories table"):
        load_project(tmp_path)


def test_missing_project_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_project(tmp_path / "nope")


def test_exact_conventional_name_beats_a_longer_one(tmp_path):
    shutil.copy(FIX / "excel_nl_stories.csv", tmp_path / "stories.csv")
    (tmp_path / "stories_old.csv").write_text("id,text\nX,oud\n", encoding="utf-8")
    shutil.copy(FIX / "codes_wide.csv", tmp_path / "codes_coder_b.csv")
    shutil.copy(FIX / "codes_long.csv", tmp_path / "codes.csv")
    proj = load_project(tmp_path)
    assert proj.files["stories"].name == "stories.csv" and proj.files["codes"].name == "codes.csv"
    warned = " ".join(w.message for w in proj.warnings)
    assert "using stories.csv" in warned and "using codes.csv" in warned


def test_dutch_section_and_table_names_in_project_toml(tmp_path):
    root = copy_project(tmp_path)
    (root / "project.toml").write_text(
        '[project]\nname = "NL"\n[bestanden]\nverhalen = "verhalen_export.csv"\nindicatoren = "indicatoren.csv"\n'
        '[kolommen.verhalen]\n"Volgnr" = "story_id"\n', encoding="utf-8")
    proj = load_project(root)
    assert proj.stories["story_id"].iloc[0] == "V001" and len(proj.indicators) == 20


def test_header_only_optional_table_is_read_as_absent(tmp_path):
    root = copy_project(tmp_path)
    (root / "msc_rondes.csv").write_text("ronde;panel;domein;verhaal_id;geselecteerd;motivatie\n", encoding="utf-8")
    proj = load_project(root)
    assert proj.msc is None
    assert any("the msc table has no rows yet" in w.message for w in proj.warnings)
    (root / "verhalen_export.csv").write_text("Volgnr;Verhaal\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="header but no data rows"):
        load_project(root)

"""`impactlib report`: the whole notebook suite on a project that is not the sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from impactlib.cli import main
from impactlib.errors import ReportError
from impactlib.report import NOTEBOOKS, notebooks_dir, run_report

STORIES = """verhaal_id;verhaal;activiteit;doel;verteller;datum
T01;Sinds de moestuin op het plein praat ik weer met mijn buren. Ik voel me niet meer zo alleen.;Moestuin Zuidplein;Buren met elkaar in contact brengen en eenzaamheid verminderen.;bewoner;03-04-2025
T02;De kinderen van de overkant helpen nu met water geven, waardoor hun moeder eindelijk wat rust heeft.;Moestuin Zuidplein;Buren met elkaar in contact brengen en eenzaamheid verminderen.;bewoner;12-04-2025
T03;Er is ruzie ontstaan over wie de oogst mag hebben. Twee gezinnen groeten elkaar niet meer.;Moestuin Zuidplein;Buren met elkaar in contact brengen en eenzaamheid verminderen.;vrijwilliger;20-05-2025
T04;Ik heb geen enkele verbetering gemerkt, de wachttijd bij het loket is juist langer geworden.;Digitaal spreekuur;Inwoners sneller helpen met vragen over toeslagen.;deelnemer;02-06-2025
T05;Door het spreekuur heb ik mijn toeslag op tijd aangevraagd. Mijn schulden zijn niet verder opgelopen.;Digitaal spreekuur;Inwoners sneller helpen met vragen over toeslagen.;deelnemer;15-06-2025
T06;Als vrijwilliger ben ik overbelast: iedereen komt met al zijn post bij mij.;Digitaal spreekuur;Inwoners sneller helpen met vragen over toeslagen.;vrijwilliger;01-07-2025
T07;;Digitaal spreekuur;Inwoners sneller helpen met vragen over toeslagen.;deelnemer;02-07-2025
T08;Mijn zoon gaat nu zelf naar de moestuin en is trots op zijn tomaten.;Moestuin Zuidplein;Buren met elkaar in contact brengen en eenzaamheid verminderen.;ouder;09-07-2025
"""


@pytest.fixture(scope="module")
def other_project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ander_project")
    (folder / "verhalen.csv").write_bytes(STORIES.encode("cp1252"))
    return folder


def test_every_notebook_of_the_suite_exists():
    folder = notebooks_dir()
    for spec in NOTEBOOKS:
        assert (folder / f"{spec.name}.ipynb").exists(), spec.name
        assert (folder / "src" / f"{spec.name}.py").exists(), spec.name


@pytest.fixture(scope="module")
def stories_only_report(other_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("rapport")
    lines: list[str] = []
    result = run_report(stories=other_project / "verhalen.csv", outdir=out, progress=lines.append)
    return result, lines, out


def test_report_on_stories_only_writes_every_page(stories_only_report):
    result, lines, out = stories_only_report
    assert not result.failed
    assert [p.stem for p in result.html] == [s.name for s in NOTEBOOKS]
    index = (out / "index.html").read_text(encoding="utf-8")
    for spec in NOTEBOOKS:
        assert f'href="{spec.name}.html"' in index
        assert (out / f"{spec.name}.html").stat().st_size > 10_000
    # one progress line per notebook, plus the tagging step
    assert sum(bool(re.match(r"\[\d/8\] \d\d_\w+: klaar", l)) for l in lines) == len(NOTEBOOKS)
    assert any("gecodeerd met de standaardtagger" in l for l in lines)
    assert any("T07" in l and "waarschuwing" in l for l in lines)  # the empty story is named


def test_missing_inputs_are_explained_not_failed(stories_only_report):
    _, _, out = stories_only_report
    doel = (out / "03_doelmatigheid.html").read_text(encoding="utf-8")
    msc = (out / "04_betekenisgeving.html").read_text(encoding="utf-8")
    arena = (out / "06_effectenarena.html").read_text(encoding="utf-8")
    assert "geen indicatoren" in doel.lower()
    assert "selectierond" in msc.lower() and ("geen" in msc.lower() or "ontbreekt" in msc.lower())
    assert "effectenarena" in arena.lower() and ("geen" in arena.lower() or "ontbreekt" in arena.lower())
    # the stories of the other project, not the sample's, are in the reports
    overview = (out / "00_overzicht.html").read_text(encoding="utf-8")
    assert "Moestuin Zuidplein" in overview and "Buurtkamer De Linde" not in overview


def test_invalid_project_fails_with_every_problem_named(tmp_path, capsys):
    bad = tmp_path / "kapot.csv"
    bad.write_text("verhaal_id;verhaal;datum\nX1;Een verhaal.;31-02-2025\nX1;Nog een.;01-01-2025\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"not valid") as info:
        run_report(stories=bad, outdir=tmp_path / "uit", progress=lambda _: None)
    message = str(info.value)
    assert "'31-02-2025' is not a date" in message and "story_id 'X1' occurs 2 times" in message
    assert main(["report", "--stories", str(bad), "-o", str(tmp_path / "uit2")]) == 1
    err = capsys.readouterr().err
    assert "kapot.csv:2" in err and "31-02-2025" in err


def test_report_cli_rejects_missing_files(tmp_path, capsys):
    assert main(["report", "--stories", str(tmp_path / "bestaat_niet.csv"), "-o", str(tmp_path / "o")]) == 1
    assert "not found" in capsys.readouterr().err


def test_committed_notebooks_match_their_sources():
    """Each notebook is built from notebooks/src/<name>.py (scripts/build_notebooks.py)."""
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("build_notebooks", Path(__file__).parents[1] / "scripts" / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for nb_spec in NOTEBOOKS:
        src = notebooks_dir() / "src" / f"{nb_spec.name}.py"
        expected = [(c.cell_type, c.source) for c in builder.parse_percent(src.read_text(encoding="utf-8"))]
        nb = nbformat.read(notebooks_dir() / f"{nb_spec.name}.ipynb", as_version=4)
        assert [(c.cell_type, c.source) for c in nb.cells] == expected, (
            f"{nb_spec.name}.ipynb is out of date; run scripts/build_notebooks.py {nb_spec.name}")
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "project_dir" in params[0].source


def test_kernel_shutdown_skips_only_the_shutdown_interrupt(monkeypatch):
    import asyncio

    from jupyter_client import AsyncKernelManager

    from impactlib.report import quiet_kernel_manager

    calls = []

    async def interrupt(self):
        calls.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    km = quiet_kernel_manager()(kernel_name="python3")
    km.shutting_down = False
    asyncio.run(km._async_interrupt_kernel())     # e.g. a cell that times out: interrupted as before
    km.shutting_down = True
    asyncio.run(km._async_interrupt_kernel())     # shutting down a finished notebook: no SIGINT
    assert calls == [False]


def test_report_kernels_stop_quietly_and_errors_still_surface(tmp_path, capfd):
    import nbformat

    from impactlib.report import _execute_one

    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    for path, code in ((good, "x = 1"), (bad, "raise ValueError('kapot in cel 1')")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, path)
    before = set(Path(tempfile_dir()).glob("impactlib-kernel-*"))
    for _ in range(3):
        name, error, _ = _execute_one(("good", str(good), str(tmp_path / "out.ipynb"), {}, str(tmp_path)))
        assert error is None
    name, error, _ = _execute_one(("bad", str(bad), str(tmp_path / "out2.ipynb"), {}, str(tmp_path)))
    assert error == "ValueError: kapot in cel 1"
    err = capfd.readouterr().err
    assert "KeyboardInterrupt caught in kernel" not in err
    assert "without encryption" not in err
    # the kernels' IPC sockets lived in private temporary folders that are gone again
    assert not list(tmp_path.glob("kernel-*")) and set(Path(tempfile_dir()).glob("impactlib-kernel-*")) <= before


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()

"""Run the notebook suite on a project and write HTML reports with an index page.

The notebooks in ``notebooks/`` each have a papermill ``parameters`` cell with
``project_dir`` (default ``../data/sample``) and ``machine_codes`` (default
``None``: the notebook codes the stories itself when it needs machine codes).
:func:`run_report` validates the project first, codes the stories once with the
default tagger (so the notebooks need not each do it), executes every notebook
with papermill and converts it to HTML.

Examples
--------
>>> from impactlib.report import NOTEBOOKS
>>> [nb.name for nb in NOTEBOOKS][:2]
['00_overzicht', '01_coderen']
"""

from __future__ import annotations

import html
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from impactlib.errors import ImpactError, ReportError, ValidationError


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of the suite: file stem, Dutch title and one-line summary."""

    name: str
    title: str
    summary: str


NOTEBOOKS: tuple[NotebookSpec, ...] = (
    NotebookSpec("00_overzicht", "Overzicht van het project",
                 "Welke verhalen, activiteiten, indicatoren en selectierondes er zijn, en of de bestanden kloppen."),
    NotebookSpec("01_coderen", "Ondersteund coderen",
                 "Suggesties van de tagger met hun onderbouwing, beoordeling en opslag in de codeeropslag."),
    NotebookSpec("02_betrouwbaarheid", "Betrouwbaarheid van het coderen",
                 "Overeenstemming tussen codeurs en tussen codeurs en de machine (κ, α, met betrouwbaarheidsintervallen)."),
    NotebookSpec("03_doelmatigheid", "Spoor doelmatigheid",
                 "Indicatoren naast gecodeerde effecten: bevestigen, verbreden of weerspreken de verhalen de cijfers?"),
    NotebookSpec("04_betekenisgeving", "Spoor betekenisgeving",
                 "Most Significant Change: domeinen, selectierondes, criteria en wie er aan het woord is."),
    NotebookSpec("05_vakmanschap", "Spoor vakmanschap",
                 "Reflecties van professionals: dilemma's, onbedoelde effecten en wat zij ervan leren."),
    NotebookSpec("06_effectenarena", "Effectenarena",
                 "Wie investeert en wie incasseert: investeerders, incasseerders en 'wrong pocket'-effecten."),
    NotebookSpec("07_synthese", "Synthese voor de gemeente",
                 "De belangrijkste bevindingen per spoor, met de verhalen die ze dragen en wat onzichtbaar blijft in de cijfers."),
)


@dataclass
class ReportResult:
    """What :func:`run_report` produced."""

    outdir: Path
    index: Path
    notebooks: list[Path] = field(default_factory=list)
    html: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def notebooks_dir() -> Path:
    """The folder holding the notebook suite.

    ``IMPACTLIB_NOTEBOOKS`` overrides it; otherwise the ``notebooks/`` folder
    of the source checkout (impactlib is installed editable by ``make``).
    """
    env = os.environ.get("IMPACTLIB_NOTEBOOKS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "notebooks", here / "notebooks"):
        if candidate.is_dir():
            return candidate
    raise ReportError(
        "the notebook suite was not found next to the impactlib package; "
        "set IMPACTLIB_NOTEBOOKS to the folder holding 00_overzicht.ipynb …"
    )


def _write_project_toml(folder: Path, files: dict[str, Path], name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[project]", f'name = "{name}"', "", "[files]"]
    for kind, path in files.items():
        if path is not None:
            lines.append(f'{kind} = "{Path(path).resolve().as_posix()}"')
    lines.append(f'store = "{(folder / "impactlib.sqlite").as_posix()}"')
    target = folder / "project.toml"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def prepare_project(
    *,
    project: Optional[os.PathLike | str] = None,
    stories: Optional[os.PathLike | str] = None,
    indicators: Optional[os.PathLike | str] = None,
    activities: Optional[os.PathLike | str] = None,
    codes: Optional[os.PathLike | str] = None,
    workdir: Path,
):
    """Validate the inputs and return ``(project_path, Project)``.

    Either ``project`` (a folder or ``project.toml``) or ``stories`` (with
    optional other tables) must be given.  Invalid inputs raise
    :class:`~impactlib.errors.ReportError` listing every problem.
    """
    from impactlib.io import load_project

    if (project is None) == (stories is None):
        raise ReportError("give either --project DIR|FILE or --stories FILE (with optional --indicators, --activities, --codes)")
    given = project
    if project is None:
        for label, path in (("stories", stories), ("indicators", indicators), ("activities", activities), ("codes", codes)):
            if path is not None and not Path(path).exists():
                raise ReportError(f"{path}: {label} file not found; check the path")
        name = f"Verhalen uit {Path(stories).name}"
        project = _write_project_toml(
            workdir / "project",
            {"stories": stories, "indicators": indicators, "activities": activities, "codes": codes},
            name,
        )
    elif not Path(project).exists():
        raise ReportError(f"{project}: project folder or file not found; check the path")
    try:
        loaded = load_project(project)
    except ValidationError as exc:
        what = f"the project {given}" if given is not None else f"the input ({Path(stories).name})"
        raise ReportError(f"{what} is not valid; fix these problems first:\n{exc}") from exc
    return Path(project).resolve(), loaded


def machine_code(loaded, target: Path) -> Optional[Path]:
    """Code the project's stories with the default tagger and write a codes table.

    Returns the path of the written CSV (canonical codes table with
    ``source`` rules/model and ``status`` suggested), or ``None`` when the
    project has no stories.
    """
    from impactlib.workflow import tag_project

    if loaded.stories is None or len(loaded.stories) == 0:
        return None
    codes = tag_project(loaded)
    target.parent.mkdir(parents=True, exist_ok=True)
    codes.to_csv(target, index=False)
    return target


_QUIET_KM: dict[str, type] = {}


def quiet_kernel_manager() -> type:
    """A jupyter kernel manager that shuts a finished notebook's kernel down without noise.

    ``jupyter_client`` interrupts a kernel (SIGINT) before it asks it to shut down; when
    the signal lands while ipykernel handles a message, the kernel logs ``KeyboardInterrupt
    caught in kernel.`` on our stderr, once for every few notebooks.  After papermill has
    run the last cell the kernel has nothing to interrupt, so this manager skips the
    interrupt *during shutdown only* and asks the kernel to stop; a kernel that does not
    answer is still killed after ``shutdown_wait_time``.  Interrupts at other times (a
    cell that times out) are unchanged, and errors in cells still reach papermill.

    On POSIX the kernel talks over IPC sockets in a private temporary folder instead of
    TCP on localhost, so ipykernel has no reason to warn that the TCP transport is not
    encrypted (and no other local user can connect to the kernel).
    """
    if "km" not in _QUIET_KM:
        import os
        import shutil
        import tempfile

        from jupyter_client import AsyncKernelManager

        class QuietKernelManager(AsyncKernelManager):
            _ipc_dir: Optional[str] = None

            async def _async_pre_start_kernel(self, **kwargs: Any) -> Any:
                if os.name == "posix" and self._ipc_dir is None:
                    self._ipc_dir = tempfile.mkdtemp(prefix="impactlib-kernel-")
                    self.transport = "ipc"
                    self.ip = os.path.join(self._ipc_dir, "kernel")
                return await super()._async_pre_start_kernel(**kwargs)

            async def _async_interrupt_kernel(self) -> None:
                if self.shutting_down:
                    return
                await super()._async_interrupt_kernel()

            async def _async_cleanup_resources(self, restart: bool = False) -> None:
                await super()._async_cleanup_resources(restart=restart)
                if self._ipc_dir and not restart:
                    shutil.rmtree(self._ipc_dir, ignore_errors=True)
                    self._ipc_dir = None

        _QUIET_KM["km"] = QuietKernelManager
    return _QUIET_KM["km"]


def _execute_one(args: tuple[str, str, str, dict, str]) -> tuple[str, Optional[str], float]:
    """Execute one notebook with papermill (runs in a worker process)."""
    import papermill as pm

    name, source, target, parameters, cwd = args
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            source,
            target,
            parameters=parameters,
            cwd=cwd,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_manager_class=quiet_kernel_manager(),
        )
    except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
        message = getattr(exc, "evalue", None) or str(exc)
        ename = getattr(exc, "ename", type(exc).__name__)
        return name, f"{ename}: {message}".strip(), time.perf_counter() - start
    return name, None, time.perf_counter() - start


def _to_html(notebook: Path, target: Path, title: str) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True  # readers of the report see prose, tables and plots; the code is in the .ipynb
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def _index_page(project_name: str, rows: list[tuple[NotebookSpec, Optional[str], float]], synthetic: bool) -> str:
    items = []
    for spec, error, seconds in rows:
        status = (
            f'<span class="fout">niet gelukt: {html.escape(error)}</span>'
            if error
            else f'<span class="ok">uitgevoerd in {seconds:.1f} s</span>'
        )
        items.append(
            f'<li><a href="{spec.name}.html">{html.escape(spec.title)}</a> '
            f'<small>(<a href="notebooks/{spec.name}.ipynb">notebook</a>)</small><br>'
            f"{html.escape(spec.summary)}<br>{status}</li>"
        )
    banner = (
        '<p class="synth">Let op: dit voorbeeldproject bestaat uit <strong>synthetische</strong> '
        "gegevens. Personen, verhalen en cijfers zijn verzonnen.</p>"
        if synthetic
        else '<p class="priv">Deze rapporten kunnen persoonsgegevens bevatten (AVG). '
        "Deel ze alleen binnen het onderzoeksteam.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>impactlib — {html.escape(project_name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; line-height: 1.5; color: #222; }}
li {{ margin-bottom: 1rem; }} .ok {{ color: #006d2c; }} .fout {{ color: #b30000; font-weight: bold; }}
.synth, .priv {{ background: #fff4d6; padding: .5rem 1rem; border-left: 4px solid #e69f00; }}
</style></head><body>
<h1>Impactrapportage: {html.escape(project_name)}</h1>
{banner}
<p>Verhalen naast cijfers, per spoor: doelmatigheid, betekenisgeving en vakmanschap.
Elk rapport hieronder is een uitgevoerde notebook; de notebook zelf (met code) staat ernaast.</p>
<ol>
{chr(10).join(items)}
</ol>
<p><small>Gemaakt met impactlib op {time.strftime('%Y-%m-%d %H:%M')}.</small></p>
</body></html>
"""


def run_report(
    *,
    project: Optional[os.PathLike | str] = None,
    stories: Optional[os.PathLike | str] = None,
    indicators: Optional[os.PathLike | str] = None,
    activities: Optional[os.PathLike | str] = None,
    codes: Optional[os.PathLike | str] = None,
    outdir: os.PathLike | str = "reports",
    notebooks: Optional[Sequence[str]] = None,
    jobs: int = 2,
    progress: Callable[[str], None] = print,
) -> ReportResult:
    """Run the notebook suite on a project and write HTML reports plus ``index.html``.

    Parameters
    ----------
    project : path, optional
        A project folder or ``project.toml``.
    stories, indicators, activities, codes : path, optional
        Individual tables, used when no ``project`` is given.  Without codes
        the stories are coded by the default tagger.
    outdir : path
        Where the executed notebooks (``notebooks/``), the HTML pages and
        ``index.html`` are written.
    notebooks : list of str, optional
        Only these notebooks (stems such as ``"03_doelmatigheid"``).
    jobs : int
        Notebooks executed at the same time.
    progress : callable
        Receives one line per notebook.

    Raises
    ------
    ReportError
        When the project is invalid (naming every problem) or a notebook fails.
    """
    started = time.perf_counter()
    out = Path(outdir).resolve()
    work = out / "_werk"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)

    project_path, loaded = prepare_project(
        project=project, stories=stories, indicators=indicators,
        activities=activities, codes=codes, workdir=work,
    )
    for warning in getattr(loaded, "warnings", []) or []:
        progress(f"waarschuwing: {warning}")
    progress(f"project: {loaded.name} ({0 if loaded.stories is None else len(loaded.stories)} verhalen)")
    machine = machine_code(loaded, work / "machine_codes.csv")
    if machine is not None:
        progress(f"verhalen gecodeerd met de standaardtagger -> {machine.relative_to(out)}")

    source_dir = notebooks_dir()
    specs = [s for s in NOTEBOOKS if notebooks is None or s.name in set(notebooks)]
    unknown = set(notebooks or []) - {s.name for s in NOTEBOOKS}
    if unknown:
        raise ReportError(f"unknown notebook(s) {sorted(unknown)}; choose from {[s.name for s in NOTEBOOKS]}")
    tasks = []
    for spec in specs:
        src = source_dir / f"{spec.name}.ipynb"
        if not src.exists():
            raise ReportError(f"{src}: notebook missing from the suite; reinstall impactlib or restore the file")
        params = {
            "project_dir": str(project_path),
            "machine_codes": None if machine is None else str(machine),
            "output_dir": str(work),
        }
        tasks.append((spec.name, str(src), str(out / "notebooks" / f"{spec.name}.ipynb"), params, str(source_dir)))

    result = ReportResult(outdir=out, index=out / "index.html")
    rows: list[tuple[NotebookSpec, Optional[str], float]] = []
    by_name = {s.name: s for s in specs}
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(_execute_one, tasks))
    else:
        outcomes = [_execute_one(t) for t in tasks]
    for (name, error, seconds), task in zip(outcomes, tasks):
        spec = by_name[name]
        nb_path = Path(task[2])
        if error is None:
            html_path = out / f"{name}.html"
            _to_html(nb_path, html_path, spec.title)
            result.notebooks.append(nb_path)
            result.html.append(html_path)
            progress(f"[{len(rows) + 1}/{len(tasks)}] {name}: klaar in {seconds:.1f} s -> {html_path.relative_to(out)}")
        else:
            result.failed[name] = error
            progress(f"[{len(rows) + 1}/{len(tasks)}] {name}: MISLUKT na {seconds:.1f} s: {error}")
        rows.append((spec, error, seconds))

    synthetic = bool(getattr(loaded, "synthetic", False))
    result.index.write_text(_index_page(loaded.name, rows, synthetic), encoding="utf-8")
    result.seconds = time.perf_counter() - started
    progress(f"index: {result.index} ({result.seconds:.1f} s)")
    if result.failed:
        failed = "; ".join(f"{k}: {v}" for k, v in result.failed.items())
        raise ReportError(
            f"{len(result.failed)} of {len(tasks)} notebook(s) failed ({failed}); "
            f"open {out / 'notebooks'} to see the cell that failed"
        )
    return result


__all__ = ["NOTEBOOKS", "NotebookSpec", "ReportResult", "notebooks_dir", "prepare_project", "run_report"]

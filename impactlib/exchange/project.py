"""Project-level exchange: export a project to ``.qdpx``/``.qdc``, import into its store.

These functions tie :mod:`impactlib.exchange.refiqda` to a project folder
(:func:`impactlib.io.load_project`) and its coding store
(:class:`impactlib.store.CodingStore`).  An import is checked completely before
anything is written, and then written in one store transaction: a rejected
import leaves the store as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import pandas as pd

from impactlib.errors import ExchangeError
from impactlib.exchange.refiqda import (
    ExportSummary,
    codings_to_codes,
    export_qdc,
    export_qdpx,
    map_codes,
    normalise_newlines,
    read_qdc,
    read_qdpx,
)
from impactlib.workflow import project_codebook  # noqa: F401  (re-exported: part of this module's API)


def project_codes(project) -> Optional[pd.DataFrame]:
    """The project's current codes: from its store when that holds codes, else its codes file."""
    store_path = getattr(project, "store_path", None)
    if store_path is not None and Path(store_path).exists():
        from impactlib.store import CodingStore

        with CodingStore(store_path) as store:
            current = store.current()
        if len(current):
            return current
    return getattr(project, "codes", None)


def export_project(
    project_path: str | Path,
    target: str | Path,
    *,
    fmt: str = "qdpx",
    statuses: Iterable[str] = ("accepted", "edited"),
) -> ExportSummary | Path:
    """Export the project at ``project_path`` as ``.qdpx`` (``fmt="qdpx"``) or its codebook as ``.qdc``."""
    from impactlib.io import load_project

    project = load_project(project_path)
    codebook = project_codebook(project)
    if fmt == "qdc":
        return export_qdc(codebook, target)
    if fmt != "qdpx":
        raise ExchangeError(f"unknown export format {fmt!r}; use qdpx or qdc")
    if project.stories is None:
        raise ExchangeError(f"{project_path}: the project has no stories file; nothing to export")
    return export_qdpx(
        target, project.stories, project_codes(project), codebook,
        activities=project.activities, name=project.name or Path(project_path).name, statuses=statuses,
    )


@dataclass
class ImportReport:
    """What an import added, mapped, kept as new themes, and could not import."""

    source: Path
    stories_added: int = 0
    codes_added: int = 0
    codes_skipped: int = 0
    mapped: int = 0
    new_themes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    codebook_version: str = ""

    def __str__(self) -> str:
        lines = [
            f"{self.source}: {self.stories_added} new stories, {self.codes_added} codings imported "
            f"({self.codes_skipped} already present), {self.mapped} codes mapped onto the codebook, "
            f"codebook version {self.codebook_version}"
        ]
        lines += [f"  kept as new theme: {t}" for t in self.new_themes]
        lines += [f"  not imported: {p}" for p in self.problems]
        return "\n".join(lines)


def _reconcile_texts(stories: pd.DataFrame, codes: pd.DataFrame, existing: pd.DataFrame) -> list[str]:
    """Map imported positions back onto stored texts that differ only in line endings.

    Returns the conflicts (same id, really different text), which stop the import.
    """
    conflicts = []
    stored = dict(zip(existing["story_id"].astype(str), existing["text"])) if len(existing) else {}
    for sid, text in zip(stories["story_id"].astype(str), stories["text"]):
        if sid not in stored or stored[sid] == text:
            continue
        norm, mapping = normalise_newlines(stored[sid])
        if norm != text:
            conflicts.append(
                f"story {sid!r} is already in the store with a different text; rename it in the other tool "
                "or import into a new project"
            )
            continue
        inverse: dict[int, int] = {}
        for old, new in enumerate(mapping):
            inverse.setdefault(new, old)
        rows = codes["story_id"].astype(str) == sid
        for col in ("start", "end"):
            codes.loc[rows, col] = codes.loc[rows, col].map(lambda v: v if pd.isna(v) else inverse[int(v)])
        stories.loc[stories["story_id"].astype(str) == sid, "text"] = stored[sid]
    return conflicts


def import_file(path: str | Path, project_path: str | Path, *, kind: Optional[str] = None) -> ImportReport:
    """Import a ``.qdpx`` project or ``.qdc`` codebook into the project's coding store.

    Codes that match the project's codebook are mapped onto it; every other
    codable code becomes a new theme code (a new codebook version is registered)
    and is named in the report.  Nothing is written when anything is rejected.
    """
    from impactlib.io import load_project
    from impactlib.store import CodingStore

    path = Path(path)
    kind = kind or path.suffix.lower().lstrip(".")
    project = load_project(project_path)
    codebook = project_codebook(project)
    store_path = getattr(project, "store_path", None) or Path(project_path) / "impactlib.sqlite"
    report = ImportReport(source=path)
    if kind == "qdc":
        codes = read_qdc(path)
        mapping = map_codes(codes, codebook)
        report.mapped = len(mapping.mapped)
        report.new_themes = mapping.report(codes)
        with CodingStore(store_path) as store, store.transaction():
            report.codebook_version = store.register_codebook(mapping.codebook)
        return report
    if kind != "qdpx":
        raise ExchangeError(f"{path}: unknown import format {kind!r}; use a .qdpx project or a .qdc codebook")
    qda = read_qdpx(path)
    mapping = map_codes(qda.codes, codebook)
    codes, problems = codings_to_codes(qda, mapping, origin=path.name)
    report.problems = qda.problems + problems
    report.mapped = len(mapping.mapped)
    report.new_themes = mapping.report(qda.codes)
    stories = qda.stories.copy()
    with CodingStore(store_path) as store:
        existing = store.stories(list(stories["story_id"].astype(str)))
        conflicts = _reconcile_texts(stories, codes, existing)
        if conflicts:
            raise ExchangeError(f"{path}: import refused, nothing written:\n  " + "\n  ".join(conflicts))
        with store.transaction():
            report.codebook_version = store.register_codebook(mapping.codebook)
            report.stories_added = store.add_stories(stories)
            if len(codes):
                summary = store.import_codes(codes, codebook_version=report.codebook_version)
                report.codes_added = summary.inserted
                report.codes_skipped = summary.skipped
    return report


__all__ = ["ImportReport", "export_project", "import_file", "project_codebook", "project_codes"]

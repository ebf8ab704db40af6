"""The project: a folder (or ``project.toml``/``project.yaml``) naming a study's tables.

A project folder either holds a ``project.toml`` (see ``docs/architecture.md``)
or uses conventional file names: ``stories.*`` / ``verhalen.*`` (or a
``stories/`` folder of ``.txt`` files), ``activities.*`` / ``activiteiten.*``,
``indicators.*`` / ``indicatoren.*``, ``msc*.*``, ``*arena*.*``, ``codes*.*``
and ``codebook.yaml``.  Entries missing from ``[files]`` fall back to the
conventional names.

:func:`load_project` loads every table, collects **all** problems of all files
(plus cross-table checks: MSC and codes must name existing stories, code spans
must lie inside their story) and raises one :class:`ValidationError`, or
returns a :class:`Project`.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "verhalen.csv").write_text("id;tekst\\nS1;Ik kom weer buiten.\\n", encoding="utf-8")
>>> p = load_project(root)
>>> len(p.stories), p.activities is None
(1, True)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from impactlib.errors import ImpactError, Problem, ValidationError
from impactlib.io.columns import KINDS
from impactlib.io.tables import NORMALISERS, _as_raw

#: File names tried for a project file in a folder.
PROJECT_FILES = ("project.toml", "impactlib.toml", "project.yaml", "project.yml")
#: Table file extensions, in order of preference when several files match.
TABLE_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".tsv", ".jsonl", ".ndjson", ".json", ".txt", ".gz")
#: Conventional file-name stems per kind (glob patterns without extension), best first.
CONVENTIONAL: dict[str, tuple[str, ...]] = {
    "stories": ("stories", "verhalen", "stories*", "verhalen*"),
    "activities": ("activities", "activiteiten", "activities*", "activiteiten*"),
    "indicators": ("indicators", "indicatoren", "indicators*", "indicatoren*"),
    "msc": ("msc", "msc*", "*msc*"),
    "arena": ("arena", "effect_arena", "effectenarena", "*arena*"),
    "codes": ("codes", "codes_human", "codes*", "coderingen*"),
}
_KNOWN_FILE_KEYS = set(KINDS) | {"codebook", "store"}
#: Dutch (and other) names accepted for the keys of [files], [columns.*] and [sheets].
_KEY_ALIASES = {
    "verhalen": "stories", "story": "stories", "activiteiten": "activities", "indicatoren": "indicators",
    "cijfers": "indicators", "msc_rondes": "msc", "selecties": "msc", "effectenarena": "arena",
    "effect_arena": "arena", "coderingen": "codes", "codeboek": "codebook", "opslag": "store",
}
_SECTION_ALIASES = {"bestanden": "files", "kolommen": "columns", "tabbladen": "sheets", "bladen": "sheets",
                    "project": "project"}
_KNOWN_SECTIONS = {"project", "files", "columns", "sheets"}


@dataclass
class Project:
    """A loaded, validated project.

    Attributes
    ----------
    root : Path
        The project folder.
    name : str
        ``[project] name`` or the folder name.
    stories, activities, indicators, msc, arena, codes : DataFrame or None
        Canonical tables (``None`` when the project has no such file).
    codebook_path : Path or None
        The project's codebook (``None`` = the packaged default).
    store_path : Path
        The SQLite coding store (default ``<root>/impactlib.sqlite``).
    warnings : list of Problem
        Warnings of every table and of the cross-table checks.
    files : dict
        Kind -> the file each table was read from.
    synthetic : bool
        ``[project] synthetic`` (the sample project says ``true``).
    config : dict
        The parsed project file (empty without one).
    """

    root: Path
    name: str
    stories: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    msc: pd.DataFrame | None = None
    arena: pd.DataFrame | None = None
    codes: pd.DataFrame | None = None
    codebook_path: Path | None = None
    store_path: Path = Path("impactlib.sqlite")
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    synthetic: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    project_file: Path | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by kind."""
        return {k: getattr(self, k) for k in KINDS if getattr(self, k) is not None}

    def summary(self) -> str:
        """One line per table: kind, rows, file, encoding."""
        lines = [f"project {self.name!r} ({self.root})"]
        for kind, df in self.tables().items():
            lines.append(f"  {kind}: {len(df)} rows from {self.files[kind].name} ({df.attrs.get('encoding')})")
        return "\n".join(lines)


def _read_config(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("cp1252")
    if path.suffix.lower() == ".toml":
        try:
            cfg = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            problems.append(Problem(file, int(m[1]) if m else None, None, None,
                                    f"not valid TOML ({exc}); check quotes and [section] headers"))
            return {}, problems
    else:
        import yaml

        try:
            cfg = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(file, mark.line + 1 if mark else None, None, None,
                                    f"not valid YAML ({getattr(exc, 'problem', exc)})"))
            return {}, problems
    if not isinstance(cfg, dict):
        problems.append(Problem(file, None, None, None, "the project file must hold sections such as [files]"))
        return {}, problems
    cfg = {_SECTION_ALIASES.get(str(k).lower(), k): v for k, v in cfg.items()}
    for section in ("files", "columns", "sheets"):
        if isinstance(cfg.get(section), dict):
            cfg[section] = {_KEY_ALIASES.get(str(k).lower(), k): v for k, v in cfg[section].items()}
    for key in cfg:
        if key not in _KNOWN_SECTIONS:
            problems.append(Problem(file, None, None, key,
                                    f"unknown section [{key}] ignored; known: {', '.join(sorted(_KNOWN_SECTIONS))}",
                                    severity="warning"))
    for section in ("project", "files", "columns", "sheets"):
        if section in cfg and not isinstance(cfg[section], dict):
            problems.append(Problem(file, None, None, section, f"[{section}] must be a table of key = value"))
            cfg[section] = {}
    for key, val in cfg.get("files", {}).items():
        if key not in _KNOWN_FILE_KEYS:
            problems.append(Problem(file, None, None, key,
                                    f"[files] {key} is not a known table; known: "
                                    f"{', '.join(sorted(_KNOWN_FILE_KEYS))}", severity="warning"))
        if not isinstance(val, str):
            problems.append(Problem(file, None, None, key, f"[files] {key} must be a file name in quotes"))
    for kind, mapping in cfg.get("columns", {}).items():
        if kind not in KINDS:
            problems.append(Problem(file, None, None, kind,
                                    f"[columns.{kind}] is not a known table; use one of {', '.join(KINDS)}"))
        elif not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            problems.append(Problem(file, None, None, kind,
                                    f"[columns.{kind}] must map \"column in file\" = \"canonical_name\""))
    return cfg, problems


def _discover(root: Path, kind: str) -> tuple[Path | None, list[Path]]:
    """The conventional file for ``kind`` in ``root`` and the other candidates it beat."""
    found: list[Path] = []
    for pattern in CONVENTIONAL[kind]:
        hits = [p for p in sorted(set(root.glob(pattern + ".*")) | set(root.glob(pattern)))
                if (p.is_file() and p.suffix.lower() in TABLE_EXTENSIONS and not p.name.startswith((".", "~$")))
                or (kind == "stories" and p.is_dir() and p.name in ("stories", "verhalen"))]
        hits.sort(key=lambda p: (TABLE_EXTENSIONS.index(p.suffix.lower()) if p.suffix.lower() in TABLE_EXTENSIONS
                                 else len(TABLE_EXTENSIONS)))
        for h in hits:
            if h not in found:
                found.append(h)
    if kind == "stories":  # a stories.txt file next to a stories folder is odd; files win over folders
        found.sort(key=lambda p: p.is_dir())
    return (found[0], found[1:]) if found else (None, [])


def _rel(path: Path) -> str:
    """The path as the user will recognise it (joined to the project path they gave)."""
    return str(path)


def load_project(path: str | os.PathLike) -> Project:
    """Load and validate every table of a project.

    Parameters
    ----------
    path : path-like
        A project folder, or its ``project.toml`` / ``project.yaml``.

    Returns
    -------
    Project

    Raises
    ------
    ValidationError
        Listing every problem of every file (and of the cross-table checks).
    FileNotFoundError
        When ``path`` does not exist.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    problems: list[Problem] = []
    cfg: dict[str, Any] = {}
    project_file: Path | None = None
    if p.is_file():
        if p.suffix.lower() not in (".toml", ".yaml", ".yml"):
            raise ImpactError(f"{path}: a project is a folder or a project.toml/project.yaml file; "
                              "to check a single table use `impactlib validate --kind …`")
        project_file, root = p, p.parent
    else:
        root = p
        project_file = next((root / n for n in PROJECT_FILES if (root / n).is_file()), None)
    if project_file is not None:
        cfg, probs = _read_config(project_file)
        problems.extend(probs)
    meta = cfg.get("project", {}) if isinstance(cfg.get("project", {}), dict) else {}
    files_cfg = cfg.get("files", {})
    columns_cfg = cfg.get("columns", {})
    sheets_cfg = cfg.get("sheets", {})
    cfg_name = str(project_file) if project_file else str(root)
    proj = Project(root=root.resolve(), name=str(meta.get("name") or root.resolve().name),
                   synthetic=bool(meta.get("synthetic", False)), config=cfg, project_file=project_file)

    attempted: set[str] = set()
    for kind in KINDS:
        target: Path | None = None
        if isinstance(files_cfg.get(kind), str):
            target = root / files_cfg[kind]
            if not target.exists():
                problems.append(Problem(cfg_name, None, kind, files_cfg[kind],
                                        f"[files] {kind} = {files_cfg[kind]!r}: no such file in {_rel(root)}; "
                                        "fix the name or remove the entry"))
                continue
        elif kind not in files_cfg:
            target, others = _discover(root, kind)
            if target is not None and others:
                problems.append(Problem(
                    _rel(target), None, None, None,
                    f"several files could be the {kind} table ({', '.join(o.name for o in [target] + others)}); "
                    f"using {target.name}; name the right one in project.toml [files] {kind} = \"…\"",
                    severity="warning"))
        if target is None:
            continue
        mapping = columns_cfg.get(kind) if isinstance(columns_cfg.get(kind), dict) else None
        sheet = sheets_cfg.get(kind)
        attempted.add(kind)
        try:
            raw = _as_raw(target, sheet, kind, display=_rel(target))
            df = NORMALISERS[kind](raw, mapping)
        except ValidationError as exc:
            errs = [pr for pr in exc.problems if pr.severity == "error"]
            if kind != "stories" and len(errs) == 1 and "header but no data rows" in errs[0].message:
                problems.append(Problem(errs[0].file, None, None, None,
                                        f"the {kind} table has no rows yet; the project is read without it",
                                        severity="warning"))
                continue
            problems.extend(exc.problems)
            continue
        except ImpactError as exc:
            problems.append(Problem(_rel(target), None, None, None, str(exc)))
            continue
        setattr(proj, kind, df)
        proj.files[kind] = target
        problems.extend(df.attrs.get("warnings", []))

    if "stories" not in attempted and not any(pr.column == "stories" for pr in problems):
        problems.append(Problem(_rel(root), None, None, None,
                                "the project has no stories table; add stories.csv (or .xlsx/.jsonl, or a "
                                "stories/ folder of .txt files) or name it in project.toml [files] stories"))

    cb = files_cfg.get("codebook")
    if isinstance(cb, str):
        if (root / cb).is_file():
            proj.codebook_path = root / cb
        else:
            problems.append(Problem(cfg_name, None, "codebook", cb,
                                    f"[files] codebook = {cb!r}: no such file; fix the name or remove the entry "
                                    "to use the packaged codebook"))
    elif (root / "codebook.yaml").is_file():
        proj.codebook_path = root / "codebook.yaml"
    store = files_cfg.get("store")
    proj.store_path = root / store if isinstance(store, str) else root / "impactlib.sqlite"

    problems.extend(_cross_checks(proj))
    errors = [pr for pr in problems if pr.severity == "error"]
    warnings = [pr for pr in problems if pr.severity == "warning"]
    if errors:
        raise ValidationError(errors + warnings,
                              summary=f"project {proj.name!r}: {len(errors)} error(s)"
                              + (f" and {len(warnings)} warning(s)" if warnings else ""))
    proj.warnings = warnings
    if proj.stories is not None and proj.activities is not None:
        _fill_goals(proj)
    return proj


def _lines(df: pd.DataFrame) -> Any:
    return df.attrs.get("lines")


def _file_of(df: pd.DataFrame, proj: Project, kind: str) -> str:
    return _rel(proj.files[kind])


def _cross_checks(proj: Project) -> list[Problem]:
    out: list[Problem] = []
    stories = proj.stories
    ids = set(stories["story_id"].dropna()) if stories is not None else None
    for kind in ("msc", "codes"):
        df = getattr(proj, kind)
        if df is None or ids is None:
            continue
        unknown = ~df["story_id"].isin(ids) & df["story_id"].notna()
        lines = _lines(df)
        for i in [int(i) for i in unknown.to_numpy().nonzero()[0]][:50]:
            sid = df["story_id"].iat[i]
            out.append(Problem(_file_of(df, proj, kind), lines[i] if lines is not None else None, "story_id", sid,
                               f"story_id {sid!r} is not in the stories table; fix the id or add the story"))
        extra = int(unknown.sum()) - 50
        if extra > 0:
            out.append(Problem(_file_of(df, proj, kind), None, "story_id", None,
                               f"… and {extra} more rows naming unknown stories"))
    codes = proj.codes
    if codes is not None and stories is not None:
        length = dict(zip(stories["story_id"], stories["text"].str.len()))
        ends = codes["end"]
        lines = _lines(codes)
        bad = 0
        for i in ends.notna().to_numpy().nonzero()[0]:
            i = int(i)
            n = length.get(codes["story_id"].iat[i])
            if n is not None and int(ends.iat[i]) > n:
                bad += 1
                if bad <= 50:
                    out.append(Problem(_file_of(codes, proj, "codes"), lines[i] if lines is not None else None,
                                       "end", int(ends.iat[i]),
                                       f"end {int(ends.iat[i])} lies beyond story {codes['story_id'].iat[i]!r}, "
                                       f"which has {n} characters; the span does not fit the story's text"))
    acts = set(proj.activities["activity"].dropna()) if proj.activities is not None else None
    if acts is not None:
        for kind in ("stories", "indicators", "arena"):
            df = getattr(proj, kind)
            if df is None or "activity" not in df:
                continue
            missing = sorted(set(df["activity"].dropna()) - acts)
            if missing:
                out.append(Problem(_file_of(df, proj, kind), None, "activity", None,
                                   f"{len(missing)} activit{'y is' if len(missing) == 1 else 'ies are'} not in the "
                                   f"activities table: {', '.join(map(repr, missing[:10]))}; add them there or fix "
                                   "the spelling", severity="warning"))
    return out


def _fill_goals(proj: Project) -> None:
    """Fill a story's empty ``activity_goal`` from the activities table (the tagger needs it)."""
    stories, acts = proj.stories, proj.activities
    assert stories is not None and acts is not None
    goals = dict(zip(acts["activity"], acts["activity_goal"]))
    missing = stories["activity_goal"].isna() & stories["activity"].notna()
    if missing.any():
        filled = stories.loc[missing, "activity"].map(goals)
        attrs = stories.attrs
        stories.loc[missing, "activity_goal"] = filled.astype("string")
        stories.attrs = attrs
        n = int(filled.notna().sum())
        if n:
            stories.attrs.setdefault("notes", []).append(f"activity_goal filled from the activities table for {n} "
                                                         "stories")


def project_problems(path: str | os.PathLike) -> tuple[Project | None, list[Problem]]:
    """Like :func:`load_project` but returns ``(project or None, problems)`` instead of raising."""
    try:
        proj = load_project(path)
        return proj, list(proj.warnings)
    except ValidationError as exc:
        return None, list(exc.problems)


__all__ = ["Project", "load_project", "project_problems", "PROJECT_FILES", "CONVENTIONAL"]

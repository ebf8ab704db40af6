"""Loading, normalising and validating impactlib's input tables.

``impactlib.io`` only reads: it owns the canonical column names and their Dutch
aliases, detects encodings and delimiters, and reports **every** problem in a
file at once as located, actionable messages
(``stories.csv:14: column 'collected_on': '31-02-2025' is not a date; use
YYYY-MM-DD or DD-MM-YYYY``).

Public API
----------
read_table(path, sheet=None)
    The table as it is in the file, with ``attrs`` (encoding, delimiter, lines…).
load_stories / load_activities / load_indicators / load_msc / load_arena / load_codes
    ``(path, *, mapping=None, sheet=None)`` -> canonical DataFrame (see
    ``docs/architecture.md``); ``path`` may also be a DataFrame to validate.
load_table(path, kind=None, *, mapping=None, sheet=None)
    Any of the above; the kind is inferred from the columns when omitted.
infer_kind(columns, filename=None)
    The kind a set of headers belongs to.
load_project(path) -> Project
    A folder with ``project.toml`` (or conventional file names), or the file itself.
project_problems(path) -> (Project or None, problems)
    The same without raising (for notebooks that show what is wrong).

Every loaded table carries ``df.attrs``: ``source`` (file name), ``path``,
``encoding``, ``delimiter``, ``sheet``, ``format``, ``kind``, ``lines`` (source
line of each row), ``warnings`` (list of :class:`~impactlib.errors.Problem`),
``notes``, ``absent_columns`` and ``columns_from`` (canonical -> header in the file).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "verhalen.csv"
>>> _ = p.write_bytes("verhaal_id;verhaal;datum\\r\\nS1;Ik durf weer naar het café.;03-02-2025\\r\\n".encode("cp1252"))
>>> df = load_stories(p)
>>> df.attrs["encoding"], df.loc[0, "collected_on"].strftime("%Y-%m-%d")
('cp1252', '2025-02-03')
"""

from impactlib.errors import Problem, ValidationError
from impactlib.io.columns import ALIASES, CANONICAL, KINDS, REQUIRED, column_key, infer_kind, resolve_columns
from impactlib.io.project import Project, load_project, project_problems
from impactlib.io.readers import SourceLines, read_table
from impactlib.io.tables import (
    CODE_SOURCES,
    CODE_STATUSES,
    DIMENSION_VALUES,
    ROLES,
    SOCIAL_WORK_TYPES,
    TRACKS,
    load_activities,
    load_arena,
    load_codes,
    load_indicators,
    load_msc,
    load_stories,
    load_table,
)
from impactlib.io.values import STATUSES, check_area, parse_date, parse_number, parse_period

__all__ = [
    "read_table",
    "load_stories",
    "load_activities",
    "load_indicators",
    "load_msc",
    "load_arena",
    "load_codes",
    "load_table",
    "infer_kind",
    "load_project",
    "project_problems",
    "Project",
    "SourceLines",
    "Problem",
    "ValidationError",
    "KINDS",
    "CANONICAL",
    "REQUIRED",
    "ALIASES",
    "column_key",
    "resolve_columns",
    "parse_date",
    "parse_number",
    "parse_period",
    "check_area",
    "STATUSES",
    "SOCIAL_WORK_TYPES",
    "TRACKS",
    "ROLES",
    "CODE_SOURCES",
    "CODE_STATUSES",
    "DIMENSION_VALUES",
]

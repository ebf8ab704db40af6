"""All exceptions and warnings of impactlib, in one place.

Every error subclasses a built-in exception so callers can catch it the usual
way (``except ValueError``).  Messages name the file, the row (line) and the
column, the bad value, what is allowed and what to do.

Examples
--------
>>> p = Problem("stories.csv", 14, "text", "", "column 'text' is empty for story_id 'S014'; fill it or drop the row")
>>> str(p)
"stories.csv:14: column 'text' is empty for story_id 'S014'; fill it or drop the row"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional


@dataclass(frozen=True)
class Problem:
    """One located problem found while reading or validating a file.

    Parameters
    ----------
    file : str
        The file name (as the user gave it, or its base name).
    line : int or None
        1-based line (CSV: physical line incl. header; XLSX: sheet row) or ``None``
        when the problem concerns the whole file.
    column : str or None
        The column concerned, as named in the file, or ``None``.
    value : object
        The offending value, or ``None``.
    message : str
        The full actionable message without the ``file:line:`` prefix.
    severity : str
        ``"error"`` or ``"warning"``.
    """

    file: str
    line: Optional[int]
    column: Optional[str]
    value: object
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class ImpactError(ValueError):
    """Base class of all impactlib errors about user data or settings."""


class ValidationError(ImpactError):
    """One or more located problems in an input file.

    ``problems`` lists every error found in the file (not only the first);
    the message lists them one per line.
    """

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems = [p for p in problems]
        lines = [str(p) for p in self.problems]
        head = summary or f"{len(self.problems)} problem(s) found"
        super().__init__(head + ":\n" + "\n".join(lines) if lines else head)


class CodebookError(ImpactError):
    """The codebook is invalid (unknown dimension, bad pattern, …); names the entry."""


class StoreError(ImpactError):
    """The coding store cannot be used as asked (newer version, locked, bad codes)."""


class StoreLockedError(StoreError, TimeoutError):
    """Another process holds the store's write lock for longer than the timeout."""


class ExchangeError(ImpactError):
    """A REFI-QDA (.qdpx/.qdc) file cannot be exported or imported safely."""


class ModelError(ImpactError):
    """A learned model cannot be loaded, trained or used."""


class ReportError(ImpactError):
    """A report could not be produced; names the notebook and the cause."""


class ImpactWarning(UserWarning):
    """A non-fatal data problem (e.g. an empty story that will not be tagged)."""


class CodeConflictWarning(ImpactWarning):
    """A coder gave one unit several values; agreement used one of them.

    Attributes
    ----------
    count : int
        Unit × coder × dimension combinations with more than one value.
    examples : list of tuple
        Up to three of them, as ``(dimension, unit, coder)``.
    overlap : bool
        ``True``: overlapping effect spans (the value covering most code points was
        used); ``False``: repeated codes (the latest was used).
    """

    def __init__(self, message: str, *, count: int = 0, examples: list | None = None,
                 overlap: bool = False) -> None:
        super().__init__(message)
        self.count = count
        self.examples = list(examples or [])
        self.overlap = overlap


__all__ = [
    "Problem",
    "ImpactError",
    "CodeConflictWarning",
    "ValidationError",
    "CodebookError",
    "StoreError",
    "StoreLockedError",
    "ExchangeError",
    "ModelError",
    "ReportError",
    "ImpactWarning",
]

"""Raw reading: bytes -> text -> rows, keeping every row's original line number.

Supported inputs
----------------
- **CSV/TSV/TXT** — delimiter sniffed among ``,`` ``;`` tab and ``|`` (an Excel
  ``sep=;`` first line is honoured); encodings UTF-8, UTF-8 with BOM, UTF-16 with
  BOM (Excel "Unicode text"), cp1252 (Dutch Excel "CSV (puntkomma)") and, as a
  last resort, latin-1 — the one used is reported.  Multi-line quoted values keep
  the physical line where the record starts (header = line 1).
- **XLSX/XLSM** via openpyxl (sheet by name; dates stay dates; title rows above the
  header are skipped; line numbers are sheet row numbers).
- **JSON Lines** (``.jsonl``/``.ndjson``) and a JSON array of objects (``.json``).
- **A folder of ``.txt`` files**, one story each (``story_id`` = file stem).

Survey exports are recognised: Qualtrics' extra header rows (question text and
``{"ImportId": …}``) are skipped; LimeSurvey's quoted ``"id","submitdate",…``
headers read as any CSV.

Problems in the file (binary data, NUL bytes, rows with too many fields, an
unclosed quote, invalid JSON lines) are collected as located
:class:`~impactlib.errors.Problem` objects, never raised one by one.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "verhalen.csv"
>>> _ = p.write_bytes("verhaal_id;tekst\\r\\nS1;Café open\\r\\n".encode("cp1252"))
>>> df = read_table(p)
>>> df.attrs["encoding"], df.attrs["delimiter"], list(df.columns)
('cp1252', ';', ['verhaal_id', 'tekst'])
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from impactlib.errors import Problem, ValidationError
from impactlib.io.sniff import sniff_delimiter

#: Extensions read as delimited text.
TEXT_EXTENSIONS = {".csv", ".tsv", ".tab", ".txt", ".dat", ""}
#: Extensions read with openpyxl.
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
JSONL_EXTENSIONS = {".jsonl", ".ndjson"}
JSON_EXTENSIONS = {".json"}

#: At most this many problems of one sort are listed per file; the rest are counted.
MAX_PER_SORT = 50

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls/.doc); save it as .xlsx or CSV"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
]


class SourceLines:
    """Read-only line numbers of a table's rows, kept in ``df.attrs["lines"]``.

    ``lines[i]`` is the 1-based line (CSV: physical line where the record starts,
    header = 1; XLSX: sheet row) of row ``i``.  Copies share the array, so
    pandas' deep copy of ``attrs`` stays cheap, and equal tables compare equal
    (``pd.concat`` compares ``attrs``).
    """

    __slots__ = ("array",)

    def __init__(self, lines: Sequence[int] | np.ndarray):
        arr = np.asarray(lines, dtype=np.int64).copy()
        arr.flags.writeable = False
        self.array = arr

    def __deepcopy__(self, memo: dict) -> "SourceLines":
        return self

    def __copy__(self) -> "SourceLines":
        return self

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i: Any) -> Any:
        got = self.array[i]
        return int(got) if np.ndim(got) == 0 else SourceLines(got)

    def __iter__(self):
        return (int(x) for x in self.array)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceLines) and np.array_equal(self.array, other.array)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SourceLines({self.array.tolist()[:8]}{'…' if len(self.array) > 8 else ''})"


@dataclass
class RawTable:
    """A table as read from a file, before canonical names and validation.

    Attributes
    ----------
    frame : DataFrame
        Object columns holding ``str`` (CSV) or native cell values (XLSX, JSON);
        empty CSV cells are ``""``, empty XLSX cells ``None``.
    lines : numpy.ndarray
        The source line of each row.
    file : str
        The name used in messages (the path as given; ``name[sheet]`` for XLSX).
    """

    frame: pd.DataFrame
    lines: np.ndarray
    file: str
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    row_files: list[str] | None = None
    questions: dict[str, str] = field(default_factory=dict)
    header_line: int | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def where(self, i: int) -> tuple[str, int | None]:
        """``(file, line)`` of row ``i`` for a message."""
        if self.row_files is not None:
            return self.row_files[i], None
        return self.file, int(self.lines[i])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


# --------------------------------------------------------------------------- helpers


def _capped(problems: list[Problem], file: str, what: str) -> list[Problem]:
    """Keep the first :data:`MAX_PER_SORT` problems of one sort and count the rest."""
    if len(problems) <= MAX_PER_SORT:
        return problems
    rest = len(problems) - MAX_PER_SORT
    sev = problems[0].severity
    return problems[:MAX_PER_SORT] + [
        Problem(file, None, None, None, f"… and {rest} more line(s) with the same problem ({what})", sev)
    ]


def _zip_kind(data: bytes, path: Path) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        return "a ZIP archive (damaged)"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx); give it the .xlsx extension or save it as CSV"
    if any(n.startswith("word/") for n in names):
        return "a Word document (.docx)"
    if "content.xml" in names:
        return "an OpenDocument file (.ods/.odt); save it as .xlsx or CSV"
    if "project.qde" in names:
        return "a REFI-QDA project (.qdpx); use `impactlib import qdpx`"
    return "a ZIP archive"


def sniff_binary(data: bytes, path: Path) -> str | None:
    """Say what a non-text file is (``"a PNG image"``), or ``None`` when it looks like text."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data, path)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with BOM
    head = data[:65536]
    if not head:
        return None
    if _utf16_without_bom(head):
        return None
    nul = head.count(0)
    ctrl = sum(head.count(bytes([b])) for b in list(range(1, 9)) + [11, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                                      23, 24, 25, 26, 28, 29, 30, 31])
    rest = head.replace(b"\x00", b"") if nul else head
    if not rest.strip():
        return "nothing but NUL bytes (a damaged file)"
    ratio = ctrl / len(rest)
    if ratio > 0.3:
        return "binary data, not a text table"
    if ratio > 0.02 or (nul and ratio > 0.005):
        try:
            rest.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(rest) - 4:  # not just a character cut off at the end of the sample
                return "binary data, not a text table"
    # NUL bytes inside otherwise readable text are reported line by line by the CSV reader
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes, file: str = "<file>") -> tuple[str, str, list[Problem]]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (with BOM) or cp1252.

    Returns
    -------
    (text, encoding, problems)
        ``encoding`` is ``"utf-8"``, ``"utf-8-sig"`` (with BOM), ``"utf-16"``,
        ``"cp1252"`` or ``"latin-1"``.

    Examples
    --------
    >>> decode("Café".encode("cp1252"))[:2]
    ('Café', 'cp1252')
    >>> decode(b"\\xef\\xbb\\xbfid")[:2]
    ('id', 'utf-8-sig')
    """
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", problems
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.append(Problem(
                file, line, None, None,
                "the file starts with a UTF-8 byte-order mark but is not valid UTF-8 from here on "
                "(it mixes encodings); save it again as 'CSV UTF-8'",
            ))
            return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", problems
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", problems
        except UnicodeDecodeError:
            problems.append(Problem(file, None, None, None,
                                    "the file starts like UTF-16 but cannot be decoded; save it as 'CSV UTF-8'"))
            return data.decode("utf-16", errors="replace"), "utf-16", problems
    u16 = _utf16_without_bom(data[:65536])
    if u16:
        try:
            return data.decode(u16), u16, problems
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8", problems
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text, enc = data.decode("latin-1"), "latin-1"
    if enc == "cp1252" and re.search("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152-\u017e]", text):
        # some lines are UTF-8 and some cp1252 (rows pasted together from two exports): decode per line
        parts, legacy = [], []
        for i, line in enumerate(data.split(b"\n"), start=1):
            try:
                parts.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append(line.decode("cp1252", errors="replace"))
                legacy.append(i)
        shown = ", ".join(map(str, legacy[:10])) + (" …" if len(legacy) > 10 else "")
        problems.append(Problem(
            file, None, None, None,
            f"the file mixes UTF-8 and cp1252: line(s) {shown} were read as cp1252, the rest as UTF-8; "
            "check accented letters there or save the file again as 'CSV UTF-8'",
            severity="warning",
        ))
        return "\n".join(parts), "mixed utf-8/cp1252", problems
    return text, enc, problems


def _filled(r: list[Any]) -> int:
    return sum(1 for v in r if v is not None and str(v).strip() != "")


def _header_index(rows: list[list[Any]], limit: int = 10) -> int:
    """Index of the header row, skipping title lines above a table.

    The header is the first row with >= 2 filled cells that either has no empty
    cells or at least half as many filled cells as the typical row below it (a
    title such as ``Kerncijfers 2024;;;;`` is skipped; a short but complete
    header above ragged rows is not).
    """
    counts = [_filled(r) for r in rows[: limit + 30]]
    if not counts:
        return 0
    if max(counts) < 2:
        return next((i for i, c in enumerate(counts) if c), 0)
    for i, c in enumerate(counts[:limit]):
        if c < 2:
            continue
        below = counts[i + 1: i + 31] or [c]
        modal = Counter(below).most_common(1)[0][0]
        if c == len(rows[i]) or c >= 0.5 * modal:
            return i
    return 0


_FOOTNOTE = re.compile(r"^\s*(?:bron|bronnen|source|sources|toelichting|noot|voetnoot|opmerking|\*|©|\(c\)|cbs\b|"
                       r"gegenereerd|generated|geëxporteerd|exported)", re.I)


def _footnote_rows(rows: list[list[Any]], width: int) -> int:
    """How many rows at the end are footnotes (``Bron: CBS``) rather than data."""
    k = 0
    for r in reversed(rows):
        if width >= 3 and _filled(r) == 1 and isinstance(r[0], str) and _FOOTNOTE.match(r[0]):
            k += 1
        else:
            break
    return k


def _clean_header(header: list[Any], file: str, line: int, problems: list[Problem],
                  columns_with_data: set[int]) -> tuple[list[str], list[int]]:
    """Strip header names, name blank ones and make duplicates unique.

    Returns the names and the indices of the columns to keep (blank-named
    columns without data are dropped: Excel's trailing ``;;;``)."""
    names: list[str] = []
    keep: list[int] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        from impactlib.io.values import cell_to_text

        name = "" if raw is None else (cell_to_text(raw) or "").replace("\ufeff", "").replace("\n", " ").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].strip()
        if not name:
            if i not in columns_with_data:
                continue
            name = f"column_{i + 1}"
            problems.append(Problem(
                file, line, name, None,
                f"column {i + 1} has values but no name in the header; read as {name!r}; give it a name",
                severity="warning",
            ))
        if name in seen:
            new = f"{name}_{seen[name] + 1}"
            seen[name] += 1
            problems.append(Problem(
                file, line, name, None,
                f"two columns are named {name!r}; the later one (column {i + 1}) is read as {new!r}; "
                "rename one of them",
                severity="warning",
            ))
            name = new
        else:
            seen[name] = 1
        names.append(name)
        keep.append(i)
    return names, keep


def _qualtrics_skip(rows: list[list[Any]]) -> int:
    """How many data rows are Qualtrics' extra header rows (question text, ImportId)."""
    for k in range(min(2, len(rows))):
        if any(isinstance(v, str) and v.lstrip().startswith('{"ImportId"') for v in rows[k]):
            return k + 1
    return 0


# --------------------------------------------------------------------------- readers


def _finish(raw_rows: list[list[Any]], lines: list[int], table: RawTable, header_pos: int,
            empty_value: Any) -> RawTable:
    """Shared tail of the CSV and XLSX readers: header, ragged rows, Qualtrics, frame."""
    file = table.file
    problems = table.problems
    skipped_above = raw_rows[:header_pos]
    if skipped_above:
        title = " | ".join(str(v).strip() for r in skipped_above for v in r if v not in (None, ""))
        table.notes.append(f"skipped {len(skipped_above)} line(s) above the header: {title[:80]!r}")
        problems.append(Problem(
            file, lines[header_pos], None, None,
            f"the header is on line {lines[header_pos]}; {len(skipped_above)} line(s) above it were skipped "
            f"({title[:60]!r})",
            severity="warning",
        ))
    header = raw_rows[header_pos]
    header_line = lines[header_pos]
    table.header_line = header_line
    body = raw_rows[header_pos + 1:]
    body_lines = lines[header_pos + 1:]
    foot = _footnote_rows(body, _filled(header))
    if foot:
        for r, ln in zip(body[-foot:], body_lines[-foot:]):
            problems.append(Problem(file, ln, None, None,
                                    f"this line looks like a footnote ({str(r[0]).strip()[:50]!r}) and was skipped",
                                    severity="warning"))
        body, body_lines = body[:-foot], body_lines[:-foot]
    width = len(header)
    # trailing empty header cells (Excel) are ignored when no row fills them
    with_data: set[int] = set()
    ragged: list[Problem] = []
    short: list[Problem] = []
    for r, ln in zip(body, body_lines):
        n = len(r)
        if n > width:
            extra = r[width:]
            if any(v not in (None, "") and str(v).strip() != "" for v in extra):
                delim = table.delimiter or ","
                shown = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}.get(delim, repr(delim))
                ragged.append(Problem(
                    file, ln, None, None,
                    f"this row has {n} values but the header has {width} columns; a value probably "
                    f"contains an unquoted {shown} — put the value in double quotes or remove the extra "
                    "separator",
                ))
        elif n < width and table.format == "csv" and n < len([h for h in header if h not in (None, "")]):
            short.append(Problem(
                file, ln, None, None,
                f"this row has {n} value(s) but the header has {width} columns; the missing ones are read as "
                "empty — if a value contains a line break, put it in double quotes",
                severity="warning",
            ))
    problems.extend(_capped(short, file, "too few values"))
    for i in range(width):
        if i < len(header) and header[i] is not None and str(header[i]).strip():
            continue  # only blank-named columns are dropped when empty
        for r in body:
            if i < len(r) and r[i] not in (None, "") and str(r[i]).strip() != "":
                with_data.add(i)
                break
    problems.extend(_capped(ragged, file, "too many values"))
    names, keep = _clean_header(list(header), file, header_line, problems, with_data)
    skip = _qualtrics_skip(body) if body else 0
    if skip:
        table.questions = {n: str(body[0][i]) for n, i in zip(names, keep)
                           if i < len(body[0]) and body[0][i] not in (None, "") and str(body[0][i]) != n}
        table.format = "qualtrics"
        table.notes.append(f"Qualtrics export: skipped {skip} extra header row(s)")
        body, body_lines = body[skip:], body_lines[skip:]
    elif (body and len(names) >= 3 and all(re.fullmatch(r"V\d+", n) for n in names[:3])
          and str(body[0][0]).strip() in ("ResponseID", "ResponseId")):
        # Qualtrics legacy export: V1, V2 … above ResponseID, ResponseSet …; the second row names them
        second = body[0]
        table.questions = {n: str(second[i]) for n, i in zip(names, keep)
                           if i < len(second) and second[i] not in (None, "") and not re.fullmatch(r"V\d+", n)}
        names = [str(second[i]).strip() if re.fullmatch(r"V\d+", n) and i < len(second) and second[i] else n
                 for n, i in zip(names, keep)]
        table.format = "qualtrics"
        table.notes.append("Qualtrics legacy export: V-columns named from the second header row, which was skipped")
        body, body_lines = body[1:], body_lines[1:]
    elif {"submitdate", "lastpage", "startlanguage"} & {n.lower() for n in names}:
        table.format = "limesurvey"
    ncol = len(header)
    fixed: list[list[Any]] = []
    for r in body:
        if len(r) < ncol:
            r = list(r) + [empty_value] * (ncol - len(r))
        elif len(r) > ncol:
            r = r[:ncol]
        fixed.append([r[i] for i in keep] if len(keep) != ncol else r)
    frame = pd.DataFrame(fixed, columns=names, dtype=object) if fixed else \
        pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    table.frame = frame
    table.lines = np.asarray(body_lines, dtype=np.int64)
    return table


def _read_csv(path: Path, data: bytes, file: str) -> RawTable:
    table = RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, path, "csv")
    text, enc, probs = decode(data, file)
    table.encoding = enc
    table.problems.extend(probs)
    if "\x00" in text:
        nul = [Problem(file, i, None, None,
                       "this line contains NUL bytes (\\0); the file is damaged or not plain text — "
                       "export the table again as CSV")
               for i, line in enumerate(text.split("\n"), start=1) if "\x00" in line]
        table.problems.extend(_capped(nul, file, "NUL bytes"))
        text = text.replace("\x00", "")
    if text.endswith("\x1a"):  # DOS end-of-file marker
        text = text[:-1]
    start_line = 0
    first_nl = text.find("\n")
    first = (text[:first_nl] if first_nl >= 0 else text).strip().strip('"')
    delim: str | None = None
    if re.fullmatch(r"sep=.", first, flags=re.I):
        delim = first[4]
        text = text[first_nl + 1:] if first_nl >= 0 else ""
        start_line = 1
        table.notes.append(f"Excel 'sep={delim}' line honoured")
    if not text.strip():
        table.problems.append(Problem(file, None, None, None,
                                      "the file is empty; export the table with a header row and data rows"))
        return table
    if delim is None:
        delim = ("\t" if path.suffix.lower() in (".tsv", ".tab") and "\t" in text[:65536]
                 else sniff_delimiter(text))
    table.delimiter = delim
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    old_limit = csv.field_size_limit()
    try:
        csv.field_size_limit(max(old_limit, len(text) + 1))  # long stories (restored below)
        for row in reader:
            if any(row) and ("".join(row).strip() if len(row) > 1 else row[0].strip()):
                rows.append(row)
                lines.append(prev + 1 + start_line)
            prev = reader.line_num
    except csv.Error as exc:  # e.g. field larger than the limit
        table.problems.append(Problem(file, prev + 1 + start_line, None, None,
                                      f"cannot read this record ({exc}); check its quotes"))
    finally:
        csv.field_size_limit(old_limit)
    if rows and text.count('"') % 2 == 1:
        last_start = lines[-1]
        last_end = prev + start_line
        if last_end > last_start:
            table.problems.append(Problem(
                file, last_start, None, None,
                f"a quoted value that starts on line {last_start} is never closed, so lines "
                f"{last_start}–{last_end} were read as one value; add the missing double quote",
            ))
    if not rows:
        table.problems.append(Problem(file, None, None, None,
                                      "the file is empty; export the table with a header row and data rows"))
        return table
    hpos = _header_index(rows)
    return _finish(rows, lines, table, hpos, "")


def _pick_sheet(names: list[str], sheet: str | int | None, prefer: str | None) -> str | None:
    if sheet is None:
        if prefer:
            from impactlib.io.columns import FILENAME_HINTS, column_key

            hints = FILENAME_HINTS.get(prefer, ())
            for n in names:
                if any(h in column_key(n) for h in hints):
                    return n
        return names[0] if names else None
    if isinstance(sheet, int):
        return names[sheet] if -len(names) <= sheet < len(names) else None
    if sheet in names:
        return sheet
    for n in names:
        if n.strip().casefold() == str(sheet).strip().casefold():
            return n
    return None


def _read_xlsx(path: Path, file: str, sheet: str | int | None, prefer: str | None) -> RawTable:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    table = RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, path, "xlsx")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, (PermissionError, IsADirectoryError, FileNotFoundError)):
            raise
        table.problems.append(Problem(
            file, None, None, None,
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc}); open it in Excel and save it "
            "again as .xlsx, or export it as CSV",
        ))
        return table
    try:
        names = list(wb.sheetnames)
        chosen = _pick_sheet(names, sheet, prefer)
        if chosen is None:
            table.problems.append(Problem(
                file, None, None, sheet,
                f"there is no sheet {sheet!r}; the workbook has {', '.join(map(repr, names))}; "
                "give one of these (--sheet or [sheets] in the project file)",
            ))
            return table
        table.sheet = chosen
        table.file = f"{file}[{chosen}]" if len(names) > 1 or sheet is not None else file
        if len(names) > 1 and sheet is None:
            table.notes.append(f"read sheet {chosen!r} of {', '.join(map(repr, names))}")
        ws = wb[chosen]
        rows: list[list[Any]] = []
        lines: list[int] = []
        if hasattr(ws, "reset_dimensions"):  # a wrong <dimension> tag would otherwise cut rows off silently
            ws.reset_dimensions()
        for rnum, values in enumerate(ws.iter_rows(values_only=True), start=1):
            vals = list(values)
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in vals):
                while vals and vals[-1] is None:
                    vals.pop()
                rows.append(vals)
                lines.append(rnum)
    finally:
        wb.close()
    if not rows:
        table.problems.append(Problem(table.file, None, None, None,
                                      f"sheet {table.sheet!r} is empty; put a header row and data rows in it"))
        return table
    hpos = _header_index(rows)
    return _finish(rows, lines, table, hpos, None)


def _json_cell(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _read_jsonl(path: Path, data: bytes, file: str) -> RawTable:
    table = RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, path, "jsonl")
    text, enc, probs = decode(data, file)
    table.encoding = enc
    table.problems.extend(probs)
    records: list[dict] = []
    lines: list[int] = []
    bad: list[Problem] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(Problem(file, i, None, line[:40],
                               f"not valid JSON ({exc.msg} at column {exc.colno}); each line must hold one "
                               "JSON object"))
            continue
        if not isinstance(obj, dict):
            bad.append(Problem(file, i, None, None,
                               f"this line holds a JSON {type(obj).__name__}, not an object; write one "
                               "{\"story_id\": …, \"text\": …} object per line"))
            continue
        records.append(obj)
        lines.append(i)
    table.problems.extend(_capped(bad, file, "invalid JSON lines"))
    return _records_table(table, records, lines)


def _records_table(table: RawTable, records: list[dict], lines: list[int]) -> RawTable:
    cols: dict[str, None] = {}
    for r in records:
        for k in r:
            cols.setdefault(str(k), None)
    if not records and not table.errors:
        table.problems.append(Problem(table.file, None, None, None,
                                      "the file holds no records; write one JSON object per line"))
    names = list(cols)
    table.frame = pd.DataFrame([[_json_cell(r.get(k)) for k in names] for r in records],
                               columns=names, dtype=object) if records else pd.DataFrame(columns=names,
                                                                                         dtype=object)
    table.lines = np.asarray(lines, dtype=np.int64)
    return table


def _read_json(path: Path, data: bytes, file: str) -> RawTable:
    table = RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, path, "json")
    text, enc, probs = decode(data, file)
    table.encoding = enc
    table.problems.extend(probs)
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n{" in stripped:  # JSON Lines with a .json name
        return _read_jsonl(path, data, file)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        table.problems.append(Problem(file, exc.lineno, None, None,
                                      f"not valid JSON ({exc.msg} at column {exc.colno})"))
        return table
    if isinstance(obj, dict):
        lists = [v for v in obj.values() if isinstance(v, list)]
        if obj and all(isinstance(v, dict) for v in obj.values()):  # pandas to_json(orient="columns")
            index = list(dict.fromkeys(k for v in obj.values() for k in v))
            obj = [{col: obj[col].get(i) for col in obj} for i in index]
        elif len(lists) == 1 and all(isinstance(r, dict) for r in lists[0]):  # {"stories": [...]}
            obj = lists[0]
        elif lists and all(isinstance(v, list) for v in obj.values()) and len({len(v) for v in obj.values()}) == 1:
            n = len(lists[0])  # {"story_id": [...], "text": [...]}
            obj = [{col: obj[col][i] for col in obj} for i in range(n)]
        else:
            obj = [obj]
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        table.problems.append(Problem(file, None, None, None,
                                      "expected a JSON array of objects (one per row) or JSON Lines"))
        return table
    table.notes.append("line numbers are record numbers")
    return _records_table(table, obj, list(range(1, len(obj) + 1)))


def _read_txt_folder(path: Path, file: str) -> RawTable:
    table = RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, path, "txt-folder")
    files = sorted(p for p in path.iterdir()
                   if p.is_file() and p.suffix.lower() == ".txt" and not p.name.startswith((".", "~$")))
    if not files:
        table.problems.append(Problem(file, None, None, None,
                                      "the folder holds no .txt files; put one story per .txt file in it "
                                      "(the file name becomes the story_id)"))
        return table
    ids, texts, names = [], [], []
    encs: Counter[str] = Counter()
    for p in files:
        name = str(p) if file == str(path) else f"{file.rstrip('/')}/{p.name}"
        data = p.read_bytes()
        what = sniff_binary(data, p)
        if what:
            table.problems.append(Problem(name, None, None, None,
                                          f"this is {what}, not a text file; remove it or save the story as "
                                          "plain text"))
            continue
        text, enc, probs = decode(data, name)
        table.problems.extend(probs)
        if "\x00" in text:
            table.problems.append(Problem(name, None, None, None,
                                          "contains NUL bytes (\\0); the file is damaged — save the story "
                                          "again as plain text"))
            text = text.replace("\x00", "")
        encs[enc] += 1
        ids.append(p.stem)
        texts.append(text)
        names.append(name)
    table.encoding = (next(iter(encs)) if len(encs) == 1
                      else "mixed: " + ", ".join(f"{e} ({n})" for e, n in encs.most_common()))
    table.frame = pd.DataFrame({"story_id": pd.Series(ids, dtype=object),
                                "text": pd.Series(texts, dtype=object)})
    table.lines = np.zeros(len(ids), dtype=np.int64)
    table.row_files = names
    return table


def read_raw(path: str | os.PathLike, sheet: str | int | None = None, *, prefer: str | None = None,
             display: str | None = None) -> RawTable:
    """Read a file (or a folder of ``.txt`` stories) into a :class:`RawTable`.

    Never raises for problems *in* the file — they are in ``.problems`` — but
    raises ``FileNotFoundError``/``PermissionError`` for a path that cannot be
    opened.

    Parameters
    ----------
    path : path-like
        CSV/TSV/TXT, XLSX, JSONL/JSON, or a folder of ``.txt`` files.
    sheet : str or int, optional
        XLSX sheet name (case-insensitive) or index.
    prefer : str, optional
        A table kind; without ``sheet``, an XLSX sheet named after it
        (``Indicatoren``, ``verhalen`` …) is preferred over the first.
    display : str, optional
        Name used in messages (default: the path as given).
    """
    p = Path(path)
    file = display or str(path)
    if p.is_dir():
        return _read_txt_folder(p, file)
    if not p.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    ext = p.suffix.lower()
    if ext in XLSX_EXTENSIONS:
        return _read_xlsx(p, file, sheet, prefer)
    if ext == ".xls":
        return RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, p, "xls", problems=[Problem(
            file, None, None, None,
            "old Excel .xls files are not supported; open it in Excel and save it as .xlsx or as CSV")])
    if ext in {".ods", ".odt"}:
        return RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, p, ext[1:], problems=[Problem(
            file, None, None, None, "OpenDocument files are not supported; save it as .xlsx or as CSV")])
    data = p.read_bytes()
    if ext == ".gz" and data.startswith(b"\x1f\x8b"):  # stories.csv.gz, stories.jsonl.gz
        import gzip
        import zlib

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            return RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, p, "gzip", problems=[Problem(
                file, None, None, None, f"cannot decompress this .gz file ({exc}); it is damaged")])
        ext = Path(p.stem).suffix.lower()
    if not data.strip():
        return RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, p, "csv", problems=[Problem(
            file, None, None, None, "the file is empty; export the table with a header row and data rows")])
    what = sniff_binary(data, p)
    if what:
        if ext not in TEXT_EXTENSIONS | JSONL_EXTENSIONS | JSON_EXTENSIONS and what.startswith("an Excel"):
            return _read_xlsx(p, file, sheet, prefer)
        kind = "CSV" if ext in TEXT_EXTENSIONS else ext.lstrip(".").upper() or "text"
        return RawTable(pd.DataFrame(), np.zeros(0, np.int64), file, p, "binary", problems=[Problem(
            file, None, None, None,
            f"this is not a text file: it looks like {what}; give a {kind} table (export from Excel with "
            "'Save as → CSV UTF-8') or an .xlsx file")])
    if ext in JSONL_EXTENSIONS:
        return _read_jsonl(p, data, file)
    if ext in JSON_EXTENSIONS:
        return _read_json(p, data, file)
    return _read_csv(p, data, file)


def read_table(path: str | os.PathLike, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table as it is in the file (headers untouched), with its provenance.

    Parameters
    ----------
    path : path-like
        CSV (``,`` ``;`` tab sniffed; UTF-8, UTF-8-BOM, UTF-16, cp1252 detected),
        XLSX, JSON Lines, JSON array, or a folder of ``.txt`` files (one story each;
        columns ``story_id`` = file stem and ``text``).
    sheet : str or int, optional
        XLSX sheet.

    Returns
    -------
    DataFrame
        Object columns: strings (CSV, ``""`` for empty cells) or cell values
        (XLSX: ``datetime``, ``float``, ``None``…).  ``attrs`` holds ``source``
        (file name), ``path``, ``encoding``, ``delimiter``, ``sheet``, ``format``
        (``csv``, ``qualtrics``, ``limesurvey``, ``xlsx``, ``jsonl``, ``json``,
        ``txt-folder``), ``lines`` (:class:`SourceLines`: the source line of every
        row), ``notes`` and ``warnings`` (list of Problem).

    Raises
    ------
    ValidationError
        When the file cannot be read as a table (binary, NUL bytes, rows with too
        many values, unclosed quotes, bad sheet name, empty file); lists every problem.
    FileNotFoundError, PermissionError
        When the path cannot be opened.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text('id,text\\n1,"two\\nlines"\\n2,b\\n', encoding="utf-8")
    >>> list(read_table(p).attrs["lines"])
    [2, 4]
    """
    raw = read_raw(path, sheet)
    if raw.errors:
        raise ValidationError(raw.problems, summary=f"{raw.file}: cannot read the table")
    return attach(raw.frame, raw)


def attach(frame: pd.DataFrame, raw: RawTable, warnings: list[Problem] | None = None,
           lines: np.ndarray | None = None) -> pd.DataFrame:
    """Set the provenance ``attrs`` of a table read from ``raw``."""
    frame.attrs = {
        "source": raw.path.name if raw.format != "txt-folder" else raw.path.name or str(raw.path),
        "path": str(raw.path),
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "sheet": raw.sheet,
        "format": raw.format,
        "lines": SourceLines(raw.lines if lines is None else lines),
        "notes": list(raw.notes),
        "warnings": list(warnings if warnings is not None else
                         [p for p in raw.problems if p.severity == "warning"]),
    }
    return frame


__all__ = ["read_table", "read_raw", "RawTable", "SourceLines", "decode", "sniff_delimiter",
           "sniff_binary", "attach"]

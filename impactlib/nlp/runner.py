"""Streaming, multi-process batch tagging: the engine behind ``impactlib tag``.

The runner reads a stories file (CSV, XLSX, JSON Lines) in chunks, sends each
chunk to :class:`impactlib.nlp.engine.ImpactEngine` (in this process, or in a
``multiprocessing`` pool of ``jobs`` workers that return plain rows, in input
order) and writes story rows and, optionally, segment rows per chunk with the
:mod:`csv` module.  Memory therefore does not grow with the corpus.

Every input story gets exactly one output row: texts that cannot be tagged
(empty, or the engine fails on them) get a row with empty codes and an
``evidence`` that says why (in Dutch, like the engine's evidence), plus a
warning on stderr that names the story.  Texts with
control characters or HTML remnants are tagged with those characters masked by
spaces of the same length, so segment offsets still index into the original
text; very long texts are tagged in parts.  The count of stories read is
checked against the count of rows written.

Examples
--------
>>> import io
>>> src = io.StringIO("story_id,text\\nS1,Sinds de buurtkamer ben ik niet meer eenzaam.\\nS2,\\n")
>>> out, warnings = io.StringIO(), io.StringIO()
>>> stats = tag_file(src, out, name="stories.csv", warn_stream=warnings)
>>> stats.stories_in == stats.rows_out == 2
True
>>> out.getvalue().splitlines()[1].split(",")[:2]
['S1', 'positive']
>>> print(warnings.getvalue().strip())
stories.csv: warning: story 'S2': empty text; kept with empty codes, not tagged
"""

from __future__ import annotations

import codecs
import collections
import csv
import gc
import importlib
import inspect
import io
import itertools
import json
import math
import multiprocessing
import operator
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

from impactlib.errors import ImpactError

#: Columns of TAGGED.csv (architecture.md, "Tagger output").
STORY_COLUMNS: Tuple[str, ...] = (
    "story_id", "valence", "intentionality", "directness",
    "valence_confidence", "intentionality_confidence", "directness_confidence", "evidence",
)
#: Columns of SEGMENTS.csv.
SEGMENT_COLUMNS: Tuple[str, ...] = (
    "story_id", "start", "end", "text", "valence", "intentionality", "directness",
    "valence_confidence", "intentionality_confidence", "directness_confidence", "evidence",
)
#: Fields a story record carries to the engine, in the order of the tuples the reader yields.
RECORD_FIELDS: Tuple[str, ...] = ("story_id", "text", "activity", "activity_goal", "why_significant",
                                  "storyteller_role")

#: Texts longer than this (code points) are tagged in parts of at most this length.
MAX_PART_CHARS = 100_000
#: Largest CSV field read (the csv module's default of 128 KiB is too small for long stories).
_CSV_FIELD_LIMIT = 2**31 - 1
#: Default number of stories per work unit.
DEFAULT_CHUNK_SIZE = 2000
#: A fresh engine (or worker process) after this many stories: bounds the vocab's growth.
DEFAULT_RECYCLE_STORIES = 150_000

# A story tuple as read: (story_id, text, activity, activity_goal, why_significant, storyteller_role).
Record = Tuple[str, str, str, str, str, str]

# -- column names -----------------------------------------------------------

#: Fallback aliases (lower-case, ``_`` for spaces) used when ``impactlib.io`` is absent.
_FALLBACK_ALIASES = {
    "story_id": ("story_id", "storyid", "id", "verhaal_id", "verhaalid", "verhaalnummer", "verhaal_nr",
                 "nummer", "nr", "respondent_id", "responseid", "response_id"),
    "text": ("text", "tekst", "verhaal", "story", "verhaaltekst", "verhaal_tekst"),
    "activity": ("activity", "activiteit", "interventie", "project"),
    "activity_goal": ("activity_goal", "doel", "activiteit_doel", "doel_activiteit", "activiteitsdoel", "goal"),
    "why_significant": ("why_significant", "waarom_belangrijk", "waarom_significant", "waarom",
                        "betekenis", "why"),
    "storyteller_role": ("storyteller_role", "verteller", "rol", "rol_verteller", "role"),
}


def _normalise_header(name: Any) -> str:
    s = "" if name is None else str(name)
    s = s.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", s)


def _io_module(name: str) -> Any:
    """A stdlib-only module of :mod:`impactlib.io` (``columns``, ``sniff``), or ``None``.

    ``impactlib/io/__init__.py`` imports pandas (~0.3-0.9 s), which ``impactlib tag``
    does not need otherwise; ``io/columns.py`` and ``io/sniff.py`` only need the
    stdlib.  So, unless ``impactlib.io`` is already imported, the file is loaded on
    its own (under a private name) to keep the start-up of ``impactlib tag`` short.
    """
    if name in _IO_MODULES:
        return _IO_MODULES[name] or None
    mod: Any = sys.modules.get(f"impactlib.io.{name}")
    if mod is None and "impactlib.io" not in sys.modules:
        import importlib.util

        path = Path(__file__).resolve().parent.parent / "io" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"impactlib.nlp._io_{name}", path)
        if spec is not None and spec.loader is not None and path.exists():
            try:
                mod = importlib.util.module_from_spec(spec)
                sys.modules[spec.name] = mod  # dataclasses look their module up here
                spec.loader.exec_module(mod)
            except Exception:  # noqa: BLE001 - fall back to the normal import
                sys.modules.pop(spec.name, None)
                mod = None
    if mod is None:
        try:
            mod = importlib.import_module(f"impactlib.io.{name}")
        except ImportError:  # pragma: no cover - io absent
            mod = None
    _IO_MODULES[name] = mod if mod is not None else False
    return mod


def _io_columns() -> Any:
    """The column module of :mod:`impactlib.io` (aliases), or ``None`` when absent."""
    return _io_module("columns")


_IO_MODULES: dict = {}


def canonical_column(name: Any) -> Optional[str]:
    """Map one column header to its canonical name among :data:`RECORD_FIELDS`.

    Uses the stories aliases of :mod:`impactlib.io.columns` when that module is
    importable, otherwise a built-in list of the common Dutch aliases.

    Parameters
    ----------
    name : object
        A header as found in the file.

    Returns
    -------
    str or None
        ``"story_id"``, ``"text"``, ``"activity"``, ``"activity_goal"``,
        ``"why_significant"`` or ``None`` for any other column.

    Examples
    --------
    >>> canonical_column("Verhaal")
    'text'
    >>> canonical_column(" verhaal_id ")
    'story_id'
    >>> canonical_column("datum") is None
    True
    """
    cols_mod = _io_columns()
    canonical_for = getattr(cols_mod, "canonical_for", None)
    if canonical_for is not None:
        hit = canonical_for("" if name is None else str(name), "stories")
        return hit if hit in RECORD_FIELDS else None
    key = _normalise_header(name)
    for canon, aliases in _FALLBACK_ALIASES.items():
        if key in aliases:
            return canon
    return None


def resolve_record_columns(headers: Sequence[Any]) -> dict:
    """Map headers to the canonical :data:`RECORD_FIELDS`: ``{field: column index}``.

    When two headers could be the same field (``id`` and ``verhaal_id``), the
    better alias of :mod:`impactlib.io.columns` wins, as in the loaders.
    """
    names = ["" if h is None else str(h) for h in headers]
    resolve_columns = getattr(_io_columns(), "resolve_columns", None)
    cols: dict = {}
    if resolve_columns is not None:
        rename = resolve_columns(names, "stories").rename
        for i, h in enumerate(names):
            canon = rename.get(h)
            if canon in RECORD_FIELDS and canon not in cols:
                cols[canon] = i
        return cols
    for i, h in enumerate(names):
        canon = canonical_column(h)
        if canon and canon not in cols:
            cols[canon] = i
    return cols


# -- readers -------------------------------------------------------------


class StoryReader:
    """Stream story records from a CSV, XLSX, JSON Lines (or JSON array) file.

    Parameters
    ----------
    source : path or text file
        The stories file; a text stream is read as CSV (or JSONL when ``fmt`` says so).
    name : str, optional
        Name used in messages (defaults to the file name).
    fmt : {"csv", "xlsx", "jsonl", "json"}, optional
        Format; inferred from the extension and the first bytes when omitted.

    Attributes
    ----------
    columns : dict
        Canonical field -> column as named in the file.
    encoding, sep : str or None
        What was detected for a CSV file.
    rows_read : int
        Stories yielded so far.

    Raises
    ------
    ImpactError
        When the file lacks a story_id or text column (the message lists the
        columns found), or is not readable in the detected format.
    """

    def __init__(self, source: "str | os.PathLike[str] | TextIO", *, name: Optional[str] = None,
                 fmt: Optional[str] = None):
        self.source = source
        self.is_stream = hasattr(source, "read")
        self.name = name or (Path(source).name if not self.is_stream else getattr(source, "name", "<stdin>"))
        self.fmt = fmt or self._detect_format()
        self.encoding: Optional[str] = None
        self.sep: Optional[str] = None
        self.columns: dict = {}
        self.rows_read = 0
        self.notes: List[str] = []

    # format detection ------------------------------------------------
    def _detect_format(self) -> str:
        if self.is_stream:
            return "csv"
        path = Path(self.source)
        if path.is_dir():
            raise ImpactError(f"{path}: is a folder; give a stories file (.csv, .xlsx, .jsonl)")
        ext = path.suffix.lower()
        if ext in (".xlsx", ".xlsm"):
            return "xlsx"
        if ext in (".jsonl", ".ndjson"):
            return "jsonl"
        if ext == ".json":
            return "json"
        if ext == ".xls":
            raise ImpactError(f"{self.name}: old Excel .xls files are not supported; save it as .xlsx or CSV")
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK\x03\x04"):
            return "xlsx"
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return "jsonl"
        return "csv"

    def _resolve(self, headers: Sequence[Any]) -> dict:
        cols = resolve_record_columns(headers)
        missing = [c for c in ("story_id", "text") if c not in cols]
        if missing:
            found = ", ".join(repr(str(h)) for h in headers if h is not None and str(h).strip()) or "none"
            raise ImpactError(
                f"{self.name}: missing required column(s) {', '.join(repr(m) for m in missing)}; "
                f"columns found: {found}. Name them 'story_id' and 'text' "
                f"(Dutch 'verhaal_id'/'id' and 'verhaal'/'tekst' also work)")
        self.columns = {c: (headers[i] if i is not None else None) for c, i in cols.items()}
        return cols

    def _find_header(self, first: List[Any], rows: Iterator[Sequence[Any]],
                     where: Callable[[], int]) -> Tuple[dict, List[Any]]:
        """Resolve the header row; a title or blank rows above it (up to 10 rows) are skipped."""
        if len(resolve_record_columns(first).keys() & {"story_id", "text"}) == 2:
            return self._resolve(first), first
        for _ in range(10):
            row = next(rows, None)
            if row is None:
                break
            row = list(row)
            if len(resolve_record_columns(row).keys() & {"story_id", "text"}) == 2:
                self.notes.append(f"{self.name}:{where()}: header row found here; the rows above it were skipped")
                return self._resolve(row), row
        return self._resolve(first), first  # raises, naming the columns of the first row

    # chunks ----------------------------------------------------------
    def chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[List[Record]]:
        """Yield lists of at most ``chunk_size`` records (tuples in the order of :data:`RECORD_FIELDS`).

        Missing fields are ``""``; every value is a ``str``.
        """
        if chunk_size < 1:
            raise ImpactError(f"--chunk-size must be at least 1, got {chunk_size}")
        reader = {"csv": self._csv_chunks, "xlsx": self._xlsx_chunks,
                  "jsonl": self._jsonl_chunks, "json": self._json_chunks}[self.fmt]
        for chunk in reader(chunk_size):
            if chunk:
                self.rows_read += len(chunk)
                yield chunk

    # CSV -------------------------------------------------------------
    def _sniff(self, head: bytes) -> Tuple[str, str]:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            enc = "utf-16"
            text = head.decode("utf-16", errors="ignore")
        else:
            if head.count(b"\x00") > max(8, len(head) // 100):
                # many NUL bytes: binary data (a stray NUL in a text is masked and warned about later)
                line = head[:head.index(b"\x00")].count(b"\n") + 1
                raise ImpactError(f"{self.name}:{line}: contains NUL bytes; this is not a text CSV file "
                                  "(binary data or a broken export); export the stories again as CSV UTF-8")
            dec = codecs.getincrementaldecoder("utf-8")()
            try:
                text = dec.decode(head, final=False)
                enc = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
            except UnicodeDecodeError:
                enc = "cp1252"
                text = head.decode("cp1252", errors="replace")
        text = text.lstrip("\ufeff")
        if len(text) >= 65536 and "\n" in text:
            text = text[: text.rfind("\n") + 1]  # whole records only
        return enc, sniff_delimiter(text)

    def _csv_chunks(self, chunk_size: int) -> Iterator[List[Record]]:
        # The stdlib csv reader (C) streams as fast as pandas' C parser here, and it
        # reports ragged rows and NUL bytes with their line instead of silently
        # dropping fields (pandas does with ``usecols``).
        if self.is_stream:
            fh: Any = self.source
            self.encoding, self.sep = None, None
            first = fh.read(65536)
            if isinstance(first, bytes):
                raise ImpactError(f"{self.name}: give a text stream or a path")
            _, self.sep = self._sniff(first.encode("utf-8"))
            fh = _Chain(first.lstrip("\ufeff"), fh)
            own = False
        else:
            with open(self.source, "rb") as raw:
                head = raw.read(65536)
            if not head.strip():
                raise ImpactError(f"{self.name}: the file is empty; it needs a header row with "
                                  "'story_id' and 'text' and one row per story")
            self.encoding, self.sep = self._sniff(head)
            if self.encoding in ("utf-8", "utf-8-sig") and len(head) == 65536 and not _all_utf8(self.source):
                # ASCII at the top, cp1252 further down (Dutch Excel exports): decide on the whole file
                self.encoding = "cp1252"
                self.notes.append(f"{self.name}: not UTF-8 beyond the first 64 KB; read as cp1252")
            fh = open(self.source, encoding=self.encoding, newline="", errors="strict")
            own = True
        if csv.field_size_limit() < _CSV_FIELD_LIMIT:
            csv.field_size_limit(_CSV_FIELD_LIMIT)  # stories of megabytes are read, then tagged in parts
        try:
            reader = csv.reader(fh, delimiter=self.sep)
            try:
                headers = next(reader, None)
                if headers is None:
                    raise ImpactError(f"{self.name}: the file is empty; it needs a header row with "
                                      "'story_id' and 'text' and one row per story")
                if headers and headers[0].startswith("\ufeff"):
                    headers[0] = headers[0][1:]
                cols, headers = self._find_header(headers, reader, lambda: reader.line_num)
                width = len(headers)
                present = [cols[f] for f in RECORD_FIELDS if f in cols]
                pick = operator.itemgetter(*present)
                # output tuple = picked fields, with "" where a field is absent
                layout = [f in cols for f in RECORD_FIELDS]
                complete = all(layout)
                chunk: List[Record] = []
                head_rows = []
                for row in itertools.islice(reader, 2):
                    head_rows.append((reader.line_num, row))
                for k, (_ln, row) in enumerate(head_rows):
                    # Qualtrics: a question-text row and an ImportId row sit under the header
                    if any(v.lstrip().startswith('{"ImportId"') for v in row):
                        head_rows = head_rows[k + 1:]
                        break
                rows = itertools.chain((r for _ln, r in head_rows), reader)
                for row in rows:
                    if len(row) != width:
                        if not row or (len(row) == 1 and not row[0].strip()):
                            continue  # blank line
                        if len(row) > width:
                            if any(v.strip() for v in row[width:]):
                                line = reader.line_num
                                for ln, r in head_rows:
                                    if r is row:
                                        line = ln
                                raise ImpactError(
                                    f"{self.name}:{line}: {len(row)} fields where the header has {width} "
                                    f"(separator {self.sep!r}); quote texts that contain {self.sep!r} or fix the row")
                        else:
                            row = row + [""] * (width - len(row))
                    got = pick(row)
                    if complete:
                        chunk.append(got)
                    else:
                        it = iter(got)
                        chunk.append(tuple(next(it) if has else "" for has in layout))  # type: ignore[arg-type]
                    if len(chunk) >= chunk_size:
                        yield chunk
                        chunk = []
                yield chunk
            except csv.Error as exc:
                raise ImpactError(f"{self.name}:{reader.line_num}: cannot read as CSV ({exc}); "
                                  "export the stories again as CSV UTF-8") from None
            except UnicodeDecodeError as exc:
                raise ImpactError(f"{self.name}: near line {reader.line_num + 1}: not {self.encoding} ({exc.reason}); "
                                  "save the file as CSV UTF-8") from None
        finally:
            if own:
                fh.close()

    # XLSX ------------------------------------------------------------
    def _xlsx_chunks(self, chunk_size: int) -> Iterator[List[Record]]:
        import zipfile

        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.source, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ImpactError(f"{self.name}: cannot open as an Excel workbook ({exc}); "
                              "save it as .xlsx or export it as CSV") from None
        try:
            ws = None
            for title in wb.sheetnames:
                if title.strip().lower() in ("stories", "verhalen"):
                    ws = wb[title]
                    break
            if ws is None:
                ws = wb.worksheets[0]
            rows = ws.iter_rows(values_only=True)
            headers: Optional[list] = None
            line = 0
            for row in rows:
                line += 1
                if row and any(v is not None and str(v).strip() for v in row):
                    headers = list(row)
                    break
            if headers is None:
                raise ImpactError(f"{self.name}: sheet {ws.title!r} is empty; it needs a header row with "
                                  "'story_id' and 'text'")

            def counted() -> Iterator[Sequence[Any]]:
                nonlocal line
                for r in rows:
                    line += 1
                    yield r
            more = counted()
            cols, headers = self._find_header(headers, more, lambda: line)
            idx = [cols.get(f) for f in RECORD_FIELDS]
            chunk: List[Record] = []
            for row in more:
                if not row or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                    continue
                n = len(row)
                chunk.append(tuple(_cell(row[i]) if i is not None and i < n else "" for i in idx))  # type: ignore[arg-type]
                if len(chunk) >= chunk_size:
                    yield chunk
                    chunk = []
            yield chunk
        finally:
            wb.close()

    # JSON Lines / JSON -----------------------------------------------
    def _record_from_obj(self, obj: Any, where: str) -> Record:
        if not isinstance(obj, dict):
            raise ImpactError(f"{where}: expected a JSON object with 'story_id' and 'text', "
                              f"got {type(obj).__name__}; write one object per line")
        if not self.columns:
            keys = list(obj.keys())
            self._resolve(keys)
        vals = []
        for f in RECORD_FIELDS:
            key = self.columns.get(f)
            v = obj.get(key) if key is not None else None
            if v is None and key is not None:
                # keys may differ per line; fall back to any alias of this field
                for k in obj:
                    if canonical_column(k) == f:
                        v = obj[k]
                        break
            vals.append(_cell(v))
        return tuple(vals)  # type: ignore[return-value]

    def _jsonl_chunks(self, chunk_size: int) -> Iterator[List[Record]]:
        fh = self.source if self.is_stream else open(self.source, encoding="utf-8-sig", errors="strict")
        try:
            chunk: List[Record] = []
            lineno = 0
            try:
                for lineno, line in enumerate(fh, 1):  # type: ignore[arg-type]
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ImpactError(f"{self.name}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                                          "each line must hold one JSON object") from None
                    chunk.append(self._record_from_obj(obj, f"{self.name}:{lineno}"))
                    if len(chunk) >= chunk_size:
                        yield chunk
                        chunk = []
            except UnicodeDecodeError as exc:
                raise ImpactError(f"{self.name}:{lineno + 1}: not UTF-8 ({exc.reason}); JSON Lines files must be "
                                  "UTF-8 encoded") from None
            if lineno == 0 and not chunk and not self.columns:
                raise ImpactError(f"{self.name}: the file is empty; write one JSON object per story "
                                  "with 'story_id' and 'text'")
            yield chunk
        finally:
            if not self.is_stream:
                fh.close()  # type: ignore[union-attr]

    def _json_chunks(self, chunk_size: int) -> Iterator[List[Record]]:
        try:
            with open(self.source, encoding="utf-8-sig") as fh:  # type: ignore[arg-type]
                data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise ImpactError(f"{self.name}:{exc.lineno}: not valid JSON ({exc.msg}); give a JSON array of "
                              "objects or JSON Lines (.jsonl)") from None
        if isinstance(data, dict):
            data = data.get("stories", [data])
        if not isinstance(data, list):
            raise ImpactError(f"{self.name}: expected a JSON array of story objects")
        for i in range(0, len(data), chunk_size):
            yield [self._record_from_obj(o, f"{self.name}: item {i + j + 1}")
                   for j, o in enumerate(data[i:i + chunk_size])]


def _all_utf8(path: Any, block: int = 1 << 22) -> bool:
    """Whether the whole file decodes as UTF-8 (streamed in 4 MB blocks)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while True:
                data = fh.read(block)
                if not data:
                    dec.decode(b"", final=True)
                    return True
                dec.decode(data, final=False)
    except UnicodeDecodeError:
        return False


class _Chain:
    """A text stream that first returns ``head``, then the rest of ``fh`` (line iteration)."""

    def __init__(self, head: str, fh: Any):
        if head and not head.endswith("\n"):
            head += fh.readline()  # complete the last line of the head
        self._it = itertools.chain(io.StringIO(head), fh)

    def __iter__(self):
        return self._it

    def close(self) -> None:  # pragma: no cover - nothing to close
        pass


def sniff_delimiter(text: str) -> str:
    """The delimiter (``,`` ``;`` tab ``|``) that splits the first records most consistently.

    The rule of :func:`impactlib.io.sniff.sniff_delimiter`, loaded without pandas.

    Examples
    --------
    >>> sniff_delimiter("a;b;c\\n1,5;2;3\\n")
    ';'
    >>> sniff_delimiter('id,text\\n1,"a; b"\\n')
    ','
    """
    return _io_module("sniff").sniff_delimiter(text)


def _s(v: Any) -> str:
    return v if type(v) is str else ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def _cell(v: Any) -> str:
    """A spreadsheet/JSON value as text (``1.0`` -> ``"1"``, dates as ISO)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


# -- per-chunk tagging (runs in workers) ----------------------------------

#: Control characters, lone surrogates, invisible format characters (zero-width, bidi overrides).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                      "\u2066-\u2069\ud800-\udfff\ufeff\ufffe\uffff]")
_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,1000})?/?>|<!--.*?-->|&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});",
                   re.S)
_EN = frozenset("the and was with of to you my they he she have has it this that for not but are be "
                "we our very would could because after before our their there when what".split())
_NL_RE = re.compile(r"\b(?:de|het|een|en|met|van|naar|ik|je|mijn|zij|hij|heeft|niet|maar|zijn|dat|die|voor|"
                    r"ook|op|wij|we|er|nu|weer|geen|nog|bij|als|veel|heel)\b", re.I)


def _blank(m: "re.Match[str]") -> str:
    return " " * (m.end() - m.start())


def _format_conf(v: Any) -> str:
    if v is None or v == "":
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return ""
    return f"{f:.3f}"


def _val(v: Any) -> str:
    if type(v) is str:
        return v
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    return v if isinstance(v, str) else str(v)


def _conf(v: Any) -> str:
    return ("%.3f" % v if v == v else "") if type(v) is float else _format_conf(v)


def _story_tuple(sid: str, row: dict) -> tuple:
    g = row.get
    return (sid, _val(g("valence")), _val(g("intentionality")), _val(g("directness")),
            _conf(g("valence_confidence")), _conf(g("intentionality_confidence")),
            _conf(g("directness_confidence")), _val(g("evidence")))


def _empty_story(sid: str, evidence: str) -> tuple:
    return (sid, "", "", "", "", "", "", evidence)


@dataclass
class ChunkResult:
    """What a worker returns for one chunk: compact tuples, never spaCy objects."""

    stories: List[tuple]
    segments: Optional[List[tuple]]
    warnings: List[Tuple[str, str, str]]  # (kind, story_id, message)


class ChunkTagger:
    """Tag chunks of records with one engine, guaranteeing one story row per record.

    Parameters
    ----------
    engine : object
        Anything with ``tag(records) -> (story_rows, segment_rows)`` (an
        :class:`impactlib.nlp.engine.ImpactEngine`).
    max_part_chars : int
        Texts longer than this are tagged in parts.
    goals : dict, optional
        ``activity -> activity_goal`` for stories without a goal of their own.
    """

    def __init__(self, engine: Any, *, max_part_chars: int = MAX_PART_CHARS,
                 goals: Optional[dict] = None):
        self.engine = engine
        self.max_part_chars = max_part_chars
        self.goals = goals or {}
        try:
            self._takes_segments = "segments" in inspect.signature(engine.tag).parameters
        except (TypeError, ValueError, AttributeError):
            self._takes_segments = False

    def tag(self, chunk: Sequence[Record], with_segments: bool = True) -> ChunkResult:
        """Tag one chunk; see :class:`ChunkResult`."""
        warnings: List[Tuple[str, str, str]] = []
        stories: List[Optional[tuple]] = [None] * len(chunk)
        segments: List[List[tuple]] = [[] for _ in chunk]
        batch: List[dict] = []   # records for the engine
        owners: List[Tuple[int, int]] = []  # (chunk index, offset of the part in the text)
        parts_of: dict = {}      # chunk index -> number of parts
        for i, rec in enumerate(chunk):
            sid, text = rec[0], rec[1]
            if not text or not text.strip():
                stories[i] = _empty_story(sid, "lege tekst: niet getagd")
                warnings.append(("empty", sid, "empty text; kept with empty codes, not tagged"))
                continue
            clean = text
            if _CONTROL.search(clean):
                n = len(_CONTROL.findall(clean))
                clean = _CONTROL.sub(" ", clean)
                warnings.append(("control", sid, f"{n} control/invalid character(s); read as spaces and tagged"))
            if "<" in clean or "&" in clean:
                masked, n = _HTML.subn(_blank, clean)
                if n:
                    clean = masked
                    warnings.append(("html", sid, f"{n} HTML tag(s)/entit(y/ies); read as spaces and tagged"))
            if not clean.strip():
                stories[i] = _empty_story(sid, "geen tekst over na opschonen: niet getagd")
                warnings.append(("empty", sid, "no text besides markup or control characters; not tagged"))
                continue
            m = _NL_RE.search(clean, 0, 600)
            if (m is None or _NL_RE.search(clean, m.end(), 800) is None) and len(
                    set(clean[:800].lower().split()) & _EN) >= 2:
                warnings.append(("language", sid, "looks English (or mixed); tagged with the Dutch rules, check by hand"))
            ctx = {}
            for f, v in zip(RECORD_FIELDS[2:], rec[2:]):
                if v:
                    ctx[f] = v
            if "activity_goal" not in ctx and self.goals and rec[2] in self.goals:
                ctx["activity_goal"] = self.goals[rec[2]]  # from --activities
            if len(clean) > self.max_part_chars:
                spans = _split_long(clean, self.max_part_chars)
                parts_of[i] = len(spans)
                warnings.append(("long", sid, f"{len(clean):,} characters; tagged in {len(spans)} parts"))
                for a, b in spans:
                    batch.append({"story_id": str(len(batch)), "text": clean[a:b], **ctx})
                    owners.append((i, a))
            else:
                # the engine sees the position in the batch as story_id: unambiguous even
                # with duplicate story_ids or a long text in parts
                batch.append({"story_id": str(len(batch)), "text": clean, **ctx})
                owners.append((i, 0))
        if batch:
            srows, segrows = self._tag_batch(batch, owners, chunk, warnings, with_segments)
            self._merge(srows, segrows, owners, parts_of, chunk, stories, segments, with_segments)
        out_seg: Optional[List[tuple]] = None
        if with_segments:
            out_seg = [s for segs in segments for s in segs]
        return ChunkResult([s for s in stories], out_seg, warnings)  # type: ignore[misc]

    # -- engine calls with fallbacks --------------------------------------
    def _engine_tag(self, records, with_segments):
        if not with_segments and self._takes_segments:
            return self.engine.tag(records, segments=False)  # no segment rows to format
        return self.engine.tag(records)

    def _tag_batch(self, batch, owners, chunk, warnings, with_segments=True):
        try:
            srows, segrows = self._engine_tag(batch, with_segments)
            srows = list(srows)
            if len(srows) == len(batch) and all(
                    str(r.get("story_id", "")) == b["story_id"] for r, b in zip(srows, batch)):
                groups: List[List[dict]] = [[] for _ in batch]
                for g in segrows:
                    groups[int(g["story_id"])].append(g)
                return srows, groups
        except Exception:  # noqa: BLE001 - locate the failing story below
            pass
        # slow path: one record at a time, so one bad story cannot hide the others
        srows, segrows = [], []
        for b, (i, _off) in zip(batch, owners):
            try:
                s, g = self._engine_tag([b], with_segments)
                s = list(s)
                if len(s) != 1:
                    raise RuntimeError(f"engine returned {len(s)} story rows for 1 story")
                srows.append(s[0])
                segrows.append(list(g))
            except Exception as exc:  # noqa: BLE001 - reported as a warning, row kept
                sid = chunk[i][0]
                srows.append({"story_id": sid,
                              "evidence": f"niet getagd: fout in de tagger ({type(exc).__name__}: {str(exc)[:200]})"})
                segrows.append([])
                warnings.append(("error", sid, f"the tagger failed ({type(exc).__name__}: "
                                 f"{str(exc)[:200]}); kept with empty codes"))
        return srows, segrows

    def _merge(self, srows, segrows, owners, parts_of, chunk, stories, segments, with_segments):
        best: dict = {}
        for row, segs, (i, off) in zip(srows, segrows, owners):
            sid = chunk[i][0]
            if i in parts_of:
                # several parts: keep the story row of the most confident part with an effect
                score = _row_score(row)
                if i not in best or score > best[i][0]:
                    best[i] = (score, row)
            else:
                stories[i] = _story_tuple(sid, row)
            if with_segments and segs:
                text = chunk[i][1]
                for g in segs:
                    try:
                        a = int(g.get("start")) + off
                        b = int(g.get("end")) + off
                    except (TypeError, ValueError):
                        continue
                    out = [sid, str(a), str(b), text[a:b]]
                    for c in SEGMENT_COLUMNS[4:]:
                        v = g.get(c)
                        out.append(_format_conf(v) if c.endswith("_confidence") else _val(v))
                    segments[i].append(tuple(out))
        for i, (_score, row) in best.items():
            t = list(_story_tuple(chunk[i][0], row))
            t[-1] = (t[-1] + "; " if t[-1] else "") + f"lange tekst, in {parts_of[i]} delen getagd"
            stories[i] = tuple(t)


def _row_score(row: dict) -> float:
    if not row.get("valence"):
        return -1.0
    try:
        return float(row.get("valence_confidence") or 0)
    except (TypeError, ValueError):
        return 0.0


def _split_long(text: str, limit: int) -> List[Tuple[int, int]]:
    """Split ``text`` into spans of at most ``limit`` code points, preferring sentence/line ends."""
    spans = []
    start, n = 0, len(text)
    while start < n:
        end = min(start + limit, n)
        if end < n:
            window = text[start + limit // 2:end]
            cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("! "), window.rfind("? "))
            if cut < 0:
                cut = window.rfind(" ")
            if cut >= 0:
                end = start + limit // 2 + cut + 1
        spans.append((start, end))
        start = end
    return spans


# -- process pool -----------------------------------------------------------

_WORKER: Optional[ChunkTagger] = None
_WORKER_ERROR: Optional[str] = None


#: Cyclic-GC thresholds while tagging: spaCy allocates many short-lived objects that
#: reference counting frees; collecting every 700 allocations costs ~5% for nothing.
GC_THRESHOLDS = (50_000, 50, 100)


#: One story tagged before the workers are forked, so that what the engine builds on first
#: use is built once in the parent and shared, not once per worker.
_WARM_UP: Record = ("", "Ik voel me niet meer eenzaam, doordat mijn buurvrouw nu vaker langskomt.", "Buurtkamer",
                    "Eenzaamheid onder bewoners verminderen.", "Ik heb weer iemand.", "deelnemer")


def _init_worker(engine_factory: Optional[Callable[[], Any]], goals: Optional[dict] = None) -> None:
    """Pool initializer: build the engine once per worker (unless inherited by fork)."""
    global _WORKER, _WORKER_ERROR
    gc.set_threshold(*GC_THRESHOLDS)
    if _WORKER is not None:
        return
    try:
        _WORKER = ChunkTagger(engine_factory(), goals=goals)  # type: ignore[misc]
    except Exception as exc:  # noqa: BLE001 - reported by the first task
        _WORKER_ERROR = f"{type(exc).__name__}: {exc}"


def _work(args: Tuple[List[Record], bool]) -> ChunkResult:
    if _WORKER is None:
        raise ImpactError(f"the tagger could not be started in a worker process: {_WORKER_ERROR}")
    chunk, with_segments = args
    return _WORKER.tag(chunk, with_segments)


@dataclass
class EngineFactory:
    """Picklable recipe for an :class:`~impactlib.nlp.engine.ImpactEngine`."""

    codebook: Optional[str] = None
    model: Optional[str] = None

    def __call__(self) -> Any:
        from impactlib.nlp.engine import ImpactEngine

        engine = ImpactEngine(self.codebook, model=self.model)
        engine.lean_lexemes()  # its Docs are read only by the tagger
        return engine


# -- the driver ---------------------------------------------------------------

@dataclass
class TagStats:
    """Counts of one run of :func:`tag_file`."""

    stories_in: int = 0
    rows_out: int = 0
    segments_out: int = 0
    warnings: collections.Counter = field(default_factory=collections.Counter)
    duplicates: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for stderr."""
        rate = self.stories_in / self.seconds if self.seconds else 0.0
        w = sum(self.warnings.values())
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(self.warnings.items()))
        return (f"{self.stories_in} stories in, {self.rows_out} rows out, {self.segments_out} segments; "
                f"{w} warning(s){' (' + kinds + ')' if kinds else ''}; "
                f"{self.seconds:.1f} s ({rate:,.0f} stories/s)")


_WARN_NAMES = {"empty": "empty text", "control": "control characters", "html": "HTML remnants",
               "language": "not Dutch", "long": "long text", "error": "tagger error", "no_id": "no story_id",
               "duplicate": "duplicate story_id"}


class _Warner:
    def __init__(self, name: str, stream: TextIO, limit: Optional[int]):
        self.name, self.stream, self.limit = name, stream, limit
        self.counts: collections.Counter = collections.Counter()

    def __call__(self, kind: str, sid: str, message: str) -> None:
        self.counts[kind] += 1
        if self.limit is None or self.counts[kind] <= self.limit:
            print(f"{self.name}: warning: story {sid!r}: {message}", file=self.stream)
        elif self.counts[kind] == self.limit + 1:
            print(f"{self.name}: warning: more stories with {_WARN_NAMES.get(kind, kind)}; "
                  "only the count is reported from here on (use --all-warnings to list them)", file=self.stream)


def tag_file(
    stories: "str | os.PathLike[str] | TextIO",
    out: "str | os.PathLike[str] | TextIO | None" = None,
    *,
    segments: "str | os.PathLike[str] | TextIO | None" = None,
    codebook: Optional[str] = None,
    model: Optional[str] = "default",
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Optional[bool] = None,
    name: Optional[str] = None,
    engine_factory: Optional[Callable[[], Any]] = None,
    warn_stream: Optional[TextIO] = None,
    max_warnings: Optional[int] = 20,
    recycle_stories: int = DEFAULT_RECYCLE_STORIES,
    goals: Optional[dict] = None,
) -> TagStats:
    """Tag every story of a file and stream story (and segment) rows to CSV.

    Parameters
    ----------
    stories : path or text file
        CSV, XLSX or JSON Lines with at least ``story_id`` and ``text``.
    out : path, text file, ``"-"`` or None
        TAGGED.csv; ``None`` or ``"-"`` writes to stdout.  A file is written
        under a temporary name and renamed when complete.
    segments : path, text file or None
        SEGMENTS.csv (one row per suggested effect span); not computed when ``None``.
    codebook, model : str, optional
        Passed to :class:`~impactlib.nlp.engine.ImpactEngine`; ``model="default"`` (the
        default) is the shipped model combined with the rules, ``None`` the rules only.
    jobs : int
        Worker processes; ``1`` tags in this process.
    chunk_size : int
        Stories per work unit.
    progress : bool, optional
        Show a tqdm bar on stderr; default: only when stderr is a terminal.
    name : str, optional
        File name used in messages.
    engine_factory : callable, optional
        Builds the engine (default :class:`EngineFactory` of ``codebook``/``model``).
    warn_stream : text file, optional
        Where warnings go (default ``sys.stderr``).
    max_warnings : int or None
        Warnings listed per kind before only counting (``None``: all).
    recycle_stories : int
        A fresh engine (worker process) after about this many stories, so that
        memory does not grow with an open vocabulary.
    goals : dict, optional
        ``activity -> activity_goal``, used for stories without an ``activity_goal``
        (e.g. from an activities table).

    Returns
    -------
    TagStats

    Raises
    ------
    ImpactError
        For unreadable input, missing columns, or a count mismatch.
    """
    t0 = time.perf_counter()
    warn_stream = warn_stream or sys.stderr
    reader = StoryReader(stories, name=name)
    factory = engine_factory or EngineFactory(codebook, model)
    warner = _Warner(reader.name, warn_stream, max_warnings)
    stats = TagStats()
    with_segments = segments is not None
    chunks = reader.chunks(chunk_size)
    first = next(chunks, None)  # validates the header before any output file is created
    for note in reader.notes:
        print(f"note: {note}", file=warn_stream)
    chunks_all: Iterable[List[Record]] = [] if first is None else _prepend(first, chunks)

    out_w = _OutputFile(out, STORY_COLUMNS)
    seg_w = _OutputFile(segments, SEGMENT_COLUMNS) if with_segments else None
    seen: set = set()
    old_gc = gc.get_threshold()
    bar = _progress_bar(progress)
    ok = False
    try:
        def handle(n_in: int, res: ChunkResult) -> None:
            if len(res.stories) != n_in or any(r is None for r in res.stories):
                raise ImpactError(f"internal error: {n_in} stories sent to the tagger, "
                                  f"{len(res.stories)} rows returned; please report this")
            for kind, sid, msg in res.warnings:
                warner(kind, sid, msg)
            for k, r in enumerate(res.stories):
                sid = r[0]
                if not sid:
                    warner("no_id", sid, f"story number {stats.rows_out + k + 1} in the file has no story_id; "
                           "its row is written with an empty story_id; give every story an id")
                elif sid in seen:
                    warner("duplicate", sid, "duplicate story_id; each row is tagged and written")
                    stats.duplicates += 1
                else:
                    seen.add(sid)
            out_w.writerows(res.stories)
            stats.rows_out += len(res.stories)
            if seg_w is not None and res.segments:
                seg_w.writerows(res.segments)
                stats.segments_out += len(res.segments)
            if bar is not None:
                bar.update(n_in)

        if jobs <= 1:
            tagger = ChunkTagger(_build_engine(factory), goals=goals)
            since = 0
            gc.set_threshold(*GC_THRESHOLDS)
            for chunk in chunks_all:
                if since >= recycle_stories:  # a fresh engine: the vocab of an open corpus stops growing
                    tagger = None
                    tagger = ChunkTagger(_build_engine(factory), goals=goals)
                    since = 0
                stats.stories_in += len(chunk)
                since += len(chunk)
                handle(len(chunk), tagger.tag(chunk, with_segments))
        else:
            _run_pool(factory, chunks_all, jobs, with_segments, stats, handle,
                      max(1, recycle_stories // chunk_size), goals)
        if stats.stories_in != reader.rows_read or stats.rows_out != stats.stories_in:
            raise ImpactError(f"{reader.name}: {reader.rows_read} stories read but {stats.rows_out} rows "
                              "written; please report this")
        out_w.commit()
        if seg_w is not None:
            seg_w.commit()
        ok = True
    finally:
        gc.set_threshold(*old_gc)
        if bar is not None:
            bar.close()
        if not ok:
            out_w.abort()
            if seg_w is not None:
                seg_w.abort()
    stats.warnings = warner.counts
    stats.seconds = time.perf_counter() - t0
    return stats


def _prepend(first: List[Record], rest: Iterator[List[Record]]) -> Iterator[List[Record]]:
    yield first
    yield from rest


def _build_engine(factory: Callable[[], Any]) -> Any:
    try:
        return factory()
    except ImpactError:
        raise
    except (OSError, ValueError) as exc:
        raise ImpactError(f"cannot start the tagger: {exc}") from exc


def _run_pool(factory, chunks, jobs, with_segments, stats, handle, tasks_per_worker, goals=None) -> None:
    """Run chunks through ``jobs`` processes, in order, with at most ``2*jobs`` chunks in flight.

    Each worker is replaced after ``tasks_per_worker`` chunks (forked again from
    this process, whose engine is unused), so memory stays bounded on an open
    vocabulary (spaCy's vocab and the lemma/feature caches only grow).
    """
    global _WORKER
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("fork")
        # build once here; forked workers inherit it copy-on-write (no per-worker start-up)
        _WORKER = ChunkTagger(_build_engine(factory), goals=goals)
        _WORKER.tag([_WARM_UP], False)  # lazy tables (n-gram index, goal caches) built once, inherited
        gc.collect()
        gc.freeze()  # keep inherited objects out of the collector: fewer copied pages
        initargs: tuple = (None,)
    else:  # pragma: no cover - spawn platforms build one engine per worker
        ctx = multiprocessing.get_context()
        initargs = (factory, goals)
    pool = ctx.Pool(jobs, initializer=_init_worker, initargs=initargs, maxtasksperchild=tasks_per_worker)
    try:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            stats.stories_in += len(chunk)
            pending.append((len(chunk), pool.apply_async(_work, ((chunk, with_segments),))))
            while len(pending) > 2 * jobs:
                n, res = pending.popleft()
                handle(n, res.get())
        while pending:
            n, res = pending.popleft()
            handle(n, res.get())
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _WORKER = None
        gc.unfreeze()


class _OutputFile:
    """CSV output to stdout, an open stream, or a path (written to ``.part`` then renamed)."""

    def __init__(self, target: Any, header: Sequence[str]):
        self.path: Optional[Path] = None
        self.tmp: Optional[Path] = None
        self._own: Optional[TextIO] = None
        if target is None or (isinstance(target, str) and target == "-"):
            fh: TextIO = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", newline="",
                                          write_through=False) if hasattr(sys.stdout, "buffer") else sys.stdout
            self._stdout_wrapper = fh if fh is not sys.stdout else None
        elif hasattr(target, "write"):
            fh = target
            self._stdout_wrapper = None
        else:
            self.path = Path(target)
            if self.path.parent and not self.path.parent.exists():
                raise ImpactError(f"{self.path}: folder {self.path.parent} does not exist; create it first")
            self.tmp = self.path.with_name(self.path.name + ".part")
            fh = open(self.tmp, "w", encoding="utf-8", errors="replace", newline="")
            self._own = fh
            self._stdout_wrapper = None
        self.fh = fh
        self.writer = csv.writer(fh, lineterminator="\n")
        self.writer.writerow(header)

    def writerows(self, rows: Iterable[Sequence[str]]) -> None:
        self.writer.writerows(rows)

    def commit(self) -> None:
        if self._own is not None:
            self._own.close()
            os.replace(self.tmp, self.path)  # type: ignore[arg-type]
            self._own = None
        elif self._stdout_wrapper is not None:
            self._stdout_wrapper.flush()
            self._stdout_wrapper.detach()
            self._stdout_wrapper = None
        else:
            self.fh.flush()

    def abort(self) -> None:
        if self._own is not None:
            self._own.close()
            try:
                os.unlink(self.tmp)  # type: ignore[arg-type]
            except OSError:
                pass
            self._own = None
        elif self._stdout_wrapper is not None:
            try:
                self._stdout_wrapper.flush()
                self._stdout_wrapper.detach()
            except (OSError, ValueError):
                pass
            self._stdout_wrapper = None


def _progress_bar(progress: Optional[bool]):
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(unit=" stories", file=sys.stderr, mininterval=0.5, smoothing=0.1)


__all__ = [
    "STORY_COLUMNS",
    "SEGMENT_COLUMNS",
    "RECORD_FIELDS",
    "StoryReader",
    "ChunkTagger",
    "ChunkResult",
    "EngineFactory",
    "TagStats",
    "tag_file",
    "canonical_column",
    "resolve_record_columns",
]

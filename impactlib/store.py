"""The coding store: the only writer of codes (SQLite, WAL, append-only history).

A store is one SQLite file (stdlib :mod:`sqlite3`) that holds the stories, the
codebook versions they were coded with, the coders, and an **append-only**
history of codings.  Accepting, rejecting or editing a suggestion *appends* an
event that points at the event it answers (``supersedes``); triggers forbid
``UPDATE`` and ``DELETE`` on the history, so no accepted code is ever lost or
silently overwritten.  The current state is a view: the latest event per
``(story_id, start, end, dimension, coder)`` (latest by ``created_at``, then id).

Every write runs in an explicit ``BEGIN IMMEDIATE`` transaction in WAL mode, so
two coders in two notebooks or processes can write at once without losing
anything, and a process killed mid-write leaves the store as it was before that
transaction.  A writer that cannot get the lock within ``timeout`` seconds gets
:class:`~impactlib.errors.StoreLockedError`.

Schema history (``PRAGMA user_version``):

* 1 — stories, codebook_versions, codings (no coders table, no ``supersedes``
  or ``evidence`` columns).
* 2 — adds ``coders``, ``codings.supersedes``, ``codings.evidence`` and the
  ``meta`` table.  Version-1 stores are migrated in place when opened.
* 3 — adds ``latest``: per key ``(story_id, dimension, coder, start, end)`` the id of
  the current event, kept by an ``AFTER INSERT`` trigger on ``codings`` in the same
  transaction as the insert (so ``current()`` reads it instead of searching the
  history for later events).  It is derived data: filled from the history when a
  version-2 store is migrated, and :meth:`CodingStore.rebuild_latest` recomputes it.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from impactlib.codebook import load_codebook
>>> path = os.path.join(tempfile.mkdtemp(), "demo.sqlite")
>>> with open_store(path) as store:
...     _ = store.register_codebook(load_codebook())
...     store.add_stories(pd.DataFrame({"story_id": ["S1"], "text": ["Ik ben niet meer eenzaam."]}))
...     ids = store.add_suggestions([{"story_id": "S1", "valence": "positive",
...                                   "valence_confidence": 0.8}])
...     _ = store.accept(ids[0], coder="coder_a")
...     store.current(status="accepted")[["story_id", "dimension", "value", "coder"]].values.tolist()
1
[['S1', 'valence', 'positive', 'coder_a']]
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from impactlib.errors import Problem, StoreError, StoreLockedError, ValidationError
from impactlib.io.columns import CANONICAL

#: The schema version this impactlib writes (``PRAGMA user_version``).
SCHEMA_VERSION = 3

#: Columns of the canonical codes table, in order (see DESIGN.md).
CODE_COLUMNS: tuple[str, ...] = tuple(CANONICAL["codes"])
SOURCES = ("human", "rules", "model")
STATUSES = ("suggested", "accepted", "rejected", "edited")
#: Default coder name of machine suggestions.
MACHINE_CODER = "impactlib"
#: First characters that make a spreadsheet evaluate a cell (formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_APPEND_ONLY_MSG = (
    "codings is append-only: accept, reject or edit a coding to change it "
    "(history is never rewritten)"
)

# --------------------------------------------------------------------------- schema
_DDL_V1 = [
    """CREATE TABLE stories(
        story_id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        text_sha256 TEXT NOT NULL,
        attributes TEXT NOT NULL DEFAULT '{}',
        added_at TEXT NOT NULL)""",
    """CREATE TABLE codebook_versions(
        version TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        codebook_json TEXT NOT NULL,
        registered_at TEXT NOT NULL)""",
    """CREATE TABLE codings(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        story_id TEXT NOT NULL REFERENCES stories(story_id),
        start INTEGER,
        "end" INTEGER,
        dimension TEXT NOT NULL,
        value TEXT,
        coder TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('human', 'rules', 'model')),
        status TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected', 'edited')),
        confidence REAL,
        codebook_version TEXT NOT NULL REFERENCES codebook_versions(version),
        created_at TEXT NOT NULL,
        memo TEXT)""",
    f"""CREATE TRIGGER codings_no_update BEFORE UPDATE ON codings
        BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MSG}'); END""",
    f"""CREATE TRIGGER codings_no_delete BEFORE DELETE ON codings
        BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MSG}'); END""",
]

_CODING_COLS = (
    "id, story_id, start, \"end\", dimension, value, coder, source, status, confidence, "
    "codebook_version, created_at, memo, supersedes, evidence"
)

#: A coding is current when no later event (by created_at, then id) exists for its key.
_IS_CURRENT = """NOT EXISTS (SELECT 1 FROM codings d
        WHERE d.story_id = c.story_id AND d.dimension = c.dimension AND d.coder = c.coder
          AND d.start IS c.start AND d."end" IS c."end"
          AND (d.created_at > c.created_at OR (d.created_at = c.created_at AND d.id > c.id)))"""

_VIEW = f"""CREATE VIEW current_codings AS
    SELECT {_CODING_COLS} FROM codings c WHERE {_IS_CURRENT}"""

#: Schema 3: the current event per key, maintained by trigger (NULL spans are stored as -1).
_LATEST_DDL = [
    """CREATE TABLE IF NOT EXISTS latest(
        story_id TEXT NOT NULL,
        dimension TEXT NOT NULL,
        coder TEXT NOT NULL,
        k_start INTEGER NOT NULL,
        k_end INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        coding_id INTEGER NOT NULL,
        PRIMARY KEY (story_id, dimension, coder, k_start, k_end)) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX IF NOT EXISTS latest_coding ON latest(coding_id)",
    """CREATE TRIGGER IF NOT EXISTS codings_latest AFTER INSERT ON codings
        BEGIN
            INSERT INTO latest(story_id, dimension, coder, k_start, k_end, created_at, coding_id)
            VALUES (NEW.story_id, NEW.dimension, NEW.coder, ifnull(NEW.start, -1), ifnull(NEW."end", -1),
                    NEW.created_at, NEW.id)
            ON CONFLICT(story_id, dimension, coder, k_start, k_end) DO UPDATE
                SET created_at = excluded.created_at, coding_id = excluded.coding_id
                WHERE excluded.created_at > latest.created_at
                   OR (excluded.created_at = latest.created_at AND excluded.coding_id > latest.coding_id);
        END""",
]
#: Fill ``latest`` from the history (migration 2 -> 3, :meth:`CodingStore.rebuild_latest`).
_LATEST_FILL = f"""INSERT INTO latest(story_id, dimension, coder, k_start, k_end, created_at, coding_id)
    SELECT story_id, dimension, coder, ifnull(start, -1), ifnull("end", -1), created_at, id
    FROM codings c WHERE {_IS_CURRENT}"""
#: Schema 3 view: the same rows as ``_VIEW``, read through ``latest``.
_VIEW_V3 = f"""CREATE VIEW current_codings AS
    SELECT {', '.join('c.' + x.strip() for x in _CODING_COLS.split(','))}
    FROM latest l JOIN codings c ON c.id = l.coding_id"""

_MIGRATIONS: dict[int, list[str]] = {
    # 1 -> 2
    1: [
        """CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS coders(
            coder TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('human', 'machine')),
            added_at TEXT NOT NULL)""",
        "ALTER TABLE codings ADD COLUMN supersedes INTEGER REFERENCES codings(id)",
        "ALTER TABLE codings ADD COLUMN evidence TEXT",
        """INSERT OR IGNORE INTO coders(coder, kind, added_at)
            SELECT coder, CASE WHEN MIN(source) = 'human' THEN 'human' ELSE 'machine' END,
                   MIN(created_at) FROM codings GROUP BY coder""",
        "DROP VIEW IF EXISTS current_codings",
        _VIEW,
        """CREATE INDEX IF NOT EXISTS codings_key
            ON codings(story_id, dimension, coder, start, "end", created_at, id)""",
        "CREATE INDEX IF NOT EXISTS codings_status ON codings(status, coder)",
    ],
    # 2 -> 3
    2: [
        *_LATEST_DDL,
        "DELETE FROM latest",
        _LATEST_FILL,
        "DROP VIEW IF EXISTS current_codings",
        _VIEW_V3,
    ],
}


def _now() -> str:
    """Current time as ISO 8601 UTC with microseconds (sortable as text)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso_utc(value: Any) -> str | None:
    """Normalise a timestamp (str, datetime, Timestamp) to the store's ISO 8601 UTC text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    else:
        ts = ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def _jsonable(value: Any) -> Any:
    if _is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def neutralise(value: Any) -> Any:
    """Make a cell safe for spreadsheets: prefix ``'`` to text starting with ``= + - @``, tab or CR.

    Non-text values are returned unchanged.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("gewoon tekst"), neutralise(-3)
    ('gewoon tekst', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """Undo :func:`neutralise` (strip the ``'`` it added) so round trips are lossless."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


@dataclass(frozen=True)
class ImportSummary:
    """What an import or merge wrote.

    Attributes
    ----------
    inserted : int
        New events appended to the history.
    skipped : int
        Rows that were exact duplicates of events already in the store.
    stories : int
        New stories added (merge only).
    """

    inserted: int
    skipped: int
    stories: int = 0

    def __str__(self) -> str:
        extra = f", {self.stories} new stories" if self.stories else ""
        return f"{self.inserted} codings added, {self.skipped} exact duplicates skipped{extra}"


class CodingStore:
    """An impactlib coding store (one SQLite file).

    Parameters
    ----------
    path : str or Path
        The SQLite file; created (with its folder) when absent.
    timeout : float, default 10
        Seconds to wait for another writer's lock before raising
        :class:`~impactlib.errors.StoreLockedError`.
    durable : bool, default True
        ``synchronous=FULL`` (every commit is on disk before it returns).  ``False``
        uses ``synchronous=NORMAL``: still consistent after a crash, but the last
        commits may be lost on power failure.
    create : bool, default True
        Create the store when the file does not exist; ``False`` raises instead.

    Raises
    ------
    StoreError
        When the file is not an impactlib store or was written by a newer impactlib.

    Examples
    --------
    >>> import tempfile, os
    >>> with CodingStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as store:
    ...     store.schema_version
    3
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 10.0, durable: bool = True,
                 create: bool = True) -> None:
        self.path = Path(path)
        self.timeout = float(timeout)
        self._depth = 0
        self._codebooks: dict[str, Any] = {}
        self._con = None  # type: ignore[assignment]
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder; give the store's file name, e.g. {self.path / 'impactlib.sqlite'}")
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no coding store here; check the path (a store is created by adding "
                             "stories, suggestions or codes to it)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the coding store ({exc}); check the path and permissions") from None
        try:
            self._setup(durable)
        except BaseException:
            self._con.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def _locked(self, exc: BaseException) -> StoreLockedError:
        return StoreLockedError(
            f"{self.path}: the coding store is locked by another writer (waited {self.timeout:g} s; "
            f"{exc}); let the other notebook or process finish or close it, then retry "
            "(or open the store with a longer timeout)"
        )

    def _setup(self, durable: bool) -> None:
        con = self._con
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            version = con.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: not an impactlib coding store ({exc}); give the path of a store "
                "(.sqlite) or a new file name"
            ) from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: the store has schema version {version}, written by a newer impactlib; "
                f"this impactlib reads up to version {SCHEMA_VERSION}. Upgrade impactlib "
                "(pip install -U impactlib) to open it; the store was not changed"
            )
        mode = self._switch_to_wal()
        self.journal_mode = str(mode).lower()
        con.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        con.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self._create_or_migrate()

    def _switch_to_wal(self) -> str:
        """``PRAGMA journal_mode = WAL``, retried until ``timeout``.

        Switching a fresh file to WAL needs an exclusive lock.  When two processes
        create the same store at once, SQLite may answer "database is locked" at
        once (a lock-upgrade deadlock is not handed to the busy handler), so the
        loser waits and tries again instead of failing.
        """
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                return str(self._con.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(f"{self.path}: cannot switch to WAL mode ({exc})") from None
                if time.monotonic() + delay > deadline:
                    raise self._locked(exc) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)

    def _create_or_migrate(self) -> None:
        with self.transaction():
            # re-read inside the write lock: another process may have created it meanwhile
            version = self._con.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = self._con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
                if tables:
                    raise StoreError(
                        f"{self.path}: a SQLite file that is not an impactlib coding store "
                        "(it has tables but no impactlib schema version); use a new file name"
                    )
                for stmt in _DDL_V1:
                    self._con.execute(stmt)
                version = 1
            while version < SCHEMA_VERSION:
                for stmt in _MIGRATIONS[version]:
                    self._con.execute(stmt)
                version += 1
            self._con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            from impactlib import __version__

            self._con.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_written_by', ?)",
                (f"impactlib {__version__}",),
            )

    @property
    def schema_version(self) -> int:
        """The schema version of the open store (``PRAGMA user_version``)."""
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes in one ``BEGIN IMMEDIATE`` transaction (all or nothing).

        Store methods called inside join the outer transaction.  A failure (or a
        killed process) rolls the whole block back.

        Raises
        ------
        StoreLockedError
            When another writer holds the lock longer than ``timeout``.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self._con
            finally:
                self._depth -= 1
            return
        try:
            self._con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._locked(exc) from None
            raise
        self._depth = 1
        try:
            yield self._con
        except BaseException:
            self._depth = 0
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            try:
                self._con.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._con.in_transaction:
                    self._con.execute("ROLLBACK")
                if "locked" in str(exc) or "busy" in str(exc):
                    raise self._locked(exc) from None
                raise

    def close(self) -> None:
        """Close the connection (idempotent)."""
        con = getattr(self, "_con", None)
        if con is not None:
            con.close()
            self._con = None  # type: ignore[assignment]

    def __enter__(self) -> "CodingStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CodingStore({str(self.path)!r})"

    def integrity_check(self) -> str:
        """Run ``PRAGMA integrity_check``; returns ``'ok'`` for a sound file."""
        return str(self._con.execute("PRAGMA integrity_check").fetchone()[0])

    # ------------------------------------------------------------------ codebooks
    def register_codebook(self, codebook: Any) -> str:
        """Record a codebook version (idempotent) and return its version string.

        Raises
        ------
        StoreError
            When the version is already registered with different content.
        """
        version = str(codebook.version)
        fingerprint = codebook.fingerprint()
        with self.transaction():
            row = self._con.execute(
                "SELECT fingerprint FROM codebook_versions WHERE version = ?", (version,)
            ).fetchone()
            if row is None:
                self._con.execute(
                    "INSERT INTO codebook_versions(version, fingerprint, codebook_json, registered_at) "
                    "VALUES (?, ?, ?, ?)",
                    (version, fingerprint, json.dumps(codebook.to_dict(), ensure_ascii=False), _now()),
                )
            elif row[0] != fingerprint:
                raise StoreError(
                    f"{self.path}: codebook version {version!r} is already registered with different "
                    f"content (fingerprint {row[0][:12]}…, yours {fingerprint[:12]}…); give the "
                    "changed codebook a new 'version' so existing codes keep their meaning"
                )
        self._codebooks[version] = codebook
        return version

    def codebook_versions(self) -> list[str]:
        """Registered codebook versions, oldest first."""
        return [r[0] for r in self._con.execute("SELECT version FROM codebook_versions ORDER BY rowid")]

    def codebook(self, version: str | None = None) -> Any:
        """The registered :class:`~impactlib.codebook.Codebook` of ``version`` (default: latest)."""
        if version is None:
            versions = self.codebook_versions()
            if not versions:
                raise StoreError(
                    f"{self.path}: no codebook registered; call store.register_codebook(load_codebook()) first"
                )
            version = versions[-1]
        version = str(version)
        if version not in self._codebooks:
            row = self._con.execute(
                "SELECT codebook_json FROM codebook_versions WHERE version = ?", (version,)
            ).fetchone()
            if row is None:
                raise StoreError(
                    f"{self.path}: codebook version {version!r} is not registered; registered: "
                    f"{', '.join(self.codebook_versions()) or 'none'}; register it first"
                )
            from impactlib.codebook import codebook_from_dict

            self._codebooks[version] = codebook_from_dict(json.loads(row[0]), source=f"codebook {version}")
        return self._codebooks[version]

    def _value_problem(self, version: str, dimension: str, value: str) -> tuple[str, str, str | None]:
        """Resolve ``value`` (key or Dutch label) of ``dimension`` in codebook ``version``.

        Returns ``(column, message, key)``: ``message`` is ``""`` and ``key`` the stored key
        when the value is allowed; otherwise ``column`` names the bad column.
        """
        cb = self.codebook(version)
        if dimension == "theme":
            values = cb.themes
        elif dimension in cb.dimensions:
            values = cb.dimensions[dimension].values
        else:
            allowed = ", ".join([*cb.dimensions, "theme"])
            return ("dimension", f"{dimension!r} is not a dimension of codebook {version}; use one of {allowed}", None)
        try:
            return ("value", "", cb.resolve(dimension, value))
        except ValueError:
            keys = list(values)
            use = " or ".join(keys) if len(keys) <= 2 else "one of " + ", ".join(keys)
            labels = ", ".join(c.label for c in values.values() if c.label not in keys)
            if labels:
                use += f" (Dutch labels {labels} are accepted too)"
            return ("value", f"{value!r} is not a value of {dimension}; use {use}", None)

    # ------------------------------------------------------------------ stories, coders
    def add_stories(self, stories: pd.DataFrame) -> int:
        """Add stories (``story_id``, ``text`` and any attributes); returns the number added.

        Stories already in the store with the same text are skipped.  Other columns are
        kept as JSON attributes (case variables).

        Raises
        ------
        StoreError
            When a ``story_id`` is already stored with a different text (codes' spans
            point into the stored text) or required columns are missing.
        """
        missing = [c for c in ("story_id", "text") if c not in stories.columns]
        if missing:
            raise StoreError(
                f"stories: missing column(s) {', '.join(missing)}; found: {', '.join(map(str, stories.columns))}"
            )
        src = stories.attrs.get("source", "stories")
        attr_cols = [c for c in stories.columns if c not in ("story_id", "text")]
        rows = []
        seen: dict[str, str] = {}
        problems: list[Problem] = []
        for i, rec in enumerate(stories.to_dict("records")):
            sid = rec["story_id"]
            if _is_missing(sid):
                problems.append(Problem(src, i + 2, "story_id", sid, "column 'story_id' is empty; fill it"))
                continue
            sid = str(sid).strip()
            text = "" if _is_missing(rec["text"]) and not isinstance(rec["text"], str) else str(rec["text"])
            sha = _sha256(text)
            if sid in seen:
                if seen[sid] != sha:
                    problems.append(Problem(src, i + 2, "story_id", sid,
                                            f"story_id {sid!r} occurs twice with different texts; make the ids unique"))
                continue
            seen[sid] = sha
            attrs = {str(c): _jsonable(rec[c]) for c in attr_cols}
            rows.append((sid, text, sha, json.dumps(attrs, ensure_ascii=False), _now()))
        if problems:
            raise ValidationError(problems, f"{src}: {len(problems)} problem(s); nothing was added")
        with self.transaction():
            existing = dict(self._con.execute("SELECT story_id, text_sha256 FROM stories"))
            changed = [r[0] for r in rows if r[0] in existing and existing[r[0]] != r[2]]
            if changed:
                shown = ", ".join(changed[:20]) + (" …" if len(changed) > 20 else "")
                raise StoreError(
                    f"{self.path}: {len(changed)} story id(s) already in the store with a different text: "
                    f"{shown}; stored codes point into the old text, so give changed stories a new "
                    "story_id (or use a new store); nothing was added"
                )
            new = [r for r in rows if r[0] not in existing]
            self._con.executemany(
                "INSERT INTO stories(story_id, text, text_sha256, attributes, added_at) VALUES (?, ?, ?, ?, ?)",
                new,
            )
        return len(new)

    def stories(self, story_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Stored stories as a DataFrame (``story_id``, ``text`` and their attributes)."""
        sql = "SELECT story_id, text, attributes FROM stories"
        if story_ids is not None:
            ids = list(story_ids)
            rows = []
            for k in range(0, len(ids), 500):
                chunk = ids[k : k + 500]
                rows += self._con.execute(sql + f" WHERE story_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        else:
            rows = self._con.execute(sql + " ORDER BY rowid").fetchall()
        recs = [{"story_id": r[0], "text": r[1], **json.loads(r[2])} for r in rows]
        return pd.DataFrame(recs, columns=None if recs else ["story_id", "text"])

    def story_text(self, story_id: str) -> str:
        """The stored text of one story."""
        row = self._con.execute("SELECT text FROM stories WHERE story_id = ?", (story_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: story_id {story_id!r} is not in the store; add_stories() first")
        return row[0]

    def coders(self) -> pd.DataFrame:
        """Known coders with their kind (human/machine) and when they were first seen."""
        return pd.read_sql_query("SELECT coder, kind, added_at FROM coders ORDER BY added_at", self._con)

    def _ensure_coder(self, coder: Any, kind: str = "human") -> str:
        if _is_missing(coder) or not isinstance(coder, str):
            raise StoreError(f"coder {coder!r} is not a name; give the coder's name, e.g. coder='coder_a'")
        coder = coder.strip()
        self._con.execute(
            "INSERT OR IGNORE INTO coders(coder, kind, added_at) VALUES (?, ?, ?)", (coder, kind, _now())
        )
        return coder

    # ------------------------------------------------------------------ reading
    def _fetch(self, coding_id: int) -> dict[str, Any]:
        cur = self._con.execute(f"SELECT {_CODING_COLS} FROM codings WHERE id = ?", (int(coding_id),))
        row = cur.fetchone()
        if row is None:
            raise StoreError(
                f"{self.path}: coding id {coding_id} is not in the store; look ids up with "
                "store.current() or store.queue()"
            )
        return dict(zip([d[0] for d in cur.description], row))

    def _latest(self, story_id: str, start: Any, end: Any, dimension: str, coder: str) -> dict[str, Any] | None:
        cur = self._con.execute(
            f"SELECT {_CODING_COLS} FROM codings WHERE story_id = ? AND dimension = ? AND coder = ? "
            "AND start IS ? AND \"end\" IS ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (story_id, dimension, coder, start, end),
        )
        row = cur.fetchone()
        return None if row is None else dict(zip([d[0] for d in cur.description], row))

    @staticmethod
    def _frame(cur: sqlite3.Cursor, extra: bool) -> pd.DataFrame:
        cols = [d[0] for d in cur.description]
        df = pd.DataFrame.from_records(cur.fetchall(), columns=cols, coerce_float=False)
        df = df.rename(columns={"id": "coding_id"}).set_index("coding_id")
        for c in ("start", "end", "supersedes"):
            if c in df:
                df[c] = pd.to_numeric(df[c]).astype("Int64")
        df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype("float64")
        keep = list(CODE_COLUMNS) + (["supersedes", "evidence"] if extra else [])
        return df[keep]

    def current(
        self,
        level: str | None = None,
        status: str | Sequence[str] | None = None,
        *,
        coder: str | Sequence[str] | None = None,
        dimension: str | Sequence[str] | None = None,
        story_id: str | Sequence[str] | None = None,
        extra: bool = False,
    ) -> pd.DataFrame:
        """The current codes: the latest event per (story, span, dimension, coder).

        Parameters
        ----------
        level : {'story', 'segment', None}
            Whole-story codes (``start`` is NA), span codes, or both.
        status, coder, dimension, story_id : str or list, optional
            Filters.
        extra : bool
            Also return ``supersedes`` and ``evidence``.

        Returns
        -------
        DataFrame
            The canonical codes table (index ``coding_id``).
        """
        where, params = [], []
        if level == "story":
            where.append("c.start IS NULL")
        elif level == "segment":
            where.append("c.start IS NOT NULL")
        elif level is not None:
            raise StoreError(f"level {level!r} is not allowed; use 'story', 'segment' or None")
        for col, val in (("status", status), ("coder", coder), ("dimension", dimension), ("story_id", story_id)):
            if val is None:
                continue
            vals = [val] if isinstance(val, str) else list(val)
            if col == "status":
                bad = [v for v in vals if v not in STATUSES]
                if bad:
                    raise StoreError(f"status {bad[0]!r} is not allowed; use one of {', '.join(STATUSES)}")
            where.append(f"c.{col} IN ({','.join('?' * len(vals))})")
            params += vals
        cols = _CODING_COLS if extra else _CODING_COLS.replace(", supersedes, evidence", "")
        names = [x.strip() for x in cols.split(",")]
        frm = " FROM latest l JOIN codings c ON c.id = l.coding_id"
        if where:
            frm += " WHERE " + " AND ".join(where)
        fast = self._frame_columns(names, frm, params, extra)
        if fast is not None:
            return fast
        sql = f"SELECT {', '.join('c.' + x for x in names)}{frm} ORDER BY l.coding_id"
        return self._frame(self._con.execute(sql, params), extra)

    def _frame_columns(self, names: list[str], frm: str, params: list, extra: bool) -> pd.DataFrame | None:
        """:meth:`_frame` of ``SELECT names frm``, read column-wise (one JSON array per column).

        Fetching 900k rows cell by cell through :mod:`sqlite3` costs seconds; SQLite builds
        one JSON array per column in C instead.  Reals are passed as ``%!.17g`` text (JSON
        would round them to 15 digits).  Returns ``None`` (use the row-wise path) when the
        result is empty or a column holds something the row-wise path would read differently.
        """
        sel = []
        for n in names:
            if n == "confidence":
                sel.append("json_group_array(CASE WHEN typeof(c.confidence) IN ('real', 'integer') "
                           "THEN printf('%!.17g', c.confidence) END)")
            else:
                sel.append(f"json_group_array(c.{n})")
        try:
            row = self._con.execute(f"SELECT count(*), {', '.join(sel)}{frm}", params).fetchone()
        except sqlite3.OperationalError:  # e.g. a BLOB (JSON cannot hold it)
            return None
        if not row[0]:
            return None
        cols: dict[str, Any] = {}
        try:
            for n, text in zip(names, row[1:]):
                key = n.strip('"')
                values = json.loads(text)
                if n == "confidence":
                    cols[key] = np.array(values, dtype=np.float64)
                elif n == "id":
                    cols[key] = np.array(values, dtype=np.int64)
                elif key in ("start", "end", "supersedes"):
                    cols[key] = pd.array(np.array(values, dtype=np.float64)).astype("Int64")
                else:
                    # TEXT affinity: SQLite stores every non-NULL, non-BLOB value as text
                    arr = np.empty(len(values), dtype=object)
                    arr[:] = values
                    cols[key] = arr
        except (TypeError, ValueError):  # e.g. text in an INTEGER column: the row-wise reader decides
            return None
        order = np.argsort(cols["id"], kind="stable")
        if not (order == np.arange(len(order))).all():
            cols = {c: v[order] for c, v in cols.items()}
        index = pd.Index(cols.pop("id"), name="coding_id")
        df = pd.DataFrame(cols, index=index)
        keep = list(CODE_COLUMNS) + (["supersedes", "evidence"] if extra else [])
        return df[keep]

    def rebuild_latest(self) -> int:
        """Recompute the ``latest`` table (the current event per key) from the history.

        ``latest`` is kept up to date by a trigger in the transaction of every insert;
        this is for repair only (e.g. after the file was edited by other tools).
        Returns the number of current events.
        """
        with self.transaction():
            self._con.execute("DELETE FROM latest")
            self._con.execute(_LATEST_FILL)
            return int(self._con.execute("SELECT count(*) FROM latest").fetchone()[0])

    def history(self, story_id: str | None = None, *, coder: str | None = None) -> pd.DataFrame:
        """Every event, oldest first (index ``coding_id``; with ``supersedes`` and ``evidence``)."""
        where, params = [], []
        if story_id is not None:
            where.append("story_id = ?")
            params.append(story_id)
        if coder is not None:
            where.append("coder = ?")
            params.append(coder)
        sql = f"SELECT {_CODING_COLS} FROM codings"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._frame(self._con.execute(sql + " ORDER BY id", params), True)

    def queue(self, coder: str | None = None, order: str = "least_certain", *,
              dimension: str | None = None) -> pd.DataFrame:
        """Stories with suggestions still to review, in review order.

        Parameters
        ----------
        coder : str, optional
            The reviewing coder: suggestions *this* coder has not decided yet.  ``None``:
            suggestions no human has decided yet.
        order : {'least_certain', 'story_id', 'added'}
            ``least_certain``: lowest suggestion confidence first (active learning);
            stories without confidences come last, in the order they were added.
        dimension : str, optional
            Only suggestions of this dimension.

        Returns
        -------
        DataFrame
            ``story_id``, ``open`` (undecided suggestions), ``min_confidence``.
        """
        orders = {
            "least_certain": "min_confidence IS NULL, min_confidence, first_id",
            "story_id": "story_id",
            "added": "first_id",
        }
        if order not in orders:
            raise StoreError(f"order {order!r} is not allowed; use one of {', '.join(orders)}")
        where = ["s.status = 'suggested'"]
        params: list[Any] = []
        if coder is not None:
            where.append("s.coder != ?")
            params.append(coder)
            decided_by, dparams = "d.coder = ?", [coder]
        else:
            decided_by, dparams = "d.coder != s.coder AND d.status != 'suggested'", []
        if dimension:
            where.append("s.dimension = ?")
            params.append(dimension)
        sql = f"""
            SELECT s.story_id, COUNT(*) AS open, MIN(s.confidence) AS min_confidence, MIN(s.id) AS first_id
            FROM current_codings s
            WHERE {' AND '.join(where)}
              AND NOT EXISTS (
                SELECT 1 FROM codings d
                WHERE d.story_id = s.story_id AND d.dimension = s.dimension AND {decided_by}
                  AND d.start IS s.start AND d."end" IS s."end")
            GROUP BY s.story_id
            ORDER BY {orders[order]}"""
        df = pd.read_sql_query(sql, self._con, params=params + dparams)
        return df[["story_id", "open", "min_confidence"]]

    def suggestions(self, story_id: str, *, coder: str | None = None) -> pd.DataFrame:
        """Current machine suggestions of one story, with this coder's decision (if any).

        Returns the suggestion rows (index ``coding_id``; with ``evidence``) plus
        ``decision_id``, ``decision_status`` and ``decision_value`` of ``coder``.
        """
        df = self.current(story_id=story_id, status="suggested", extra=True)
        if coder is not None:
            df = df[df["coder"] != coder]
        dec_id, dec_status, dec_value = [], [], []
        for _, r in df.iterrows():
            d = None
            if coder is not None:
                d = self._latest(r["story_id"], _none(r["start"]), _none(r["end"]), r["dimension"], coder)
            dec_id.append(d["id"] if d else pd.NA)
            dec_status.append(d["status"] if d else None)
            dec_value.append(d["value"] if d else None)
        df = df.copy()
        df["decision_id"] = pd.array(dec_id, dtype="Int64")
        df["decision_status"] = dec_status
        df["decision_value"] = dec_value
        return df

    # ------------------------------------------------------------------ writing single events
    def _insert(self, ev: Mapping[str, Any]) -> int:
        cur = self._con.execute(
            "INSERT INTO codings(story_id, start, \"end\", dimension, value, coder, source, status, "
            "confidence, codebook_version, created_at, memo, supersedes, evidence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ev["story_id"], ev.get("start"), ev.get("end"), ev["dimension"], ev.get("value"),
                ev["coder"], ev["source"], ev["status"], ev.get("confidence"), ev["codebook_version"],
                ev.get("created_at") or _now(), ev.get("memo"), ev.get("supersedes"), ev.get("evidence"),
            ),
        )
        return int(cur.lastrowid)

    def _decide(self, coding_id: int, coder: str, status: str, value: Any = None, memo: str | None = None) -> int:
        with self.transaction():
            base = self._fetch(coding_id)
            coder = self._ensure_coder(coder)
            if status == "edited":
                _, msg, key = self._value_problem(base["codebook_version"], base["dimension"], value)
                if msg:
                    raise StoreError(f"coding {coding_id}: {msg}; nothing was written")
                value = key
                if value == base["value"]:
                    status = "accepted"
            else:
                value = base["value"]
            latest = self._latest(base["story_id"], base["start"], base["end"], base["dimension"], coder)
            if latest is not None and latest["status"] == status and latest["value"] == value and (
                memo is None or latest["memo"] == memo
            ):
                return int(latest["id"])  # the coder's decision already stands: nothing to append
            source = "human" if status == "edited" else base["source"]
            return self._insert(
                {
                    **base,
                    "value": value,
                    "coder": coder,
                    "source": source,
                    "status": status,
                    "created_at": _now(),
                    "memo": memo,
                    "supersedes": int(base["id"]),
                }
            )

    def accept(self, coding_id: int, coder: str, memo: str | None = None) -> int:
        """Accept a suggestion (or another coder's code) as ``coder``; returns the new event id.

        The new event copies the value, span, confidence and source (``rules``/``model``:
        where the value came from) and points at ``coding_id`` (``supersedes``).  When the
        coder's current decision already is this one, nothing is appended and its id is
        returned.
        """
        return self._decide(coding_id, coder, "accepted", memo=memo)

    def reject(self, coding_id: int, coder: str, memo: str | None = None) -> int:
        """Reject a suggestion as ``coder`` (the rejected value is kept); returns the event id."""
        return self._decide(coding_id, coder, "rejected", memo=memo)

    def edit(self, coding_id: int, coder: str, value: str, memo: str | None = None) -> int:
        """Replace a suggestion's value by ``value`` (checked against the codebook; source 'human').

        Raises
        ------
        StoreError
            When ``value`` is not a value of the dimension in that codebook version.
        """
        return self._decide(coding_id, coder, "edited", value=value, memo=memo)

    def record(
        self,
        story_id: str,
        dimension: str,
        value: str,
        coder: str,
        *,
        start: int | None = None,
        end: int | None = None,
        status: str = "accepted",
        confidence: float | None = None,
        memo: str | None = None,
        codebook_version: str | None = None,
    ) -> int:
        """Record a human code directly (no suggestion); returns the event id."""
        df = pd.DataFrame(
            [{"story_id": story_id, "start": start, "end": end, "dimension": dimension, "value": value,
              "coder": coder, "source": "human", "status": status, "confidence": confidence,
              "codebook_version": codebook_version, "memo": memo}]
        )
        df.attrs["source"] = "record()"
        rows = self._validate_codes(df, default_version=codebook_version)
        with self.transaction():
            self._ensure_coder(rows[0]["coder"])
            latest = self._latest(story_id, start, end, rows[0]["dimension"], rows[0]["coder"])
            if latest is not None:
                rows[0]["supersedes"] = int(latest["id"])
            return self._insert(rows[0])

    # ------------------------------------------------------------------ validation of code rows
    def _validate_codes(
        self,
        df: pd.DataFrame,
        *,
        default_version: str | None = None,
        defaults: Mapping[str, Any] | None = None,
        lines: Sequence[int] | None = None,
    ) -> list[dict[str, Any]]:
        """Check every row of a long codes table; return clean event dicts or raise ValidationError."""
        src = str(df.attrs.get("source", "codes"))
        defaults = dict(defaults or {})
        problems: list[Problem] = []
        versions = set(self.codebook_versions())
        if default_version is None and versions:
            default_version = self.codebook_versions()[-1]
        lengths = dict(self._con.execute("SELECT story_id, length(text) FROM stories"))
        unknown_ids: dict[str, list[int]] = {}
        if lines is None:
            lines = _source_lines(df)
        out = []
        for (i, rec), line in zip(enumerate(df.to_dict("records")), lines):
            ev: dict[str, Any] = {}
            bad = False

            def get(col: str) -> Any:
                v = rec.get(col, None)
                if _is_missing(v):
                    v = defaults.get(col)
                return None if _is_missing(v) else (unneutralise(v) if isinstance(v, str) else v)

            def problem(col: str, value: Any, msg: str) -> None:
                nonlocal bad
                bad = True
                problems.append(Problem(src, line, col, value, msg))

            sid = get("story_id")
            if sid is None:
                problem("story_id", None, "column 'story_id' is empty; give the story's id")
            else:
                sid = str(sid).strip()
                if sid not in lengths:
                    unknown_ids.setdefault(sid, []).append(line)
                    bad = True
            ev["story_id"] = sid
            for col in ("start", "end"):
                v = get(col)
                if v is not None:
                    try:
                        fv = float(v)
                        if not fv.is_integer() or fv < 0:
                            raise ValueError
                        v = int(fv)
                    except (TypeError, ValueError):
                        problem(col, v, f"column {col!r}: {v!r} is not a character position; use a whole number ≥ 0 or leave it empty for the whole story")
                        v = None
                ev[col] = v
            if (ev["start"] is None) != (ev["end"] is None) and not bad:
                problem("end" if ev["end"] is None else "start", None,
                        "give both 'start' and 'end' for a span, or neither for the whole story")
            elif ev["start"] is not None and sid in lengths and not bad:
                if not ev["start"] < ev["end"] <= lengths[sid]:
                    problem("end", ev["end"],
                            f"span {ev['start']}..{ev['end']} does not fit story {sid!r} "
                            f"({lengths[sid]} characters); need 0 ≤ start < end ≤ {lengths[sid]}")
            version = get("codebook_version")
            version = default_version if version is None else str(version).strip()
            if version is None:
                problem("codebook_version", None,
                        "no codebook registered in the store; call register_codebook() first")
            elif version not in versions:
                problem("codebook_version", version,
                        f"codebook version {version!r} is not registered in the store; registered: "
                        f"{', '.join(sorted(versions)) or 'none'}; register that codebook first")
            ev["codebook_version"] = version
            dim = get("dimension")
            value = get("value")
            dim = None if dim is None else str(dim).strip()
            value = None if value is None else str(value).strip()
            if dim is None:
                problem("dimension", None, "column 'dimension' is empty; give e.g. valence")
            elif value is None:
                problem("value", None, f"column 'value' is empty for dimension {dim!r}; give a value of the codebook")
            elif version in versions:
                col, msg, key = self._value_problem(version, dim, value)  # Dutch labels -> keys
                if msg:
                    problem(col, dim if col == "dimension" else value, f"column {col!r}: {msg}")
                else:
                    value = key
            ev["dimension"], ev["value"] = dim, value
            coder = get("coder")
            if coder is None or not str(coder).strip():
                problem("coder", None, "column 'coder' is empty; every code needs its coder's name")
            ev["coder"] = None if coder is None else str(coder).strip()
            for col, allowed in (("source", SOURCES), ("status", STATUSES)):
                v = get(col)
                v = None if v is None else str(v).strip().lower()
                if v not in allowed:
                    problem(col, v, f"column {col!r}: {v!r} is not allowed; use one of {', '.join(allowed)}")
                ev[col] = v
            conf = get("confidence")
            if conf is not None:
                try:
                    conf = float(str(conf).replace(",", "."))
                    if not 0.0 <= conf <= 1.0:
                        raise ValueError
                except ValueError:
                    problem("confidence", conf, f"column 'confidence': {conf!r} is not a number between 0 and 1")
                    conf = None
            ev["confidence"] = conf
            created = get("created_at")
            try:
                ev["created_at"] = _iso_utc(created) or _now()
            except (ValueError, TypeError):
                problem("created_at", created, f"column 'created_at': {created!r} is not a date-time; use ISO 8601, e.g. 2025-03-01T10:00:00Z")
            memo = get("memo")
            ev["memo"] = None if memo is None else str(memo)
            ev["evidence"] = get("evidence")
            if not bad:
                out.append(ev)
        if unknown_ids:
            for sid, where in unknown_ids.items():
                shown = ", ".join(map(str, where[:10])) + (" …" if len(where) > 10 else "")
                problems.append(Problem(src, where[0], "story_id", sid,
                                        f"story_id {sid!r} is not in the store (line(s) {shown}); "
                                        "add the story with add_stories() or fix the id"))
        if problems:
            n_ids = len(unknown_ids)
            head = f"{src}: {len(problems)} problem(s); nothing was written"
            if n_ids:
                ids = ", ".join(list(unknown_ids)[:20]) + (" …" if n_ids > 20 else "")
                head += f" (unknown story ids: {ids})"
            raise ValidationError(problems, head)
        return out

    # ------------------------------------------------------------------ bulk writing
    def _bulk_insert(self, events: list[dict[str, Any]], *, skip: str) -> tuple[list[int], int]:
        """Append events skipping duplicates.

        ``skip='exact'``: skip events identical to one already stored (import/merge);
        ``skip='current'``: skip events whose coder's current event for the key has the
        same value and status (re-running the tagger).  Sets ``supersedes`` to the coder's
        previous current event.  Must run inside a transaction.
        """
        con = self._con
        con.execute("DROP TABLE IF EXISTS temp._incoming")
        con.execute(
            "CREATE TEMP TABLE _incoming(n INTEGER PRIMARY KEY, story_id TEXT, start INTEGER, \"end\" INTEGER, "
            "dimension TEXT, value TEXT, coder TEXT, source TEXT, status TEXT, confidence REAL, "
            "codebook_version TEXT, created_at TEXT, memo TEXT, evidence TEXT)"
        )
        con.execute("CREATE INDEX temp._incoming_key ON _incoming(story_id, dimension, coder)")
        con.executemany(
            "INSERT INTO temp._incoming(story_id, start, \"end\", dimension, value, coder, source, status, "
            "confidence, codebook_version, created_at, memo, evidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (e["story_id"], e.get("start"), e.get("end"), e["dimension"], e["value"], e["coder"], e["source"],
                 e["status"], e.get("confidence"), e["codebook_version"], e.get("created_at") or _now(),
                 e.get("memo"), e.get("evidence"))
                for e in events
            ],
        )
        for coder, source in {(e["coder"], e["source"]) for e in events}:
            self._ensure_coder(coder, "human" if source == "human" else "machine")
        key = ("c.story_id = i.story_id AND c.dimension = i.dimension AND c.coder = i.coder "
               "AND c.start IS i.start AND c.\"end\" IS i.\"end\"")
        if skip == "exact":
            dup = (f"EXISTS (SELECT 1 FROM main.codings c WHERE {key} AND c.created_at = i.created_at "
                   "AND c.value IS i.value AND c.status = i.status AND c.source = i.source "
                   "AND c.codebook_version = i.codebook_version AND c.memo IS i.memo)")
        else:
            dup = (f"EXISTS (SELECT 1 FROM (SELECT c.value, c.status FROM main.codings c WHERE {key} "
                   "ORDER BY c.created_at DESC, c.id DESC LIMIT 1) l "
                   "WHERE l.value IS i.value AND l.status = i.status)")
        # also skip repeats inside the incoming batch itself
        first = ("i.n = (SELECT MIN(j.n) FROM temp._incoming j WHERE j.story_id = i.story_id AND "
                 "j.dimension = i.dimension AND j.coder = i.coder AND j.start IS i.start AND j.\"end\" IS i.\"end\" "
                 "AND j.value IS i.value AND j.status = i.status AND j.created_at = i.created_at)")
        prev = (f"(SELECT c.id FROM main.codings c WHERE {key} ORDER BY c.created_at DESC, c.id DESC LIMIT 1)")
        before = con.execute("SELECT COALESCE(MAX(id), 0) FROM main.codings").fetchone()[0]
        con.execute(
            "INSERT INTO main.codings(story_id, start, \"end\", dimension, value, coder, source, status, "
            "confidence, codebook_version, created_at, memo, supersedes, evidence) "
            f"SELECT i.story_id, i.start, i.\"end\", i.dimension, i.value, i.coder, i.source, i.status, "
            f"i.confidence, i.codebook_version, i.created_at, i.memo, {prev}, i.evidence "
            f"FROM temp._incoming i WHERE NOT {dup} AND {first} ORDER BY i.n"
        )
        ids = [r[0] for r in con.execute("SELECT id FROM main.codings WHERE id > ? ORDER BY id", (before,))]
        con.execute("DROP TABLE temp._incoming")
        return ids, len(events) - len(ids)

    def add_suggestions(
        self,
        rows: pd.DataFrame | Iterable[Mapping[str, Any]],
        coder: str = MACHINE_CODER,
        source: str = "rules",
        *,
        codebook_version: str | None = None,
    ) -> list[int]:
        """Store machine suggestions; returns the ids of the new events.

        ``rows`` is the tagger's output (story rows or segment rows with a column per
        dimension, ``<dimension>_confidence`` and ``evidence``) or a long codes table
        (``dimension``/``value``).  Empty values (no effect found) are skipped.  A
        suggestion identical to this coder's current one for the same span is skipped,
        so re-running the tagger appends only what changed.

        Raises
        ------
        ValidationError
            Listing every bad row (unknown story ids, values outside the codebook, …);
            nothing is written then.
        """
        if source not in ("rules", "model"):
            raise StoreError(f"source {source!r} is not allowed for suggestions; use 'rules' or 'model'")
        df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        src = df.attrs.get("source", "suggestions")
        if df.empty:
            return []
        if "dimension" in df.columns:
            long, lines = df.copy(), _source_lines(df)
        else:
            cb = self.codebook(codebook_version)
            if not any(d in df.columns for d in cb.dimensions):
                raise StoreError(
                    f"{src}: no dimension columns found; expected one of {', '.join(cb.dimensions)} "
                    f"(or a long table with 'dimension' and 'value'); found: {', '.join(map(str, df.columns))}"
                )
            long, lines = _wide_to_long(df, list(cb.dimensions), _source_lines(df))
            if long.empty:
                return []
        long.attrs["source"] = src
        events = self._validate_codes(
            long,
            default_version=codebook_version,
            defaults={"coder": coder, "source": source, "status": "suggested"},
            lines=lines,
        )
        for e in events:
            e["coder"], e["source"], e["status"] = coder, source, "suggested"
            if not isinstance(e.get("evidence"), str) and e.get("evidence") is not None:
                e["evidence"] = json.dumps(_jsonable(e["evidence"]), ensure_ascii=False)
        with self.transaction():
            ids, _ = self._bulk_insert(events, skip="current")
        return ids

    def import_codes(
        self,
        codes: pd.DataFrame | str | os.PathLike,
        *,
        coder: str | None = None,
        source: str = "human",
        status: str = "accepted",
        codebook_version: str | None = None,
        sheet: str | int | None = None,
    ) -> ImportSummary:
        """Import a codes table (DataFrame, CSV or XLSX) into the history.

        Missing columns take the defaults given here (``coder``, ``source``, ``status``,
        ``codebook_version`` — default the latest registered — and ``created_at`` = now).
        Dutch labels are accepted as values and stored as keys.  Exact duplicates of
        stored events are skipped, so importing a file twice adds nothing.

        Raises
        ------
        ValidationError
            Listing **every** bad row: file, line, column, value and what is allowed
            (values outside the codebook, unknown story ids, bad spans, …).  Nothing is
            written then.
        """
        df = _read_codes(codes, sheet=sheet) if not isinstance(codes, pd.DataFrame) else codes
        src = df.attrs.get("source", "codes")
        lines = _source_lines(df)
        if "story_id" not in df.columns:
            raise StoreError(f"{src}: not a codes table; needs a story_id column (found: {', '.join(map(str, df.columns))})")
        if "dimension" not in df.columns:
            cb = self.codebook(codebook_version)
            if not any(d in df.columns for d in cb.dimensions):
                raise StoreError(
                    f"{src}: not a codes table; needs columns dimension and value, or a column per dimension "
                    f"({', '.join(cb.dimensions)}); found: {', '.join(map(str, df.columns))}"
                )
            df, lines = _wide_to_long(df, list(cb.dimensions), lines)
            if df.empty:
                return ImportSummary(0, 0)
        events = self._validate_codes(
            df,
            default_version=codebook_version,
            defaults={"coder": coder, "source": source, "status": status},
            lines=lines,
        )
        with self.transaction():
            ids, skipped = self._bulk_insert(events, skip="exact")
        return ImportSummary(len(ids), skipped)

    # ------------------------------------------------------------------ export
    def export_codes(
        self,
        path: str | os.PathLike,
        *,
        history: bool = False,
        level: str | None = None,
        status: str | Sequence[str] | None = None,
        coder: str | Sequence[str] | None = None,
    ) -> Path:
        """Write the current codes (or the full ``history``) to CSV or XLSX (by extension).

        Text cells that a spreadsheet would evaluate (starting with ``= + - @``, tab or
        CR) are prefixed with ``'`` (formula injection); :meth:`import_codes` strips it
        again.  XLSX files get an ``info`` sheet saying what they contain.
        """
        path = Path(path)
        df = self.history() if history else self.current(level=level, status=status, coder=coder, extra=True)
        df = df.reset_index()
        cols = ["coding_id", *CODE_COLUMNS, "supersedes", "evidence"]
        df = df[cols]
        write_table(df, path, sheet="codes", info={
            "inhoud": "impactlib codes table: " + ("full history (every event)" if history else "current codes"),
            "store": self.path.name,
            "rows": len(df),
            "exported_at": _now(),
            "privacy": "contains coder names and codes, no story texts",
            "formulas": "text cells starting with = + - @ are prefixed with ' (formula injection)",
        })
        return path

    # ------------------------------------------------------------------ merge
    def merge(self, other: "CodingStore | str | os.PathLike") -> ImportSummary:
        """Merge another coder's store (or a codes CSV/XLSX export) into this store.

        Stories, codebook versions and coders missing here are copied; every coding
        event is appended with its coder, time and status kept, except exact duplicates
        of events already here.  ``supersedes`` links are re-pointed to this store's ids.

        Raises
        ------
        StoreError
            When a story id has a different text, or a codebook version different content,
            in the two stores; nothing is written then.
        """
        if isinstance(other, (str, os.PathLike)) and Path(other).suffix.lower() in (".csv", ".xlsx", ".tsv", ".txt"):
            return self.import_codes(other)
        opened = not isinstance(other, CodingStore)
        store = CodingStore(other, timeout=self.timeout) if opened else other
        try:
            if store.path.resolve() == self.path.resolve():
                raise StoreError(f"{self.path}: cannot merge a store into itself")
            o = store._con
            with self.transaction():
                con = self._con
                # stories
                mine = dict(con.execute("SELECT story_id, text_sha256 FROM stories"))
                theirs = o.execute("SELECT story_id, text, text_sha256, attributes, added_at FROM stories").fetchall()
                clash = [r[0] for r in theirs if r[0] in mine and mine[r[0]] != r[2]]
                if clash:
                    raise StoreError(
                        f"{store.path}: {len(clash)} story id(s) have a different text than in {self.path.name}: "
                        f"{', '.join(clash[:20])}; the codes would point at other characters. "
                        "Give changed stories new ids; nothing was merged"
                    )
                new_stories = [r for r in theirs if r[0] not in mine]
                con.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?)", new_stories)
                # codebooks
                mine_cb = dict(con.execute("SELECT version, fingerprint FROM codebook_versions"))
                for v, fp, js, at in o.execute(
                    "SELECT version, fingerprint, codebook_json, registered_at FROM codebook_versions ORDER BY rowid"
                ):
                    if v in mine_cb and mine_cb[v] != fp:
                        raise StoreError(
                            f"{store.path}: codebook version {v!r} has different content than in {self.path.name}; "
                            "one of the two codebooks must get a new version; nothing was merged"
                        )
                    if v not in mine_cb:
                        con.execute("INSERT INTO codebook_versions VALUES (?, ?, ?, ?)", (v, fp, js, at))
                con.executemany(
                    "INSERT OR IGNORE INTO coders(coder, kind, added_at) VALUES (?, ?, ?)",
                    o.execute("SELECT coder, kind, added_at FROM coders").fetchall(),
                )
                # codings, oldest first; map their ids to ours
                idmap: dict[int, int] = {}
                inserted = skipped = 0
                cur = o.execute(f"SELECT {_CODING_COLS} FROM codings ORDER BY id")
                names = [d[0] for d in cur.description]
                for row in cur:
                    ev = dict(zip(names, row))
                    found = con.execute(
                        "SELECT id FROM codings WHERE story_id = ? AND dimension = ? AND coder = ? AND start IS ? "
                        "AND \"end\" IS ? AND created_at = ? AND value IS ? AND status = ? AND source = ? "
                        "AND codebook_version = ? AND memo IS ? ORDER BY id LIMIT 1",
                        (ev["story_id"], ev["dimension"], ev["coder"], ev["start"], ev["end"], ev["created_at"],
                         ev["value"], ev["status"], ev["source"], ev["codebook_version"], ev["memo"]),
                    ).fetchone()
                    if found:
                        idmap[ev["id"]] = found[0]
                        skipped += 1
                        continue
                    if ev["supersedes"] is not None:
                        ev["supersedes"] = idmap.get(ev["supersedes"])
                    idmap[ev["id"]] = self._insert(ev)
                    inserted += 1
        finally:
            if opened:
                store.close()
        return ImportSummary(inserted, skipped, len(new_stories))


def _none(v: Any) -> Any:
    return None if _is_missing(v) else int(v)


def open_store(path: str | os.PathLike, **kwargs: Any) -> CodingStore:
    """Open (or create) a coding store; use it as a context manager.

    See :class:`CodingStore` for the parameters.
    """
    return CodingStore(path, **kwargs)


_CODE_ALIASES = {"verhaal_id": "story_id", "verhaalnummer": "story_id", "id": "story_id", "dimensie": "dimension",
                 "waarde": "value", "code": "value", "codeur": "coder", "codeerder": "coder", "bron": "source",
                 "zekerheid": "confidence", "begin": "start", "eind": "end", "codeboekversie": "codebook_version"}


def open_project_store(project: Any, *, import_codes: bool = True, **kwargs: Any) -> CodingStore:
    """Open a project's store and bring it up to date with the project's files.

    Registers the project's codebook (or the packaged default), adds the project's
    stories and — when ``import_codes`` — imports its human codes file.  All of it is
    idempotent: running it again adds only what is new.

    Parameters
    ----------
    project : Project, str or Path
        A :class:`impactlib.io.Project` or a project folder / ``project.toml``.
    import_codes : bool
        Also import ``project.codes`` (exact duplicates are skipped).
    **kwargs
        Passed to :class:`CodingStore` (``timeout``, ``durable``).

    Returns
    -------
    CodingStore
    """
    from impactlib.codebook import load_codebook

    if isinstance(project, (str, os.PathLike)):
        from impactlib.io import load_project

        project = load_project(project)
    store = CodingStore(project.store_path, **kwargs)
    try:
        cb_path = getattr(project, "codebook_path", None)
        with store.transaction():
            store.register_codebook(load_codebook(cb_path))
            if getattr(project, "stories", None) is not None:
                store.add_stories(project.stories)
            codes = getattr(project, "codes", None)
            if import_codes and codes is not None and len(codes):
                store.import_codes(codes)
    except BaseException:
        store.close()
        raise
    return store


def _read_codes(path: str | os.PathLike, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a codes table from CSV/XLSX.

    Uses :func:`impactlib.io.load_codes` (encodings, delimiters, Dutch aliases, wide
    tables).  When that loader finds problems, the file is read raw instead so that the
    store's own validation reports **every** problem (unknown story ids, codebook
    versions, …) in one go, located by line.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(2, "No such file", str(p))
    load_codes = None
    for mod in ("impactlib.io", "impactlib.io.tables"):
        try:
            load_codes = getattr(__import__(mod, fromlist=["load_codes"]), "load_codes")
            break
        except (ImportError, AttributeError):
            continue
    if load_codes is not None:
        try:
            return load_codes(p, **({"sheet": sheet} if sheet is not None else {}))
        except ValidationError:
            pass  # re-read raw below; our validation lists every problem
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(p, sheet_name=sheet or 0, dtype=object)
        except Exception as exc:
            raise StoreError(f"{p.name}: not a readable XLSX file ({exc}); save it as .xlsx") from None
    else:
        df = None
        for enc in ("utf-8-sig", "cp1252"):
            try:
                df = pd.read_csv(p, dtype=object, sep=None, engine="python", encoding=enc, keep_default_na=False)
                break
            except UnicodeDecodeError:
                continue
            except (pd.errors.ParserError, ValueError) as exc:
                raise StoreError(f"{p.name}: cannot read the CSV file ({exc}); check delimiters and quotes") from None
        if df is None:
            raise StoreError(f"{p.name}: not UTF-8 or cp1252 text; save the file as CSV UTF-8")
        df = df.replace({"": None})
    df = df.rename(columns=lambda c: _CODE_ALIASES.get(str(c).strip().lower(), str(c).strip().lower()))
    df.attrs["source"] = p.name
    return df


def _source_lines(df: pd.DataFrame) -> list[int]:
    """1-based file lines of the rows (from the loader's ``attrs['lines']``, else header + index)."""
    lines = df.attrs.get("lines")
    if lines is not None:
        try:
            got = [int(x) for x in lines]
            if len(got) == len(df):
                return got
        except (TypeError, ValueError):
            pass
    return [i + 2 for i in range(len(df))]


def _wide_to_long(df: pd.DataFrame, dims: Sequence[str], lines: Sequence[int]) -> tuple[pd.DataFrame, list[int]]:
    """Tagger-style rows (a column per dimension, ``<dim>_confidence``) to long code rows."""
    dims = [d for d in dims if d in df.columns]
    passthrough = [c for c in ("story_id", "start", "end", "coder", "source", "status", "codebook_version",
                               "created_at", "memo", "evidence") if c in df.columns]
    recs, out_lines = [], []
    for rec, line in zip(df.to_dict("records"), lines):
        for d in dims:
            if _is_missing(rec.get(d)):
                continue
            recs.append({**{c: rec.get(c) for c in passthrough}, "dimension": d, "value": rec[d],
                         "confidence": rec.get(f"{d}_confidence")})
            out_lines.append(line)
    long = pd.DataFrame(recs)
    long.attrs["source"] = df.attrs.get("source", "codes")
    return long, out_lines


def write_table(df: pd.DataFrame, path: Path, *, sheet: str = "codes", info: Mapping[str, Any] | None = None) -> None:
    """Write a table to CSV (UTF-8) or XLSX with formula-injection neutralisation."""
    safe = df.astype(object).where(df.notna(), None).map(neutralise)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        safe.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    elif suffix == ".xlsx":
        if len(safe) >= 1_048_576:
            raise StoreError(
                f"{path.name}: {len(safe):,} rows do not fit in one XLSX sheet (max 1,048,575); "
                "export to .csv instead, or filter (status=..., level=...)"
            )
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append([str(c) for c in safe.columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in safe.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str):
                    c.data_type = "s"  # never a formula
        ws.freeze_panes = "A2"
        if info:
            wi = wb.create_sheet("info")
            for k, v in info.items():
                wi.append([str(k), neutralise(str(v))])
        wb.save(path)
    else:
        raise StoreError(f"{path.name}: unknown export format {suffix!r}; use .csv or .xlsx")


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v


__all__ = [
    "CODE_COLUMNS",
    "CodingStore",
    "ImportSummary",
    "MACHINE_CODER",
    "SCHEMA_VERSION",
    "neutralise",
    "open_project_store",
    "open_store",
    "unneutralise",
    "write_table",
]

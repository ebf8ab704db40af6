"""Read untrusted ZIP archives (``.qdpx``) and XML safely.

Rejects, each with an :class:`~impactlib.errors.ExchangeError` that names the
archive and the entry: path traversal (``../``, absolute paths, drive letters,
backslashes), too many entries, entries or totals larger than the limits,
compression ratios typical of zip bombs (checked on the bytes actually
inflated, not on the sizes the archive claims), and XML with a DTD, entities
or external references (``defusedxml``), or malformed XML (with line and column).

Examples
--------
>>> safe_member_name("sources/S001.txt")
'sources/S001.txt'
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Union

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from impactlib.errors import ExchangeError


@dataclass(frozen=True)
class ZipLimits:
    """Limits for reading an archive (bytes, counts, ratio)."""

    max_entries: int = 50_000
    max_member_bytes: int = 256 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024 * 1024  # small members may compress well; judge ratio above this


DEFAULT_LIMITS = ZipLimits()


def safe_member_name(name: str) -> str:
    """Return ``name`` if it is a safe relative path inside an archive, else raise."""
    if not name or "\x00" in name:
        raise ExchangeError(f"archive entry {name!r} has an empty or NUL-containing name; the archive is damaged or malicious")
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ExchangeError(f"archive entry {name!r} is an absolute or Windows path; refusing to import (path traversal)")
    parts = PurePosixPath(name).parts
    if any(p == ".." for p in parts):
        raise ExchangeError(f"archive entry {name!r} points outside the archive ('..'); refusing to import (path traversal)")
    return name


class SafeArchive:
    """A read-only view of a ZIP archive that checks every entry before use."""

    def __init__(self, path: Union[str, Path], limits: ZipLimits = DEFAULT_LIMITS):
        self.path = Path(path)
        self.limits = limits
        if not self.path.is_file():
            raise ExchangeError(f"{self.path}: file not found; check the path")
        if not zipfile.is_zipfile(self.path):
            raise ExchangeError(f"{self.path}: not a ZIP archive; a .qdpx file is a ZIP with project.qde and sources/")
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise ExchangeError(f"{self.path}: damaged ZIP archive ({exc}); export it again from the other tool") from exc
        if len(infos) > limits.max_entries:
            raise ExchangeError(f"{self.path}: {len(infos)} entries, more than the limit of {limits.max_entries}; refusing to import")
        declared = 0
        self._infos = {}
        for info in infos:
            safe_member_name(info.filename)
            if info.flag_bits & 0x1:
                raise ExchangeError(f"{self.path}: entry {info.filename!r} is encrypted; export without a password")
            declared += info.file_size
            self._infos[info.filename] = info
        if declared > limits.max_total_bytes:
            raise ExchangeError(
                f"{self.path}: the archive unpacks to {declared} bytes, more than the limit of "
                f"{limits.max_total_bytes}; refusing to import (possible zip bomb)"
            )
        self._read_total = 0

    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """Read one member, inflating at most the limits allow."""
        info = self._infos.get(name)
        if info is None:
            raise ExchangeError(f"{self.path}: entry {name!r} is missing from the archive")
        lim = self.limits
        chunks, size = [], 0
        with self._zip.open(info) as fh:
            while True:
                chunk = fh.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                self._read_total += len(chunk)
                if size > lim.max_member_bytes or self._read_total > lim.max_total_bytes:
                    raise ExchangeError(
                        f"{self.path}: entry {name!r} inflates beyond the limit of "
                        f"{min(lim.max_member_bytes, lim.max_total_bytes)} bytes; refusing to import (possible zip bomb)"
                    )
                if size > lim.ratio_floor_bytes and size > lim.max_ratio * max(info.compress_size, 1):
                    raise ExchangeError(
                        f"{self.path}: entry {name!r} has a compression ratio above {lim.max_ratio:.0f}:1; "
                        "refusing to import (possible zip bomb)"
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "SafeArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def parse_xml(data: bytes, where: str):
    """Parse untrusted XML: no DTDs, entities or external references; clear errors."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ExchangeError(
            f"{where}: the XML declares a DTD, entities or external references ({type(exc).__name__}); "
            "refusing to parse it (XML entity expansion / external entity attack)"
        ) from exc
    except SafeET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise ExchangeError(f"{where}: malformed XML at line {line}, column {col}: {exc}; export it again from the other tool") from exc


__all__ = ["ZipLimits", "DEFAULT_LIMITS", "SafeArchive", "safe_member_name", "parse_xml"]

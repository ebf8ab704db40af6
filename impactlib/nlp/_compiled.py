"""Which modules ``setup.py`` compiles with Cython, and the guard that keeps them honest.

Cython compiles these modules unchanged (Python semantics, no type declarations):
the same results, ~10% less CPU per story in ``impactlib tag``.  An extension
module shadows its ``.py`` file on import; :func:`install_source_guard` makes
``impactlib.nlp`` import the ``.py`` instead when the extension is older than the
source (edited or pulled since the build: rebuild with ``pip install -e .``) or when
the environment variable ``IMPACTLIB_PURE_PYTHON`` is set (to compare, or to debug).

This file imports nothing of impactlib: ``setup.py`` reads :data:`COMPILED_MODULES`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings

#: Modules of ``impactlib.nlp`` compiled by ``setup.py`` (the per-story hot paths of the tagger).
COMPILED_MODULES = ["components", "scoring", "engine", "lemmatizer", "sentences"]

_PACKAGE = "impactlib.nlp"
#: A source counts as newer than its compiled module only by more than this many seconds.
_SLACK_SECONDS = 2.0
_HERE = os.path.dirname(os.path.abspath(__file__))


def compiled_path(name: str, folder: str = _HERE) -> str | None:
    """The extension module file of ``name`` in ``folder``, or ``None`` when not compiled."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, name + suffix)
        if os.path.exists(path):
            return path
    return None


def source_overrides(folder: str = _HERE, pure: bool = False) -> dict[str, str]:
    """``{module name: .py path}`` of the compiled modules to import from source instead:
    all of them when ``pure``, else those whose extension is older than the ``.py``."""
    out = {}
    for name in COMPILED_MODULES:
        compiled = compiled_path(name, folder)
        source = os.path.join(folder, name + ".py")
        if compiled is None or not os.path.exists(source):
            continue
        # 2 s of slack: an install may unpack a .py just after its extension module
        if pure or os.path.getmtime(compiled) + _SLACK_SECONDS < os.path.getmtime(source):
            out[f"{_PACKAGE}.{name}"] = source
    return out


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the listed modules as their ``.py`` files (ahead of the extension modules)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102
        source = self.sources.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def install_source_guard() -> dict[str, str]:
    """Make the modules named by :func:`source_overrides` import from source; return them."""
    pure = os.environ.get("IMPACTLIB_PURE_PYTHON", "").strip() not in ("", "0")
    sources = source_overrides(pure=pure)
    if sources:
        if not pure:
            names = ", ".join(sorted(n.rsplit(".", 1)[1] for n in sources))
            warnings.warn(f"impactlib: the compiled {names} module(s) are older than their source; "
                          "using the source (same results, slower). Rebuild with: pip install -e .",
                          stacklevel=2)
        if not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, _SourceFinder(sources))
    return sources


def is_compiled(module) -> bool:
    """Whether an imported module runs from an extension module (compiled) rather than source."""
    return not str(getattr(module, "__file__", "")).endswith(".py")

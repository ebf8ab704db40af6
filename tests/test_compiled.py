"""The Cython-compiled tagger modules (setup.py): same results as the source, never stale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from impactlib.nlp import _compiled

ROOT = Path(__file__).resolve().parents[1]


def _tag(env_extra: dict, out: Path) -> bytes:
    env = {**os.environ, **env_extra}
    subprocess.run([sys.executable, "-m", "impactlib", "tag", str(ROOT / "data" / "eval" / "b" / "stories.csv"),
                    "-o", str(out), "--segments", str(out.with_suffix(".seg.csv"))],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return out.read_bytes() + out.with_suffix(".seg.csv").read_bytes()


def test_compiled_and_source_modules_tag_identically(tmp_path):
    """Whatever runs by default (compiled when the build could compile) equals the pure-Python source."""
    default = _tag({"IMPACTLIB_PURE_PYTHON": ""}, tmp_path / "default.csv")
    pure = _tag({"IMPACTLIB_PURE_PYTHON": "1"}, tmp_path / "pure.csv")
    assert default == pure


def test_pure_python_switch_imports_the_sources():
    code = ("import impactlib.nlp.components as c, impactlib.nlp.scoring as s\n"
            "print(c.__file__.endswith('.py'), s.__file__.endswith('.py'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "IMPACTLIB_PURE_PYTHON": "1"})
    assert out.stdout.split() == ["True", "True"]


def test_stale_compiled_modules_are_not_used(tmp_path):
    """A compiled module older than its .py (edited or pulled since the build) is replaced by the source."""
    for name in ("components", "scoring"):
        (tmp_path / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
        fake = tmp_path / f"{name}{_compiled.importlib.machinery.EXTENSION_SUFFIXES[0]}"
        fake.write_bytes(b"")
    # components: compiled after the source (fresh); scoring: source edited after the build (stale)
    os.utime(tmp_path / "components.py", (1_000, 1_000))
    os.utime(tmp_path / "scoring.py", (3_000, 3_000))
    for name in ("components", "scoring"):
        os.utime(_compiled.compiled_path(name, str(tmp_path)), (2_000, 2_000))
    stale = _compiled.source_overrides(str(tmp_path))
    assert stale == {"impactlib.nlp.scoring": str(tmp_path / "scoring.py")}
    # a .py unpacked a moment after its extension module (a wheel install) is not stale
    os.utime(tmp_path / "scoring.py", (2_001, 2_001))
    assert _compiled.source_overrides(str(tmp_path)) == {}
    assert set(_compiled.source_overrides(str(tmp_path), pure=True)) == {"impactlib.nlp.components",
                                                                        "impactlib.nlp.scoring"}


def test_setup_compiles_the_listed_modules():
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "COMPILED_MODULES" in setup and "optional=True" in setup
    for name in _compiled.COMPILED_MODULES:
        assert (ROOT / "impactlib" / "nlp" / f"{name}.py").is_file()


@pytest.mark.skipif(not any(_compiled.compiled_path(n) for n in _compiled.COMPILED_MODULES),
                    reason="built without a C compiler/Cython: the pure-Python modules run")
def test_the_installed_tagger_runs_compiled():
    import impactlib.nlp.components as c
    import impactlib.nlp.scoring as s

    assert _compiled.is_compiled(c) and _compiled.is_compiled(s)

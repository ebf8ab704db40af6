"""The examples in the docstrings run (numpydoc 'Examples' sections are doctests)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import impactlib

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(impactlib.__path__, prefix="impactlib.")
    if not m.name.startswith("impactlib.cli") and m.name != "impactlib.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} docstring examples failed"

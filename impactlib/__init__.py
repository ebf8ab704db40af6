"""impactlib — stories next to numbers for impact research in social work.

The public API, by module (data flows one way, top to bottom):

===================  ===========================================================
``impactlib.io``     ``load_project``, ``load_stories`` … ``load_codes``, ``read_table``
``impactlib.codebook``  ``load_codebook``, ``Codebook``
``impactlib.nlp``    ``ImpactEngine`` (spaCy tagger), ``build_pipeline``
``impactlib.store``  ``CodingStore``, ``open_store`` (the only writer of codes)
``impactlib.agreement``  ``reliability``, ``compare_to_reference``
``impactlib.analysis``   tidy tables: counts, joint displays, MSC, effect arena
``impactlib.plots``  matplotlib drawings of analysis tables
``impactlib.exchange``   REFI-QDA ``.qdpx``/``.qdc`` export and import
``impactlib.report`` ``run_report`` (the notebook suite to HTML)
===================  ===========================================================

The names below are importable from ``impactlib`` directly; they are loaded on
first use, so ``import impactlib`` stays fast and does not import spaCy.

Examples
--------
>>> import impactlib
>>> impactlib.load_codebook().label("valence", "positive")
'positief'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_project": "impactlib.io",
    "load_stories": "impactlib.io",
    "load_activities": "impactlib.io",
    "load_indicators": "impactlib.io",
    "load_msc": "impactlib.io",
    "load_arena": "impactlib.io",
    "load_codes": "impactlib.io",
    "read_table": "impactlib.io",
    "Project": "impactlib.io",
    "load_codebook": "impactlib.codebook",
    "Codebook": "impactlib.codebook",
    "ImpactEngine": "impactlib.nlp",
    "build_pipeline": "impactlib.nlp",
    "CodingStore": "impactlib.store",
    "open_store": "impactlib.store",
    "reliability": "impactlib.agreement",
    "compare_to_reference": "impactlib.agreement",
    "export_qdpx": "impactlib.exchange",
    "export_qdc": "impactlib.exchange",
    "read_qdpx": "impactlib.exchange",
    "run_report": "impactlib.report",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'impactlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

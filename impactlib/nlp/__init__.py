"""spaCy-assisted impact coding (the only part of impactlib that imports spaCy).

Public API
----------
build_pipeline(codebook=None, *, model=None)
    The Dutch pipeline: fast sentencizer, cached simplemma lemmatizer, ``impact_suggester``.
ImpactEngine(codebook=None, *, model=None)
    ``.tag(records) -> (story_rows, segment_rows)``: plain rows with the tagger columns.
ImpactSuggester, SimplemmaLemmatizer, FastSentencizer
    The components (factories ``impact_suggester``, ``impact_lemmatizer``,
    ``impact_sentencizer``).

Examples
--------
>>> from impactlib.nlp import ImpactEngine
>>> rows, segs = ImpactEngine().tag([{"story_id": "S1", "text": "Er is geen enkele verbetering.",
...                                   "activity_goal": "Schoolprestaties verbeteren."}])
>>> rows[0]["valence"]
'negative'
"""

from impactlib.nlp._compiled import install_source_guard

install_source_guard()  # compiled modules older than their .py are not used (see _compiled.py)

from impactlib.nlp.components import SPAN_KEY, ImpactSuggester, clean_text  # noqa: E402
from impactlib.nlp.engine import SEGMENT_COLUMNS, STORY_COLUMNS, ImpactEngine, format_evidence  # noqa: E402
from impactlib.nlp.lemmatizer import SimplemmaLemmatizer, lemmatize_word  # noqa: E402
from impactlib.nlp.pipeline import build_pipeline, installed_dutch_model  # noqa: E402
from impactlib.nlp.sentences import FastSentencizer  # noqa: E402

__all__ = [
    "FastSentencizer",
    "ImpactEngine",
    "ImpactSuggester",
    "SEGMENT_COLUMNS",
    "SPAN_KEY",
    "STORY_COLUMNS",
    "SimplemmaLemmatizer",
    "build_pipeline",
    "clean_text",
    "format_evidence",
    "installed_dutch_model",
    "lemmatize_word",
]

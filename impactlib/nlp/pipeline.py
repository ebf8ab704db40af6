"""Build the Dutch impact pipeline.

``build_pipeline`` returns a spaCy ``Language``: an installed ``nl_core_news_*``
pipeline when one is available (or the one named by ``model``), otherwise
``spacy.blank("nl")`` with the fast rule sentencizer (``impact_sentencizer``); then the cached simplemma
lemmatizer (``impact_lemmatizer``) and the rule-based ``impact_suggester``.

Examples
--------
>>> nlp = build_pipeline()
>>> nlp.pipe_names
['impact_sentencizer', 'impact_lemmatizer', 'impact_suggester']
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import spacy
from spacy.language import Language

from impactlib.codebook import Codebook, load_codebook
from impactlib.errors import ModelError

# importing the modules registers the factories
from impactlib.nlp import components as _components  # noqa: F401
from impactlib.nlp import lemmatizer as _lemmatizer  # noqa: F401
from impactlib.nlp import sentences as _sentences  # noqa: F401

TRAINED_DUTCH = ("nl_core_news_lg", "nl_core_news_md", "nl_core_news_sm")

#: Texts up to this many characters are processed (spaCy's default is 1,000,000).
MAX_LENGTH = 20_000_000


def installed_dutch_model() -> str | None:
    """Name of an installed ``nl_core_news_*`` package, or ``None``."""
    for name in TRAINED_DUTCH:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def build_pipeline(codebook: Codebook | str | Path | None = None, *, model: str | Path | None = None) -> Language:
    """Return the Dutch impact pipeline.

    Parameters
    ----------
    codebook : Codebook, path or None
        The codebook whose patterns the suggester uses; ``None`` = packaged default.
    model : str or Path, optional
        A spaCy pipeline to start from (package name or directory), e.g.
        ``"nl_core_news_sm"``; ``"blank"`` forces ``spacy.blank("nl")``.  By default an
        installed ``nl_core_news_*`` is used when present, else the blank pipeline.

    Returns
    -------
    spacy.language.Language
        With ``doc.spans["impact"]`` and ``doc._.impact`` filled by ``impact_suggester``.

    Raises
    ------
    ModelError
        When ``model`` names a pipeline that cannot be loaded.
    """
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    name = str(model) if model is not None else installed_dutch_model()
    if name is None or name == "blank":
        nlp = spacy.blank("nl")
    else:
        try:
            nlp = spacy.load(name, exclude=["ner", "textcat", "textcat_multilabel"])
        except (OSError, ValueError, ImportError) as exc:
            raise ModelError(
                f"spaCy pipeline {name!r} cannot be loaded ({exc}); install it or use model='blank'"
            ) from None
    nlp.max_length = MAX_LENGTH
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("impact_sentencizer")
    overwrite = not nlp.has_pipe("lemmatizer")
    nlp.add_pipe("impact_lemmatizer", config={"overwrite": overwrite})
    cfg = {"codebook": codebook.to_dict() if codebook is not None else None}
    nlp.add_pipe("impact_suggester", config=cfg)
    return nlp


__all__ = ["build_pipeline", "installed_dutch_model", "TRAINED_DUTCH"]

"""Tidy tables for impact research: counts, joint displays, MSC, effect arena, owners.

Pure pandas.  Every function takes the canonical tables of ``docs/architecture.md``
(``stories``, ``activities``, ``indicators``, ``codes``, ``msc``, ``arena``; as loaded by
:mod:`impactlib.io` or plain frames with the same columns) and returns a tidy
:class:`pandas.DataFrame`.  A missing input (``None`` or an empty frame) gives an empty
frame with the documented columns, so a notebook can say "no indicators yet" and go on.

Codes are resolved to one value per story (``level="story"``) or per coded span
(``level="segment"``) by :func:`resolve_codes`: human accepted codes first, then model and
rules suggestions; among two human coders the majority, ties to the coder that sorts first.

Examples
--------
>>> import pandas as pd
>>> from impactlib import analysis
>>> stories = pd.DataFrame({"story_id": ["S1", "S2"], "text": ["Ik ben niet meer eenzaam.", "Geen verbetering."],
...                         "activity": ["Buurtkamer", "Buurtkamer"], "track": ["betekenisgeving"] * 2})
>>> codes = pd.DataFrame({"story_id": ["S1", "S2"], "start": [None, None], "end": [None, None],
...                       "dimension": ["valence"] * 2, "value": ["positive", "negative"],
...                       "coder": ["coder_a"] * 2})
>>> analysis.code_counts(codes, stories, by="track", dimensions=["valence"])[["value", "n", "share"]]
      value  n  share
0  positive  1    0.5
1  negative  1    0.5
"""

from ._common import (DIMENSIONS, LABELS, ORIGINS, THEMES, VALUES, coded_units, compile_themes, label,
                      origin_of, period_label, rank_exemplars, resolve_codes, themes_of)
from .arena import POSITIONS, arena_effects, arena_matrix, arena_support, stakeholder_positions
from .codes import (COMBINATIONS, UNINTENDED_NEGATIVE_KINDS, code_counts, find_effects,
                    statistics_by_themes, theme_counts, unintended_and_negative)
from .indicators import (by_owner, indicator_series, indicator_trends, invisible_effects, owner_summary,
                         stories_vs_indicators, targets_vs_registered)
from .msc import MSC_CRITERIA, meta_monitoring, msc_criteria, msc_domain_counts, msc_survival
from .reflections import LESSON_CUES, STRESS_THEMES, effects_with_themes, lesson_sentences, reflection_stories

__all__ = [
    "DIMENSIONS", "VALUES", "LABELS", "THEMES", "COMBINATIONS", "MSC_CRITERIA", "UNINTENDED_NEGATIVE_KINDS",
    "ORIGINS", "label", "period_label", "compile_themes", "themes_of", "resolve_codes", "coded_units",
    "origin_of", "rank_exemplars",
    "code_counts", "statistics_by_themes", "theme_counts", "find_effects", "unintended_and_negative",
    "indicator_trends", "indicator_series", "stories_vs_indicators", "invisible_effects", "by_owner",
    "owner_summary", "targets_vs_registered",
    "msc_domain_counts", "msc_survival", "msc_criteria", "meta_monitoring",
    "POSITIONS", "arena_effects", "arena_matrix", "arena_support", "stakeholder_positions",
    "LESSON_CUES", "STRESS_THEMES", "reflection_stories", "lesson_sentences", "effects_with_themes",
]

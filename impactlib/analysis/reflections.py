"""The track *vakmanschap*: which stories are reflections, what professionals say they learned."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ._common import coded_units, empty, is_empty
from .indicators import PROFESSIONAL_ROLES

#: Cue phrases of a sentence in which a professional says what he or she learned or now
#: does differently (searched case-insensitively; adapt them to your project).
LESSON_CUES: tuple[str, ...] = (
    "geleerd", "leer ik", "leerde", "anders opgelost", "anders aangepakt", "losgelaten", "voortaan",
    "ben ik gaan", "zijn we gaan", "ik doe nu", "doe ik nu", "doe ik eerst", "nu vraag ik",
    "nu ga ik", "we doen nu", "nieuwe collega", "intervisie",
)

#: Themes of the default codebook about the cost of the work for professionals.
STRESS_THEMES: tuple[str, ...] = ("morele stress en verloop", "werkdruk en registratie")

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def reflection_stories(stories: pd.DataFrame | None, *, track: str = "vakmanschap",
                       roles: Iterable[str] = PROFESSIONAL_ROLES) -> tuple[pd.DataFrame, str]:
    """The reflections of professionals, and a Dutch sentence saying how they were chosen.

    The stories of the track ``track`` when the project has that track; otherwise the
    stories told by ``roles`` (professional, coördinator, vrijwilliger, …).

    Examples
    --------
    >>> st = pd.DataFrame({"story_id": ["S1", "S2"], "text": ["a", "b"], "storyteller_role": ["deelnemer", "professional"]})
    >>> refl, how = reflection_stories(st)
    >>> refl["story_id"].tolist(), how
    (['S2'], "het project heeft geen spoor 'vakmanschap'; we nemen de verhalen van professional, coördinator, vrijwilliger, docent, wijkagent")
    """
    if is_empty(stories):
        return empty(["story_id", "text", "activity", "storyteller_role"]), "het project heeft geen verhalen"
    if "track" in stories.columns and (stories["track"] == track).any():
        return stories[stories["track"] == track], f"de verhalen van het spoor {track}"
    roles = list(roles)
    role = stories["storyteller_role"] if "storyteller_role" in stories.columns else pd.Series(pd.NA, index=stories.index)
    return (stories[role.isin(roles)],
            f"het project heeft geen spoor '{track}'; we nemen de verhalen van " + ", ".join(roles))


def lesson_sentences(stories: pd.DataFrame | None, cues: Iterable[str] = LESSON_CUES) -> pd.DataFrame:
    """Sentences in which someone says what he or she learned or does differently.

    Searching, not coding: every sentence (split after ``.``, ``!``, ``?``) holding one of
    ``cues``, in story order.

    Returns
    -------
    DataFrame
        ``story_id, quote, cue, storyteller_role, activity``.

    Examples
    --------
    >>> st = pd.DataFrame({"story_id": ["S1"], "text": ["Het was zwaar. Ik heb geleerd eerst te luisteren."]})
    >>> lesson_sentences(st)[["story_id", "quote", "cue"]].to_numpy().tolist()
    [['S1', 'Ik heb geleerd eerst te luisteren.', 'geleerd']]
    """
    cols = ["story_id", "quote", "cue", "storyteller_role", "activity"]
    cues = [c for c in cues if c]
    if is_empty(stories) or not cues:
        return empty(cols)
    rx = re.compile("|".join(re.escape(c) for c in cues), re.IGNORECASE)
    rows: list[dict[str, Any]] = []
    st = stories.assign(_sid=stories["story_id"].astype(str)).sort_values("_sid", kind="mergesort")
    for r in st.to_dict("records"):
        for sentence in _SENTENCE.split(" ".join(str(r.get("text") or "").split())):
            m = rx.search(sentence)
            if m:
                rows.append({"story_id": r["_sid"], "quote": sentence, "cue": m.group(0).lower(),
                             "storyteller_role": r.get("storyteller_role"), "activity": r.get("activity")})
    return pd.DataFrame(rows, columns=cols)


def effects_with_themes(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                        activities: pd.DataFrame | None = None, *, names: Iterable[str] = STRESS_THEMES,
                        themes: Any = None, one_per_story: bool = True) -> pd.DataFrame:
    """Coded effects (segments) that touch one of the themes ``names``.

    Sorted by activity, human codes before machine suggestions, story and position; with
    ``one_per_story`` the first effect of each story only.  Columns of
    :func:`~impactlib.analysis.coded_units`.
    """
    units = coded_units(codes, stories, activities, level="segment", themes=themes)
    if units.empty:
        return units
    wanted = set(names)
    sel = units[[bool(wanted & set(t)) for t in units["themes"]]]
    sel = sel.assign(_h=(sel["origin"] != "human").astype(int))
    sel = sel.sort_values(["activity", "_h", "story_id", "start"], kind="mergesort").drop(columns="_h")
    if one_per_story:
        sel = sel.drop_duplicates("story_id")
    return sel.reset_index(drop=True)

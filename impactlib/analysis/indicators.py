"""Indicators next to stories: trends, confirm/expand/contradict, invisible effects, owners."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._common import (DIMENSIONS, coded_units, compile_themes, empty, is_empty, prep_codes,
                      prep_indicators, rank_exemplars, themes_of)

TREND_COLUMNS = ["indicator", "area", "activity", "owner", "unit", "source", "track", "target",
                 "first_period", "last_period", "n_periods", "n_missing", "start_value", "end_value",
                 "change", "change_pct", "trend", "desired", "toward_target", "target_met"]


def indicator_trends(indicators: pd.DataFrame | None, *, flat_tolerance: float = 0.05,
                     window: int = 2) -> pd.DataFrame:
    """Trend per indicator × area, judged against its target.

    Rule (explicit, so a reader can check it):

    * ``start_value`` / ``end_value``: mean of the first / last ``window`` periods with a
      value (``window`` is lowered to half the number of values when there are few);
    * ``change = end_value - start_value``; ``trend`` is ``flat`` when
      ``|change| <= flat_tolerance × |start_value|``, else ``up`` or ``down``;
    * ``desired`` is ``lower`` when the target is below the start value, ``higher`` when
      above, unknown without a target;
    * ``toward_target`` is True when the trend goes the desired way, False when it goes the
      other way, ``<NA>`` when flat or without a target; ``target_met`` compares the end
      value with the target.

    Returns
    -------
    DataFrame
        Columns ``TREND_COLUMNS``, one row per indicator and area.
    """
    ind = prep_indicators(indicators)
    if ind.empty:
        return empty(TREND_COLUMNS)
    rows = []
    keys = ["indicator", "area"]
    ind = ind.sort_values(["indicator", "area", "period_start"])
    for (name, area), g in ind.groupby(keys, sort=True, dropna=False):
        vals = g.dropna(subset=["value"])
        first = lambda col: g[col].dropna().iloc[0] if g[col].notna().any() else pd.NA  # noqa: E731
        target = g["target"].dropna().iloc[-1] if g["target"].notna().any() else np.nan
        row: dict[str, Any] = {
            "indicator": name, "area": area, "activity": first("activity"), "owner": first("owner"),
            "unit": first("unit"), "source": first("source"), "track": first("track"), "target": target,
            "first_period": g["period"].iloc[0], "last_period": g["period"].iloc[-1],
            "n_periods": int(g["period"].nunique()), "n_missing": int(g["value"].isna().sum()),
        }
        k = max(1, min(window, len(vals) // 2))
        if len(vals) >= 2:
            start = float(vals["value"].iloc[:k].mean())
            end = float(vals["value"].iloc[-k:].mean())
            change = end - start
            if abs(change) <= flat_tolerance * abs(start) or change == 0:
                trend = "flat"
            else:
                trend = "up" if change > 0 else "down"
        else:
            start = end = float(vals["value"].iloc[0]) if len(vals) else np.nan
            change, trend = np.nan, None
        desired: str | None = None
        toward: bool | None = None
        met: bool | None = None
        if pd.notna(target) and pd.notna(start):
            if target < start:
                desired = "lower"
            elif target > start:
                desired = "higher"
            if desired is not None and trend in ("up", "down"):
                toward = (trend == "down") == (desired == "lower")
            if pd.notna(end):
                if desired == "lower":
                    met = bool(end <= target)
                elif desired == "higher":
                    met = bool(end >= target)
                else:
                    met = bool(end == target)
        pct = change / start * 100 if pd.notna(change) and pd.notna(start) and start != 0 else np.nan
        row.update(start_value=start, end_value=end, change=change, change_pct=pct,
                   trend=pd.NA if trend is None else trend, desired=pd.NA if desired is None else desired,
                   toward_target=pd.NA if toward is None else toward,
                   target_met=pd.NA if met is None else met)
        rows.append(row)
    out = pd.DataFrame(rows, columns=TREND_COLUMNS)
    out["toward_target"] = out["toward_target"].astype("boolean")
    out["target_met"] = out["target_met"].astype("boolean")
    return out


def _indicator_links(trends: pd.DataFrame, activities: pd.DataFrame | None,
                     compiled: Mapping[str, Any]) -> pd.DataFrame:
    """Trends with ``themes`` (from the indicator name) and the activity they belong to.

    An indicator row belongs to an activity when its ``activity`` column names it.  When the
    table has no activity at all, a row belongs to the activities working in its area (from
    ``activities``).  Rows with an empty activity in a table that does use the column are
    comparison areas and belong to no activity.
    """
    t = trends.copy()
    t["themes"] = [themes_of(n, compiled) for n in t["indicator"].astype(str)]
    explicit = t["activity"].notna().any()
    if not explicit and not is_empty(activities) and {"activity", "area"} <= set(activities.columns):
        by_area = activities.groupby("area")["activity"].apply(list).to_dict()
        filled = []
        for act, area in zip(t["activity"], t["area"]):
            if isinstance(act, str) and act:
                filled.append([act])
            else:
                filled.append(by_area.get(area, []))
        t["activity"] = filled
        t = t.explode("activity")
    return t[t["activity"].notna()]


VERDICT_COLUMNS = ["activity", "theme", "indicator", "area", "owner", "trend", "desired", "toward_target",
                   "change_pct", "n_effects", "n_positive", "n_negative", "n_unintended", "share_positive",
                   "stories", "verdict", "explanation", "example_quote", "example_story_id", "example_origin"]


def stories_vs_indicators(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                          indicators: pd.DataFrame | None, activities: pd.DataFrame | None = None, *,
                          level: str = "segment", themes: Mapping[str, Iterable[Any]] | None = None,
                          majority: float = 0.6, flat_tolerance: float = 0.05) -> pd.DataFrame:
    """Joint display: indicator trends next to coded effects, with a verdict.

    Effects (coded segments, or stories with ``level="story"``) are matched to an
    indicator when they belong to the indicator's activity (an indicator table without an
    ``activity`` column links by area to the activities working there) **and**
    share a theme with it (theme lexicon on the effect text and the indicator name).

    Stories are *mostly positive* when ``share_positive >= majority``, *mostly negative*
    when ``<= 1 - majority``, else *mixed*.  The indicator moved *toward* its target, *away*
    from it, or neither (flat / no target).  Verdict:

    * ``confirm`` — toward target and stories mostly positive, or away and mostly negative;
    * ``contradict`` — opposite signs: toward target but stories mostly negative, or away
      from target but stories mostly positive;
    * ``expand`` — the stories add what the figure cannot settle: mixed stories, a flat
      indicator or one without target; and one row per activity × theme of effects for
      which **no** indicator exists (``indicator`` empty);
    * ``<NA>`` — an indicator no story speaks about (``n_effects == 0``).

    The example quote is human-coded when a human-coded effect matches (else a machine
    suggestion); ``example_origin`` says which (``human``/``machine``).

    Returns
    -------
    DataFrame
        ``VERDICT_COLUMNS``; ``stories`` lists the story ids (comma-separated).
    """
    compiled = compile_themes(themes)
    trends = indicator_trends(indicators, flat_tolerance=flat_tolerance)
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    if trends.empty and units.empty:
        return empty(VERDICT_COLUMNS)
    links = _indicator_links(trends, activities, compiled) if not trends.empty else \
        empty([*trends.columns, "themes"])
    eff = units.explode("themes").rename(columns={"themes": "theme"}) if not units.empty else \
        empty(["story_id", "activity", "theme", "valence", "intentionality", "quote", "confidence", "start"])
    eff = eff[eff["theme"].notna()]
    rows = []
    covered: set[tuple[str, str]] = set()
    for _, ind in links.iterrows():
        ithemes = set(ind["themes"])
        m = eff[(eff["activity"] == ind["activity"]) & eff["theme"].isin(ithemes)]
        m = m.drop_duplicates(["story_id", "start"])
        for th in ithemes:
            covered.add((ind["activity"], th))
        rows.append(_verdict_row(ind, m, ", ".join(sorted(ithemes)) or "", majority))
    # effects with a theme no indicator of their activity covers: expand
    if not eff.empty:
        rest = eff[[(a, t) not in covered for a, t in zip(eff["activity"], eff["theme"])]]
        for (act, th), m in rest.groupby(["activity", "theme"], sort=True):
            rows.append(_verdict_row(None, m, th, majority, activity=act))
    out = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    out["toward_target"] = out["toward_target"].astype("boolean")
    order = {"contradict": 0, "confirm": 1, "expand": 2}
    out = out.assign(_o=out["verdict"].map(order).fillna(3), _i=out["indicator"].isna())
    out = out.sort_values(["activity", "_i", "_o", "indicator", "area", "theme"])
    return out.drop(columns=["_o", "_i"]).reset_index(drop=True)


def _verdict_row(ind: pd.Series | None, m: pd.DataFrame, theme: str, majority: float,
                 activity: str | None = None) -> dict[str, Any]:
    n = int(len(m))
    npos = int((m["valence"] == "positive").sum()) if n else 0
    nneg = int((m["valence"] == "negative").sum()) if n else 0
    nun = int((m["intentionality"] == "unintended").sum()) if n else 0
    share = npos / n if n else np.nan
    if n == 0:
        stories_sign = None
    elif share >= majority:
        stories_sign = "positive"
    elif share <= 1 - majority:
        stories_sign = "negative"
    else:
        stories_sign = "mixed"
    ex = rank_exemplars(m) if n else m
    row: dict[str, Any] = {
        "theme": theme, "n_effects": n, "n_positive": npos, "n_negative": nneg, "n_unintended": nun,
        "share_positive": share, "stories": ", ".join(sorted(pd.unique(m["story_id"].astype(str)))) if n else "",
        "example_quote": ex["quote"].iloc[0] if len(ex) else "",
        "example_story_id": str(ex["story_id"].iloc[0]) if len(ex) else "",
        "example_origin": ex["origin"].iloc[0] if len(ex) else "",
    }
    if ind is None:
        row.update(activity=activity, indicator=pd.NA, area=pd.NA, owner=pd.NA, trend=pd.NA, desired=pd.NA,
                   toward_target=pd.NA, change_pct=np.nan, verdict="expand",
                   explanation=f"{n} effect(en) over '{theme}' zonder indicator: onzichtbaar in de cijfers")
        return row
    row.update(activity=ind["activity"], indicator=ind["indicator"], area=ind["area"], owner=ind["owner"],
               trend=ind["trend"], desired=ind["desired"], toward_target=ind["toward_target"],
               change_pct=ind["change_pct"])
    toward = ind["toward_target"]
    if stories_sign is None:
        verdict, why = pd.NA, "geen verhalen over deze indicator"
    elif pd.isna(toward):
        verdict = "expand"
        why = ("cijfer gelijk gebleven" if ind["trend"] == "flat" else "geen streefwaarde of richting") + \
            f"; verhalen {_nl_sign(stories_sign)}"
    elif stories_sign == "mixed":
        verdict = "expand"
        why = f"cijfer {'richting' if toward else 'weg van'} streefwaarde; verhalen gemengd"
    elif (stories_sign == "positive") == bool(toward):
        verdict = "confirm"
        why = f"cijfer {'richting' if toward else 'weg van'} streefwaarde en verhalen {_nl_sign(stories_sign)}"
    else:
        verdict = "contradict"
        why = f"cijfer {'richting' if toward else 'weg van'} streefwaarde maar verhalen {_nl_sign(stories_sign)}"
    row.update(verdict=verdict, explanation=why)
    return row


def _nl_sign(sign: str) -> str:
    return {"positive": "overwegend positief", "negative": "overwegend negatief", "mixed": "gemengd"}[sign]


INVISIBLE_COLUMNS = ["story_id", "start", "end", "activity", "track", "valence", "intentionality", "directness",
                     "quote", "origin", "themes", "reason"]


def invisible_effects(codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                      indicators: pd.DataFrame | None, activities: pd.DataFrame | None = None, *,
                      level: str = "segment",
                      themes: Mapping[str, Iterable[Any]] | None = None) -> pd.DataFrame:
    """Effects found in stories for which no indicator exists ("onzichtbaar in de cijfers").

    An effect is *visible* when an indicator of the same activity (see
    :func:`stories_vs_indicators` for how indicators belong to activities) shares one of
    its themes.  Every other effect is returned with a ``reason``:
    ``no_theme`` (no theme of the lexicon recognised in the effect, so nothing to measure
    it by) or ``no_indicator`` (its themes have no indicator for this activity).
    """
    compiled = compile_themes(themes)
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    if units.empty:
        return empty(INVISIBLE_COLUMNS)
    trends = indicator_trends(indicators)
    covered: dict[str, set[str]] = {}
    if not trends.empty:
        links = _indicator_links(trends, activities, compiled)
        for act, th in zip(links["activity"], links["themes"]):
            covered.setdefault(act, set()).update(th)
    keep, reasons = [], []
    for act, th in zip(units["activity"], units["themes"]):
        if not th:
            keep.append(True)
            reasons.append("no_theme")
        elif not set(th) & covered.get(act, set()):
            keep.append(True)
            reasons.append("no_indicator")
        else:
            keep.append(False)
            reasons.append("")
    out = units.assign(reason=reasons)[keep]
    out = out.assign(themes=out["themes"].map(", ".join))
    return out[INVISIBLE_COLUMNS].reset_index(drop=True)


OWNER_COLUMNS = ["kind", "owner", "item", "n", "n_areas", "has_target"]


def by_owner(indicators: pd.DataFrame | None = None, codes: pd.DataFrame | None = None,
             codebook: Any = None) -> pd.DataFrame:
    """Who decides what is measured: indicators and codes per owner.

    Indicators carry their ``owner``.  Codes take the owner of their dimension value or
    theme in the codebook (any object with ``.dimensions[dim].values[value].owner`` and
    ``.themes[key].owner``, e.g. :func:`impactlib.codebook.load_codebook`); without a
    codebook the owner of codes is ``onderzoekers`` (the researchers who made the codebook).

    Returns
    -------
    DataFrame
        ``kind`` (``indicator``/``code``), ``owner``, ``item`` (indicator name, or
        ``dimension:value``), ``n`` (figures with a value, or codings), ``n_areas``,
        ``has_target``.
    """
    rows = []
    ind = prep_indicators(indicators)
    if not ind.empty:
        ind = ind.assign(owner=ind["owner"].fillna("(onbekend)"))
        for (owner, item), g in ind.groupby(["owner", "indicator"], sort=True):
            rows.append({"kind": "indicator", "owner": owner, "item": item, "n": int(g["value"].notna().sum()),
                         "n_areas": int(g["area"].nunique()), "has_target": bool(g["target"].notna().any())})
    co = prep_codes(codes)
    if not co.empty:
        def owner_of(dim: str, val: str) -> str:
            if codebook is None:
                return "onderzoekers"
            try:
                if dim in getattr(codebook, "dimensions", {}):
                    return codebook.dimensions[dim].values[val].owner
                return codebook.themes[val].owner
            except (KeyError, AttributeError):
                return "(onbekend)"
        co = co.assign(item=co["dimension"].astype(str) + ":" + co["value"].astype(str))
        co["owner"] = [owner_of(d, v) for d, v in zip(co["dimension"].astype(str), co["value"].astype(str))]
        for (owner, item), g in co.groupby(["owner", "item"], sort=True):
            rows.append({"kind": "code", "owner": owner, "item": item, "n": int(len(g)), "n_areas": pd.NA,
                         "has_target": False})
    if not rows:
        return empty(OWNER_COLUMNS)
    return pd.DataFrame(rows, columns=OWNER_COLUMNS)


def owner_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Summarise :func:`by_owner`: ``kind, owner, n_items, n, n_with_target``."""
    cols = ["kind", "owner", "n_items", "n", "n_with_target"]
    if is_empty(table):
        return empty(cols)
    return (table.groupby(["kind", "owner"], sort=True)
            .agg(n_items=("item", "nunique"), n=("n", "sum"), n_with_target=("has_target", "sum"))
            .reset_index()[cols])


TARGET_COLUMNS = ["activity", "perspective", "n_items", "n_with_target", "n_toward_target",
                  "n_away_from_target", "n_stories", "share_negative", "themes", "items"]
PROFESSIONAL_ROLES = ("professional", "coördinator", "vrijwilliger", "docent", "wijkagent")


def targets_vs_registered(indicators: pd.DataFrame | None, codes: pd.DataFrame | None = None,
                          stories: pd.DataFrame | None = None, activities: pd.DataFrame | None = None, *,
                          themes: Mapping[str, Iterable[Any]] | None = None,
                          professional_roles: Iterable[str] = PROFESSIONAL_ROLES) -> pd.DataFrame:
    """Municipal ambitions against what professionals register, per activity.

    Three perspectives per activity:

    * ``gemeente`` — indicators owned by the municipality, with their targets and whether
      they move toward them;
    * ``organisatie`` — what the organisations register themselves (indicators owned by
      ``organisatie``/``professionals``);
    * ``professionals`` — what practitioners tell (stories of the ``vakmanschap`` track or
      told by a professional role): number of stories, share with a negative main effect,
      and the themes they raise.

    ``themes`` lists themes (comma-separated); for ``professionals`` only themes that no
    municipal indicator of the activity covers are listed — what the ambitions miss.
    """
    compiled = compile_themes(themes)
    trends = indicator_trends(indicators)
    rows: list[dict[str, Any]] = []
    gem_themes: dict[str, set[str]] = {}
    if not trends.empty:
        links = _indicator_links(trends, activities, compiled)
        links = links.assign(_persp=links["owner"].map(
            lambda o: "gemeente" if o == "gemeente" else "organisatie" if o in ("organisatie", "professionals")
            else None))
        for (act, persp), g in links[links["_persp"].notna()].groupby(["activity", "_persp"], sort=True):
            th = sorted({t for ts in g["themes"] for t in ts})
            if persp == "gemeente":
                gem_themes.setdefault(act, set()).update(th)
            rows.append({"activity": act, "perspective": persp, "n_items": int(g["indicator"].nunique()),
                         "n_with_target": int(g.drop_duplicates("indicator")["target"].notna().sum()),
                         "n_toward_target": int((g["toward_target"] == True).sum()),  # noqa: E712
                         "n_away_from_target": int((g["toward_target"] == False).sum()),  # noqa: E712
                         "n_stories": pd.NA, "share_negative": np.nan, "themes": ", ".join(th),
                         "items": ", ".join(sorted(g["indicator"].unique()))})
    units = coded_units(codes, stories, activities, level="story", themes=themes)
    if not units.empty:
        roles = set(professional_roles)
        prof = units[(units["track"] == "vakmanschap") | units["storyteller_role"].isin(roles)]
        for act, g in prof.groupby("activity", sort=True):
            th = sorted({t for ts in g["themes"] for t in ts} - gem_themes.get(act, set()))
            rows.append({"activity": act, "perspective": "professionals", "n_items": pd.NA,
                         "n_with_target": pd.NA, "n_toward_target": pd.NA, "n_away_from_target": pd.NA,
                         "n_stories": int(g["story_id"].nunique()),
                         "share_negative": float((g["valence"] == "negative").mean()),
                         "themes": ", ".join(th), "items": ", ".join(sorted(g["story_id"].astype(str)))})
    if not rows:
        return empty(TARGET_COLUMNS)
    out = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    order = {"gemeente": 0, "organisatie": 1, "professionals": 2}
    return (out.assign(_o=out["perspective"].map(order)).sort_values(["activity", "_o"])
            .drop(columns="_o").reset_index(drop=True))


def indicator_series(indicators: pd.DataFrame | None, indicator: str,
                     areas: Iterable[str] | None = None) -> pd.DataFrame:
    """The values of one indicator over time: ``area, period, period_start, value, status, target``."""
    cols = ["area", "period", "period_start", "value", "status", "target"]
    ind = prep_indicators(indicators)
    if ind.empty:
        return empty(cols)
    ind = ind[ind["indicator"] == indicator]
    if areas is not None:
        ind = ind[ind["area"].isin(list(areas))]
    return ind.sort_values(["area", "period_start"])[cols].reset_index(drop=True)


__all__ = ["indicator_trends", "stories_vs_indicators", "invisible_effects", "by_owner", "owner_summary",
           "targets_vs_registered", "indicator_series", "DIMENSIONS"]

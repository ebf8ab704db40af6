"""Effect arena: investors and beneficiaries, wrong-pocket effects, supporting stories."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ._common import coded_units, compile_themes, content_stems, empty, is_empty, rank_exemplars, themes_of


def _prep_arena(arena: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["activity", "effect", "stakeholder", "role", "note"]
    if is_empty(arena):
        return empty(cols)
    a = arena.copy()
    for c in cols:
        if c not in a.columns:
            a[c] = pd.NA
    a["role"] = a["role"].astype(str).str.strip().str.lower().replace(
        {"investeerder": "investor", "incasseerder": "beneficiary", "investeerders": "investor",
         "incasseerders": "beneficiary"})
    a["stakeholder"] = a["stakeholder"].astype(str).str.strip()
    a["note"] = a["note"].fillna("")
    return a


def arena_effects(arena: pd.DataFrame | None) -> pd.DataFrame:
    """One row per effect with its investors, beneficiaries and the wrong-pocket flag.

    An effect is a *wrong-pocket* effect when none of its investors is among its
    beneficiaries: who pays is not who cashes in.

    Returns
    -------
    DataFrame
        ``activity, effect, investors, beneficiaries`` (comma-separated, sorted),
        ``n_investors, n_beneficiaries, wrong_pocket, note``.
    """
    cols = ["activity", "effect", "investors", "beneficiaries", "n_investors", "n_beneficiaries",
            "wrong_pocket", "note"]
    a = _prep_arena(arena)
    if a.empty:
        return empty(cols)
    rows = []
    for (act, eff), g in a.groupby(["activity", "effect"], sort=False):
        inv = sorted(set(g.loc[g["role"] == "investor", "stakeholder"]))
        ben = sorted(set(g.loc[g["role"] == "beneficiary", "stakeholder"]))
        notes = [n for n in pd.unique(g["note"]) if n]
        rows.append({"activity": act, "effect": eff, "investors": ", ".join(inv),
                     "beneficiaries": ", ".join(ben), "n_investors": len(inv), "n_beneficiaries": len(ben),
                     "wrong_pocket": bool(inv and ben and not set(inv) & set(ben)),
                     "note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=cols)


def arena_matrix(arena: pd.DataFrame | None) -> pd.DataFrame:
    """Investor × beneficiary matrix (long): how many effects flow from whom to whom.

    Returns
    -------
    DataFrame
        ``investor, beneficiary, n_effects, n_wrong_pocket, effects`` — one row per pair that
        shares at least one effect; ``n_wrong_pocket`` counts the pair's effects that are
        wrong-pocket effects; ``effects`` names them (``;``-separated).
    """
    cols = ["investor", "beneficiary", "n_effects", "n_wrong_pocket", "effects"]
    a = _prep_arena(arena)
    if a.empty:
        return empty(cols)
    eff = arena_effects(a).set_index(["activity", "effect"])["wrong_pocket"]
    inv = a[a["role"] == "investor"][["activity", "effect", "stakeholder"]].rename(columns={"stakeholder": "investor"})
    ben = a[a["role"] == "beneficiary"][["activity", "effect", "stakeholder"]].rename(
        columns={"stakeholder": "beneficiary"})
    pairs = inv.merge(ben, on=["activity", "effect"]).drop_duplicates()
    if pairs.empty:
        return empty(cols)
    pairs["wrong_pocket"] = [bool(eff.get((a_, e_), False)) for a_, e_ in zip(pairs["activity"], pairs["effect"])]
    out = pairs.groupby(["investor", "beneficiary"], sort=True).agg(
        n_effects=("effect", "size"), n_wrong_pocket=("wrong_pocket", "sum"),
        effects=("effect", lambda s: "; ".join(s))).reset_index()
    out["n_wrong_pocket"] = out["n_wrong_pocket"].astype(int)
    return out[cols]


def arena_support(arena: pd.DataFrame | None, codes: pd.DataFrame | None, stories: pd.DataFrame | None,
                  activities: pd.DataFrame | None = None, *, level: str = "segment",
                  themes: Mapping[str, Iterable[Any]] | None = None, n_quotes: int = 2,
                  min_score: int = 2) -> pd.DataFrame:
    """The stories that support each effect of the arena.

    A coded effect (segment) of the same activity supports an arena effect when their
    texts share themes or content words: ``score = 2 × shared themes + shared word stems``
    (first six letters of words of four letters or more, stop words left out); it supports
    when ``score >= min_score``.  The rule is crude on purpose: every match can be checked
    by reading the quotes.  Quotes: human codes before machine suggestions, then the
    highest score (:func:`~impactlib.analysis.rank_exemplars`); ``origin_<k>`` says which.

    Returns
    -------
    DataFrame
        ``activity, effect, wrong_pocket, n_stories, n_effects, n_positive, n_negative,
        stories, quote_1, story_id_1, origin_1, …``.
    """
    qcols = [c for k in range(1, n_quotes + 1) for c in (f"quote_{k}", f"story_id_{k}", f"origin_{k}")]
    cols = ["activity", "effect", "wrong_pocket", "n_stories", "n_effects", "n_positive", "n_negative",
            "stories", *qcols]
    effects = arena_effects(arena)
    if effects.empty:
        return empty(cols)
    compiled = compile_themes(themes)
    units = coded_units(codes, stories, activities, level=level, themes=themes)
    if not units.empty:
        units = units.assign(_stems=units["quote"].map(content_stems))
    rows = []
    for e in effects.itertuples(index=False):
        eth = set(themes_of(e.effect, compiled))
        est = content_stems(e.effect)
        row: dict[str, Any] = {"activity": e.activity, "effect": e.effect, "wrong_pocket": e.wrong_pocket}
        m = units[units["activity"] == e.activity] if not units.empty else units
        if len(m):
            score = [2 * len(eth & set(t)) + len(est & s) for t, s in zip(m["themes"], m["_stems"])]
            m = m.assign(_score=score)
            m = m[m["_score"] >= min_score]
        if len(m):
            ex = rank_exemplars(m, relevance="_score").drop_duplicates("story_id").head(n_quotes)
        else:
            ex = m
        row.update(n_stories=int(m["story_id"].nunique()) if len(m) else 0, n_effects=int(len(m)),
                   n_positive=int((m["valence"] == "positive").sum()) if len(m) else 0,
                   n_negative=int((m["valence"] == "negative").sum()) if len(m) else 0,
                   stories=", ".join(sorted(pd.unique(m["story_id"].astype(str)))) if len(m) else "")
        for k in range(1, n_quotes + 1):
            row[f"quote_{k}"] = ex["quote"].iloc[k - 1] if len(ex) >= k else ""
            row[f"story_id_{k}"] = str(ex["story_id"].iloc[k - 1]) if len(ex) >= k else ""
            row[f"origin_{k}"] = ex["origin"].iloc[k - 1] if len(ex) >= k else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


#: Position of a stakeholder in the arena, in reading order.
POSITIONS = ("alleen investeerder", "beide", "alleen incasseerder")


def stakeholder_positions(arena: pd.DataFrame | None) -> pd.DataFrame:
    """Per stakeholder: in how many effects it invests and cashes in, and its position.

    ``position`` is *alleen investeerder* (pays, never benefits), *beide*, or *alleen
    incasseerder* (benefits without paying: the party to invite next time).  Sorted by
    position, then stakeholder.

    Returns
    -------
    DataFrame
        ``stakeholder, investor, beneficiary, position``.

    Examples
    --------
    >>> a = pd.DataFrame({"activity": ["A"] * 3, "effect": ["e"] * 3, "stakeholder": ["gemeente", "school", "gemeente"],
    ...                   "role": ["investor", "beneficiary", "beneficiary"]})
    >>> stakeholder_positions(a).to_numpy().tolist()
    [['gemeente', 1, 1, 'beide'], ['school', 0, 1, 'alleen incasseerder']]
    """
    cols = ["stakeholder", "investor", "beneficiary", "position"]
    a = _prep_arena(arena)
    if a.empty:
        return empty(cols)
    t = pd.crosstab(a["stakeholder"], a["role"]).reindex(columns=["investor", "beneficiary"], fill_value=0)
    t["position"] = ["alleen investeerder" if b == 0 else "alleen incasseerder" if i == 0 else "beide"
                     for i, b in zip(t["investor"], t["beneficiary"])]
    order = {p: k for k, p in enumerate(POSITIONS)}
    t = t.reset_index().assign(_o=lambda d: d["position"].map(order))
    t = t.sort_values(["_o", "stakeholder"], kind="mergesort").drop(columns="_o")
    t.columns.name = None
    out = t[cols].reset_index(drop=True)
    out[["investor", "beneficiary"]] = out[["investor", "beneficiary"]].astype(int)
    return out

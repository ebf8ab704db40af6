"""Most Significant Change: domains, survival through selection rounds, criteria, meta-monitoring."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from ._common import empty, is_empty

#: Selection criteria and the Dutch words panels use for them (regular expressions,
#: matched case-insensitively at word starts).  Pass your own to :func:`msc_criteria`.
MSC_CRITERIA: dict[str, list[str]] = {
    "herkenbaarheid": [r"herken", r"zien we (bij|vaak|veel)", r"typerend", r"representatief"],
    "duurzaamheid": [r"duurza", r"blijvend", r"houdt .{0,30}stand", r"volhoud", r"volhouden",
                     r"lange termijn", r"eenmalig"],
    "onverwacht": [r"onverwacht", r"verrass", r"niet verwacht", r"had(den)? .{0,20}niet verwacht",
                   r"niet .{0,20}gerekend", r"stond niet in het plan", r"onbedoeld"],
    "eigen kracht": [r"eigen kracht", r"zelf (de|het|weer|de stap)", r"\bregie", r"zelfstandig",
                     r"zelfredzaam"],
    "bereik": [r"bereik", r"reikt verder", r"veel mensen", r"hele (gezin|straat|buurt|wijk)",
               r"ook de buurt", r"meer dan één persoon", r"olievlek"],
    "ernst": [r"ernst", r"escalat", r"anders kunnen aflopen", r"weegt zwaar", r"erg(s|e) voorkomen",
              r"uithuisplaats", r"huisuitzet"],
    "leerzaam": [r"leerzaam", r"(van )?leren\b", r"aan het denken", r"onze aanpak", r"reflect"],
    "kritisch": [r"kritisch", r"keerzijde", r"wat niet goed ging", r"eerlijk", r"schaduwkant"],
}

_TRUE = {"true", "1", "ja", "j", "yes", "y", "x", "waar", "geselecteerd", "gekozen", "wel"}


def _prep_msc(msc: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["round", "panel", "domain", "story_id", "selected", "reasons"]
    if is_empty(msc):
        return empty(cols)
    m = msc.copy()
    for c in cols:
        if c not in m.columns:
            m[c] = pd.NA
    m["story_id"] = m["story_id"].astype("string")
    m["round"] = pd.to_numeric(m["round"], errors="coerce").astype("Int64")
    sel = m["selected"]
    if sel.dtype != bool:
        sel = sel.map(lambda v: v if isinstance(v, bool) else str(v).strip().lower() in _TRUE)
    m["selected"] = sel.astype(bool)
    m["reasons"] = m["reasons"].fillna("").astype(str)
    return m


def msc_domain_counts(stories: pd.DataFrame | None, msc: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stories per domain of change and how many were considered and selected per round.

    Returns
    -------
    DataFrame
        ``domain, round, considered, selected``; round 0 holds the collected stories
        (``considered`` = collected, ``selected`` = ``<NA>``).  Domains with stories but no
        selection keep their round-0 row.
    """
    cols = ["domain", "round", "considered", "selected"]
    rows = []
    if not is_empty(stories) and "domain" in stories.columns:
        for dom, n in stories["domain"].fillna("(geen domein)").value_counts().sort_index().items():
            rows.append({"domain": dom, "round": 0, "considered": int(n), "selected": pd.NA})
    m = _prep_msc(msc)
    if not m.empty:
        if m["domain"].isna().any() and not is_empty(stories) and "domain" in stories.columns:
            dom = dict(zip(stories["story_id"].astype(str), stories["domain"]))
            m["domain"] = m["domain"].fillna(m["story_id"].map(dom))
        m["domain"] = m["domain"].fillna("(geen domein)")
        g = m.groupby(["domain", "round"]).agg(considered=("story_id", "nunique"),
                                               selected=("selected", "sum")).reset_index()
        for r in g.itertuples(index=False):
            rows.append({"domain": r.domain, "round": int(r.round), "considered": int(r.considered),
                         "selected": int(r.selected)})
    if not rows:
        return empty(cols)
    out = pd.DataFrame(rows, columns=cols)
    out["selected"] = out["selected"].astype("Int64")
    return out.sort_values(["domain", "round"]).reset_index(drop=True)


def msc_survival(msc: pd.DataFrame | None, stories: pd.DataFrame | None = None) -> pd.DataFrame:
    """How far each story got through the selection rounds.

    Returns
    -------
    DataFrame
        One row per story (all stories when ``stories`` is given): ``story_id, domain,
        activity, storyteller_role, last_round_considered`` (0 = never considered),
        ``last_round_selected`` (0 = never selected), ``stage`` (Dutch:
        ``verzameld``, ``besproken in ronde k``, ``gekozen in ronde k``), ``reasons`` (of its
        last selection, else of its last round).
    """
    cols = ["story_id", "domain", "activity", "storyteller_role", "last_round_considered",
            "last_round_selected", "stage", "reasons"]
    m = _prep_msc(msc)
    base = pd.DataFrame(columns=["story_id"])
    if not is_empty(stories):
        base = stories[[c for c in ("story_id", "domain", "activity", "storyteller_role") if c in stories.columns]]
        base = base.assign(story_id=base["story_id"].astype("string"))
    if m.empty and base.empty:
        return empty(cols)
    per = pd.DataFrame(columns=["story_id", "last_round_considered", "last_round_selected", "reasons", "_dom"])
    if not m.empty:
        m = m.sort_values(["story_id", "round"])
        rows = []
        for sid, g in m.groupby("story_id", sort=True):
            sel = g[g["selected"]]
            last_sel = int(sel["round"].max()) if len(sel) else 0
            reason = sel["reasons"].iloc[-1] if len(sel) else g["reasons"].iloc[-1]
            rows.append({"story_id": sid, "last_round_considered": int(g["round"].max()),
                         "last_round_selected": last_sel, "reasons": reason, "_dom": g["domain"].iloc[0]})
        per = pd.DataFrame(rows)
    out = base.merge(per, on="story_id", how="outer") if not base.empty else per
    for c in ("domain", "activity", "storyteller_role"):
        if c not in out.columns:
            out[c] = pd.NA
    out["domain"] = out["domain"].fillna(out["_dom"]) if "_dom" in out.columns else out["domain"]
    out["last_round_considered"] = out["last_round_considered"].fillna(0).astype(int)
    out["last_round_selected"] = out["last_round_selected"].fillna(0).astype(int)
    out["reasons"] = out["reasons"].fillna("")

    def stage(c: int, s: int) -> str:
        if s:
            return f"gekozen in ronde {s}"
        if c:
            return f"besproken in ronde {c}"
        return "verzameld"

    out["stage"] = [stage(c, s) for c, s in zip(out["last_round_considered"], out["last_round_selected"])]
    return out[cols].sort_values("story_id").reset_index(drop=True)


def msc_criteria(msc: pd.DataFrame | None, criteria: Mapping[str, Iterable[str]] | None = None, *,
                 by: str | Sequence[str] = "round", selected_only: bool = True) -> pd.DataFrame:
    """Criteria named in the panels' selection reasons (keyword dictionary).

    Parameters
    ----------
    criteria : mapping, optional
        ``criterion -> [regex, ...]``; default :data:`MSC_CRITERIA`.
    by : str or list of str
        Group columns of the MSC table (``round``, ``panel``, ``domain``).
    selected_only : bool
        Count reasons of selected stories only (the usual question: *why was this chosen?*).

    Returns
    -------
    DataFrame
        ``*by, criterion, n, n_reasons, share`` — ``n`` reasons mentioning the criterion,
        ``n_reasons`` reasons in the group, ``share = n / n_reasons``.  Reasons naming no
        criterion are counted under criterion ``(geen)`` so nothing disappears.
    """
    by = [by] if isinstance(by, str) else list(by)
    cols = [*by, "criterion", "n", "n_reasons", "share"]
    m = _prep_msc(msc)
    if m.empty:
        return empty(cols)
    if selected_only:
        m = m[m["selected"]]
    m = m[m["reasons"].str.strip() != ""]
    if m.empty:
        return empty(cols)
    crit = criteria or MSC_CRITERIA
    compiled = {k: re.compile("|".join(f"(?:{p})" for p in v), re.IGNORECASE) for k, v in crit.items()}
    hits = criteria_in(m["reasons"], compiled)
    long = m[by].join(hits).melt(id_vars=by, var_name="criterion", value_name="hit")
    n = long.groupby([*by, "criterion"], sort=False)["hit"].sum().rename("n").reset_index()
    none = m[by].assign(hit=~hits.any(axis=1)).groupby(by)["hit"].sum().rename("n").reset_index()
    none["criterion"] = "(geen)"
    n = pd.concat([n, none], ignore_index=True)
    tot = m.groupby(by).size().rename("n_reasons").reset_index()
    out = n.merge(tot, on=by)
    out["n"] = out["n"].astype(int)
    out["share"] = out["n"] / out["n_reasons"]
    order = {k: i for i, k in enumerate([*crit, "(geen)"])}
    out = out.assign(_o=out["criterion"].map(order)).sort_values([*by, "_o"]).drop(columns="_o")
    return out[cols].reset_index(drop=True)


def criteria_in(reasons: pd.Series, compiled: Mapping[str, re.Pattern]) -> pd.DataFrame:
    """Boolean frame: which criterion each reason mentions."""
    return pd.DataFrame({k: reasons.fillna("").map(lambda t, rx=rx: bool(rx.search(t)))
                         for k, rx in compiled.items()}, index=reasons.index)


META_ASPECTS = ("storyteller_role", "collected_by", "activity")


def meta_monitoring(stories: pd.DataFrame | None, msc: pd.DataFrame | None = None, *,
                    aspects: Iterable[str] = META_ASPECTS) -> pd.DataFrame:
    """Who tells, who collects, whose stories are selected.

    For each aspect (a story column such as ``storyteller_role``, ``collected_by``,
    ``activity`` or a case variable) and each of its groups: the stories collected, and
    the stories selected in each round.

    Returns
    -------
    DataFrame
        ``aspect, group, stage, n, share``; ``stage`` is ``collected`` or ``round_<k>``
        (selected in round k); ``share`` is the group's share of that stage, so a group
        whose share rises from collected to the last round is favoured by the panels.
    """
    cols = ["aspect", "group", "stage", "n", "share"]
    if is_empty(stories):
        return empty(cols)
    st = stories.assign(story_id=stories["story_id"].astype("string"))
    m = _prep_msc(msc)
    stages: list[tuple[str, set[str] | None]] = [("collected", None)]
    if not m.empty:
        for r in sorted(m["round"].dropna().unique()):
            ids = set(m.loc[(m["round"] == r) & m["selected"], "story_id"].astype(str))
            stages.append((f"round_{int(r)}", ids))
    rows = []
    for aspect in aspects:
        if aspect not in st.columns:
            continue
        grp = st[aspect].astype("object").fillna("(onbekend)")
        for stage, ids in stages:
            mask = pd.Series(True, index=st.index) if ids is None else st["story_id"].astype(str).isin(ids)
            counts = grp[mask].value_counts()
            total = int(mask.sum())
            for g in sorted(grp.unique(), key=str):
                n = int(counts.get(g, 0))
                rows.append({"aspect": aspect, "group": g, "stage": stage, "n": n,
                             "share": n / total if total else float("nan")})
    if not rows:
        return empty(cols)
    return pd.DataFrame(rows, columns=cols)

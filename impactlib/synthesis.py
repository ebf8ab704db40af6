"""The sentences of the synthesis (notebook 7) and of the arena notebook, computed from the tables.

Every sentence with a number is built here from the tables of :mod:`impactlib.analysis`,
so a test can reach it and a notebook only displays it.  Each function returns a list of
:class:`Finding` (a Dutch sentence and whether it is a warning); show them with
:func:`impactlib.display.findings`.

Examples
--------
>>> pct(0.375), pct(float("nan"))
('38%', '–')
>>> Finding("Alles goed.")
Finding(text='Alles goed.', warning=False)
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

import pandas as pd

from impactlib import analysis


class Finding(NamedTuple):
    """One sentence of a report; ``warning`` marks what a reader must not miss."""

    text: str
    warning: bool = False


def pct(x: Any) -> str:
    """A share as a Dutch percentage string (``37%``; ``–`` when unknown)."""
    return "–" if x is None or pd.isna(x) else f"{round(100 * float(x))}%"


def n_of(n: int, one: str, many: str) -> str:
    """``"1 verhaal"``, ``"3 verhalen"``: a count with the Dutch singular or plural.

    >>> n_of(1, "verhaal", "verhalen"), n_of(0, "cijfer", "cijfers")
    ('1 verhaal', '0 cijfers')
    """
    return f"{n} {one if n == 1 else many}"


def present(df: Optional[pd.DataFrame]) -> bool:
    """True for a table with rows."""
    return df is not None and len(df) > 0


def _origin_counts(codes: Optional[pd.DataFrame]) -> tuple[int, int]:
    if not present(codes) or "origin" not in codes.columns:
        return 0, 0
    origin = codes.drop_duplicates("story_id")["origin"].value_counts()
    return int(origin.get("human", 0)), int(origin.get("machine", 0))


def overview(project: Any, codes: pd.DataFrame, *, themes: Any = None) -> Finding:
    """What the project holds: stories, coded main effects, indicators, MSC rounds, arena."""
    stories, activities = project.stories, project.activities
    n_stories = len(stories) if present(stories) else 0
    story_codes = analysis.coded_units(codes, stories, activities, level="story", themes=themes)
    complete = present(project.indicators) and present(project.msc) and present(project.arena)
    return Finding(
        f"{project.name}: {n_stories} verhalen, {len(story_codes)} met een gecodeerd hoofdeffect; "
        + ("indicatoren aanwezig" if present(project.indicators) else "geen indicatoren") + ", "
        + ("MSC-selectierondes aanwezig" if present(project.msc) else "geen MSC-selectierondes") + ", "
        + ("effectenarena aanwezig." if present(project.arena) else "geen effectenarena."),
        warning=not complete)


def doelmatigheid(indicators, codes, stories, activities=None, *, themes: Any = None) -> list[Finding]:
    """Indicator trends against their targets, and what the stories say about them."""
    out: list[Finding] = []
    trends = analysis.indicator_trends(indicators)
    if trends.empty:
        out.append(Finding("Dit project heeft geen indicatoren: over doelmatigheid in cijfers valt niets te zeggen. "
                           "De verhalen hieronder laten zien welke effecten er wel zijn.", True))
    else:
        joint = analysis.stories_vs_indicators(codes, stories, indicators, activities, themes=themes)
        own = trends[trends["activity"].notna()] if trends["activity"].notna().any() else trends
        toward = int((own["toward_target"] == True).sum())  # noqa: E712
        away = int((own["toward_target"] == False).sum())  # noqa: E712
        met = int((own["target_met"] == True).sum())  # noqa: E712
        out.append(Finding(f"Van de {len(own)} indicatorreeksen in het werkgebied van de activiteiten bewegen er "
                           f"{toward} richting de streefwaarde en {away} ervan af; {len(own) - toward - away} "
                           f"blijven (bijna) gelijk of hebben geen streefwaarde. Bij {met} is de streefwaarde al "
                           "gehaald."))
        linked = joint[joint["indicator"].notna() & (joint["n_effects"] > 0)]
        verdicts = linked["verdict"].value_counts()
        if len(linked):
            out.append(Finding(
                f"De verhalen bevestigen {int(verdicts.get('confirm', 0))} van de {len(linked)} cijfers waarover ze "
                f"iets zeggen, verrijken er {int(verdicts.get('expand', 0))} en spreken er "
                f"{int(verdicts.get('contradict', 0))} tegen."))
        for r in linked[linked["verdict"] == "contradict"].itertuples(index=False):
            out.append(Finding(f"Tegenspraak bij {r.activity}: '{r.indicator}' ({r.area}) — {r.explanation} "
                               f"({r.n_negative} van de {r.n_effects} effecten negatief).", True))
    targets = analysis.targets_vs_registered(indicators, codes, stories, activities, themes=themes)
    if not targets.empty and present(indicators):
        acts = sorted(targets["activity"].dropna().unique())
        no_gem = [a for a in acts if not ((targets["activity"] == a) & (targets["perspective"] == "gemeente")).any()]
        if no_gem:
            out.append(Finding(f"Bij {len(no_gem)} van de {len(acts)} activiteiten volgt de gemeente zelf geen "
                               f"indicator ({', '.join(no_gem)}); daar rust het beeld op registraties van de "
                               "organisatie en op verhalen."))
    return out


def _track_counts(codes, stories, activities):
    has_track = present(stories) and "track" in stories.columns and stories["track"].notna().any()
    return analysis.code_counts(codes, stories, activities, by="track") if has_track else pd.DataFrame(), has_track


def betekenisgeving(codes, stories, msc, activities=None) -> list[Finding]:
    """Valence of the participants' stories, MSC selection, criteria and meta-monitoring."""
    out: list[Finding] = []
    track_counts, has_track = _track_counts(codes, stories, activities)
    if has_track:
        bt = track_counts[(track_counts["track"] == "betekenisgeving") & (track_counts["dimension"] == "valence")]
        if len(bt) and bt["total"].max() > 0:
            pos = bt.loc[bt["value"] == "positive", "share"].iloc[0]
            out.append(Finding(f"{int(bt['total'].max())} verhalen van deelnemers en hun omgeving zijn gecodeerd: "
                               f"{pct(pos)} beschrijft vooral een positieve verandering, {pct(1 - pos)} een "
                               "negatieve."))
    if not present(msc):
        out.append(Finding("Er zijn geen MSC-selectierondes: welke verhalen panels het belangrijkst vinden, is nog "
                           "niet bekend.", True))
    else:
        survival = analysis.msc_survival(msc, stories)
        criteria = analysis.msc_criteria(msc, by="round")
        top_round = int(survival["last_round_selected"].max())
        final = survival[survival["last_round_selected"] == top_round] if top_round else survival.iloc[0:0]
        out.append(Finding(f"Panels bespraken {int((survival['last_round_considered'] > 0).sum())} van de "
                           f"{len(survival)} verhalen; in de laatste ronde werden er {len(final)} gekozen"
                           + (f", uit de domeinen {', '.join(sorted(final['domain'].dropna().unique()))}."
                              if len(final) else ".")))
        if not criteria.empty:
            named = criteria[criteria["criterion"] != "(geen)"]
            best = (named.sort_values(["round", "share", "criterion"], ascending=[True, False, True])
                    .groupby("round").head(1))
            if len(best):
                out.append(Finding("Het vaakst genoemde selectiecriterium: " + "; ".join(
                    f"ronde {int(r.round)}: {r.criterion} ({pct(r.share)} van de redenen)"
                    for r in best.itertuples()) + "."))
    meta = analysis.meta_monitoring(stories, msc, aspects=["storyteller_role"])
    if not meta.empty and meta["stage"].nunique() > 1:
        last = sorted(s for s in meta["stage"].unique() if s != "collected")[-1]
        wide = meta.pivot_table(index="group", columns="stage", values="share")
        missing = wide[(wide["collected"] >= 0.05) & (wide[last] == 0)].index.tolist()
        gain = (wide[last] - wide["collected"]).sort_values(ascending=False)
        up = gain.index[0]
        out.append(Finding(f"Meta-monitoring: verhalen van '{up}' zijn {pct(wide.loc[up, 'collected'])} "
                           f"van de verzamelde maar {pct(wide.loc[up, last])} van de uiteindelijk gekozen "
                           "verhalen" + (f"; van {', '.join(missing)} werd in de laatste ronde geen enkel verhaal "
                                         "gekozen, hoewel ze minstens 5% van de verhalen vertelden."
                                         if missing else "."), bool(missing)))
    if not out:
        out.append(Finding("Geen verhalen om iets over betekenisgeving te zeggen.", True))
    return out


def vakmanschap(codes, stories, activities=None, *, themes: Any = None) -> list[Finding]:
    """How critical professionals' reflections are, and the negative themes they name most."""
    track_counts, has_track = _track_counts(codes, stories, activities)
    if not (has_track and (track_counts["track"] == "vakmanschap").any()):
        return [Finding("Het project heeft geen reflecties in het spoor vakmanschap (kolom 'track').", True)]
    out: list[Finding] = []
    val = track_counts[track_counts["dimension"] == "valence"]
    vk = val.pivot_table(index="track", columns="value", values="share")
    others = val[(val["track"] != "vakmanschap") & (val["value"] == "negative")]
    neg_other = others["n"].sum() / others["total"].sum() if others["total"].sum() else float("nan")
    neg_vak = vk.loc["vakmanschap", "negative"] if "negative" in vk.columns else 0.0
    compare = ("" if pd.isna(neg_other) or pct(neg_vak) == pct(neg_other) else
               ": professionals zien meer keerzijden" if neg_vak > neg_other else
               ": professionals zien minder keerzijden dan de andere vertellers")
    out.append(Finding(f"In de reflecties van professionals is {pct(neg_vak)} van de hoofdeffecten negatief, "
                       f"tegen {pct(neg_other)} in de andere sporen{compare}."))
    ids = set(stories.loc[stories["track"] == "vakmanschap", "story_id"].astype(str))
    tv = analysis.theme_counts(codes[codes["story_id"].astype(str).isin(ids)], stories, activities, by=[],
                               themes=themes)
    tv = tv[tv["n_negative"] > 0].sort_values(["n_negative", "theme"], ascending=[False, True])
    if len(tv):
        out.append(Finding("De negatieve effecten die professionals het vaakst noemen, gaan over " + ", ".join(
            f"{t} ({n})" for t, n in zip(tv["theme"].head(3), tv["n_negative"].head(3))) + "."))
    return out


def arena(arena_table, codes, stories, activities=None, *, themes: Any = None) -> list[Finding]:
    """Wrong-pocket effects, parties that only cash in, and effects without a supporting story."""
    effects = analysis.arena_effects(arena_table)
    if effects.empty:
        return [Finding("Er is geen effectenarena; wie investeert en wie incasseert is nog niet in kaart gebracht.",
                        True)]
    support = analysis.arena_support(arena_table, codes, stories, activities, themes=themes)
    wp = effects[effects["wrong_pocket"]]
    pos = analysis.stakeholder_positions(arena_table)
    only_benefit = pos.loc[pos["position"] == "alleen incasseerder", "stakeholder"].tolist()
    unsupported = support[support["n_stories"] == 0]
    return [
        Finding(f"{len(wp)} van de {len(effects)} effecten in de arena zijn verkeerde-zak-effecten: wie investeert, "
                "incasseert niet." + (f" Partijen die alleen incasseren: {', '.join(only_benefit)}."
                                      if only_benefit else "")),
        Finding(f"{len(support) - len(unsupported)} van de {len(support)} arena-effecten worden door verhalen "
                "onderbouwd" + (": zonder verhaal zijn " + "; ".join(unsupported["effect"]) + "."
                                if len(unsupported) else ".")),
    ]


def arena_support_findings(support: pd.DataFrame) -> list[Finding]:
    """Effects without a story, contested effects, and wrong-pocket effects with stories (notebook 6)."""
    if support is None or support.empty:
        return []
    unsupported = support[support["n_stories"] == 0]
    contested = support[(support["n_negative"] > 0) & (support["n_negative"] >= support["n_positive"])]
    wp = support[support["wrong_pocket"]]

    def listed(df):
        return (": " + "; ".join(f"{a} — {e}" for a, e in zip(df["activity"], df["effect"]))) if len(df) else ""

    return [
        Finding(f"{len(unsupported)} van de {len(support)} effecten hebben geen enkel verhaal als onderbouwing"
                f"{listed(unsupported)}."),
        Finding(f"{len(contested)} effecten hebben minstens zoveel negatieve als positieve verhalen"
                f"{listed(contested)}."),
        Finding(f"Van de {len(wp)} verkeerde-zak-effecten worden er {int((wp['n_stories'] > 0).sum())} door "
                "verhalen onderbouwd: daarmee kan het gesprek met de incasseerders beginnen."),
    ]


def invisible(codes, stories, indicators, activities=None, *, themes: Any = None,
              top: int = 8) -> tuple[list[Finding], pd.DataFrame]:
    """Effects without an indicator: a summary sentence and the largest themes without one.

    Returns the findings and a table ``activity, theme, effecten, negatief, voorbeeld,
    verhaal, bron`` (the example quote human-coded when one exists).
    """
    cols = ["activity", "theme", "effecten", "negatief", "voorbeeld", "verhaal", "bron"]
    inv = analysis.invisible_effects(codes, stories, indicators, activities, themes=themes)
    all_effects = analysis.coded_units(codes, stories, activities, level="segment", themes=themes)
    if inv.empty:
        return ([Finding("Alle gecodeerde effecten vallen onder een thema waarvoor een indicator bestaat."
                         if len(all_effects) else "Er zijn geen gecodeerde effecten.", not len(all_effects))],
                pd.DataFrame(columns=cols))
    text = (f"{len(inv)} van de {len(all_effects)} gecodeerde effecten ({pct(len(inv) / len(all_effects))}) "
            f"hebben geen indicator: {int((inv['reason'] == 'no_indicator').sum())} raken een thema "
            f"dat bij hun activiteit niet gemeten wordt, {int((inv['reason'] == 'no_theme').sum())} "
            "vallen buiten alle thema's van het codeboek."
            + ("" if present(indicators) else " (Dit project heeft helemaal geen indicatoren.)"))
    themed = inv[inv["reason"] == "no_indicator"].assign(theme=lambda d: d["themes"].str.split(", "))
    themed = themed.explode("theme").assign(activity=lambda d: d["activity"].fillna("(onbekende activiteit)"))
    if not len(themed):
        return [Finding(text)], pd.DataFrame(columns=cols)
    if "origin" not in themed.columns:
        themed["origin"] = "machine"
    rows = []
    for (act, th), g in themed.groupby(["activity", "theme"], sort=True):
        ex = analysis.rank_exemplars(g)
        rows.append({"activity": act, "theme": th, "effecten": len(g), "negatief": int((g["valence"] == "negative").sum()),
                     "voorbeeld": ex["quote"].iloc[0] if len(ex) else "",
                     "verhaal": str(ex["story_id"].iloc[0]) if len(ex) else "",
                     "bron": ex["origin"].iloc[0] if len(ex) else ""})
    table = (pd.DataFrame(rows, columns=cols).sort_values(["effecten", "activity", "theme"],
                                                          ascending=[False, True, True]).head(top))
    return [Finding(text)], table.reset_index(drop=True)


def unintended(codes, stories, activities=None, *, themes: Any = None,
               n_examples: int = 4) -> tuple[list[Finding], pd.DataFrame]:
    """Counts of the three kinds of unintended/negative effects, and examples of new harm.

    Returns the findings and up to ``n_examples`` new-harm effects, one per activity
    (human-coded first), for :func:`impactlib.display.quotes`.
    """
    un = analysis.unintended_and_negative(codes, stories, activities, themes=themes)
    if un.empty:
        return [Finding("Geen onbedoelde of negatieve effecten gevonden.", True)], un
    out = [Finding("; ".join(f"{analysis.UNINTENDED_NEGATIVE_KINDS[k].split(':')[0]}: "
                             f"{int((un['kind'] == k).sum())} effecten in "
                             f"{un.loc[un['kind'] == k, 'story_id'].nunique()} verhalen"
                             for k in analysis.UNINTENDED_NEGATIVE_KINDS) + ".")]
    harm = un[un["kind"] == "negative/unintended"]
    if len(harm):
        per = harm["activity"].fillna("(onbekende activiteit)").value_counts()
        per = per.sort_index().sort_values(ascending=False, kind="mergesort")
        out.append(Finding(f"De meeste nieuwe schade (negatief en onbedoeld) wordt verteld bij {per.index[0]} "
                           f"({int(per.iloc[0])} effecten). Voorbeelden, één per activiteit:"))
    return out, harm.drop_duplicates("activity").head(n_examples).reset_index(drop=True)


def caveats(project, codes) -> list[Finding]:
    """Synthetic data, who coded, inter-coder reliability, who told the stories, crude links."""
    from impactlib import agreement, workflow

    out: list[Finding] = []
    stories = project.stories
    n_stories = len(stories) if present(stories) else 0
    n_human, n_machine = _origin_counts(codes)
    if getattr(project, "synthetic", False):
        out.append(Finding("Alle gegevens in dit project zijn synthetisch: de gemeente, de personen, de verhalen en "
                           "de cijfers zijn verzonnen om de werkwijze te laten zien.", True))
    n_none = n_stories - n_human - n_machine
    out.append(Finding(f"Codes: {n_of(n_human, 'verhaal is', 'verhalen zijn')} door onderzoekers gecodeerd, "
                       f"{n_machine} alleen door de tagger (ongecontroleerde voorstellen); "
                       f"{n_of(n_none, 'verhaal heeft', 'verhalen hebben')} geen gecodeerd effect. Citaten komen "
                       "zo veel mogelijk uit door mensen gecodeerde verhalen; de kolom 'bron' zegt het.",
                       n_machine > n_human))
    human = workflow.human_codes(project.codes)
    if len(human) and human["coder"].nunique() >= 2:
        rel = agreement.reliability(human, level="story", n_boot=0)
        out.append(Finding("Overeenstemming tussen codeurs (Krippendorffs α, verhaalniveau): " + "; ".join(
            f"{analysis.label(r.dimension)} {r.krippendorff_alpha:.2f}".replace(".", ",") for r in rel.itertuples())
            + f" — over {int(rel['pairable_units'].max())} dubbel gecodeerde verhalen. Onder 0,67 alleen "
            "voorzichtige conclusies.", bool((rel["krippendorff_alpha"] < 0.667).any())))
    else:
        out.append(Finding("De codes zijn niet door twee codeurs gecodeerd: hun betrouwbaarheid is onbekend.", True))
    roles = (stories["storyteller_role"].dropna().value_counts(normalize=True)
             if present(stories) and "storyteller_role" in stories.columns else pd.Series(dtype=float))
    if not len(roles):
        out.append(Finding("De verhalen zijn geen steekproef, en wie ze vertelde is niet vastgelegd (kolom "
                           "'storyteller_role'): daardoor is niet na te gaan wiens stem ontbreekt.", True))
    else:
        out.append(Finding(f"De verhalen zijn geen steekproef: de grootste groep vertellers is '{roles.index[0]}' "
                           f"({pct(roles.iloc[0])} van de verhalen), en wie de activiteit niet bereikt, vertelt "
                           "niet. Percentages gaan over de opgehaalde verhalen, niet over alle deelnemers."))
    out.append(Finding("Koppelingen tussen verhalen, indicatoren en arena-effecten lopen via de thema's van het "
                       "codeboek; ze zijn controleerbaar maar grof. Lees de citaten in de notebooks 3 tot en met 6."))
    return out


def next_steps(project, codes, *, themes: Any = None) -> list[Finding]:
    """Numbered proposals for the next round, following from the findings."""
    from impactlib import workflow

    stories, indicators, activities = project.stories, project.indicators, project.activities
    steps: list[str] = []
    joint = analysis.stories_vs_indicators(codes, stories, indicators, activities, themes=themes)
    if not joint.empty and (joint["verdict"] == "contradict").any():
        c = joint[joint["verdict"] == "contradict"]
        steps.append(f"Bespreek met de gemeente en de uitvoerders waarom de verhalen {n_of(len(c), 'cijfer', 'cijfers')} tegenspreken "
                     f"({', '.join(sorted(set(c['indicator'].dropna())))}): daar valt het meest te leren.")
    inv = analysis.invisible_effects(codes, stories, indicators, activities, themes=themes)
    if not inv.empty and present(indicators):
        th = inv[inv["reason"] == "no_indicator"]["themes"].str.split(", ").explode().value_counts()
        th = th.sort_index().sort_values(ascending=False, kind="mergesort")
        if len(th):
            steps.append(f"Maak zichtbaar wat de cijfers missen: '{th.index[0]}' komt {int(th.iloc[0])} keer terug in "
                         "de verhalen zonder indicator. Kies samen of dat gemeten moet worden, of met een vaste "
                         "verhalenvraag gevolgd.")
    elif not present(indicators):
        steps.append("Leg de verhalen naast de cijfers die er al zijn: voeg de indicatoren van gemeente en "
                     "organisaties toe aan het project (met eigenaar en streefwaarde).")
    effects = analysis.arena_effects(project.arena)
    if not effects.empty and effects["wrong_pocket"].any():
        steps.append(f"Nodig de partijen die incasseren zonder te investeren uit voor een volgende effectenarena: "
                     f"{int(effects['wrong_pocket'].sum())} effecten landen in een andere zak dan die van de betaler.")
    elif effects.empty:
        steps.append("Organiseer een effectenarena met 5 à 8 betrokkenen (notebook 6 geeft een sjabloon).")
    if not present(project.msc):
        steps.append("Laat panels (bewoners, professionals, stuurgroep) per domein het belangrijkste verhaal kiezen "
                     "en hun redenen opschrijven (Most Significant Change).")
    _, n_machine = _origin_counts(codes)
    if n_machine:
        which = "het verhaal dat" if n_machine == 1 else f"de {n_machine} verhalen die"
        steps.append(f"Laat {which} alleen de tagger codeerde nakijken (notebook 1).")
    human = workflow.human_codes(project.codes)
    if not len(human) or human["coder"].nunique() < 2:
        steps.append("Laat minstens 10–20% van de verhalen door een tweede codeur coderen (notebook 2).")
    steps.append("Bespreek de reflecties van professionals in het team en met de opdrachtgever: wat registreren we, "
                 "voor wie, en wat laten we daardoor liggen?")
    return [Finding(f"{i}. {s}") for i, s in enumerate(steps, 1)]

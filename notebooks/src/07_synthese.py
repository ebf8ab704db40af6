# %% [markdown]
# # 7. Synthese: wat nemen we mee naar de gemeente?
#
# Een kort verslag voor de gemeente en de organisaties, per spoor: de belangrijkste
# bevindingen, de effecten die in de cijfers onzichtbaar blijven, de onbedoelde en negatieve
# effecten, de kanttekeningen en wat we voorstellen als volgende stap.
#
# **Elke zin met een getal is berekend** uit de tabellen van de notebooks 3 tot en met 6; draai
# de notebook op een ander project en de zinnen veranderen mee. Lees ze daarom als een eerste
# opzet die de onderzoeker controleert en aanvult — niet als een oordeel over de activiteiten.
# Impact meten is niet hetzelfde als verantwoording afleggen: het doel is leren.

# %% parameters
project_dir = "../data/sample"   # map met project.toml, of het pad naar project.toml
machine_codes = None             # pad naar codes van de tagger (CSV), of None: nu coderen
output_dir = None                # map voor tussenbestanden, of None: niets bewaren

# %%
%matplotlib inline
import matplotlib
import matplotlib.pyplot as plt
from impactlib import analysis, plots, workflow
from impactlib.display import table, quote, quotes, note
project = workflow.open_project(project_dir)
machine = workflow.machine_codes(project, machine_codes)
codes = workflow.analysis_codes(project, machine)   # primary human coder + machine codes, column origin

# %%
import pandas as pd

from impactlib import agreement
from impactlib.display import Group


def present(df):
    return df is not None and not df.empty


def pct(x):
    """A share as a Dutch percentage string (``37%``)."""
    return "–" if pd.isna(x) else f"{round(100 * float(x))}%"


stories, indicators, activities = project.stories, project.indicators, project.activities
n_stories = len(stories) if present(stories) else 0
has_track = present(stories) and "track" in stories.columns and stories["track"].notna().any()
origin = codes.drop_duplicates("story_id")["origin"].value_counts() if len(codes) else pd.Series(dtype=int)
n_human, n_machine = int(origin.get("human", 0)), int(origin.get("machine", 0))
story_codes = analysis.coded_units(codes, stories, activities, level="story")
track_counts = analysis.code_counts(codes, stories, activities, by="track" if has_track else None)
note(f"{project.name}: {n_stories} verhalen, {len(story_codes)} met een gecodeerd hoofdeffect; "
     + ("indicatoren aanwezig" if present(indicators) else "geen indicatoren") + ", "
     + ("MSC-selectierondes aanwezig" if present(project.msc) else "geen MSC-selectierondes") + ", "
     + ("effectenarena aanwezig." if present(project.arena) else "geen effectenarena."),
     warning=not (present(indicators) and present(project.msc) and present(project.arena)))

# %% [markdown]
# ## Doelmatigheid: wat zeggen de cijfers, en wat zeggen de verhalen erover?

# %%
trends = analysis.indicator_trends(indicators)
joint = analysis.stories_vs_indicators(codes, stories, indicators, activities)
findings = []
if trends.empty:
    findings.append(note("Dit project heeft geen indicatoren: over doelmatigheid in cijfers valt niets te zeggen. "
                         "De verhalen hieronder laten zien welke effecten er wel zijn.", warning=True))
else:
    own = trends[trends["activity"].notna()] if trends["activity"].notna().any() else trends
    toward = int((own["toward_target"] == True).sum())  # noqa: E712
    away = int((own["toward_target"] == False).sum())  # noqa: E712
    met = int((own["target_met"] == True).sum())  # noqa: E712
    findings.append(note(f"Van de {len(own)} indicatorreeksen in het werkgebied van de activiteiten bewegen er "
                         f"{toward} richting de streefwaarde en {away} ervan af; {len(own) - toward - away} blijven "
                         f"(bijna) gelijk of hebben geen streefwaarde. Bij {met} is de streefwaarde al gehaald."))
    linked = joint[joint["indicator"].notna() & (joint["n_effects"] > 0)]
    verdicts = linked["verdict"].value_counts()
    if len(linked):
        findings.append(note(
            f"De verhalen bevestigen {int(verdicts.get('confirm', 0))} van de {len(linked)} cijfers waarover ze "
            f"iets zeggen, verrijken er {int(verdicts.get('expand', 0))} en spreken er "
            f"{int(verdicts.get('contradict', 0))} tegen."))
    for r in linked[linked["verdict"] == "contradict"].itertuples(index=False):
        findings.append(note(f"Tegenspraak bij {r.activity}: '{r.indicator}' ({r.area}) — {r.explanation} "
                             f"({r.n_negative} van de {r.n_effects} effecten negatief).", warning=True))
targets = analysis.targets_vs_registered(indicators, codes, stories, activities)
if not targets.empty:
    acts = sorted(targets["activity"].dropna().unique())
    no_gem = [a for a in acts if not ((targets["activity"] == a) & (targets["perspective"] == "gemeente")).any()]
    if present(indicators) and no_gem:
        findings.append(note(f"Bij {len(no_gem)} van de {len(acts)} activiteiten volgt de gemeente zelf geen indicator "
                             f"({', '.join(no_gem)}); daar rust het beeld op registraties van de organisatie en "
                             "op verhalen."))
Group(findings)

# %% [markdown]
# ## Betekenisgeving: wat vinden mensen zelf de belangrijkste verandering?

# %%
findings = []
if has_track:
    bt = track_counts[(track_counts["track"] == "betekenisgeving") & (track_counts["dimension"] == "valence")]
    if len(bt) and bt["total"].max() > 0:
        pos = bt.loc[bt["value"] == "positive", "share"].iloc[0]
        findings.append(note(f"{int(bt['total'].max())} verhalen van deelnemers en hun omgeving zijn gecodeerd: "
                             f"{pct(pos)} beschrijft vooral een positieve verandering, {pct(1 - pos)} een negatieve."))
survival = analysis.msc_survival(project.msc, stories)
criteria = analysis.msc_criteria(project.msc, by="round")
if not present(project.msc):
    findings.append(note("Er zijn geen MSC-selectierondes: welke verhalen panels het belangrijkst vinden, is nog niet "
                         "bekend.", warning=True))
else:
    top_round = int(survival["last_round_selected"].max())
    final = survival[survival["last_round_selected"] == top_round] if top_round else survival.iloc[0:0]
    findings.append(note(f"Panels bespraken {int((survival['last_round_considered'] > 0).sum())} van de "
                         f"{len(survival)} verhalen; in de laatste ronde werden er {len(final)} gekozen"
                         + (f", uit de domeinen {', '.join(sorted(final['domain'].dropna().unique()))}."
                            if len(final) else ".")))
    if not criteria.empty:
        named = criteria[criteria["criterion"] != "(geen)"]
        best = (named.sort_values(["round", "share", "criterion"], ascending=[True, False, True])
                .groupby("round").head(1))
        findings.append(note("Het vaakst genoemde selectiecriterium: " + "; ".join(
            f"ronde {int(r.round)}: {r.criterion} ({pct(r.share)} van de redenen)" for r in best.itertuples()) + "."))
meta = analysis.meta_monitoring(stories, project.msc, aspects=["storyteller_role"])
if not meta.empty and meta["stage"].nunique() > 1:
    last = sorted(s for s in meta["stage"].unique() if s != "collected")[-1]
    wide = meta.pivot_table(index="group", columns="stage", values="share")
    missing = wide[(wide["collected"] >= 0.05) & (wide[last] == 0)].index.tolist()
    gain = (wide[last] - wide["collected"]).sort_values(ascending=False)
    up = gain.index[0]
    findings.append(note(f"Meta-monitoring: verhalen van '{up}' zijn {pct(wide.loc[up, 'collected'])} "
                         f"van de verzamelde maar {pct(wide.loc[up, last])} van de uiteindelijk gekozen "
                         "verhalen" + (f"; van {', '.join(missing)} werd in de laatste ronde geen enkel verhaal "
                                       "gekozen, hoewel ze minstens 5% van de verhalen vertelden." if missing else "."),
                         warning=bool(missing)))
Group(findings) if findings else note("Geen verhalen om iets over betekenisgeving te zeggen.", warning=True)

# %% [markdown]
# ## Vakmanschap: wat zien en leren professionals?

# %%
findings = []
if has_track and (track_counts["track"] == "vakmanschap").any():
    vk = track_counts[track_counts["dimension"] == "valence"].pivot_table(index="track", columns="value",
                                                                           values="share")
    others = track_counts[(track_counts["track"] != "vakmanschap") & (track_counts["dimension"] == "valence")
                          & (track_counts["value"] == "negative")]
    neg_other = others["n"].sum() / others["total"].sum() if others["total"].sum() else float("nan")
    neg_vak = vk.loc["vakmanschap", "negative"]
    compare = ("" if pd.isna(neg_other) or pct(neg_vak) == pct(neg_other) else
               ": professionals zien meer keerzijden" if neg_vak > neg_other else
               ": professionals zien minder keerzijden dan de andere vertellers")
    findings.append(note(f"In de reflecties van professionals is {pct(neg_vak)} van de hoofdeffecten negatief, "
                         f"tegen {pct(neg_other)} in de andere sporen{compare}."))
    ids = set(stories.loc[stories["track"] == "vakmanschap", "story_id"].astype(str))
    themes_v = analysis.theme_counts(codes[codes["story_id"].isin(ids)], stories, activities, by=[])
    themes_v = themes_v[themes_v["n_negative"] > 0].sort_values(["n_negative", "theme"], ascending=[False, True])
    if len(themes_v):
        findings.append(note("De negatieve effecten die professionals het vaakst noemen, gaan over " + ", ".join(
            f"{t} ({n})" for t, n in zip(themes_v["theme"].head(3), themes_v["n_negative"].head(3))) + "."))
else:
    findings.append(note("Het project heeft geen reflecties in het spoor vakmanschap (kolom 'track').", warning=True))
Group(findings)

# %% [markdown]
# ## Effectenarena: wie betaalt, wie profiteert?

# %%
findings = []
effects = analysis.arena_effects(project.arena)
if effects.empty:
    findings.append(note("Er is geen effectenarena; wie investeert en wie incasseert is nog niet in kaart gebracht.",
                         warning=True))
else:
    support = analysis.arena_support(project.arena, codes, stories, activities)
    wp = effects[effects["wrong_pocket"]]
    beneficiaries = set(project.arena.loc[project.arena["role"] == "beneficiary", "stakeholder"])
    investors = set(project.arena.loc[project.arena["role"] == "investor", "stakeholder"])
    findings.append(note(f"{len(wp)} van de {len(effects)} effecten in de arena zijn verkeerde-zak-effecten: "
                         "wie investeert, incasseert niet. " + (
                             f"Partijen die alleen incasseren: {', '.join(sorted(beneficiaries - investors))}."
                             if beneficiaries - investors else "")))
    unsupported = support[support["n_stories"] == 0]
    findings.append(note(f"{len(support) - len(unsupported)} van de {len(support)} arena-effecten worden door "
                         f"verhalen onderbouwd" + (": zonder verhaal zijn " + "; ".join(unsupported["effect"]) + "."
                                                  if len(unsupported) else ".")))
Group(findings)

# %% [markdown]
# ## Onzichtbaar in de cijfers
#
# Effecten uit de verhalen waarvoor bij die activiteit geen indicator bestaat. Ze zijn niet
# minder echt; ze worden alleen niet gevolgd.

# %%
invisible = analysis.invisible_effects(codes, stories, indicators, activities)
all_effects = analysis.coded_units(codes, stories, activities, level="segment")
if invisible.empty:
    display(note("Alle gecodeerde effecten vallen onder een thema waarvoor een indicator bestaat." if len(all_effects)
                 else "Er zijn geen gecodeerde effecten.", warning=not len(all_effects)))
else:
    share = pct(len(invisible) / len(all_effects))
    display(note(f"{len(invisible)} van de {len(all_effects)} gecodeerde effecten ({share}) "
                 f"hebben geen indicator: {int((invisible['reason'] == 'no_indicator').sum())} raken een thema "
                 f"dat bij hun activiteit niet gemeten wordt, {int((invisible['reason'] == 'no_theme').sum())} "
                 "vallen buiten alle thema's van de woordenlijst."
                 + ("" if present(indicators) else " (Dit project heeft helemaal geen indicatoren.)")))
    themed = invisible[invisible["reason"] == "no_indicator"].assign(theme=lambda d: d["themes"].str.split(", "))
    themed = themed.explode("theme").assign(activity=lambda d: d["activity"].fillna("(onbekende activiteit)"))
    if len(themed):
        top = (themed.groupby(["activity", "theme"], sort=True)
               .agg(effecten=("story_id", "size"), negatief=("valence", lambda s: int((s == "negative").sum())),
                    voorbeeld=("quote", "first"), verhaal=("story_id", "first"))
               .reset_index().sort_values(["effecten", "activity", "theme"], ascending=[False, True, True]).head(8))
        display(table(top.rename(columns={"theme": "thema"}), title="De grootste thema's zonder indicator"))

# %% [markdown]
# ## Onbedoelde en negatieve effecten

# %%
un = analysis.unintended_and_negative(codes, stories, activities)
if un.empty:
    display(note("Geen onbedoelde of negatieve effecten gevonden." if len(all_effects) else
                 "Er zijn geen gecodeerde effecten.", warning=True))
else:
    parts = [note("; ".join(f"{analysis.UNINTENDED_NEGATIVE_KINDS[k].split(':')[0]}: {int((un['kind'] == k).sum())} "
                            f"effecten in {un.loc[un['kind'] == k, 'story_id'].nunique()} verhalen"
                            for k in analysis.UNINTENDED_NEGATIVE_KINDS) + ".")]
    harm = un[un["kind"] == "negative/unintended"]
    if len(harm):
        per = harm["activity"].fillna("(onbekende activiteit)").value_counts()
        parts.append(note(f"De meeste nieuwe schade (negatief en onbedoeld) wordt verteld bij {per.index[0]} "
                          f"({int(per.iloc[0])} effecten). Voorbeelden, één per activiteit:"))
        parts.append(quotes(harm.drop_duplicates("activity").head(4).to_dict("records"), extra="activity"))
    display(Group(parts))

# %% [markdown]
# ## Kanttekeningen

# %%
caveats = []
if project.synthetic:
    caveats.append(note("Alle gegevens in dit project zijn synthetisch: de gemeente, de personen, de verhalen en de "
                        "cijfers zijn verzonnen om de werkwijze te laten zien.", warning=True))
caveats.append(note(f"Codes: {n_human} verhalen zijn door onderzoekers gecodeerd, {n_machine} alleen door de tagger "
                    f"(ongecontroleerde voorstellen); {n_stories - n_human - n_machine} verhalen hebben geen "
                    "gecodeerd effect.", warning=n_machine > n_human))
human = workflow.human_codes(project.codes)
if human["coder"].nunique() >= 2:
    rel = agreement.reliability(human, level="story", n_boot=0)
    caveats.append(note("Overeenstemming tussen codeurs (Krippendorffs α, verhaalniveau): " + "; ".join(
        f"{analysis.label(r.dimension)} {r.krippendorff_alpha:.2f}".replace(".", ",") for r in rel.itertuples())
        + f" — over {int(rel['pairable_units'].max())} dubbel gecodeerde verhalen. Onder 0,67 alleen voorzichtige "
        "conclusies.", warning=bool((rel["krippendorff_alpha"] < 0.667).any())))
else:
    caveats.append(note("De codes zijn niet door twee codeurs gecodeerd: hun betrouwbaarheid is onbekend.",
                        warning=True))
roles = (stories["storyteller_role"].dropna().value_counts(normalize=True)
         if present(stories) and "storyteller_role" in stories.columns else pd.Series(dtype=float))
if not len(roles):
    caveats.append(note("De verhalen zijn geen steekproef, en wie ze vertelde is niet vastgelegd (kolom "
                        "'storyteller_role'): daardoor is niet na te gaan wiens stem ontbreekt.", warning=True))
else:
    caveats.append(note(f"De verhalen zijn geen steekproef: de grootste groep vertellers is '{roles.index[0]}' "
                        f"({pct(roles.iloc[0])} van de verhalen), en wie de activiteit niet bereikt, vertelt niet. "
                        "Percentages gaan over de opgehaalde verhalen, niet over alle deelnemers."))
caveats.append(note("Koppelingen tussen verhalen, indicatoren en arena-effecten lopen via woordenlijsten per thema; "
                    "ze zijn controleerbaar maar grof. Lees de citaten in de notebooks 3 tot en met 6."))
Group(caveats)

# %% [markdown]
# ## Wat stellen we voor?

# %%
steps = []
if not joint.empty and (joint["verdict"] == "contradict").any():
    c = joint[joint["verdict"] == "contradict"]
    steps.append(f"Bespreek met de gemeente en de uitvoerders waarom de verhalen {len(c)} cijfer(s) tegenspreken "
                 f"({', '.join(sorted(set(c['indicator'].dropna())))}): daar valt het meest te leren.")
if not invisible.empty and present(indicators):
    th = invisible[invisible["reason"] == "no_indicator"]["themes"].str.split(", ").explode().value_counts()
    if len(th):
        steps.append(f"Maak zichtbaar wat de cijfers missen: '{th.index[0]}' komt {int(th.iloc[0])} keer terug in de "
                     "verhalen zonder indicator. Kies samen of dat gemeten moet worden, of met een vaste "
                     "verhalenvraag gevolgd.")
elif not present(indicators):
    steps.append("Leg de verhalen naast de cijfers die er al zijn: voeg de indicatoren van gemeente en organisaties "
                 "toe aan het project (met eigenaar en streefwaarde).")
if not effects.empty and effects["wrong_pocket"].any():
    steps.append(f"Nodig de partijen die incasseren zonder te investeren uit voor een volgende effectenarena: "
                 f"{len(effects[effects['wrong_pocket']])} effecten landen in een andere zak dan die van de betaler.")
elif effects.empty:
    steps.append("Organiseer een effectenarena met 5 à 8 betrokkenen (notebook 6 geeft een sjabloon).")
if not present(project.msc):
    steps.append("Laat panels (bewoners, professionals, stuurgroep) per domein het belangrijkste verhaal kiezen en "
                 "hun redenen opschrijven (Most Significant Change).")
if n_machine:
    steps.append(f"Laat de {n_machine} verhalen die alleen de tagger codeerde nakijken (notebook 1).")
if human["coder"].nunique() < 2:
    steps.append("Laat minstens 10–20% van de verhalen door een tweede codeur coderen (notebook 2).")
steps.append("Bespreek de reflecties van professionals in het team en met de opdrachtgever: wat registreren we, "
             "voor wie, en wat laten we daardoor liggen?")
Group([note(f"{i}. {s}") for i, s in enumerate(steps, 1)])

# %% [markdown]
# # 4. Spoor betekenisgeving: Most Significant Change
#
# Het spoor *betekenisgeving* vraagt wat het sociaal werk betekent voor de mensen om wie het
# gaat. De methode is **Most Significant Change (MSC)**:
#
# 1. verhalen ophalen met de vraag *"Wat was voor u de belangrijkste verandering…?"*, samen met
#    *waarom* die verandering belangrijk is voor de verteller;
# 2. de verhalen indelen in **domeinen van verandering** (sociale contacten, zelfredzaamheid,
#    opvoeding en gezin …);
# 3. **panels** (bewoners, professionals, later de stuurgroep) kiezen in rondes per domein het
#    belangrijkste verhaal en schrijven op **waarom**;
# 4. een **secundaire analyse** codeert en telt alle verhalen (positief/negatief, bedoeld of
#    niet, wie er veranderde), en **meta-monitoring** kijkt wie vertelt, wie ophaalt en wiens
#    verhalen gekozen worden.
#
# MSC is gemaakt om te **leren**, niet om te tellen: vooraf bedachte (cijfermatige) indicatoren
# zijn niet nodig, en juist onverwachte en onbedoelde veranderingen komen zo boven tafel. De
# getallen in deze notebook beschrijven dus het *selectieproces*, niet hoe vaak iets gebeurt.

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
codebook = workflow.project_codebook(project)       # its theme codes are the themes of the analysis

# %%
import pandas as pd

from impactlib.analysis._common import first_sentences
from impactlib.display import Group

stories = project.stories
msc = project.msc
has_stories = stories is not None and not stories.empty
has_msc = msc is not None and not msc.empty
has_domain = has_stories and "domain" in stories.columns and stories["domain"].notna().any()
has_track = has_stories and "track" in stories.columns and stories["track"].notna().any()
msc_stories = stories[stories["track"] == "betekenisgeving"] if has_track else stories
n_msc = 0 if msc_stories is None else len(msc_stories)
note(f"Project: {project.name}. {n_msc} verhalen in het spoor betekenisgeving"
     + (f" (van {len(stories)} in totaal)" if has_track
        else " (het project kent geen sporen: alle verhalen tellen mee)")
     + (f"; {msc['round'].nunique()} selectieronde(s) met {msc['panel'].nunique()} panel(s)." if has_msc
        else "; geen MSC-selectierondes."), warning=not has_msc)

# %% [markdown]
# ## 1. Verhalen per domein van verandering
#
# Hoeveel verhalen zijn er per domein opgehaald, hoeveel besprak elk panel en hoeveel werden er
# gekozen? In de eerste ronde kiest elk panel per domein; in de tweede ronde kiest de
# stuurgroep uit de gekozen verhalen. Alle sporen tellen hier mee: ook verhalen uit de andere
# sporen kunnen in een domein vallen (reflecties van professionals vallen onder *Professioneel
# handelen*).

# %%
domain_counts = analysis.msc_domain_counts(stories, msc)
if not has_domain and not has_msc:
    display(note("De verhalen hebben geen domein van verandering (kolom 'domain') en er zijn geen "
                 "selectierondes. Voeg een kolom 'domain' toe aan de verhalen om ze per domein te tellen.",
                 warning=True))
else:
    wide = domain_counts.pivot_table(index="domain", columns="round", values=["considered", "selected"],
                                     aggfunc="sum")
    cols = {}
    for r in sorted(domain_counts["round"].unique()):
        if r == 0:
            cols[("considered", r)] = "verzameld"
        else:
            cols[("considered", r)] = f"ronde {r}: besproken"
            cols[("selected", r)] = f"ronde {r}: gekozen"
    wide = wide.reindex(columns=list(cols)).fillna(0).astype(int)
    wide.columns = list(cols.values())
    display(table(wide.reset_index().rename(columns={"domain": "domein"}), title="Verhalen per domein en ronde"))
    if not has_msc:
        display(note("Er zijn geen MSC-selectierondes: alleen het aantal verzamelde verhalen per domein is bekend.",
                     warning=True))

# %%
if (has_domain or has_msc) and not domain_counts.empty:
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    plots.plot_msc_funnel(domain_counts, ax=ax)
    plt.show()

# %% [markdown]
# ## 2. Hoe ver kwam elk verhaal?
#
# Elk verhaal krijgt zijn laatste stap: *verzameld* (nooit besproken), *besproken in ronde k*
# (wel op tafel, niet gekozen) of *gekozen in ronde k*. De meeste verhalen komen nooit op tafel
# bij een panel — ook die horen bij de secundaire analyse (zie de codes verderop).

# %%
survival = analysis.msc_survival(msc, stories)
if survival.empty:
    display(note("Geen verhalen en geen selectierondes.", warning=True))
else:
    stage_order = list(survival.sort_values(["last_round_selected", "last_round_considered"])["stage"].unique())
    stages = survival["stage"].value_counts().reindex(stage_order).rename_axis("stap").reset_index(name="verhalen")
    stages["aandeel"] = stages["verhalen"] / stages["verhalen"].sum()
    display(table(stages, title="Laatste stap van elk verhaal"))

# %%
if has_msc:
    by_role = pd.crosstab(survival["storyteller_role"].fillna("(onbekend)"), survival["stage"])[stage_order]
    display(table(by_role.reset_index().rename(columns={"storyteller_role": "verteller"}),
                  title="Laatste stap per verteller"))

# %% [markdown]
# ## 3. Waarom kozen de panels wat ze kozen?
#
# Panels schrijven bij elke keuze een reden. We zoeken in die redenen naar bekende
# MSC-criteria met een vaste woordenlijst (bijvoorbeeld *onverwacht*: "niet verwacht",
# "verrassend", "stond niet in het plan"; *eigen kracht*: "zelf", "regie"). Een reden kan meer
# criteria noemen; *(geen)* telt redenen waarin geen enkel criterium herkend werd, zodat niets
# verdwijnt. Verandert het accent van ronde 1 (panels dicht bij de praktijk) naar ronde 2
# (stuurgroep)? Dat zegt iets over wat verschillende lagen belangrijk vinden.

# %%
criteria = analysis.msc_criteria(msc, by="round")
if criteria.empty:
    display(note("Geen selectieredenen om te analyseren (geen MSC-rondes, of de kolom 'reasons' is leeg).",
                 warning=True))
else:
    wide = criteria.pivot_table(index="criterion", columns="round", values="share", sort=False) * 100
    wide.columns = [f"ronde {c} (% van de redenen)" for c in wide.columns]
    display(table(wide.reset_index().rename(columns={"criterion": "criterium"}), decimals=0,
                  title="Criteria in de redenen van gekozen verhalen"))
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    plots.plot_msc_criteria(criteria, ax=ax)
    plt.show()

# %% [markdown]
# En waarom vielen verhalen af? Ook dat zegt iets over wat een panel waardeert — en over
# wat het niet ziet.

# %%
if has_msc:
    rejected = msc[(msc["selected"].astype(str).str.lower() != "true") & msc["reasons"].notna()
                   & (msc["reasons"].astype(str).str.strip() != "")]
    if rejected.empty:
        display(note("De panels schreven geen redenen op bij verhalen die afvielen."))
    else:
        why_not = rejected["reasons"].value_counts().rename_axis("reden").reset_index(name="verhalen")
        display(table(why_not.head(10), title="Meest genoemde redenen om een verhaal niet te kiezen"))

# %% [markdown]
# ## 4. Meta-monitoring: wie vertelt, wie haalt op, wiens verhaal wordt gekozen?
#
# Per groep het aandeel in de verzamelde verhalen en in de gekozen verhalen per ronde. Stijgt
# het aandeel van een groep van *verzameld* naar *gekozen*, dan geven de panels de voorkeur aan
# verhalen van die groep; daalt het, dan verdwijnt hun stem onderweg. Let vooral op wie
# **niet** vertelt (bijvoorbeeld jongeren of bewoners die de activiteit niet bereikt) en op
# wie de verhalen ophaalt: een professional hoort andere verhalen dan een student of een
# vrijwilliger.

# %%
meta = analysis.meta_monitoring(stories, msc)
if meta.empty:
    display(note("Geen verhalen voor meta-monitoring.", warning=True))
else:
    for aspect in ("storyteller_role", "collected_by"):
        if not (meta["aspect"] == aspect).any():
            display(note(f"De verhalen hebben geen kolom '{aspect}'"
                         + (": wie de verhalen ophaalde is onbekend." if aspect == "collected_by" else "."),
                         warning=True))
            continue
        m = meta[meta["aspect"] == aspect]
        wide = m.pivot_table(index="group", columns="stage", values="share", sort=False) * 100
        wide.columns = ["verzameld (%)" if c == "collected" else c.replace("round_", "gekozen in ronde ") + " (%)"
                        for c in wide.columns]
        n = m[m["stage"] == "collected"].set_index("group")["n"]
        wide.insert(0, "verhalen", n.reindex(wide.index).fillna(0).astype(int))
        title = {"storyteller_role": "Wie vertelt", "collected_by": "Wie haalde op"}[aspect]
        display(table(wide.reset_index().rename(columns={"group": analysis.label(aspect)}), decimals=0,
                      title=f"{title} — aandeel in verzamelde en gekozen verhalen"))
        fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        plots.plot_meta_monitoring(meta, aspect=aspect, ax=ax)
        plt.show()

# %% [markdown]
# ## 5. De gekozen verhalen
#
# De verhalen die het verst kwamen, met de woorden van de verteller over *waarom* de
# verandering belangrijk is, en de reden van het panel. Dit zijn de verhalen om aan de
# gemeente te vertellen — met de kanttekening dat een panel kiest wat het zelf belangrijk
# vindt.

# %%
chosen = survival[survival["last_round_selected"] > 0] if not survival.empty else survival
if chosen.empty:
    display(note("Er zijn (nog) geen verhalen gekozen: er zijn geen selectierondes, of geen panel koos een verhaal.",
                 warning=True))
else:
    top = int(chosen["last_round_selected"].max())
    final = chosen[chosen["last_round_selected"] == top].sort_values(["domain", "story_id"])
    display(note(f"{len(final)} verhalen gekozen in ronde {top} (de laatste ronde); "
                 f"{len(chosen) - len(final)} andere werden in een eerdere ronde gekozen."))
    extra_cols = [c for c in ("text", "why_significant") if c in stories.columns]
    info = stories.assign(story_id=stories["story_id"].astype(str)).set_index("story_id")[extra_cols]
    for row in final.itertuples(index=False):
        text = info.at[str(row.story_id), "text"] if "text" in info.columns else ""
        why = info.at[str(row.story_id), "why_significant"] if "why_significant" in info.columns else None
        parts = [quote(first_sentences(text, 500), story_id=str(row.story_id),
                       who=row.storyteller_role if isinstance(row.storyteller_role, str) else None,
                       extra=f"{row.domain} · {row.activity}")]
        if isinstance(why, str) and why.strip():
            parts.append(note(f"Waarom belangrijk voor de verteller: {why.strip()}"))
        if row.reasons:
            parts.append(note(f"Waarom gekozen door het panel: {row.reasons}"))
        display(Group(parts))
    earlier = chosen[chosen["last_round_selected"] < top].sort_values(["domain", "story_id"])
    if len(earlier):
        display(table(earlier[["story_id", "domain", "activity", "storyteller_role", "stage", "reasons"]].rename(
            columns={"stage": "stap", "reasons": "reden van het panel"}),
            title="Verhalen die in een eerdere ronde gekozen werden"))

# %% [markdown]
# ## 6. Secundaire analyse: wat voor veranderingen zijn het?
#
# Alle verhalen van het spoor betekenisgeving, niet alleen de gekozen, gecodeerd op de drie
# dimensies van impact. Per domein: het aandeel positieve en negatieve, bedoelde en
# onbedoelde, directe en indirecte veranderingen (hoofdeffect per verhaal). Verhalen zonder
# menselijke code tellen mee met de voorstellen van de tagger; de regel hieronder zegt hoeveel.

# %%
msc_codes = codes[codes["story_id"].isin(msc_stories["story_id"].astype(str))] if n_msc else codes.iloc[0:0]
n_machine = msc_codes.loc[msc_codes["origin"] == "machine", "story_id"].nunique() if len(msc_codes) else 0
group = "domain" if has_domain else "activity"
counts = analysis.code_counts(msc_codes, msc_stories, project.activities, by=group)
if counts.empty:
    display(note("Er zijn geen gecodeerde verhalen in dit spoor.", warning=True))
else:
    display(note(f"{msc_codes['story_id'].nunique()} gecodeerde verhalen; {n_machine} daarvan alleen door de "
                 "tagger (ongecontroleerd).", warning=n_machine > 0))
    shown = counts.assign(pct=counts["share"] * 100)
    wide = shown.pivot_table(index=group, columns="value", values="pct", sort=False)
    order = [v for d in analysis.DIMENSIONS for v in analysis.VALUES[d] if v in wide.columns]
    wide = wide[order]
    wide.columns = [f"% {analysis.label(c)}" for c in wide.columns]
    n = shown.drop_duplicates([group, "dimension"]).groupby(group)["total"].max()
    wide.insert(0, "verhalen", n.reindex(wide.index).astype(int))
    display(table(wide.reset_index(), decimals=0, title=f"Codes van de verhalen per {analysis.label(group)}"))

# %%
if not counts.empty:
    fig, axes = plt.subplots(3, 1, figsize=(9, 10), layout="constrained", sharex=True)
    for ax, dim in zip(axes, analysis.DIMENSIONS):
        plots.plot_code_shares(counts, dimension=dim, by=group, ax=ax)
    plt.show()

# %% [markdown]
# ## Kritisch lezen
#
# - **Gekozen is niet gemiddeld.** Een gekozen verhaal is wat een panel het belangrijkst
#   vond, niet wat het vaakst gebeurt. Panels kiezen graag onverwachte en hoopvolle verhalen.
# - **De stem van wie niet vertelt ontbreekt.** Meta-monitoring laat alleen zien wie er *wel*
#   in de verhalen zit. Wie de activiteit niet bereikt, vertelt hier niet.
# - **Wie ophaalt, kleurt het verhaal.** Een deelnemer vertelt een professional iets anders dan
#   een student of een buurtgenoot.
# - **De criteria komen uit een woordenlijst.** Lees de redenen zelf; een criterium dat het
#   panel in andere woorden noemt, telt hier als *(geen)*.

# %% [markdown]
# # 5. Spoor vakmanschap: wat professionals zien, twijfelen en leren
#
# Het spoor *vakmanschap* kijkt naar impact door de ogen van wie het werk doet: sociaal
# werkers, coördinatoren en vrijwilligers. Hun **reflecties** gaan over wat er veranderde,
# maar ook over **dilemma's** (regels tegenover wat iemand nodig heeft), **onbedoelde en
# negatieve effecten** die zij als eersten zien, en over wat ze daarvan **leren** en anders
# gaan doen. Impact vastleggen draagt zo bij aan professionalisering: keuzes maken, trots en
# een eigen identiteit — en het maakt zichtbaar waar sociaal werkers klem komen te zitten
# tussen loyaliteit aan bewoners en aan opdrachtgevers (Kampen, 2024, *Gespleten loyaliteit*).
#
# Let op: reflecties zijn geen klachtenbus en geen beoordeling. Wie hier een dilemma noemt,
# laat vakmanschap zien.

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

stories = project.stories
activities = project.activities
has_stories = stories is not None and not stories.empty
reflections, how = analysis.reflection_stories(stories)
ids = set(reflections["story_id"].astype(str))
vcodes = codes[codes["story_id"].isin(ids)]
n_machine = vcodes.loc[vcodes["origin"] == "machine", "story_id"].nunique() if len(vcodes) else 0
note(f"Project: {project.name}. {len(reflections)} reflecties ({how}); {vcodes['story_id'].nunique()} gecodeerd, "
     f"{n_machine} daarvan alleen door de tagger (ongecontroleerd).", warning=len(reflections) == 0 or n_machine > 0)

# %% [markdown]
# ## 1. Wie reflecteert er?

# %%
if reflections.empty:
    display(note("Er zijn geen reflecties van professionals. Haal ze op met een open vraag, bijvoorbeeld: "
                 "'Wat is in het afgelopen half jaar de belangrijkste verandering in uw werk, en wat leerde u "
                 "daarvan?'", warning=True))
else:
    who = pd.crosstab(reflections["activity"].fillna("(onbekend)"),
                      reflections["storyteller_role"].fillna("(onbekend)"), margins=True, margins_name="totaal")
    display(table(who.reset_index().rename(columns={"activity": "activiteit"}),
                  title="Reflecties per activiteit en rol"))

# %% [markdown]
# ## 2. Waar gaan de reflecties over?
#
# Thema's in de gecodeerde effecten van de reflecties (de themacodes van het codeboek; een
# effect kan meer thema's raken). Rechts de positieve, links de negatieve effecten. Daaronder
# per thema twee citaten, reproduceerbaar gekozen: door onderzoekers gecodeerde verhalen
# eerst, dan voorstellen van de tagger; de kolom *bron* zegt welke het is.

# %%
themes = analysis.theme_counts(vcodes, reflections, activities, by=[], themes=codebook)
if themes.empty:
    display(note("Geen gecodeerde effecten met een herkend thema in de reflecties.", warning=True))
else:
    fig, ax = plt.subplots(figsize=(8, 5.5), layout="constrained")
    plots.plot_theme_counts(themes, ax=ax, title="Thema's in de reflecties van professionals")
    plt.show()

# %%
by_theme = analysis.statistics_by_themes(vcodes, reflections, activities, by=[], dimension="theme", n_quotes=2,
                                        themes=codebook)
if not by_theme.empty:
    shown = by_theme.sort_values(["n", "value"], ascending=[False, True])
    display(table(shown[["value", "n", "share", "quote_1", "story_id_1", "origin_1", "quote_2", "story_id_2",
                         "origin_2"]].rename(columns={
        "value": "thema", "n": "effecten", "quote_1": "citaat 1", "story_id_1": "verhaal 1", "origin_1": "bron 1",
        "quote_2": "citaat 2", "story_id_2": "verhaal 2", "origin_2": "bron 2"}),
        title="Thema's in de reflecties, met citaten"))

# %% [markdown]
# ## 3. Dilemma's en morele stress
#
# Effecten over werkdruk, morele stress, uitval en verloop — vaak het gevolg van een keuze
# tussen de regel en de persoon. Ze staan zelden in een indicator, maar bepalen of het werk
# volgehouden kan worden.

# %%
stress = analysis.effects_with_themes(vcodes, reflections, activities, names=analysis.STRESS_THEMES,
                                     themes=codebook)
if stress.empty:
    display(note("In de gecodeerde reflecties is geen effect over morele stress, werkdruk of registratie herkend."))
else:
    display(note(f"{len(stress)} reflecties noemen morele stress, werkdruk of registratielast; "
                 f"hieronder maximaal acht, één per verhaal."))
    display(quotes(stress.head(8).to_dict("records"), extra="activity"))

# %% [markdown]
# ## 4. Onbedoelde en negatieve effecten die professionals zien
#
# Drie soorten, naar de dimensies van impact:
#
# - **nieuwe schade** — negatief en onbedoeld (stigma, afhankelijkheid, problemen die
#   verschuiven, overbelaste vrijwilligers);
# - **onverwachte winst** — positief en onbedoeld;
# - **doel niet gehaald of teruggedraaid** — negatief en bedoeld.

# %%
effects = analysis.unintended_and_negative(vcodes, reflections, activities, themes=codebook)
if effects.empty:
    display(note("Geen onbedoelde of negatieve effecten gevonden in de gecodeerde reflecties.",
                 warning=vcodes.empty))
else:
    per = pd.crosstab(effects["activity"].fillna("(onbekend)"), effects["kind_label"].str.split(":").str[0])
    display(table(per.reset_index().rename(columns={"activity": "activiteit"}),
                  title="Onbedoelde en negatieve effecten in de reflecties, per activiteit"))

# %%
for kind, kind_label in analysis.UNINTENDED_NEGATIVE_KINDS.items():
    sub = effects[effects["kind"] == kind] if not effects.empty else effects
    if sub.empty:
        continue
    sample = sub.drop_duplicates("activity").head(5)
    display(note(f"{kind_label.capitalize()} — {len(sub)} effecten in {sub['story_id'].nunique()} reflecties; "
                 "een voorbeeld per activiteit:"))
    display(quotes(sample.to_dict("records"), extra="activity"))

# %% [markdown]
# ## 5. Ambities tegenover wat professionals registreren
#
# De gemeente stuurt op indicatoren met streefwaarden; professionals registreren wat er
# gevraagd wordt, en vertellen daarnaast wat ze zien. Per activiteit: wat de gemeente volgt,
# wat de organisatie registreert, en de thema's uit de verhalen van professionals die geen
# gemeentelijke indicator dekt.

# %%
targets = analysis.targets_vs_registered(project.indicators, codes, stories, activities, themes=codebook)
if targets.empty:
    display(note("Geen indicatoren en geen verhalen van professionals om naast elkaar te zetten.", warning=True))
else:
    wide = targets.assign(what=[t if p == "professionals" else i for p, i, t in
                                zip(targets["perspective"], targets["items"], targets["themes"])])
    wide = wide.pivot_table(index="activity", columns="perspective", values="what", aggfunc="first")
    wide = wide.reindex(columns=[c for c in ("gemeente", "organisatie", "professionals") if c in wide.columns])
    wide.columns = [{"gemeente": "gemeente volgt", "organisatie": "organisatie registreert",
                     "professionals": "professionals vertellen over (zonder gemeentelijke indicator)"}[c]
                    for c in wide.columns]
    display(table(wide.reset_index().fillna(""), title="Wat er gevolgd, geregistreerd en verteld wordt"))
    if project.indicators is None or project.indicators.empty:
        display(note("Dit project heeft geen indicatoren; alleen het perspectief van de professionals is bekend.",
                     warning=True))

# %% [markdown]
# Wat zeggen professionals zelf over registreren? De effecten met het thema
# *werkdruk en registratie*:

# %%
reg = analysis.effects_with_themes(vcodes, reflections, activities, names=["werkdruk en registratie"],
                                  themes=codebook)
if reg.empty:
    display(note("Geen effecten over registratie in de reflecties."))
else:
    display(quotes(reg.sort_values(["origin", "story_id", "start"]).head(6).to_dict("records"), extra="activity"))

# %% [markdown]
# ## 6. Wat leren professionals, en wat doen ze anders?
#
# Zinnen uit de reflecties waarin iemand zegt wat hij of zij geleerd heeft of anders is gaan
# doen, gevonden met signaalwoorden (`analysis.LESSON_CUES`: "geleerd", "voortaan", "ik doe
# nu", …; geef er voor uw eigen project andere mee met `cues=`). Dit is zoeken, geen coderen:
# lees de zinnen in hun verhaal.

# %%
lessons = analysis.lesson_sentences(reflections)
if lessons.empty:
    display(note("Geen zinnen met signaalwoorden voor leren of anders werken gevonden.",
                 warning=not reflections.empty))
else:
    display(note(f"{len(lessons)} zinnen in {lessons['story_id'].nunique()} van de {len(reflections)} "
                 "reflecties; hieronder de eerste tien."))
    display(quotes(lessons.head(10).to_dict("records"), extra="activity"))

# %% [markdown]
# ## 7. Reflecties naast de andere sporen
#
# Reflecties van professionals zijn vaak kritischer dan de verhalen van deelnemers: ze zien
# meer keerzijden en meer onbedoelde effecten. Dat is geen tegenspraak maar een ander
# gezichtspunt.

# %%
counts = analysis.code_counts(codes, stories, activities, by="track") \
    if has_stories and "track" in stories.columns and stories["track"].notna().any() else pd.DataFrame()
if counts.empty:
    display(note("Het project kent geen sporen (kolom 'track'); deze vergelijking valt weg.", warning=True))
else:
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.6), layout="constrained")
    plots.plot_code_shares(counts, dimension="valence", by="track", ax=axes[0])
    plots.plot_code_shares(counts, dimension="intentionality", by="track", ax=axes[1],
                           title="Bedoeld/onbedoeld per spoor")
    plt.show()

# %% [markdown]
# ## Kritisch lezen
#
# - **Wie reflecteert, kiest wat hij vertelt.** Reflecties in een team waar kritiek veilig is,
#   klinken anders dan reflecties die naar de opdrachtgever gaan. Vraag hoe ze zijn opgehaald.
# - **Negatief is hier niet slecht.** Een professional die een onbedoeld effect opmerkt en
#   bijstuurt, laat vakmanschap zien.
# - **Thema's en signaalwoorden zijn woordenlijsten.** Ze vinden wat erin staat; lees de
#   citaten, en vul de lijsten aan met de woorden van uw eigen praktijk (thema's in het
#   codeboek, signaalwoorden met `cues=`).

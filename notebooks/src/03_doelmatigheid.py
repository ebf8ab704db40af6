# %% [markdown]
# # 3. Spoor doelmatigheid: cijfers en verhalen naast elkaar
#
# Het spoor *doelmatigheid* vraagt: werkt het, en wat levert het op — voor wie? De gemeente en
# de organisaties volgen dat met **indicatoren** (aantallen, percentages, meldingen per
# kwartaal, met een streefwaarde). Deze notebook zet die cijfers naast de **effecten die in
# de verhalen gecodeerd zijn**, in zogeheten *joint displays*: tabellen waarin het getal en
# het verhaal dat het uitlegt naast elkaar staan.
#
# Lees de cijfers kritisch. Vier spanningen rond impact meten (zie het ontwerp van impactlib)
# komen hier samen:
#
# 1. **Wie bepaalt wat er gemeten wordt?** Elke indicator en elke code heeft een eigenaar.
# 2. **Impact is geen verantwoording.** Een indicator die de goede kant op gaat, bewijst nog
#    niet dat de activiteit dat veroorzaakte; een indicator die stilstaat, bewijst niet dat er
#    niets veranderde.
# 3. **Ambities van de gemeente tegenover wat professionals registreren.**
# 4. **Impact die onzichtbaar is in de cijfers**: effecten in verhalen waarvoor geen
#    indicator bestaat.

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
indicators = project.indicators
activities = project.activities
has_stories = stories is not None and not stories.empty
has_indicators = indicators is not None and not indicators.empty
has_codes = len(codes) > 0
origin = codes.drop_duplicates("story_id")["origin"].value_counts() if has_codes else pd.Series(dtype=int)
n_stories = len(stories) if has_stories else 0
n_human = int(origin.get("human", 0))
n_machine = int(origin.get("machine", 0))
note(f"Project: {project.name}. {n_stories} verhalen; {n_human} met codes van onderzoekers, {n_machine} met "
     f"(ongecontroleerde) voorstellen van de tagger, {n_stories - n_human - n_machine} zonder gevonden effect.",
     warning=n_machine > n_human)

# %% [markdown]
# **Waar komen de codes vandaan?** Verhalen die een onderzoeker codeerde, tellen met de
# menselijke codes (bij twee codeurs de meerderheid, bij gelijke stand de eerste codeur).
# De overige verhalen krijgen de voorstellen van de tagger: die zijn door niemand
# nagekeken. Hoe groter dat deel, hoe voorzichtiger de conclusies. Notebook 2 laat zien hoe
# goed de tagger het doet tegenover mensen.

# %% [markdown]
# ## 1. Indicatoren per activiteit en wijk, tegen de streefwaarde
#
# Per indicator en gebied vergelijken we het gemiddelde van de eerste twee kwartalen met dat
# van de laatste twee. Een verandering van minder dan 5% heet *gelijk*. De *gewenste richting*
# volgt uit de streefwaarde: ligt die onder de beginwaarde, dan is dalen goed.

# %%
trends = analysis.indicator_trends(indicators)
if trends.empty:
    display(note("Dit project heeft geen indicatoren. Deze notebook laat daarom alleen zien wat de verhalen "
                 "zeggen; de vergelijking met cijfers en streefwaarden valt weg.", warning=True))
else:
    own = trends[trends["activity"].notna()] if trends["activity"].notna().any() else trends
    shown = own[["activity", "indicator", "area", "owner", "first_period", "last_period", "start_value",
                 "end_value", "target", "change_pct", "trend", "toward_target", "target_met", "n_missing"]]
    display(table(shown.rename(columns={
        "area": "gebied", "first_period": "van", "last_period": "tot", "start_value": "begin", "end_value": "eind",
        "target": "streefwaarde", "change_pct": "verandering %", "toward_target": "richting streefwaarde",
        "target_met": "streefwaarde gehaald", "n_missing": "ontbrekend"}),
        title="Indicatoren in het werkgebied van de activiteiten", decimals=1,
        caption="begin/eind = gemiddelde van de eerste/laatste twee kwartalen met een waarde; "
                "ontbrekend = kwartalen zonder (openbaar) cijfer."))
    if len(own) < len(trends):
        display(note(f"Nog {len(trends) - len(own)} reeksen gaan over andere wijken (vergelijkingsgebieden); "
                     "ze staan in de figuren hieronder."))

# %% [markdown]
# De figuren tonen elke indicator over de kwartalen. Het gebied waar de activiteit werkt staat
# in kleur, met zijn streefwaarde als gestreepte lijn; de andere gebieden zijn grijze
# vergelijkingslijnen. Elke lijn heeft aan het eind zijn gebiedscode. Open rondjes zijn
# voorlopige cijfers; gaten zijn ontbrekende of geheime cijfers (CBS-teken `.` of `x`), een
# fijne stippellijn verbindt de cijfers eromheen. Kijk bij een daling ook naar de
# vergelijkingswijken: daalt het daar even hard, dan zegt de daling weinig over de activiteit.

# %%
if not trends.empty:
    plots.plot_indicator_panels(indicators, trends)
    plt.show()

# %% [markdown]
# ## 2. Bevestigen, verrijken of spreken de verhalen de cijfers tegen?
#
# Een gecodeerd effect hoort bij een indicator als het over dezelfde activiteit gaat **en**
# hetzelfde thema raakt (de themacodes van het codeboek met hun woordpatronen, toegepast op de
# tekst van het effect en op de naam van de indicator). Het oordeel in de laatste kolom:
#
# - **bevestigen** — het cijfer gaat richting streefwaarde en de verhalen zijn overwegend
#   positief (of: weg van de streefwaarde, en de verhalen zijn overwegend negatief);
# - **spreken tegen** — het cijfer en de verhalen wijzen verschillende kanten op;
# - **verrijken** — de verhalen voegen iets toe wat het cijfer niet kan beslissen: gemengde
#   verhalen, een gelijkblijvend cijfer of een cijfer zonder streefwaarde.
#
# "Overwegend" betekent hier: minstens 60% van de effecten in dezelfde richting. De regel is
# grof met opzet — lees bij elk oordeel de voorbeelden, en spreek het oordeel tegen als de
# verhalen iets anders zeggen. Het voorbeeld komt uit een door een onderzoeker gecodeerd
# verhaal als dat er is; de kolom *bron* zegt of het een menselijke code is of een
# (ongecontroleerd) voorstel van de tagger.

# %%
joint = analysis.stories_vs_indicators(codes, stories, indicators, activities, themes=codebook)
linked = joint[joint["indicator"].notna()] if not joint.empty else joint
if not has_indicators:
    display(note("Zonder indicatoren valt er niets te bevestigen of tegen te spreken; alle effecten uit de "
                 "verhalen staan hieronder bij 'Onzichtbaar in de cijfers'.", warning=True))
elif linked.empty:
    display(note("Geen enkele indicator kon aan een activiteit en een thema van de verhalen gekoppeld worden.",
                 warning=True))
else:
    shown = linked.assign(pct=linked["share_positive"] * 100, verdict=linked["verdict"].fillna("geen verhalen"))
    display(table(shown[["activity", "indicator", "area", "owner", "trend", "toward_target", "n_effects", "pct",
                         "verdict", "explanation", "example_quote", "example_story_id", "example_origin"]].rename(
        columns={"area": "gebied", "toward_target": "richting streefwaarde", "n_effects": "effecten",
                 "pct": "% positief", "verdict": "verhalen …", "explanation": "waarom",
                 "example_quote": "voorbeeld", "example_story_id": "uit verhaal", "example_origin": "bron"}),
        title="Indicatoren naast de gecodeerde effecten", decimals=0))

# %%
if not linked.empty and (linked["n_effects"] > 0).any():
    fig, ax = plt.subplots(figsize=(10, 1.8 + 0.34 * int((linked["n_effects"] > 0).sum())), layout="constrained")
    plots.plot_stories_vs_indicators(joint, ax=ax)
    plt.show()

# %% [markdown]
# Waar de verhalen de cijfers **tegenspreken**, valt het meest te leren. Hieronder per
# tegenspraak de effecten uit de verhalen — eerst de negatieve, want die verklaren meestal
# waarom een cijfer de verkeerde kant op gaat of juist waarom een mooi cijfer niet het hele
# verhaal is.

# %%
contra = linked[linked["verdict"] == "contradict"] if not linked.empty else linked
if contra.empty:
    display(note("De verhalen spreken geen enkele indicator tegen." if not linked.empty else
                 "Geen koppeling tussen cijfers en verhalen, dus ook geen tegenspraak."))
segments = analysis.coded_units(codes, stories, activities, level="segment", themes=codebook) if len(contra) else None
for row in contra.itertuples(index=False):
    effects = segments[(segments["activity"] == row.activity) & segments["story_id"].isin(row.stories.split(", "))]
    row_themes = set(row.theme.split(", "))
    effects = effects[[bool(row_themes & set(th)) for th in effects["themes"]]]
    effects = effects.sort_values(["valence", "origin", "story_id"]).drop_duplicates("story_id").head(4)
    display(note(f"{row.activity} — {row.indicator} ({row.area}): {row.explanation}."))
    effects = effects.assign(waardering=[f"{analysis.label(v)}; code van {'mens' if o == 'human' else 'machine'}"
                                         for v, o in zip(effects["valence"], effects["origin"])])
    display(quotes(effects.to_dict("records"), extra="waardering") if len(effects)
            else note("Geen citaten gevonden."))

# %% [markdown]
# ### Onzichtbaar in de cijfers
#
# De andere kant van dezelfde tabel: thema's waarover de verhalen effecten melden, maar
# waarvoor bij die activiteit **geen** indicator bestaat. Hier de tien grootste; notebook 7
# zet ze allemaal op een rij. Een thema zonder indicator is niet vanzelf een thema dat
# gemeten *moet* worden — het is een vraag voor het gesprek met de gemeente.

# %%
unmeasured = joint[joint["indicator"].isna()] if not joint.empty else joint
if not has_codes:
    display(note("Er zijn geen gecodeerde effecten.", warning=True))
elif not has_indicators:
    display(note("Zonder indicatoren is elk gecodeerd effect onzichtbaar in de cijfers; hun thema's staan per "
                 "activiteit in paragraaf 3.", warning=True))
elif unmeasured.empty:
    display(note("Geen effecten gevonden buiten de thema's van de indicatoren."))
if not unmeasured.empty:
    top = unmeasured.sort_values(["n_effects", "activity", "theme"], ascending=[False, True, True]).head(10)
    display(table(top.assign(pct=top["share_positive"] * 100)[[
        "activity", "theme", "n_effects", "pct", "n_unintended", "example_quote", "example_story_id",
        "example_origin"]].rename(
        columns={"theme": "thema", "n_effects": "effecten", "pct": "% positief", "n_unintended": "onbedoeld",
                 "example_quote": "voorbeeld", "example_story_id": "uit verhaal", "example_origin": "bron"}),
        title=f"Effecten zonder indicator (de tien grootste van {len(unmeasured)} thema's per activiteit)",
        decimals=0))

# %% [markdown]
# ## 3. Statistieken per thema, met citaten
#
# Welke thema's komen per activiteit het vaakst terug in de gecodeerde effecten, en hoe
# klinken ze? Per activiteit de drie grootste thema's, met het aantal effecten, hun aandeel
# in alle effecten van de activiteit met een thema, en tot drie citaten. De citaten zijn
# reproduceerbaar gekozen: eerst door onderzoekers gecodeerde verhalen (dubbel gecodeerde
# voorop), pas daarna voorstellen van de tagger (de zekerste eerst), dan op volgorde van
# verhaal. De kolom *bron* zegt per citaat welke het is: *mens* of *machine*. Citaten zijn
# voorbeelden, geen steekproef.

# %%
by_theme = analysis.statistics_by_themes(codes, stories, activities, by="activity", dimension="theme",
                                        themes=codebook)
if by_theme.empty:
    display(note("Er zijn geen gecodeerde effecten met een herkend thema.", warning=True))
else:
    top = (by_theme.sort_values(["activity", "n", "value"], ascending=[True, False, True])
           .groupby("activity", sort=True).head(3))
    display(table(top[["activity", "value", "n", "share", "quote_1", "story_id_1", "origin_1", "quote_2",
                       "story_id_2", "origin_2", "quote_3", "story_id_3", "origin_3"]].rename(columns={
        "value": "thema", "n": "effecten", "quote_1": "citaat 1", "story_id_1": "verhaal 1", "origin_1": "bron 1",
        "quote_2": "citaat 2", "story_id_2": "verhaal 2", "origin_2": "bron 2", "quote_3": "citaat 3",
        "story_id_3": "verhaal 3", "origin_3": "bron 3"}),
        title="Grootste thema's per activiteit, met citaten"))

# %%
counts = analysis.code_counts(codes, stories, activities, by="activity")
if not counts.empty:
    wide = counts.assign(pct=counts["share"] * 100).pivot_table(index="activity", columns="value", values="pct",
                                                               sort=False)
    wide = wide[[v for v in ("negative", "unintended", "indirect") if v in wide.columns]]
    wide.columns = [f"% {analysis.label(c)}" for c in wide.columns]
    n = counts[counts["dimension"] == "valence"].groupby("activity")["total"].max()
    wide.insert(0, "verhalen", n.reindex(wide.index).fillna(0).astype(int))
    display(table(wide.reset_index(), decimals=0,
                  title="Hoofdeffect van de verhalen per activiteit: aandeel negatief, onbedoeld en indirect"))

# %% [markdown]
# De tabel telt **verhalen** (het hoofdeffect van elk verhaal); een verhaal kan meer effecten
# noemen.
# Een hoog aandeel negatieve of onbedoelde effecten is geen slecht rapportcijfer: verhalen
# worden juist opgehaald om ook de keerzijde te horen, en wie meer ophaalt bij kritische
# vertellers, hoort meer kritiek.

# %% [markdown]
# ## 4. Ambities van de gemeente tegenover wat professionals registreren
#
# Per activiteit drie perspectieven naast elkaar:
#
# - **gemeente** — de indicatoren die de gemeente volgt, met streefwaarde en richting;
# - **organisatie** — wat de organisatie zelf registreert (deelnemers, bezoekers, gesprekken);
# - **professionals** — wat professionals, coördinatoren en vrijwilligers vertellen: het
#   aantal verhalen, het aandeel met een negatief hoofdeffect, en de thema's die **geen**
#   gemeentelijke indicator dekt.

# %%
targets = analysis.targets_vs_registered(indicators, codes, stories, activities, themes=codebook)
if targets.empty:
    display(note("Er zijn geen indicatoren van gemeente of organisatie en geen verhalen van professionals om "
                 "naast elkaar te zetten.", warning=True))
else:
    shown = targets.assign(share_negative=targets["share_negative"] * 100)
    display(table(shown[["activity", "perspective", "n_items", "n_with_target", "n_toward_target",
                         "n_away_from_target", "n_stories", "share_negative", "themes"]].rename(columns={
        "perspective": "perspectief", "n_items": "indicatoren", "n_with_target": "met streefwaarde",
        "n_toward_target": "richting streefwaarde", "n_away_from_target": "weg van streefwaarde",
        "n_stories": "verhalen", "share_negative": "% negatief", "themes": "thema's"}),
        title="Wat de gemeente volgt, wat organisaties registreren, wat professionals vertellen", decimals=0))
    if not has_indicators:
        display(note("Zonder indicatoren staat hier alleen het perspectief van de professionals.", warning=True))

# %% [markdown]
# ## 5. Wie bepaalt wat er gemeten wordt?
#
# Elke indicator heeft een eigenaar (gemeente, organisatie, bewoners, onderzoekers); elke
# code in het codeboek ook. De eigenaar van een code is wie de definitie inbracht — zo is
# *onbedoeld* een code die professionals belangrijk vonden, en *bedoeld* meet aan het doel
# dat de gemeente stelde. Tel mee wie er **niet** in de tabel staat.

# %%
owners = analysis.by_owner(indicators, codes, codebook)
summary = analysis.owner_summary(owners)
if summary.empty:
    display(note("Er zijn geen indicatoren en geen codes, dus ook geen eigenaren om te tellen.", warning=True))
else:
    display(table(summary.rename(columns={"kind": "soort", "n_items": "verschillende", "n": "cijfers of codes",
                                          "n_with_target": "met streefwaarde"}).replace(
        {"soort": {"indicator": "indicator", "code": "code"}}), title="Indicatoren en codes per eigenaar"))
    fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    plots.plot_owners(summary, ax=ax)
    plt.show()

# %%
if not owners.empty:
    owners = owners.assign(item=[":".join(analysis.label(p) for p in str(i).split(":")) if k == "code" else i
                                 for k, i in zip(owners["kind"], owners["item"])])
    display(table(owners.rename(columns={"kind": "soort", "item": "wat", "n": "cijfers of codes",
                                         "n_areas": "gebieden", "has_target": "streefwaarde"}),
                  title="Wat wordt er gemeten, en door wie bepaald?"))

# %% [markdown]
# ## Kritisch lezen
#
# - **Samenhang is geen oorzaak.** Dat een indicator daalt terwijl een activiteit loopt, zegt
#   niet dat de activiteit de daling veroorzaakte. Kijk naar de vergelijkingswijken en naar
#   wat de verhalen over het *hoe* zeggen.
# - **Verhalen zijn geen steekproef.** Wie vertelde en wie ophaalde, bepaalt mede wat we horen
#   (zie notebook 4, meta-monitoring). Percentages positief gaan over de opgehaalde verhalen,
#   niet over alle deelnemers.
# - **De koppeling tussen cijfer en verhaal is een woordenlijst** (de patronen van de
#   themacodes in het codeboek; voeg daar een thema of woord toe en deze notebook telt mee).
#   Een effect dat over eenzaamheid gaat zonder dat woord te gebruiken, wordt niet
#   gekoppeld. Controleer de citaten.
# - **Machinecodes zijn voorstellen.** Verhalen zonder menselijke code tellen mee met de
#   codes van de tagger; zie de regel bovenaan voor hoeveel dat er zijn.

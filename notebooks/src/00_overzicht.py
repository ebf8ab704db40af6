# %% [markdown]
# # 0. Overzicht van het project
#
# Dit is de eerste notebook van de impactlib-reeks. Hij laadt een project (verhalen,
# activiteiten, indicatoren, MSC-selectierondes, effectenarena en codes), controleert de
# bestanden en laat zien wat erin zit. De volgende notebooks bouwen hierop voort:
#
# | nr | notebook | vraag |
# |---|---|---|
# | 1 | ondersteund coderen | Welke effecten staan in de verhalen, en hoe zeker is de machine daarvan? |
# | 2 | betrouwbaarheid | Hoe goed stemmen codeurs (en de machine) overeen? |
# | 3 | doelmatigheid | Wat zeggen de cijfers, en bevestigen de verhalen ze? |
# | 4 | betekenisgeving | Welke veranderingen vinden mensen het belangrijkst (Most Significant Change)? |
# | 5 | vakmanschap | Wat zien en leren professionals? |
# | 6 | effectenarena | Wie investeert, wie incasseert? |
# | 7 | synthese | Wat nemen we mee naar de gemeente? |
#
# **Eigen gegevens gebruiken?** Zet in de cel hieronder `project_dir` op de map met uw
# `project.toml`, of draai alle notebooks in één keer met
# `impactlib report --project MAP -o rapporten`.

# %% parameters
project_dir = "../data/sample"   # map met project.toml, of het pad naar project.toml
machine_codes = None             # pad naar codes van de tagger (CSV), of None: nu coderen
output_dir = None                # map voor tussenbestanden, of None: niets bewaren

# %%
import pandas as pd
from impactlib import workflow
from impactlib.display import note, table

project = workflow.open_project(project_dir)
note(f"Project: {project.name}" + (" — synthetische voorbeeldgegevens, alle personen en cijfers zijn verzonnen."
                                    if project.synthetic else ""))

# %% [markdown]
# ## Wat zit er in het project?
#
# Elke tabel is ingelezen en gecontroleerd. impactlib herkent zelf het scheidingsteken
# (`,` `;` of tab) en de tekstcodering (UTF-8 of Windows-1252, zoals Excel die in Nederland
# vaak gebruikt), Nederlandse kolomnamen (`verhaal`, `datum`, `gebied` …), Nederlandse
# datums en decimale komma's, en de CBS-tekens voor ontbrekende (`.`), geheime (`x`) en
# voorlopige (`*`) cijfers.

# %%
table(workflow.inventory(project), title="Tabellen in het project")

# %% [markdown]
# Waarschuwingen zijn geen fouten: het project is bruikbaar, maar iets verdient aandacht
# (bijvoorbeeld een leeg verhaal, dat wel bewaard maar niet gecodeerd wordt).

# %%
if project.warnings:
    display(table(pd.DataFrame({"waarschuwing": [str(w) for w in project.warnings]}), title="Waarschuwingen"))
else:
    display(note("Geen waarschuwingen: alle bestanden zijn in orde."))

# %% [markdown]
# ## De verhalen
#
# Per activiteit en spoor. Let op: verhalen zijn geen steekproef. Wie er verteld heeft en wie
# de verhalen ophaalde, bepaalt mede wat we zien — notebook 4 kijkt daar apart naar
# (meta-monitoring).

# %%
stories = project.stories
if stories is None or stories.empty:
    display(note("Dit project heeft (nog) geen verhalen.", warning=True))
else:
    if "track" in stories.columns:
        per = pd.crosstab(stories["activity"].fillna("(onbekend)"), stories["track"].fillna("(geen spoor)"),
                          margins=True, margins_name="totaal")
        display(table(per.reset_index().rename(columns={"activity": "activiteit"}),
                      title="Verhalen per activiteit en spoor"))
    else:
        display(table(stories["activity"].fillna("(onbekend)").value_counts().rename_axis("activiteit")
                      .reset_index(name="verhalen"), title="Verhalen per activiteit"))

# %%
if stories is not None and not stories.empty and "storyteller_role" in stories.columns:
    roles = stories["storyteller_role"].fillna("(onbekend)").value_counts().rename_axis("verteller").reset_index(name="verhalen")
    roles["aandeel"] = roles["verhalen"] / roles["verhalen"].sum()
    display(table(roles, title="Wie vertelde de verhalen?"))

# %%
if stories is not None and not stories.empty and stories["collected_on"].notna().any():
    dated = stories.dropna(subset=["collected_on"])
    quarters = dated["collected_on"].dt.to_period("Q").astype(str).value_counts().sort_index()
    display(table(quarters.rename_axis("kwartaal").reset_index(name="verhalen"),
                  title="Verhalen per kwartaal waarin ze zijn opgehaald"))
    lengths = stories["text"].str.split().str.len()
    display(note(f"{len(stories)} verhalen, {int(lengths.median())} woorden in de mediaan "
                 f"(kortste {int(lengths.min())}, langste {int(lengths.max())}); "
                 f"{int((lengths == 0).sum())} lege verhalen."))

# %% [markdown]
# ## De activiteiten
#
# Het soort sociaal werk volgt de piramide van sociale basis, preventie, aanpak van
# problemen en juridische en klinische interventies. De *eigenaar* zegt wie bepaalt wat er
# bij deze activiteit gemeten wordt — een van de vier spanningen rond impact meten.

# %%
if project.activities is None or project.activities.empty:
    display(note("Dit project heeft geen activiteitentabel; doelen en soort sociaal werk komen dan alleen uit de verhalen.",
                 warning=True))
else:
    cols = [c for c in ("activity", "social_work_type", "organisation", "area", "owner") if c in project.activities.columns]
    display(table(project.activities[cols].rename(columns={
        "activity": "activiteit", "social_work_type": "soort sociaal werk", "organisation": "organisatie",
        "area": "gebied", "owner": "eigenaar"}), title="Activiteiten"))

# %% [markdown]
# ## De indicatoren

# %%
ind = project.indicators
if ind is None or ind.empty:
    display(note("Dit project heeft geen indicatoren. De notebooks over doelmatigheid en de synthese laten dan "
                 "alleen zien wat de verhalen zeggen.", warning=True))
else:
    summary = workflow.indicator_overview(ind)
    display(table(summary, title="Indicatoren (niet_ok = cijfers die ontbreken, geheim of voorlopig zijn)"))

# %% [markdown]
# ## MSC-selectierondes, effectenarena en codes

# %%
present = {
    "MSC-selectierondes": project.msc is not None and not project.msc.empty,
    "effectenarena": project.arena is not None and not project.arena.empty,
    "codes van onderzoekers": project.codes is not None and not project.codes.empty,
}
for name, ok in present.items():
    display(note(f"{name}: aanwezig" if ok else f"{name}: ontbreekt — de notebook die ze gebruikt legt uit wat er dan wel kan.",
                 warning=not ok))

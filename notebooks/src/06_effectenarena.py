# %% [markdown]
# # 6. Effectenarena: wie investeert, wie incasseert?
#
# In een **effectenarena** brengen 5 à 8 betrokkenen (gemeente, organisaties, bewoners,
# partners zoals de woningcorporatie of de zorgverzekeraar) samen in kaart:
#
# 1. de **activiteiten**;
# 2. de **maatschappelijke effecten** die ze opleveren;
# 3. wie erin **investeert** (geld, tijd, menskracht) — de *investeerders*;
# 4. wie de baten ervan **incasseert** — de *incasseerders*.
#
# Een effect waarvan geen enkele investeerder ook incasseerder is, heet een
# **verkeerde-zak-effect** (*wrong pocket*): wie betaalt, is niet wie er beter van wordt. Zulke
# effecten zijn kwetsbaar bij bezuinigingen, want de betaler ziet de opbrengst niet — en ze
# zijn een reden om met de incasseerders om tafel te gaan.
#
# Deze notebook zet de arena naast de verhalen: welke verhalen onderbouwen elk effect? Een
# arena kun je ook **vooraf** gebruiken, ter inspiratie: welke effecten verwachten we, en bij
# wie?

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

from impactlib import synthesis
from impactlib.display import findings

arena = project.arena
stories = project.stories
activities = project.activities
has_arena = arena is not None and not arena.empty
effects = analysis.arena_effects(arena)
if has_arena:
    display(note(f"Project: {project.name}. De arena telt {len(effects)} effecten van "
                 f"{effects['activity'].nunique()} activiteiten en {arena['stakeholder'].nunique()} betrokkenen; "
                 f"{int(effects['wrong_pocket'].sum())} effecten zijn verkeerde-zak-effecten."))
else:
    display(note(f"Project: {project.name}. Dit project heeft geen effectenarena (bestand met de kolommen "
                 "activity, effect, stakeholder, role, note). Deze notebook laat daarom zien welke effecten de "
                 "verhalen noemen en bij wie, als voorbereiding op een arena-sessie.", warning=True))

# %% [markdown]
# ## 1. De effecten per activiteit
#
# Per effect de investeerders en de incasseerders zoals de deelnemers aan de arena ze
# noemden, met hun toelichting. *Verkeerde zak* = ja: geen van de investeerders incasseert.

# %%
if not has_arena:
    acts = sorted(stories["activity"].dropna().unique()) if stories is not None and not stories.empty else []
    acts = acts or ["(naam van de activiteit)"]
    display(note("Zonder arena geen effecten per investeerder en incasseerder. Een begin voor de sessie: vul per "
                 "activiteit de verwachte effecten in, met een regel per betrokkene (role = investeerder of "
                 "incasseerder), en zet het bestand in project.toml onder [files] arena.", warning=True))
    display(table(pd.DataFrame({"activity": acts, "effect": "", "stakeholder": "", "role": "", "note": ""}),
                  title="Sjabloon voor een effectenarena (activiteiten uit de verhalen)", translate=False))
else:
    display(table(effects[["activity", "effect", "investors", "beneficiaries", "wrong_pocket", "note"]].rename(
        columns={"effect": "effect", "investors": "investeerders", "beneficiaries": "incasseerders",
                 "wrong_pocket": "verkeerde zak", "note": "toelichting"}), title="Effecten in de arena"))

# %% [markdown]
# ## 2. Investeerders × incasseerders
#
# Elke cel telt de effecten waarin de investeerder (rij) betaalt en de incasseerder (kolom)
# profiteert. Gearceerde cellen bevatten minstens één verkeerde-zak-effect. Op de diagonaal
# staat wie zelf ook incasseert wat hij investeert.

# %%
matrix = analysis.arena_matrix(arena)
if has_arena and not matrix.empty:
    fig, ax = plt.subplots(figsize=(11, 7), layout="constrained")
    plots.plot_arena_matrix(matrix, ax=ax)
    plt.show()

# %%
wrong = matrix[matrix["n_wrong_pocket"] > 0] if not matrix.empty else matrix
if has_arena and not wrong.empty:
    display(table(wrong[["investor", "beneficiary", "n_wrong_pocket", "effects"]].rename(columns={
        "investor": "investeerder (betaalt)", "beneficiary": "incasseerder (profiteert)",
        "n_wrong_pocket": "verkeerde-zak-effecten", "effects": "effecten"}),
        title="Wie betaalt voor wie? De paren met een verkeerde-zak-effect"))
elif has_arena:
    display(note("Geen verkeerde-zak-effecten: bij elk effect incasseert minstens één investeerder mee."))

# %% [markdown]
# Wie betaalt zonder zelf te incasseren, en wie incasseert zonder te betalen? Dat is de
# kern van het gesprek over financiering: de incasseerders zonder investering zijn de
# partijen om bij een volgende ronde aan tafel te vragen.

# %%
if has_arena:
    positions = analysis.stakeholder_positions(arena)
    display(table(positions.rename(columns={"stakeholder": "betrokkene", "investor": "investeert in (effecten)",
                                            "beneficiary": "incasseert bij (effecten)", "position": "positie"}),
                  title="Positie van elke betrokkene in de arena"))

# %% [markdown]
# ## 3. Welke verhalen onderbouwen elk effect?
#
# Een gecodeerd effect uit een verhaal onderbouwt een arena-effect als het over dezelfde
# activiteit gaat en de teksten thema's of inhoudswoorden delen (score = 2 × gedeelde thema's
# + gedeelde woordstammen, minimaal 2). De regel is grof met opzet: lees de citaten. Een
# effect **zonder** verhaal is niet onwaar, maar rust alleen op de inschatting van de
# deelnemers aan de arena. Een effect met veel **negatieve** verhalen verdient een tweede
# blik: het verwachte effect pakt bij sommigen anders uit. Citaten komen eerst uit door
# onderzoekers gecodeerde verhalen; de kolommen *bron* zeggen of het een menselijke code is of
# een voorstel van de tagger.

# %%
support = analysis.arena_support(arena, codes, stories, activities, themes=codebook)
if not has_arena:
    pass
elif support.empty or support["n_stories"].sum() == 0:
    display(note("Geen enkel verhaal kon aan een effect van de arena gekoppeld worden "
                 "(geen gecodeerde verhalen, of andere activiteitnamen in verhalen en arena).", warning=True))
else:
    display(table(support[["activity", "effect", "wrong_pocket", "n_stories", "n_positive", "n_negative",
                           "quote_1", "story_id_1", "origin_1", "quote_2", "story_id_2", "origin_2"]].rename(columns={
        "wrong_pocket": "verkeerde zak", "n_stories": "verhalen", "n_positive": "positief",
        "n_negative": "negatief", "quote_1": "citaat 1", "story_id_1": "verhaal 1", "origin_1": "bron 1",
        "quote_2": "citaat 2", "story_id_2": "verhaal 2", "origin_2": "bron 2"}),
        title="Arena-effecten en de verhalen die ze onderbouwen"))

# %%
if has_arena and not support.empty:
    display(findings(synthesis.arena_support_findings(support)))

# %% [markdown]
# ## 4. Bij wie landen de effecten volgens de verhalen?
#
# Ook zonder arena laten de verhalen zien bij wie effecten terechtkomen: **direct** bij de
# deelnemers zelf, of **indirect** bij anderen — familie, buren, school, vrijwilligers,
# professionals. Indirecte effecten wijzen vaak op incasseerders die niet aan tafel zitten.

# %%
counts = analysis.code_counts(codes, stories, activities, by="activity", dimensions=["directness"], level="segment")
if counts.empty:
    display(note("Er zijn geen gecodeerde effecten.", warning=True))
else:
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    plots.plot_code_shares(counts, dimension="directness", by="activity", ax=ax,
                           title="Direct of indirect, per activiteit (alle gecodeerde effecten)")
    plt.show()

# %%
indirect = analysis.find_effects(codes, stories, activities, directness="indirect", themes=codebook)
if not indirect.empty:
    sample = indirect.sort_values(["activity", "origin", "story_id", "start"]).drop_duplicates("activity")
    display(note(f"{len(indirect)} indirecte effecten in {indirect['story_id'].nunique()} verhalen; "
                 "een voorbeeld per activiteit:"))
    display(quotes(sample.to_dict("records"), extra="activity"))

# %% [markdown]
# ## Kritisch lezen
#
# - **De arena is een gesprek, geen meting.** Wie aan tafel zat, bepaalde welke effecten en
#   welke betrokkenen op de kaart kwamen; wie er niet zat (vaak bewoners, of partijen die
#   incasseren zonder het te weten), ontbreekt.
# - **Een verkeerde zak is geen verwijt.** Het laat zien waar afspraken over financiering
#   nodig zijn, niet dat iemand te weinig betaalt.
# - **Onderbouwing door verhalen is een woordkoppeling.** Lees de citaten: een verhaal kan
#   hetzelfde woord gebruiken en toch over iets anders gaan.

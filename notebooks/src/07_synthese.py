# %% [markdown]
# # 7. Synthese: wat nemen we mee naar de gemeente?
#
# Een kort verslag voor de gemeente en de organisaties, per spoor: de belangrijkste
# bevindingen, de effecten die in de cijfers onzichtbaar blijven, de onbedoelde en negatieve
# effecten, de kanttekeningen en wat we voorstellen als volgende stap.
#
# **Elke zin met een getal is berekend** uit de tabellen van de notebooks 3 tot en met 6 (door
# `impactlib.synthesis`, zodat tests elke zin kunnen bereiken); draai
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
codebook = workflow.project_codebook(project)       # its theme codes are the themes of the analysis

# %%
from impactlib import synthesis
from impactlib.display import findings

stories, indicators, activities = project.stories, project.indicators, project.activities
findings([synthesis.overview(project, codes, themes=codebook)])

# %% [markdown]
# ## Doelmatigheid: wat zeggen de cijfers, en wat zeggen de verhalen erover?

# %%
findings(synthesis.doelmatigheid(indicators, codes, stories, activities, themes=codebook))

# %% [markdown]
# ## Betekenisgeving: wat vinden mensen zelf de belangrijkste verandering?

# %%
findings(synthesis.betekenisgeving(codes, stories, project.msc, activities))

# %% [markdown]
# ## Vakmanschap: wat zien en leren professionals?

# %%
findings(synthesis.vakmanschap(codes, stories, activities, themes=codebook))

# %% [markdown]
# ## Effectenarena: wie betaalt, wie profiteert?

# %%
findings(synthesis.arena(project.arena, codes, stories, activities, themes=codebook))

# %% [markdown]
# ## Onzichtbaar in de cijfers
#
# Effecten uit de verhalen waarvoor bij die activiteit geen indicator bestaat. Ze zijn niet
# minder echt; ze worden alleen niet gevolgd.

# %%
invisible_findings, largest = synthesis.invisible(codes, stories, indicators, activities, themes=codebook)
display(findings(invisible_findings))
if len(largest):
    display(table(largest.rename(columns={"theme": "thema"}), title="De grootste thema's zonder indicator"))

# %% [markdown]
# ## Onbedoelde en negatieve effecten

# %%
harm_findings, harm = synthesis.unintended(codes, stories, activities, themes=codebook)
display(findings(harm_findings))
if len(harm):
    display(quotes(harm.to_dict("records"), extra="activity"))

# %% [markdown]
# ## Kanttekeningen

# %%
findings(synthesis.caveats(project, codes))

# %% [markdown]
# ## Wat stellen we voor?

# %%
findings(synthesis.next_steps(project, codes, themes=codebook))

# %% [markdown]
# # 2. Betrouwbaarheid van het coderen
#
# Een bevinding die op codes rust, is zo sterk als de codes zelf. Deze notebook laat zien hoe
# goed twee (of meer) codeurs het eens zijn, en hoe goed de machine het doet tegenover een
# menselijke codeur. We rapporteren per dimensie:
#
# - **% overeenstemming** — eenvoudig, maar telt toevallige overeenstemming mee;
# - **Cohens κ** (twee codeurs) en **Fleiss' κ** (twee of meer) — gecorrigeerd voor toeval;
# - **Krippendorffs α** (nominaal) — ook bij ontbrekende codes en meer codeurs; de maat die
#   tijdschriften het vaakst vragen. Vuistregel (Krippendorff): α ≥ 0,80 betrouwbaar,
#   0,667–0,80 voorzichtige conclusies, daaronder niet.
#
# Met een **95%-betrouwbaarheidsinterval** (bootstrap over verhalen, 1000 trekkingen, vaste
# seed zodat de uitkomst reproduceerbaar is).

# %% parameters
project_dir = "../data/sample"   # map met project.toml, of het pad naar project.toml
machine_codes = None             # pad naar codes van de tagger (CSV), of None: nu coderen
output_dir = None                # map voor tussenbestanden, of None: niets bewaren

# %%
import warnings

import pandas as pd

from impactlib import agreement, workflow
from impactlib.analysis import label
from impactlib.errors import CodeConflictWarning, ImpactWarning
from impactlib.display import note, table

project = workflow.open_project(project_dir)
human = workflow.human_codes(project.codes)
coders = sorted(human["coder"].dropna().unique()) if len(human) else []
STATS = ["dimension", "units", "pairable_units", "percent_agreement", "cohen_kappa", "fleiss_kappa",
         "krippendorff_alpha", "krippendorff_alpha_ci_low", "krippendorff_alpha_ci_high"]
NAMES = {"units": "eenheden", "pairable_units": "dubbel gecodeerd", "percent_agreement": "% overeenstemming",
         "cohen_kappa": "Cohens κ", "fleiss_kappa": "Fleiss' κ", "krippendorff_alpha": "Krippendorffs α",
         "krippendorff_alpha_ci_low": "α 95%-BI laag", "krippendorff_alpha_ci_high": "α 95%-BI hoog"}
note(f"Menselijke codeurs in dit project: {', '.join(coders) if coders else 'geen'}.", warning=len(coders) < 2)

# %% [markdown]
# ## Mens tegenover mens
#
# Eerst op verhaalniveau (het hoofdeffect van elk verhaal), dan op zinsniveau (elk effect
# apart; zinnen die beide codeurs als effect aanmerkten).

# %%
if len(coders) >= 2:
    story = agreement.reliability(human, level="story", n_boot=1000, seed=0)
    display(table(story[STATS].rename(columns=NAMES), title="Verhaalniveau", decimals=3))
else:
    display(note("Er zijn geen verhalen door twee codeurs gecodeerd, dus er valt geen overeenstemming tussen "
                 "mensen te berekenen. Laat bij voorkeur minstens 10–20% van de verhalen door een tweede "
                 "codeur coderen.", warning=True))

# %%
if len(coders) >= 2 and human["start"].notna().any():
    segment = agreement.reliability(human, level="segment", n_boot=1000, seed=0)
    display(table(segment[STATS].rename(columns=NAMES), title="Zinsniveau (zelfde zin, beide codeurs)", decimals=3))

# %% [markdown]
# Waar zitten de verschillen? Een kruistabel per dimensie; de rijen zijn de eerste codeur.
# Verschillen over *bedoeld/onbedoeld* gaan meestal over de vraag wat het doel van de
# activiteit precies omvat — een goed gesprek voor het team, en soms een aanscherping van het
# codeboek.

# %%
if len(coders) >= 2:
    for dim in workflow.DIMENSIONS:
        cm = agreement.confusion_matrix(human, dim, coders[0], coders[1])
        display(table(cm.reset_index(), title=f"{label(dim)}: {coders[0]} (rijen) tegenover {coders[1]} (kolommen)"))

# %% [markdown]
# ## Machine tegenover mens
#
# Hoe goed doet de tagger het tegenover de menselijke codeurs? Eerlijk meten kan alleen op
# verhalen die de tagger niet eerder zag. De standaardregels zijn ontwikkeld op het
# voorbeeldproject en het meegeleverde model is erop getraind (en op de gecodeerde verhalen in
# `data/train`); bij het voorbeeldproject zijn de cijfers hieronder dus te rooskleurig. De
# eerlijke cijfers, op een onafhankelijke testset, staan in `docs/evaluation.md`. Bij een eigen
# project tellen alle verhalen die het model niet eerder zag.

# %%
has_machine = project.stories is not None and not project.stories.empty
if has_machine:
    machine = workflow.machine_codes(project, machine_codes)
    heldout = set(workflow.heldout_story_ids(project))
    both = pd.concat([human, machine], ignore_index=True)
    fair = bool(heldout)
    if fair:
        both = both[both["story_id"].astype(str).isin(heldout)]
    else:
        display(note("De tagger heeft al deze verhalen eerder gezien (ontwikkeling of training). De overeenstemming "
                     "hieronder laat zien hoe de berekening werkt, maar zegt niet hoe goed de tagger het doet op "
                     "nieuwe verhalen; zie daarvoor docs/evaluation.md.", warning=True))
if has_machine and len(coders) >= 1:
    ref = coders[0]
    vs = agreement.compare_to_reference(both, ref, statuses=None, level="story", n_boot=1000, seed=0)
    cols = ["coder"] + STATS
    n_units = both["story_id"].nunique()
    title = (f"Verhaalniveau, {len(heldout)} niet eerder geziene verhalen" if fair
             else f"Verhaalniveau, {n_units} verhalen die de tagger al kende (te rooskleurig)")
    display(table(vs[cols].rename(columns={**NAMES, "coder": "tegenover " + ref}), title=title, decimals=3))
elif has_machine:
    display(note("Zonder menselijke codes is niet te zeggen hoe goed de machine het doet. Codeer een deel van de "
                 "verhalen zelf (notebook 1) en draai deze notebook opnieuw.", warning=True))

# %%
if has_machine and len(coders) >= 1:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImpactWarning)
        seg = agreement.compare_to_reference(both, ref, statuses=None, level="segment", match="overlap",
                                             n_boot=0)
    for w in caught:
        m = w.message
        if isinstance(m, CodeConflictWarning):
            cases = "; ".join(f"{label(d)} in {u} ({c})" for d, u, c in m.examples)
            how = ("overlappen effecten met een verschillende waarde; per eenheid telt de waarde die de meeste "
                   "tekst beslaat" if m.overlap else "staan meerdere waarden; de laatste telt")
            display(note(f"Bij {m.count} combinatie(s) van eenheid, codeur en dimensie {how} "
                         f"(bijvoorbeeld {cases}). Controleer deze codes.", warning=True))
        else:
            display(note(str(m), warning=True))
    display(table(seg[["coder", "dimension", "pairable_units", "percent_agreement", "cohen_kappa",
                       "krippendorff_alpha"]].rename(columns={**NAMES, "coder": "tegenover " + ref}),
                  title="Zinsniveau (effecten die elkaar overlappen)", decimals=3))

# %% [markdown]
# **Hoe lees je dit?** Als de machine minder overeenstemt met een codeur dan twee codeurs
# onderling, zijn de voorstellen van de machine een hulp bij het coderen — geen vervanging.
# Beoordeel ze in notebook 1 (minst zeker eerst); elke beoordeling maakt het model beter
# wanneer het opnieuw getraind wordt (`scripts/train_default_model.py` laat zien hoe).

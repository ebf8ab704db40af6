"""The learnable layer of the impact coder: a scikit-learn estimator trained on human codes.

:class:`ImpactModel` learns one logistic regression per impact dimension
(``valence``, ``intentionality``, ``directness``) from story-level human codes.
Its features are

* TF-IDF over word n-grams of the *lemmatized* text (negated words are marked
  ``neg_<lemma>`` so "niet eenzaam" is not "eenzaam"), and over character n-grams;
* context features that carry the coding rules of ``DESIGN.md``: polarity counts
  from the Dutch polarity lexicon with negation and decreasers (valence), overlap
  of the text with the ``activity_goal`` and side-effect cues (intentionality),
  mentions of third parties (family, neighbours, school, club, volunteers,
  professionals), chain connectives and the storyteller's role (directness);
* optionally (``use_rules=True``) the rule engine's own story-level values and
  confidences (stacking).  The rule values are taken from ``rules_<dimension>``
  and ``rules_<dimension>_confidence`` columns of ``X`` when present, otherwise
  the rule engine (:class:`impactlib.nlp.ImpactEngine`) is run on ``X``.

The model follows the scikit-learn estimator contract: ``fit`` returns ``self``,
learned attributes end in ``_``, :func:`~sklearn.utils.validation.check_is_fitted`
guards ``predict``/``predict_proba``, and ``get_params``/``set_params``/``clone``
work, so it cross-validates with ``cross_val_score``/``cross_val_predict``.
``score`` is the mean Cohen's κ over the dimensions.

Persistence never uses pickles: :meth:`ImpactModel.save` writes one JSON file
(``impactlib_model.json``: vocabularies, idf weights, coefficients, intercepts,
classes, parameters and training metadata) and :meth:`ImpactModel.load`
rebuilds fitted scikit-learn vectorizers and classifiers from those arrays.

Examples
--------
>>> X = [{"text": "Ik ben niet meer eenzaam.", "activity_goal": "Eenzaamheid verminderen."},
...      {"text": "Mijn buurvrouw heeft nu meer rust.", "activity_goal": "Eenzaamheid verminderen."},
...      {"text": "Ik voel me nog steeds heel eenzaam.", "activity_goal": "Eenzaamheid verminderen."},
...      {"text": "De vrijwilligers zijn overbelast geraakt.", "activity_goal": "Eenzaamheid verminderen."}]
>>> y = pd.DataFrame({"valence": ["positive", "positive", "negative", "negative"],
...                   "intentionality": ["intended", "unintended", "intended", "unintended"],
...                   "directness": ["direct", "indirect", "direct", "indirect"]})
>>> model = ImpactModel(use_rules=False).fit(X, y)
>>> model.predict(X).shape
(4, 3)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.utils.validation import check_is_fitted

from impactlib.errors import ModelError
from impactlib.nlp.scoring import (  # noqa: F401 - re-exported: the estimator's module names them too
    CONTEXT_FIELDS,
    CONTEXT_NAMES,
    DEFAULT_MODEL_DIR,
    DIMENSION_FEATURES,
    DIMENSIONS,
    FORMAT,
    FORMAT_VERSION,
    LABELS,
    MODEL_FILE,
    RULE_NAMES,
    ImpactScorer,
    Predictor,
    _context_vector,
    _lemma_string,
    _resources,
    _rule_features,
    _rule_pair,
    _str,
    _tokens,
    combine,
    is_model_dir,
    load_scorer,
    parse_model_data,
    read_model_file,
)

def _as_frame(X: Any) -> pd.DataFrame:
    """Normalise ``X`` (DataFrame, list/Series of records, list of texts) to a DataFrame of strings."""
    if isinstance(X, pd.DataFrame):
        df = X
    elif isinstance(X, pd.Series):
        df = pd.DataFrame([r if isinstance(r, Mapping) else {"text": r} for r in X.tolist()])
    elif isinstance(X, np.ndarray) and X.ndim == 1:
        df = pd.DataFrame([r if isinstance(r, Mapping) else {"text": r} for r in X.tolist()])
    elif isinstance(X, (list, tuple)):
        df = pd.DataFrame([r if isinstance(r, Mapping) else {"text": r} for r in X])
    else:
        raise ModelError(
            f"X must be a DataFrame with a 'text' column, or a list of story records (dicts); got {type(X).__name__}"
        )
    if len(df) and "text" not in df.columns:
        raise ModelError(f"X has no 'text' column (columns found: {', '.join(map(str, df.columns))}); "
                         "give the story text in a column named 'text'")
    out = pd.DataFrame(index=range(len(df)))
    for col in ("text", *CONTEXT_FIELDS):
        out[col] = [_str(v) for v in df[col]] if col in df.columns else [""] * len(df)
    for d in DIMENSIONS:
        for col in (f"rules_{d}", f"rules_{d}_confidence"):
            if col in df.columns:
                out[col] = list(df[col])
    return out


def _as_labels(y: Any, n: int) -> pd.DataFrame:
    if isinstance(y, pd.DataFrame):
        df = y.reset_index(drop=True)
    elif isinstance(y, Mapping):
        df = pd.DataFrame(y)
    else:
        arr = np.asarray(y, dtype=object)
        if arr.ndim != 2 or arr.shape[1] != len(DIMENSIONS):
            raise ModelError(f"y must be a DataFrame with columns {', '.join(DIMENSIONS)} "
                             f"(or an array of shape (n, {len(DIMENSIONS)})); got shape {arr.shape}")
        df = pd.DataFrame(arr, columns=list(DIMENSIONS))
    if len(df) != n:
        raise ModelError(f"X has {n} stories but y has {len(df)} rows; give one row of codes per story")
    if df.shape[1] == 0:
        raise ModelError("y has no columns; give one column per dimension (valence, intentionality, directness)")
    return df.apply(lambda col: col.map(_str).str.strip())


def _fingerprint(frame: pd.DataFrame, labels: pd.DataFrame) -> str:
    h = hashlib.sha256()
    rows = sorted(zip(frame["text"], frame["activity_goal"], *(labels[c] for c in labels.columns)))
    for row in rows:
        h.update("\x1f".join(row).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


# ---------------------------------------------------------------------------
# the rule engine as a feature source (stacking)
# ---------------------------------------------------------------------------
_RULE_CACHE: dict[tuple, tuple] = {}


@functools.lru_cache(maxsize=1)
def _rule_engine():
    from impactlib.nlp.engine import ImpactEngine

    return ImpactEngine()


def _rule_values(frame: pd.DataFrame) -> list[tuple]:
    """Per story ``(value, confidence)`` pairs per dimension from X's ``rules_*`` columns or the engine."""
    have = all(f"rules_{d}" in frame.columns for d in DIMENSIONS)
    if have:
        n = len(frame)
        columns = []
        for d in DIMENSIONS:
            conf = f"rules_{d}_confidence"
            columns.append((frame[f"rules_{d}"].tolist(),
                            frame[conf].tolist() if conf in frame.columns else [None] * n))
        return [tuple(_rule_pair(values[i], confs[i]) for values, confs in columns) for i in range(n)]
    keys = list(zip(*(frame[c].tolist() for c in ("text", *CONTEXT_FIELDS))))
    todo = [i for i, k in enumerate(keys) if k not in _RULE_CACHE]
    if todo:
        records = [dict(zip(("text", *CONTEXT_FIELDS), keys[i]), story_id=str(i)) for i in todo]
        rows, _ = _rule_engine().tag(records)
        if len(_RULE_CACHE) > 100_000:
            _RULE_CACHE.clear()
        for i, row in zip(todo, rows):
            _RULE_CACHE[keys[i]] = tuple((row.get(d) or "", row.get(f"{d}_confidence")) for d in DIMENSIONS)
    return [_RULE_CACHE[k] for k in keys]



# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------
class ImpactModel(Predictor, ClassifierMixin, BaseEstimator):
    """One logistic regression per impact dimension over text and context features.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of every logistic regression.
    word_ngram_range : tuple of int
        n-gram range over lemmas (negated lemmas marked ``neg_``).
    char_ngram_range : tuple of int
        Character n-gram range (``char_wb``); ``use_char=False`` switches them off.
    word_min_df, char_min_df : int
        Minimum document frequency of a word/char n-gram.
    char_max_features : int
        Largest character vocabulary kept (most frequent first).
    use_words : bool
        Use the word (lemma) n-grams.
    use_char : bool
        Use character n-grams.
    use_context : bool
        Use the context features (polarity, negation, goal overlap, who changes, chains, role).
    dimension_features : bool
        Let each dimension's classifier see only its own context and rule features
        (:data:`DIMENSION_FEATURES`) besides the text n-grams; ``False`` = all features for all.
    use_rules : bool
        Use the rule engine's story-level values and confidences as features (stacking).
    context_weight : float
        Multiplier of the standardised context (and rule) features relative to the TF-IDF block.
    combine_weight : float or dict
        Weight of the rule engine's confidence in :func:`combine` (0 = model only, 1 = rules only);
        a dict gives one weight per dimension (``{"valence": 0.5, ...}``; missing dimensions: 0).
    combine_override_below : float or dict
        In :func:`combine`, rule values with a confidence below this are overridden by the model.
    class_weight : str or None
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    random_state : int
        Seed of the solver (the fit is deterministic).

    Attributes
    ----------
    dimensions_ : list of str
        The dimensions learned (columns of ``y``).
    classes_ : list of ndarray
        Classes per dimension, in the order of ``dimensions_``.
    word_vectorizer_, char_vectorizer_ : TfidfVectorizer or None
        Fitted vectorizers.
    context_mean_, context_scale_ : ndarray or None
        Standardisation of the context (and rule) features.
    feature_names_ : ndarray of str
        Name of every feature column.
    estimators_ : list of LogisticRegression
        One fitted classifier per dimension.
    training_ : dict
        ``n_samples``, ``n_per_dimension``, ``class_counts``, ``fingerprint`` of the training data.
    """

    def __init__(self, *, C: float = 1.0, word_ngram_range: tuple[int, int] = (1, 2),
                 char_ngram_range: tuple[int, int] = (3, 5), word_min_df: int = 1, char_min_df: int = 2,
                 char_max_features: int = 20000, use_words: bool = True, use_char: bool = True,
                 use_context: bool = True, dimension_features: bool = False,
                 use_rules: bool = True, context_weight: float = 1.0,
                 combine_weight: float | Mapping[str, float] = 0.0,
                 combine_override_below: float | Mapping[str, float] = 0.0,
                 class_weight: str | None = "balanced", random_state: int = 0) -> None:
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.use_words = use_words
        self.use_char = use_char
        self.use_context = use_context
        self.dimension_features = dimension_features
        self.use_rules = use_rules
        self.context_weight = context_weight
        self.combine_weight = combine_weight
        self.combine_override_below = combine_override_below
        self.class_weight = class_weight
        self.random_state = random_state

    # -- features --------------------------------------------------------
    def _word_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False,
                               ngram_range=tuple(self.word_ngram_range), min_df=self.word_min_df,
                               sublinear_tf=True, dtype=np.float64)

    def _char_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", lowercase=True, ngram_range=tuple(self.char_ngram_range),
                               min_df=self.char_min_df, max_features=self.char_max_features,
                               sublinear_tf=True, dtype=np.float64)

    def _docs(self, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
        negators = _resources()["negators"]
        words = []
        chars = []
        for text, why in zip(frame["text"], frame["why_significant"]):
            full = text if not why else f"{text}\n{why}"
            words.append(_lemma_string(_tokens(full), negators))
            chars.append(full)
        return words, chars

    def _dense(self, frame: pd.DataFrame) -> np.ndarray | None:
        blocks = []
        if self.use_context:
            res = _resources()
            blocks.append(np.array([
                _context_vector(t, g, r, w, res)
                for t, g, r, w in zip(frame["text"], frame["activity_goal"], frame["storyteller_role"],
                                      frame["why_significant"])
            ], dtype=np.float64).reshape(len(frame), len(CONTEXT_NAMES)))
        if self.use_rules:
            blocks.append(_rule_features(_rule_values(frame)))
        if not blocks:
            return None
        return np.hstack(blocks)

    def _features(self, frame: pd.DataFrame, *, fit: bool, reference: bool = False) -> sp.csr_matrix:
        """The feature matrix of ``frame``; ``fit`` fits the vectorizers and the standardisation.

        Without ``fit`` (and unless ``reference``) the matrix comes from :meth:`_fast_matrix`,
        which gives the same matrix as this reference code, faster.
        """
        if not fit and not reference and len(frame):
            return self._fast_matrix(frame["text"].tolist(), frame["why_significant"].tolist(),
                                     frame["activity_goal"].tolist(), frame["storyteller_role"].tolist(),
                                     _rule_values(frame) if self.use_rules else None)
        words, chars = self._docs(frame)
        parts = []
        if fit:
            self.word_vectorizer_ = self._word_vectorizer().fit(words) if self.use_words else None
            self.char_vectorizer_ = self._char_vectorizer().fit(chars) if self.use_char else None
        if self.word_vectorizer_ is not None:
            parts.append(self.word_vectorizer_.transform(words))
        if self.char_vectorizer_ is not None:
            parts.append(self.char_vectorizer_.transform(chars))
        dense = self._dense(frame)
        if fit:
            if dense is not None:
                self.context_mean_ = dense.mean(axis=0)
                scale = dense.std(axis=0)
                scale[scale < 1e-9] = 1.0
                self.context_scale_ = scale
            else:
                self.context_mean_ = self.context_scale_ = None
        if dense is not None:
            z = (dense - self.context_mean_) / self.context_scale_ * float(self.context_weight)
            parts.append(sp.csr_matrix(z))
        return sp.hstack(parts, format="csr")

    def _names(self) -> np.ndarray:
        names = []
        if self.word_vectorizer_ is not None:
            names += ["w:" + t for t in self.word_vectorizer_.get_feature_names_out()]
        if self.char_vectorizer_ is not None:
            names += ["c:" + t for t in self.char_vectorizer_.get_feature_names_out()]
        if self.use_context:
            names += ["x:" + n for n in CONTEXT_NAMES]
        if self.use_rules:
            names += ["r:" + n for n in RULE_NAMES]
        return np.array(names, dtype=object)

    def _columns_of(self, dimension: str, names: np.ndarray) -> np.ndarray | None:
        """Column indices the classifier of ``dimension`` uses (``None`` = all)."""
        if not self.dimension_features or dimension not in DIMENSION_FEATURES:
            return None
        own = DIMENSION_FEATURES[dimension]
        keep = [i for i, n in enumerate(names)
                if n[:2] in ("w:", "c:") or (n[2:].startswith(own) and not n[2:].startswith("rules_") or
                                             n[2:] in {f"rules_{dimension}", f"rules_{dimension}_missing"})]
        return np.asarray(keep, dtype=np.intp)

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                  solver="liblinear", dual=True, random_state=self.random_state)

    # -- sklearn API --------------------------------------------------------
    def fit(self, X: Any, y: Any) -> "ImpactModel":
        """Learn one classifier per column of ``y`` from the stories in ``X``.

        Parameters
        ----------
        X : DataFrame or list of dict
            Stories with ``text`` and optionally ``activity_goal``, ``activity``,
            ``storyteller_role``, ``why_significant`` (and ``rules_<dimension>`` /
            ``rules_<dimension>_confidence`` for stacking without re-running the rules).
        y : DataFrame
            One column per dimension (``valence``, ``intentionality``, ``directness``);
            empty cells (no code) are left out of that dimension's training set.

        Returns
        -------
        self : ImpactModel

        Raises
        ------
        ModelError
            When ``X``/``y`` do not fit together or a dimension has fewer than two values.
        """
        if not (self.use_words or self.use_char or self.use_context or self.use_rules):
            raise ModelError("no features: use_words, use_char, use_context and use_rules are all False; "
                             "switch at least one on")
        frame = _as_frame(X)
        labels = _as_labels(y, len(frame))
        if len(frame) < 2:
            raise ModelError(f"cannot train on {len(frame)} stories; give at least two coded stories per value")
        for d in labels.columns:
            values = sorted(set(labels[d]) - {""})
            if len(values) < 2:
                raise ModelError(
                    f"dimension {d!r} has {len(values)} distinct value(s) in y ({', '.join(values) or 'none'}); "
                    "a classifier needs stories coded with at least two values"
                )
        Xf = self._features(frame, fit=True)
        names = self._names()
        self.dimensions_ = [str(c) for c in labels.columns]
        self.estimators_ = []
        self.classes_ = []
        counts = {}
        for d in self.dimensions_:
            mask = (labels[d] != "").to_numpy()
            cols = self._columns_of(d, names)
            if cols is None:
                clf = self._classifier().fit(Xf[mask], labels[d].to_numpy()[mask])
            else:  # fit on the dimension's columns, store zeros for the others (same shapes on disk)
                clf = self._classifier().fit(Xf[mask][:, cols], labels[d].to_numpy()[mask])
                coef = np.zeros((clf.coef_.shape[0], Xf.shape[1]))
                coef[:, cols] = clf.coef_
                clf.coef_ = coef
                clf.n_features_in_ = Xf.shape[1]
            self.estimators_.append(clf)
            self.classes_.append(clf.classes_)
            counts[d] = {str(k): int(v) for k, v in labels[d][mask].value_counts().sort_index().items()}
        self.feature_names_ = names
        self.n_features_in_ = int(Xf.shape[1])
        self.training_ = {
            "n_samples": int(len(frame)),
            "n_per_dimension": {d: int(sum(c.values())) for d, c in counts.items()},
            "class_counts": counts,
            "fingerprint": _fingerprint(frame, labels),
        }
        return self

    def _transform(self, X: Any) -> sp.csr_matrix:
        check_is_fitted(self, "estimators_")
        return self._features(_as_frame(X), fit=False)

    def predict_proba(self, X: Any) -> list[np.ndarray]:
        """Class probabilities: one array ``(n_stories, n_classes)`` per dimension (order of ``dimensions_``)."""
        Xf = self._transform(X)
        return [clf.predict_proba(Xf) for clf in self.estimators_]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, an object array of shape ``(n_stories, n_dimensions)``."""
        probas = self.predict_proba(X)
        cols = [cls[np.argmax(p, axis=1)] for cls, p in zip(self.classes_, probas)]
        return np.column_stack(cols).astype(object) if cols else np.empty((0, 0), dtype=object)

    def predict_frame(self, X: Any) -> pd.DataFrame:
        """Predictions as a DataFrame: one column per dimension plus ``<dimension>_confidence``."""
        probas = self.predict_proba(X)
        out = {}
        for d, cls, p in zip(self.dimensions_, self.classes_, probas):
            out[d] = cls[np.argmax(p, axis=1)]
            out[f"{d}_confidence"] = p.max(axis=1)
        return pd.DataFrame(out)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean Cohen's κ over the dimensions (stories with an empty code are left out per dimension)."""
        labels = _as_labels(y, len(_as_frame(X)))
        pred = self.predict(X)
        kappas = []
        for j, d in enumerate(self.dimensions_):
            mask = (labels[d] != "").to_numpy()
            kappas.append(_kappa(labels[d].to_numpy()[mask], pred[mask, j]))
        return float(np.mean(kappas))

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _check_fitted(self) -> None:
        check_is_fitted(self, "estimators_")

    # -- engine integration ------------------------------------------------
    def proba_rows(self, X: Any) -> list[dict[str, dict[str, float]]]:
        """Per story ``{dimension: {value: probability}}`` (plain dicts, for :func:`combine`)."""
        return self._proba_dicts(self.predict_proba(X))

    # -- persistence ---------------------------------------------------------
    def to_dict(self, metadata: Mapping[str, Any] | None = None) -> dict:
        """The fitted model as plain JSON-able data (no pickles)."""
        check_is_fitted(self, "estimators_")
        import sklearn

        def vec(v: TfidfVectorizer | None):
            if v is None:
                return None
            terms = [None] * len(v.vocabulary_)
            for t, k in v.vocabulary_.items():
                terms[k] = t
            return {"terms": terms, "idf": [float(x) for x in v.idf_]}

        params = self.get_params()
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
        meta = {
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "simplemma_version": _package_version("simplemma"),
            "impactlib_version": _package_version("impactlib"),
            **self.training_,
            **dict(metadata or {}),
        }
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": params,
            "dimensions": list(self.dimensions_),
            "classes": {d: [str(c) for c in cls] for d, cls in zip(self.dimensions_, self.classes_)},
            "word_vectorizer": vec(self.word_vectorizer_),
            "char_vectorizer": vec(self.char_vectorizer_),
            "context": None if self.context_mean_ is None else {
                "names": [n for n in self.feature_names_ if n.startswith(("x:", "r:"))],
                "mean": [float(x) for x in self.context_mean_],
                "scale": [float(x) for x in self.context_scale_],
            },
            "classifiers": {
                d: {"coef": [[float(x) for x in row] for row in clf.coef_],
                    "intercept": [float(x) for x in clf.intercept_]}
                for d, clf in zip(self.dimensions_, self.estimators_)
            },
            "metadata": meta,
        }

    def save(self, directory: str | os.PathLike, *, metadata: Mapping[str, Any] | None = None) -> Path:
        """Write the model to ``directory/impactlib_model.json`` (created; no pickles).

        Returns the path of the file written.  The JSON carries a SHA-256 checksum of
        its content (the compact, key-sorted JSON of everything else) so a damaged file
        is refused on load.  The file is that compact JSON with the checksum as its first
        member, so a loader can verify it without encoding the model again
        (:func:`~impactlib.nlp.scoring.read_model_file`).
        """
        data = self.to_dict(metadata)
        body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        checksum = hashlib.sha256(body.encode("utf-8")).hexdigest()
        d = Path(directory)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelError(f"{d}: cannot create the model folder ({exc}); choose a writable folder") from exc
        path = d / MODEL_FILE
        tmp = d / (MODEL_FILE + ".tmp")
        tmp.write_text(f'{{"checksum":"{checksum}",{body[1:]}', encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "model") -> "ImpactModel":
        """Rebuild a fitted model from :meth:`to_dict` data (raises :class:`ModelError` when invalid)."""
        parts = parse_model_data(data, source)
        model = cls(**parts["params"])

        def vec(entry, make):
            if entry is None:
                return None
            v = make()
            v.vocabulary_ = {t: i for i, t in enumerate(entry[0])}
            v.idf_ = entry[1]
            return v

        model.word_vectorizer_ = vec(parts["word"], model._word_vectorizer)
        model.char_vectorizer_ = vec(parts["char"], model._char_vectorizer)
        model.context_mean_ = parts["context_mean"]
        model.context_scale_ = parts["context_scale"]
        model.feature_names_ = model._names()
        n_features = parts["n_features"]
        model.dimensions_ = parts["dimensions"]
        model.estimators_ = []
        model.classes_ = []
        for classes, coef, intercept in parts["classifiers"]:
            clf = model._classifier()
            clf.classes_ = classes
            clf.coef_ = coef
            clf.intercept_ = intercept
            clf.n_features_in_ = n_features
            clf.n_iter_ = np.zeros(1, dtype=np.int32)
            model.estimators_.append(clf)
            model.classes_.append(classes)
        model.n_features_in_ = n_features
        meta = parts["metadata"]
        model.training_ = {k: meta.get(k) for k in ("n_samples", "n_per_dimension", "class_counts", "fingerprint")}
        model.metadata_ = meta
        return model

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "ImpactModel":
        """Load a model saved with :meth:`save` (never unpickles anything).

        Raises
        ------
        ModelError
            When the folder or its ``impactlib_model.json`` is missing, damaged
            (bad JSON, checksum mismatch, wrong shapes) or from an incompatible version.
        """
        data, path = read_model_file(directory)
        return cls.from_dict(data, source=str(path))


# ---------------------------------------------------------------------------
# module functions
# ---------------------------------------------------------------------------
def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _kappa(a: Sequence, b: Sequence) -> float:
    a = list(a)
    b = list(b)
    if not a:
        return float("nan")
    if len(set(a) | set(b)) < 2:
        return 1.0
    k = cohen_kappa_score(a, b)
    return 0.0 if math.isnan(k) else float(k)


def kappa_scorer(dimension: str | None = None):
    """A scorer ``f(estimator, X, y)`` for ``cross_val_score``: Cohen's κ of one dimension (or the mean)."""

    def scorer(estimator: ImpactModel, X: Any, y: Any) -> float:
        if dimension is None:
            return estimator.score(X, y)
        labels = _as_labels(y, len(_as_frame(X)))
        j = estimator.dimensions_.index(dimension)
        pred = estimator.predict(X)[:, j]
        mask = (labels[dimension] != "").to_numpy()
        return _kappa(labels[dimension].to_numpy()[mask], pred[mask])

    scorer.__name__ = f"kappa_{dimension or 'mean'}"
    return scorer


def story_level_codes(codes: pd.DataFrame, coder: str | None = None, *,
                      dimensions: Sequence[str] = DIMENSIONS) -> pd.DataFrame:
    """Story-level codes of one coder as a wide table (index ``story_id``, one column per dimension).

    Takes the canonical codes table (story-level rows have empty ``start``/``end``);
    rejected codes are left out.  A story coded twice on a dimension by the same coder
    keeps the last row (the table is append-ordered).

    Raises
    ------
    ModelError
        When the table lacks the codes columns or the coder has no story-level codes.
    """
    need = {"story_id", "start", "dimension", "value", "coder"}
    missing = need - set(codes.columns)
    if missing:
        raise ModelError(f"codes table lacks column(s) {', '.join(sorted(missing))}; give the canonical codes table")
    rows = codes[codes["start"].map(_str).str.strip() == ""]
    if "status" in rows.columns:
        rows = rows[rows["status"].map(_str) != "rejected"]
    rows = rows[rows["dimension"].isin(list(dimensions))]
    if coder is not None:
        rows = rows[rows["coder"].map(_str) == coder]
    if rows.empty:
        coders = ", ".join(sorted(set(codes["coder"].map(_str)))) or "none"
        raise ModelError(f"no story-level codes for coder {coder!r} (coders in the table: {coders}); "
                         "choose one of those coders")
    rows = rows.assign(story_id=rows["story_id"].map(_str), value=rows["value"].map(_str))
    wide = rows.drop_duplicates(["story_id", "dimension"], keep="last").pivot(
        index="story_id", columns="dimension", values="value")
    wide = wide.reindex(columns=list(dimensions)).fillna("")
    wide.columns.name = None
    return wide


def load_model(directory: str | os.PathLike | None = None) -> ImpactModel:
    """Load a saved model; ``None`` loads the default model shipped with impactlib."""
    return ImpactModel.load(DEFAULT_MODEL_DIR if directory is None else directory)


def margins(model: ImpactModel, records: Any) -> np.ndarray:
    """Per story the smallest margin (top probability minus the next) over the dimensions."""
    probas = model.predict_proba(records)
    if not probas or probas[0].shape[0] == 0:
        return np.zeros(0)
    per_dim = []
    for p in probas:
        s = np.sort(p, axis=1)
        per_dim.append(s[:, -1] - s[:, -2])
    return np.min(np.column_stack(per_dim), axis=1)


def active_learning_order(model: ImpactModel, records: Any) -> np.ndarray:
    """Positions of ``records`` ordered least certain first (smallest margin on any dimension).

    Ties keep the input order (stable sort), so the order is reproducible.

    Examples
    --------
    >>> order = active_learning_order(load_model(), [{"text": "Ik ben minder eenzaam."},
    ...                                               {"text": "Het ging goed en ook slecht."}])
    >>> sorted(order.tolist())
    [0, 1]
    """
    m = margins(model, records)
    return np.argsort(m, kind="stable")


__all__ = [
    "DEFAULT_MODEL_DIR",
    "DIMENSIONS",
    "DIMENSION_FEATURES",
    "ImpactModel",
    "ImpactScorer",
    "LABELS",
    "MODEL_FILE",
    "active_learning_order",
    "combine",
    "is_model_dir",
    "kappa_scorer",
    "load_model",
    "load_scorer",
    "margins",
    "story_level_codes",
]


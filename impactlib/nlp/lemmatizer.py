"""A fast Dutch lemmatizer component backed by simplemma, cached per lowercase form.

spaCy's Dutch lookup table gets 23 of 40 common social-work words right and its
rule mode silently does nothing without a tagger (DESIGN.md); simplemma gets
39/40.  simplemma costs a few microseconds per call, so the component keeps a
cache ``lowercase form id -> lemma id`` and looks each form up once per process.

Lemmas are lowercase; separable-verb markers (``op_lopen``) are joined
(``oplopen``); :data:`impactlib.nlp.lexicon.LEMMA_OVERRIDES` fixes words whose
simplemma lemma loses what the impact rules need (``minder`` -> ``minder``).

Examples
--------
>>> import spacy
>>> from impactlib.nlp import lemmatizer  # registers the factory
>>> nlp = spacy.blank("nl")
>>> _ = nlp.add_pipe("impact_lemmatizer")
>>> [t.lemma_ for t in nlp("De schulden liepen op")]
['de', 'schuld', 'lopen', 'op']
"""

from __future__ import annotations

import functools
import itertools
import marshal
import os
from pathlib import Path
from typing import Callable, Mapping

import numpy
import simplemma
from spacy.attrs import LEMMA, LOWER
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from impactlib.nlp.lexicon import LEMMA_OVERRIDES

#: Upper bound of cached forms before the cache is cleared (memory stays bounded on open vocabularies).
MAX_CACHE = 500_000


# -- simplemma's Dutch dictionary, decoded once per machine ----------------------------------
# simplemma 2 ships its dictionaries front-coded and lzma-compressed and decodes the Dutch one
# in Python on first use (~0.3 s of every `impactlib tag` start).  The decoded bytes -> bytes
# dict is kept in a marshal file in the user's cache folder (loads in ~0.09 s); the lookups
# and rules stay simplemma's, so the lemmas are the same (tests/test_nlp.py compares them).

def cache_dir() -> Path:
    """Where impactlib keeps derived files: ``$IMPACTLIB_CACHE_DIR``, else ``$XDG_CACHE_HOME/impactlib``
    or ``~/.cache/impactlib``."""
    own = os.environ.get("IMPACTLIB_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "impactlib"


def _decoded_dictionary(lang: str, decode: Callable[[str], Mapping[str, str]]) -> dict:
    """simplemma's dictionary of ``lang`` as ``{bytes: bytes}``, from the cache file or ``decode``."""
    path = cache_dir() / f"simplemma-{getattr(simplemma, '__version__', 'x')}-{lang}.marshal"
    try:
        data = marshal.loads(path.read_bytes())
        if isinstance(data, dict) and data and all(type(k) is bytes for k in itertools.islice(data, 100)):
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    mapping = decode(lang)
    data = {k.encode(): mapping[k].encode() for k in mapping}
    try:  # best effort: a read-only home only costs the 0.3 s again
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, path)
    except OSError:
        pass
    return data


def _make_simplemma() -> Callable[[str, str], str]:
    """``lemmatize(token, lang)`` of a simplemma Lemmatizer whose dictionaries come from
    :func:`_decoded_dictionary`; simplemma's own function when its internals differ."""
    try:
        from simplemma import Lemmatizer
        from simplemma.strategies import DefaultStrategy
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory
        from simplemma.strategies.dictionaries.dictionary_factory import MappingStrToByteString

        class _CachedFactory(DefaultDictionaryFactory):
            def _get_dictionary_uncached(self, lang: str):
                decode = super()._get_dictionary_uncached
                return MappingStrToByteString(_decoded_dictionary(lang, decode))

        return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_CachedFactory())).lemmatize
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another simplemma version
        return simplemma.lemmatize


_simplemma_lemmatize: Callable[[str, str], str] | None = None


def lemmatize_word(lower: str) -> str:
    """Lemmatize one lowercase Dutch word form (no caching).

    >>> lemmatize_word("eenzame"), lemmatize_word("opgelopen"), lemmatize_word("minder")
    ('eenzaam', 'oplopen', 'minder')
    """
    if lower in LEMMA_OVERRIDES:
        return LEMMA_OVERRIDES[lower]
    if not lower or not (lower.isalpha() or any(c.isalpha() for c in lower)) or len(lower) > 60:
        return lower
    global _simplemma_lemmatize
    if _simplemma_lemmatize is None:
        _simplemma_lemmatize = _make_simplemma()
    try:
        lemma = _simplemma_lemmatize(lower, lang="nl")
    except Exception:  # pragma: no cover - simplemma is robust; never fail a story on a lemma
        return lower
    lemma = lemma.lower().replace("_", "")
    return lemma or lower


#: :func:`lemmatize_word` with a bounded cache, shared by the rules (a form's features are
#: computed once) and the learned layer (its own tokens): a new word is lemmatized once.
cached_lemma: Callable[[str], str] = functools.lru_cache(maxsize=200_000)(lemmatize_word)


@Language.factory(
    "impact_lemmatizer",
    assigns=["token.lemma"],
    default_config={"overwrite": False},
)
def make_impact_lemmatizer(nlp: Language, name: str, *, overwrite: bool) -> "SimplemmaLemmatizer":
    """Create the cached simplemma lemmatizer (factory ``impact_lemmatizer``)."""
    return SimplemmaLemmatizer(nlp.vocab, name, overwrite=overwrite)


class SimplemmaLemmatizer:
    """Set ``token.lemma_`` from simplemma, cached per lowercase form.

    Parameters
    ----------
    vocab : Vocab
        The pipeline's vocab (lemma strings are added to its StringStore).
    name : str
        Component name.
    overwrite : bool
        Replace lemmas already set by an earlier component (e.g. a trained
        ``nl_core_news`` lemmatizer).  Default ``False``.
    """

    def __init__(self, vocab: Vocab, name: str = "impact_lemmatizer", *, overwrite: bool = False) -> None:
        self.vocab = vocab
        self.name = name
        self.overwrite = overwrite
        self._cache: dict[int, int] = {}

    def lemma_id(self, lower_id: int, lower: str | None = None) -> int:
        """Lemma hash for a lowercase-form hash (computing and caching it when new)."""
        lid = self._cache.get(lower_id)
        if lid is None:
            if len(self._cache) >= MAX_CACHE:
                self._cache.clear()
            text = lower if lower is not None else self.vocab.strings[lower_id]
            lid = self.vocab.strings.add(lemmatize_word(text))
            self._cache[lower_id] = lid
        return lid

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        if not self.overwrite and doc.has_annotation("LEMMA"):
            return doc
        cache = self._cache
        lowers = doc.to_array(LOWER).tolist()
        try:
            lemmas = [cache[x] for x in lowers]
        except KeyError:
            lemma_id = self.lemma_id
            lemmas = [cache.get(x) or lemma_id(x) for x in lowers]
        # one array write instead of a Python setter per token (4x faster)
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1))
        return doc

    def pipe(self, stream, batch_size: int = 128):
        for doc in stream:
            yield self(doc)

    # no learned state; the cache is rebuilt on demand
    def to_disk(self, path, *, exclude=tuple()) -> None:  # noqa: D102
        pass

    def from_disk(self, path, *, exclude=tuple()) -> "SimplemmaLemmatizer":  # noqa: D102
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:  # noqa: D102
        return b""

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "SimplemmaLemmatizer":  # noqa: D102
        return self


LemmaFunc = Callable[[str], str]

__all__ = ["SimplemmaLemmatizer", "lemmatize_word", "cached_lemma", "make_impact_lemmatizer", "MAX_CACHE"]

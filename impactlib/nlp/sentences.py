"""A fast rule sentencizer (``impact_sentencizer``) for the blank Dutch pipeline.

spaCy's ``sentencizer`` walks the Doc token by token in Python (a ``Token``
object per token); this one reads the token ids with one ``to_array`` call and
writes sentence starts with one ``from_array`` call, ~5x faster.  Rules as in
spaCy's sentencizer: a sentence ends after a run of ``. ! ? …`` (and similar
punctuation, closing quotes/brackets included) and at blank lines.

Examples
--------
>>> import spacy
>>> from impactlib.nlp import sentences  # registers the factory
>>> nlp = spacy.blank("nl")
>>> _ = nlp.add_pipe("impact_sentencizer")
>>> [s.text for s in nlp("Het gaat goed. Echt! Dank je").sents]
['Het gaat goed.', 'Echt!', 'Dank je']
"""

from __future__ import annotations

import numpy
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

#: Sentence-final punctuation.
PUNCT_CHARS = (".", "!", "?", "…", "?!", "!?", "...", "..", "!!", "!!!", "??", "。", "؟", "‼", "⁇", "⁈", "⁉")
#: Tokens that may trail a sentence end (closing quotes, brackets).
CLOSERS = ('"', "'", "”", "’", ")", "]", "»", "“")


@Language.factory("impact_sentencizer", assigns=["token.is_sent_start"], default_config={"overwrite": False})
def make_impact_sentencizer(nlp: Language, name: str, *, overwrite: bool) -> "FastSentencizer":
    """Create the fast rule sentencizer (factory ``impact_sentencizer``)."""
    return FastSentencizer(nlp, name, overwrite=overwrite)


class FastSentencizer:
    """Split sentences on final punctuation and blank lines using array I/O.

    Parameters
    ----------
    nlp : Language
        Pipeline whose StringStore holds the punctuation ids.
    name : str
        Component name.
    overwrite : bool
        Replace sentence boundaries set by an earlier component.
    """

    def __init__(self, nlp: Language, name: str = "impact_sentencizer", *, overwrite: bool = False) -> None:
        self.name = name
        self.overwrite = overwrite
        strings = nlp.vocab.strings
        self._final = frozenset(strings.add(p) for p in PUNCT_CHARS)
        self._closers = frozenset(strings.add(c) for c in CLOSERS)
        self._strings = strings
        self._breaks: dict[int, bool] = {}

    def _kind(self, orth: int) -> int:
        """0: a word or punctuation; 1: whitespace; 2: whitespace holding a blank line."""
        text = self._strings[orth]
        if text.strip():
            return 0
        return 2 if text.count("\n") >= 2 else 1

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0 or (not self.overwrite and doc.has_annotation("SENT_START")):
            return doc
        orths = doc.to_array(ORTH).tolist()
        final = self._final
        closers = self._closers
        starts = [-1] * n  # -1: not a start; 1: start
        starts[0] = 1
        seen_end = False
        breaks = self._breaks
        if len(breaks) > 100_000:
            breaks.clear()
        for i, o in enumerate(orths):
            kind = breaks.get(o)
            if kind is None:
                kind = breaks[o] = self._kind(o)
            if seen_end:
                if o in final or o in closers or kind:
                    # trailing punctuation, quotes and whitespace stay with the sentence
                    continue
                starts[i] = 1
                seen_end = False
            if o in final or (kind == 2 and i + 1 < n):
                seen_end = True
        doc.from_array([SENT_START], numpy.asarray(starts, dtype="int32").reshape(-1, 1).astype("uint64"))
        return doc

    def pipe(self, stream, batch_size: int = 128):
        for doc in stream:
            yield self(doc)

    def to_disk(self, path, *, exclude=tuple()) -> None:  # noqa: D102 - no state
        pass

    def from_disk(self, path, *, exclude=tuple()) -> "FastSentencizer":  # noqa: D102
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:  # noqa: D102
        return b""

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "FastSentencizer":  # noqa: D102
        return self


__all__ = ["FastSentencizer", "make_impact_sentencizer", "PUNCT_CHARS"]

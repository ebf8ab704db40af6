"""Batch tagging: stories in, plain story rows and segment rows out.

:class:`ImpactEngine` wraps the pipeline of :func:`impactlib.nlp.build_pipeline`
and turns records (dicts with ``story_id``, ``text`` and optional ``activity``,
``activity_goal``, ``why_significant``, ``storyteller_role``) into the rows of the
tagger contract in ``docs/architecture.md``:

* story rows: ``story_id, valence, intentionality, directness, valence_confidence,
  intentionality_confidence, directness_confidence, evidence``;
* segment rows: ``story_id, start, end, text, valence, intentionality, directness,
  valence_confidence, intentionality_confidence, directness_confidence, evidence``.

Values are the codebook's English keys, ``""`` (and confidence ``None``) when no
effect is found; offsets are Unicode code points into the original ``text``, end
exclusive.  Docs are not kept: only rows leave the engine.

Examples
--------
>>> eng = ImpactEngine()
>>> stories, segments = eng.tag([{"story_id": "S1", "text": "Ik ben niet meer eenzaam.",
...     "activity_goal": "Eenzaamheid verminderen."}])
>>> stories[0]["valence"], stories[0]["intentionality"], stories[0]["directness"]
('positive', 'intended', 'direct')
>>> segments[0]["start"], segments[0]["end"]
(0, 25)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from impactlib.codebook import Codebook
from impactlib.nlp.components import clean_text
from impactlib.nlp.pipeline import build_pipeline

STORY_COLUMNS = (
    "story_id",
    "valence",
    "intentionality",
    "directness",
    "valence_confidence",
    "intentionality_confidence",
    "directness_confidence",
    "evidence",
)
SEGMENT_COLUMNS = (
    "story_id",
    "start",
    "end",
    "text",
    "valence",
    "intentionality",
    "directness",
    "valence_confidence",
    "intentionality_confidence",
    "directness_confidence",
    "evidence",
)
DIMENSIONS = ("valence", "intentionality", "directness")
_CONTEXT = ("activity_goal", "why_significant", "storyteller_role", "activity")


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:  # pandas.NA and friends
        if value != value:  # noqa: PLR0124
            return ""
    except (TypeError, ValueError):
        return ""
    return value if isinstance(value, str) else str(value)


def _context_of(value: Any) -> str | None:
    t = _text_of(value).strip()
    return t or None


def format_evidence(ev: Mapping[str, Any]) -> str:
    """One readable line of evidence for a segment (Dutch, ``' | '``-separated)."""
    parts = []
    if ev.get("valence"):
        parts.append("waardering: " + ", ".join(ev["valence"]))
    if ev.get("intentionality"):
        parts.append("bedoeld?: " + "; ".join(ev["intentionality"]))
    if ev.get("directness"):
        parts.append("direct?: " + "; ".join(ev["directness"]))
    if ev.get("themes"):
        parts.append("thema's: " + ", ".join(ev["themes"]))
    return " | ".join(parts)


class ImpactEngine:
    """Tag stories on the three impact dimensions with evidence.

    Parameters
    ----------
    codebook : Codebook, path or None
        Codebook (``None`` = packaged default).
    model : str or Path, optional
        A learned model folder (``impactlib_model.json``, see :mod:`impactlib.nlp.model`)
        or ``"default"`` for the model shipped with impactlib: its probabilities are
        combined with the rules at story level.  Any other value names a spaCy
        pipeline (as ``spacy_model``).
    spacy_model : str or Path, optional
        Base spaCy pipeline (see :func:`build_pipeline`); default ``nl_core_news_*``
        when installed, else ``spacy.blank("nl")``.
    batch_size : int
        Docs per ``nlp.pipe`` batch.

    Attributes
    ----------
    nlp : spacy.language.Language
        The pipeline.
    codebook_version : str
        Version of the codebook used (recorded with every code).
    """

    def __init__(self, codebook: Codebook | str | Path | None = None, *, model: str | Path | None = None,
                 spacy_model: str | Path | None = None, batch_size: int = 256) -> None:
        self.learned = None
        base = spacy_model
        if model is not None:
            # prediction only: the saved model without scikit-learn or pandas (~1 s less start-up)
            from impactlib.nlp import scoring

            if str(model) == "default":
                self.learned = scoring.load_scorer(None)
            elif scoring.is_model_dir(model):
                self.learned = scoring.load_scorer(model)
            else:  # a spaCy pipeline (package name or directory)
                base = model
        self.nlp = build_pipeline(codebook, model=base)
        self.suggester = self.nlp.get_pipe("impact_suggester")
        self.codebook = self.suggester.codebook
        self.codebook_version = self.codebook.version
        self.batch_size = batch_size

    # ------------------------------------------------------------------
    @staticmethod
    def _meta(rec: Mapping[str, Any]) -> tuple:
        """``(story_id, raw text, notes, cleaned text or None)`` of a record (None: not tagged)."""
        sid = _text_of(rec.get("story_id"))
        raw = _text_of(rec.get("text"))
        if not raw.strip():
            return (sid, raw, ["lege tekst: niet getagd"], None)
        text, notes = clean_text(raw)
        if not text.strip():
            return (sid, raw, notes + ["geen tekst over na opschonen: niet getagd"], None)
        if len(text) > 100_000:
            notes = notes + [f"lange tekst ({len(text)} tekens)"]
        if _context_of(rec.get("activity_goal")) is None:
            notes = notes + ["geen activity_goal: bedoeld/onbedoeld is onzeker"]
        return (sid, raw, notes, text)

    def _docs(self, records: Iterable[Mapping[str, Any]], meta: list) -> Iterator:
        make_doc = self.nlp.make_doc
        for rec in records:
            m = self._meta(rec)
            meta.append(m)
            if m[3] is None:
                continue
            doc = make_doc(m[3])
            u = doc._
            u.activity_goal = _context_of(rec.get("activity_goal"))
            u.why_significant = _context_of(rec.get("why_significant"))
            u.storyteller_role = _context_of(rec.get("storyteller_role"))
            u.activity = _context_of(rec.get("activity"))
            yield doc

    def iter_tag(self, records: Iterable[Mapping[str, Any]], *,
                 segments: bool = True) -> Iterator[tuple[dict, list[dict]]]:
        """Yield ``(story_row, segment_rows)`` per record, in input order (streaming).

        With a learned model (``model=`` a model folder or ``"default"``) the story rows
        and the segment rows of each batch are combined with the model's probabilities
        (:meth:`impactlib.nlp.scoring.Predictor.refine_rows`; a segment is read with its
        story's context).
        ``segments=False`` skips the segment rows (``[]``; the story rows are the same).
        """
        if self.learned is None:
            yield from self._iter_rules(records, segments)
            return
        batch_records: list = []
        batch_out: list = []

        def remember(recs):
            for rec in recs:
                batch_records.append(rec)
                yield rec

        for out in self._iter_rules(remember(records), segments):
            batch_out.append(out)
            if len(batch_out) >= self.batch_size:
                yield from self._refine(batch_records[: len(batch_out)], batch_out)
                del batch_records[: len(batch_out)]
                batch_out = []
        if batch_out:
            yield from self._refine(batch_records[: len(batch_out)], batch_out)

    def _refine(self, records: list, outs: list) -> Iterator[tuple[dict, list[dict]]]:
        recs = [{k: rec.get(k) for k in ("story_id", "text", "activity", "activity_goal", "why_significant",
                                        "storyteller_role")} for rec in records]
        for rec in recs:
            rec["text"] = _text_of(rec.get("text"))
        rows = self.learned.refine_rows(recs, [o[0] for o in outs])
        # each effect (segment) too: the model reads the segment's text with its story's
        # context (it was trained on coded segments that way) and the rules' segment values
        seg_recs, seg_rows = [], []
        for rec, (_old, segs) in zip(recs, outs):
            for seg in segs:
                seg_recs.append({**rec, "text": _text_of(seg.get("text"))})
                seg_rows.append(seg)
        refined = iter(self.learned.refine_rows(seg_recs, seg_rows) if seg_rows else ())
        for row, (_old, segs) in zip(rows, outs):
            new_segs = [{c: r.get(c) for c in SEGMENT_COLUMNS} for r in (next(refined) for _ in segs)]
            yield {c: row.get(c) for c in STORY_COLUMNS}, new_segs

    def lean_lexemes(self) -> None:
        """For bulk tagging: compute only ``LOWER`` for the word types spaCy meets first.

        spaCy computes ~23 lexical attributes (shape, ``like_url``, ``is_stop`` ...) for
        every new word type; the blank tagging path (:meth:`_iter_rules`) reads only
        ``LOWER`` (and ``ORTH``), so on an open vocabulary the rest is ~15 us per story
        for nothing.  Docs made afterwards have no ``is_alpha``/``shape_``/``like_num``
        for new words: call this only on an engine whose Docs nobody else reads (the
        ``impactlib tag`` workers).  A pipeline with trained components (which read
        NORM, SHAPE, PREFIX, SUFFIX) is left alone.
        """
        if self._is_blank_pipeline():
            from spacy.attrs import LOWER

            vocab = self.nlp.vocab
            vocab.lex_attr_getters = {LOWER: vocab.lex_attr_getters[LOWER]}

    def _is_blank_pipeline(self) -> bool:
        """Is the pipeline exactly tokenizer + impact_sentencizer + impact_lemmatizer + impact_suggester?"""
        from impactlib.nlp.lemmatizer import SimplemmaLemmatizer
        from impactlib.nlp.sentences import FastSentencizer

        comps = self.nlp.pipeline
        return (len(comps) == 3 and isinstance(comps[0][1], FastSentencizer)
                and isinstance(comps[1][1], SimplemmaLemmatizer) and comps[2][1] is self.suggester)

    def _iter_rules(self, records: Iterable[Mapping[str, Any]], segments: bool = True) -> Iterator[tuple[dict, list[dict]]]:
        if self._is_blank_pipeline():
            # the same results as nlp.pipe, without the per-Doc component calls, array
            # round trips, extension attributes and Span objects
            analyse = self.suggester.analyse_doc
            make_doc = self.nlp.make_doc
            for rec in records:
                meta = self._meta(rec)
                if meta[3] is None:
                    yield self._empty_row(meta)
                    continue
                text = meta[3]
                infos, story = analyse(make_doc(text), _context_of(rec.get("activity_goal")),
                                       _context_of(rec.get("why_significant")),
                                       _context_of(rec.get("storyteller_role")))
                yield self._make_rows(meta, [seg["info"] for seg in infos], story, segments)
            return
        meta: list = []
        docs = self.nlp.pipe(self._docs(records, meta), batch_size=self.batch_size)
        pos = 0
        for doc in docs:
            # records without a Doc (empty text) were queued in meta before this doc
            while meta[pos][3] is None:
                yield self._empty_row(meta[pos])
                pos += 1
            yield self._rows(meta[pos], doc, segments)
            meta[pos] = None  # free
            pos += 1
            if pos > 4096:
                del meta[:pos]
                pos = 0
        while pos < len(meta):
            yield self._empty_row(meta[pos])
            pos += 1

    def tag(self, records: Iterable[Mapping[str, Any]], *, segments: bool = True) -> tuple[list[dict], list[dict]]:
        """Tag records; return ``(story_rows, segment_rows)`` (plain dicts, contract columns).

        ``segments=False`` returns no segment rows (and saves their formatting); the
        story rows are the same.
        """
        stories: list[dict] = []
        segment_rows: list[dict] = []
        for story, segs in self.iter_tag(records, segments=segments):
            stories.append(story)
            segment_rows.extend(segs)
        return stories, segment_rows

    def tag_text(self, text: str, activity_goal: str | None = None, **context: Any) -> tuple[dict, list[dict]]:
        """Tag one text (convenience for notebooks)."""
        rec = {"story_id": context.pop("story_id", ""), "text": text, "activity_goal": activity_goal, **context}
        stories, segments = self.tag([rec])
        return stories[0], segments

    # ------------------------------------------------------------------
    @staticmethod
    def _empty_row(meta) -> tuple[dict, list]:
        sid, _raw, notes, _ = meta
        row = {c: "" for c in STORY_COLUMNS}
        row["story_id"] = sid
        for d in DIMENSIONS:
            row[f"{d}_confidence"] = None
        row["evidence"] = "; ".join(notes)
        return row, []

    def _rows(self, meta, doc, segments: bool = True) -> tuple[dict, list[dict]]:
        infos = [span._.impact for span in doc.spans[self.suggester.spans_key]]
        return self._make_rows(meta, infos, doc._.impact, segments)

    @staticmethod
    def _make_rows(meta, infos: list, story: dict | None, segments: bool = True) -> tuple[dict, list[dict]]:
        """Story row and segment rows from the segments' info dicts (``span._.impact``) and ``doc._.impact``."""
        sid, raw, notes, _ = meta
        segs = []
        for info in infos if segments else ():
            start, end = info["start"], info["end"]
            row = {
                "story_id": sid,
                "start": start,
                "end": end,
                "text": raw[start:end],
                "valence": info["valence"],
                "intentionality": info["intentionality"],
                "directness": info["directness"],
                "valence_confidence": info["valence_confidence"],
                "intentionality_confidence": info["intentionality_confidence"],
                "directness_confidence": info["directness_confidence"],
                "evidence": format_evidence(info["evidence"]),
            }
            segs.append(row)
        story = story or {}
        row = {"story_id": sid}
        for d in DIMENSIONS:
            row[d] = story.get(d) or ""
        for d in DIMENSIONS:
            row[f"{d}_confidence"] = story.get(f"{d}_confidence")
        ev = story.get("evidence") or {}
        parts = []
        if story.get("segment") is not None:
            main = infos[story["segment"]]
            main_ev = segs[story["segment"]]["evidence"] if segments else format_evidence(main["evidence"])
            parts.append(f'{ev.get("reason", "hoofdeffect")} [{main["start"]}:{main["end"]}] {main_ev}')
            if ev.get("n_effects", 0) > 1:
                parts.append(f'{ev["n_effects"]} effecten gevonden')
        elif ev.get("reason"):
            parts.append(ev["reason"])
        parts.extend(ev.get("notes") or [])
        parts.extend(notes)
        row["evidence"] = "; ".join(parts)
        return row, segs


__all__ = ["ImpactEngine", "STORY_COLUMNS", "SEGMENT_COLUMNS", "format_evidence"]

"""Review machine suggestions in JupyterLab: an ipywidgets reviewer that writes to the store.

:class:`Reviewer` shows one story at a time with its suggested spans highlighted
(a coloured ``<mark>`` per span, colour by valence, as displaCy's span style), the
evidence and confidence of each suggestion, and per dimension a row of toggle buttons
(the Dutch values and *afwijzen*).  Every click is written straight to the
:class:`~impactlib.store.CodingStore` (accept, edit, reject or a new human code), so
nothing is lost when the notebook closes.  Keyboard shortcuts work in the
*sneltoetsen* field (ipywidgets has no global key events).

The decision logic lives in plain methods — :meth:`Reviewer.decide`,
:meth:`Reviewer.accept_all`, :meth:`Reviewer.next`, :meth:`Reviewer.previous`,
:meth:`Reviewer.handle_key` — so it can be used and tested without a browser.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from impactlib.codebook import load_codebook
>>> from impactlib.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> _ = store.register_codebook(load_codebook())
>>> stories = pd.DataFrame({"story_id": ["S1"], "text": ["Ik ben niet meer eenzaam."]})
>>> sugg = pd.DataFrame({"story_id": ["S1"], "valence": ["positive"], "valence_confidence": [0.8]})
>>> r = Reviewer(store, stories, sugg, coder="coder_a")
>>> r.story_id
'S1'
>>> _ = r.decide("valence", "negatief")
>>> store.current(coder="coder_a")[["value", "status"]].values.tolist()
[['negative', 'edited']]
>>> store.close()
"""

from __future__ import annotations

import html
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from impactlib.errors import StoreError
from impactlib.store import CodingStore, _is_missing

#: Keyboard shortcuts (typed in the *sneltoetsen* field).
KEYS_HELP = (
    "1/2 waardering positief/negatief · 3/4 bedoeld/onbedoeld · 5/6 direct/indirect · "
    "z/x/c wijs de suggestie voor waardering/bedoeld/direct af · a alles accepteren · "
    "n of spatie volgende · p vorige"
)
_REJECT = "afwijzen"
_REJECT_WORDS = {"afwijzen", "afgewezen", "reject", "rejected", "x"}
_VALUE_KEYS = {"1": ("valence", 0), "2": ("valence", 1), "3": ("intentionality", 0),
               "4": ("intentionality", 1), "5": ("directness", 0), "6": ("directness", 1)}
_REJECT_KEYS = {"z": "valence", "x": "intentionality", "c": "directness"}
_STATUS_NL = {"accepted": "geaccepteerd", "edited": "aangepast", "rejected": "afgewezen", "suggested": "voorgesteld"}


def highlight_html(
    text: str,
    spans: Iterable[Mapping[str, Any]],
    *,
    colors: Mapping[str | None, str] | None = None,
) -> str:
    """Render ``text`` as HTML with each span in a coloured ``<mark>`` (all text escaped).

    Parameters
    ----------
    text : str
        The story.
    spans : iterable of mappings
        Each with ``start``, ``end`` (code points, end exclusive), optional ``valence``
        (chooses the colour), ``label`` (shown after the span) and ``title`` (tooltip).
        Overlapping spans are allowed; the innermost colour wins.
    colors : mapping, optional
        Valence -> CSS colour; defaults to the Okabe-Ito green/vermillion.

    Returns
    -------
    str
        An HTML ``<div>``.

    Examples
    --------
    >>> out = highlight_html("a <b> c", [{"start": 2, "end": 5, "valence": "negative", "label": "negatief"}])
    >>> "<b>" in out, "&lt;b&gt;</mark>" in out, out.count("<mark")
    (False, True, 1)
    """
    colors = dict(colors or {"positive": "#009E73", "negative": "#D55E00", None: "#999999"})
    spans = sorted(
        ({"start": int(s["start"]), "end": int(s["end"]), **{k: v for k, v in s.items() if k not in ("start", "end")}}
         for s in spans if not _is_missing(s.get("start")) and not _is_missing(s.get("end"))),
        key=lambda s: (s["start"], -s["end"]),
    )
    spans = [s for s in spans if 0 <= s["start"] < s["end"] <= len(text)]
    cuts = sorted({0, len(text), *[s["start"] for s in spans], *[s["end"] for s in spans]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b], quote=True)
        covering = [s for s in spans if s["start"] <= a and b <= s["end"]]
        if covering:
            inner = min(covering, key=lambda s: s["end"] - s["start"])
            col = colors.get(inner.get("valence"), colors.get(None, "#999999"))
            depth = len(covering)
            title = html.escape(str(inner.get("title") or ""), quote=True)
            out.append(
                f'<mark class="impact-span" style="background:{col}33;border-bottom:{depth + 1}px solid {col};'
                f'padding:0 1px;border-radius:2px" title="{title}">{piece}</mark>'
            )
        else:
            out.append(piece)
        for s in spans:
            if s["end"] == b and s.get("label"):
                col = colors.get(s.get("valence"), colors.get(None, "#999999"))
                out.append(
                    f'<sup style="font-size:0.7em;color:#fff;background:{col};border-radius:3px;padding:0 3px;'
                    f'margin-left:2px">{html.escape(str(s["label"]), quote=True)}</sup>'
                )
    return ('<div class="impact-story" style="white-space:pre-wrap;line-height:2.1;font-size:1.05em">'
            + "".join(out) + "</div>")


class Reviewer:
    """Review suggestions story by story; every decision goes straight to the store.

    Parameters
    ----------
    store : CodingStore
        The project's coding store (a codebook must be registered).
    stories : DataFrame, optional
        Stories to review (``story_id``, ``text``, …); added to the store when missing.
        Default: every story with suggestions in the store.
    suggestions : DataFrame or list of DataFrames, optional
        Tagger output (story rows and/or segment rows); stored as suggestions first
        (re-adding the same suggestions writes nothing).
    coder : str
        The reviewing coder's name (required).
    order : {'least_certain', 'story_id', 'added'}
        Stories with undecided suggestions first, least certain first when the
        suggestions carry confidences; then the remaining stories by id.
    source : {'rules', 'model'}
        Source recorded for ``suggestions``.
    dimensions : list of str, optional
        Default: the codebook's three impact dimensions.
    """

    def __init__(
        self,
        store: CodingStore,
        stories: pd.DataFrame | None = None,
        suggestions: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
        *,
        coder: str,
        order: str = "least_certain",
        source: str = "rules",
        dimensions: Sequence[str] | None = None,
    ) -> None:
        if not isinstance(coder, str) or not coder.strip():
            raise StoreError("Reviewer needs the coder's name, e.g. Reviewer(store, coder='coder_a')")
        self.store = store
        self.coder = coder.strip()
        self.codebook = store.codebook()
        self.dimensions = list(dimensions or self.codebook.dimensions)
        if stories is not None:
            store.add_stories(stories)
        if suggestions is not None:
            frames = [suggestions] if isinstance(suggestions, pd.DataFrame) else list(suggestions)
            for f in frames:
                if len(f):
                    store.add_suggestions(f, source=source)
        wanted = None if stories is None else [str(s) for s in stories["story_id"]]
        queue = store.queue(self.coder, order=order)["story_id"].tolist()
        if wanted is not None:
            keep = set(wanted)
            queue = [s for s in queue if s in keep]
            rest = [s for s in wanted if s not in set(queue)]
        else:
            with_sugg = [r[0] for r in store._con.execute(
                "SELECT DISTINCT story_id FROM codings WHERE status = 'suggested'")]
            rest = sorted(set(with_sugg) - set(queue))
        self.story_ids: list[str] = queue + rest
        self.position = 0
        self.memo: str | None = None
        self.messages: list[str] = []
        self._ui: dict[str, Any] | None = None
        self._updating = False

    # ------------------------------------------------------------------ state
    @property
    def story_id(self) -> str | None:
        """The story under review (``None`` when there is nothing to review)."""
        return self.story_ids[self.position] if self.story_ids else None

    def __len__(self) -> int:
        return len(self.story_ids)

    def items(self, story_id: str | None = None) -> list[dict[str, Any]]:
        """The suggestion groups of a story: whole story first, then spans by position.

        Each item has ``start``, ``end``, ``text`` and ``dims``: dimension ->
        ``{"id", "value", "confidence", "evidence", "decision_status", "decision_value"}``
        (suggestion fields ``None`` when the machine suggested nothing for that dimension).
        """
        sid = story_id or self.story_id
        if sid is None:
            return []
        text = self.store.story_text(sid)
        sugg = self.store.suggestions(sid, coder=self.coder)
        mine = self.store.current(story_id=sid, coder=self.coder)
        groups: dict[tuple, dict[str, Any]] = {(None, None): {"start": None, "end": None, "text": text, "dims": {}}}
        for cid, s in sugg.iterrows():
            if s["dimension"] not in self.dimensions:
                continue
            key = (None if pd.isna(s["start"]) else int(s["start"]), None if pd.isna(s["end"]) else int(s["end"]))
            g = groups.setdefault(key, {"start": key[0], "end": key[1],
                                        "text": text if key[0] is None else text[key[0]:key[1]], "dims": {}})
            prev = g["dims"].get(s["dimension"])
            conf = None if pd.isna(s["confidence"]) else float(s["confidence"])
            if prev is not None and (prev["confidence"] or 0) >= (conf or 0):
                continue  # two machine coders: show the more confident one
            g["dims"][s["dimension"]] = {
                "id": int(cid), "value": s["value"], "confidence": conf,
                "evidence": s["evidence"] if isinstance(s["evidence"], str) else None,
                "decision_status": None, "decision_value": None,
            }
        for _, m in mine.iterrows():
            if m["dimension"] not in self.dimensions:
                continue
            key = (None if pd.isna(m["start"]) else int(m["start"]), None if pd.isna(m["end"]) else int(m["end"]))
            g = groups.setdefault(key, {"start": key[0], "end": key[1],
                                        "text": text if key[0] is None else text[key[0]:key[1]], "dims": {}})
            d = g["dims"].setdefault(m["dimension"], {"id": None, "value": None, "confidence": None, "evidence": None})
            d["decision_status"], d["decision_value"] = m["status"], m["value"]
        return [groups[k] for k in sorted(groups, key=lambda k: (k[0] is not None, k[0] or 0, k[1] or 0))]

    def __repr__(self) -> str:
        n = len(self.story_ids)
        return (f"Reviewer(coder={self.coder!r}, {n} {'verhaal' if n == 1 else 'verhalen'}, "
                f"nu {self.story_id!r}, nog te beoordelen: {len(self.store.queue(self.coder))})")

    def progress(self) -> pd.DataFrame:
        """This coder's decisions so far: count per dimension and status (a plain table)."""
        cur = self.store.current(coder=self.coder, story_id=self.story_ids or None)
        table = cur.groupby(["dimension", "status"]).size().unstack(fill_value=0) if len(cur) else \
            pd.DataFrame(index=pd.Index([], name="dimension"))
        open_ = self.store.queue(self.coder)
        table.attrs["open_stories"] = int(open_["story_id"].isin(self.story_ids).sum())
        return table

    def open_count(self, story_id: str | None = None) -> int:
        """Undecided suggestions of a story for this coder."""
        return sum(1 for it in self.items(story_id) for d in it["dims"].values()
                   if d["id"] is not None and d.get("decision_status") is None)

    # ------------------------------------------------------------------ decisions
    def _resolve(self, dimension: str, value: str | None) -> str | None:
        if value is None or str(value).strip().lower() in _REJECT_WORDS:
            return None
        return self.codebook.resolve(dimension, str(value))

    def decide(self, dimension: str, value: str | None, *, span: tuple[int, int] | None = None,
               memo: str | None = None) -> int:
        """Record this coder's decision for one dimension of the current story (or a span).

        ``value`` is a key or Dutch label; ``None`` or ``'afwijzen'`` rejects the
        suggestion.  Same value as suggested = *accepted*, another value = *edited*, no
        suggestion = a new human code.  Returns the store event id.

        Raises
        ------
        StoreError
            For a value outside the codebook, or a rejection where nothing was suggested.
        """
        sid = self.story_id
        if sid is None:
            raise StoreError("nothing to review: no stories with suggestions")
        if dimension not in self.dimensions:
            raise StoreError(f"dimension {dimension!r} is not reviewed here; use one of {', '.join(self.dimensions)}")
        try:
            key = self._resolve(dimension, value)
        except ValueError:
            allowed = ", ".join(f"{k} ({c.label})" for k, c in self.codebook.dimensions[dimension].values.items())
            raise StoreError(f"{value!r} is not a value of {dimension}; use {allowed} or {_REJECT}") from None
        memo = memo if memo is not None else self.memo
        start, end = (None, None) if span is None else (int(span[0]), int(span[1]))
        item = next((it for it in self.items() if (it["start"], it["end"]) == (start, end)), None)
        sugg = None if item is None else item["dims"].get(dimension)
        sugg_id = None if sugg is None else sugg["id"]
        if sugg_id is None:
            if key is None:
                raise StoreError(f"story {sid}: there is no suggestion for {dimension} to reject; choose a value")
            new = self.store.record(sid, dimension, key, self.coder, start=start, end=end, memo=memo)
            status = "accepted"
        elif key is None:
            new = self.store.reject(sugg_id, self.coder, memo=memo)
            status = "rejected"
        elif key == sugg["value"]:
            new = self.store.accept(sugg_id, self.coder, memo=memo)
            status = "accepted"
        else:
            new = self.store.edit(sugg_id, self.coder, key, memo=memo)
            status = "edited"
        shown = _REJECT if key is None else self.codebook.label(dimension, key)
        where = "" if span is None else f" [{start}:{end}]"
        self.messages.append(f"{sid}{where}: {dimension} = {shown} ({_STATUS_NL[status]})")
        self._refresh()
        return new

    def accept_all(self) -> list[int]:
        """Accept every suggestion of the current story this coder has not decided yet."""
        ids = []
        with self.store.transaction():
            for it in self.items():
                for dim, d in it["dims"].items():
                    if d["id"] is not None and d.get("decision_status") is None:
                        ids.append(self.store.accept(d["id"], self.coder, memo=self.memo))
        self.messages.append(f"{self.story_id}: {len(ids)} suggestie(s) geaccepteerd")
        self._refresh()
        return ids

    def next(self) -> str | None:
        """Go to the next story (stays on the last one); returns its id."""
        if self.story_ids and self.position < len(self.story_ids) - 1:
            self.position += 1
        self.memo = None
        self._refresh(rebuild=True)
        return self.story_id

    def previous(self) -> str | None:
        """Go to the previous story; returns its id."""
        if self.position > 0:
            self.position -= 1
        self.memo = None
        self._refresh(rebuild=True)
        return self.story_id

    def go_to(self, story_id: str) -> str:
        """Jump to a story by id."""
        if story_id not in self.story_ids:
            raise StoreError(f"story {story_id!r} is not in this review; stories: {len(self.story_ids)}")
        self.position = self.story_ids.index(story_id)
        self._refresh(rebuild=True)
        return story_id

    def handle_key(self, key: str) -> Any:
        """Apply one keyboard shortcut (see :data:`KEYS_HELP`); unknown keys are ignored."""
        k = key.lower()
        if k in _VALUE_KEYS:
            dim, idx = _VALUE_KEYS[k]
            if dim not in self.dimensions:
                return None
            value = list(self.codebook.dimensions[dim].values)[idx]
            return self.decide(dim, value)
        if k in _REJECT_KEYS and _REJECT_KEYS[k] in self.dimensions:
            return self.decide(_REJECT_KEYS[k], None)
        if k == "a":
            return self.accept_all()
        if k in ("n", " ", "arrowright"):
            return self.next()
        if k in ("p", "arrowleft"):
            return self.previous()
        return None

    # ------------------------------------------------------------------ rendering
    def story_html(self, story_id: str | None = None) -> str:
        """The story as HTML with the suggested spans highlighted (escaped)."""
        sid = story_id or self.story_id
        if sid is None:
            return "<p>Er zijn geen verhalen met suggesties om te beoordelen.</p>"
        items = self.items(sid)
        text = items[0]["text"]
        spans = []
        for it in items[1:]:
            val = it["dims"].get("valence", {})
            value = val.get("decision_value") or val.get("value")
            labels = []
            for dim in self.dimensions:
                d = it["dims"].get(dim)
                v = d and (d.get("decision_value") or d.get("value"))
                if v:
                    labels.append(self.codebook.label(dim, v))
            spans.append({"start": it["start"], "end": it["end"], "valence": value, "label": " · ".join(labels),
                          "title": "; ".join(filter(None, {d.get("evidence") for d in it["dims"].values()}))})
        colors = {k: c.color for k, c in self.codebook.dimensions["valence"].values.items()} \
            if "valence" in self.codebook.dimensions else {}
        colors[None] = "#999999"
        return highlight_html(text, spans, colors=colors)

    def _header_html(self) -> str:
        sid = self.story_id
        if sid is None:
            return "<b>Niets te beoordelen.</b>"
        attrs = self.store.stories([sid]).iloc[0].to_dict()
        bits = [f"<b>Verhaal {self.position + 1} van {len(self.story_ids)}</b>", html.escape(sid)]
        for k in ("activity", "storyteller_role", "track", "domain"):
            v = attrs.get(k)
            if isinstance(v, str) and v:
                bits.append(html.escape(v))
        bits.append(f"nog te beoordelen: {self.open_count(sid)}")
        goal = attrs.get("activity_goal")
        extra = f"<br><i>Doel van de activiteit:</i> {html.escape(goal)}" if isinstance(goal, str) and goal else ""
        return " · ".join(bits) + extra

    # ------------------------------------------------------------------ widgets
    @property
    def widget(self):
        """The ipywidgets UI (built on first use)."""
        if self._ui is None:
            self._build()
        return self._ui["root"]

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a frontend
        from IPython.display import display

        display(self.widget)

    def _build(self) -> None:
        import ipywidgets as w

        header = w.HTML()
        story = w.HTML()
        items_box = w.VBox()
        status = w.HTML()
        prev_b = w.Button(description="Vorige", icon="arrow-left", tooltip="p")
        next_b = w.Button(description="Volgende", icon="arrow-right", tooltip="n")
        all_b = w.Button(description="Alles accepteren", button_style="success", icon="check", tooltip="a")
        memo = w.Text(placeholder="memo bij je volgende keuzes (optioneel)", layout=w.Layout(width="50%"))
        keys = w.Text(placeholder="klik hier en typ: 1-6, z/x/c, a, n, p", description="Sneltoetsen",
                      continuous_update=True, layout=w.Layout(width="40%"))
        prev_b.on_click(lambda _: self.previous())
        next_b.on_click(lambda _: self.next())
        all_b.on_click(lambda _: self.accept_all())

        def on_memo(change):
            self.memo = change["new"] or None

        def on_key(change):
            if self._updating or not change["new"]:
                return
            typed = change["new"]
            self._updating = True
            keys.value = ""
            self._updating = False
            for ch in typed:
                try:
                    self.handle_key(ch)
                except StoreError as exc:
                    self.messages.append(f"let op: {exc}")
                    self._refresh()

        memo.observe(on_memo, names="value")
        keys.observe(on_key, names="value")
        root = w.VBox([
            header, story, items_box,
            w.HBox([prev_b, all_b, next_b]),
            w.HBox([keys, memo]),
            w.HTML(f"<small>{html.escape(KEYS_HELP)}</small>"),
            status,
        ])
        self._ui = {"root": root, "header": header, "story": story, "items": items_box, "status": status,
                    "toggles": {}, "memo": memo, "keys": keys, "buttons": (prev_b, all_b, next_b)}
        self._refresh(rebuild=True)

    def _item_widget(self, it: Mapping[str, Any]):
        import ipywidgets as w

        if it["start"] is None:
            title = "<b>Heel verhaal</b>"
        else:
            frag = it["text"] if len(it["text"]) <= 90 else it["text"][:87] + "…"
            title = f"<b>Fragment {it['start']}–{it['end']}:</b> “{html.escape(frag)}”"
        rows = [w.HTML(title)]
        evidence = {d["evidence"] for d in it["dims"].values() if d.get("evidence")}
        if evidence:
            rows.append(w.HTML("<small style='color:#555'>bewijs: " + html.escape("; ".join(sorted(evidence)))
                               + "</small>"))
        for dim in self.dimensions:
            d = it["dims"].get(dim, {})
            dim_cb = self.codebook.dimensions[dim]
            labels = [c.label for c in dim_cb.values.values()]
            options = labels + ([_REJECT] if d.get("id") is not None else [])
            if d.get("value"):
                conf = d.get("confidence")
                sugg = f"{dim_cb.values[d['value']].label}" + (f" ({conf:.0%})" if conf is not None else "")
            else:
                sugg = "—"
            if d.get("decision_status") == "rejected":
                current = _REJECT
            elif d.get("decision_value"):
                current = dim_cb.values[d["decision_value"]].label
            else:
                current = None
            tb = w.ToggleButtons(options=options, value=current, style={"button_width": "90px"},
                                 tooltips=[f"{dim}: {o}" for o in options])
            span = None if it["start"] is None else (it["start"], it["end"])

            def on_change(change, dim=dim, span=span):
                if self._updating or change["new"] is None:
                    return
                try:
                    self.decide(dim, change["new"], span=span)
                except StoreError as exc:
                    self.messages.append(f"let op: {exc}")
                    self._refresh()

            tb.observe(on_change, names="value")
            self._ui["toggles"][(span, dim)] = tb
            rows.append(w.HBox([w.HTML(f"<span style='display:inline-block;width:230px'>{html.escape(dim_cb.label)}"
                                       f"<br><small>suggestie: {html.escape(sugg)}</small></span>"), tb]))
        return w.VBox(rows, layout=w.Layout(border="1px solid #ddd", padding="4px", margin="4px 0"))

    def _refresh(self, rebuild: bool = False) -> None:
        if self._ui is None:
            return
        ui = self._ui
        self._updating = True
        try:
            ui["header"].value = self._header_html()
            ui["story"].value = self.story_html()
            items = self.items()
            if rebuild or set(ui["toggles"]) != {
                (None if it["start"] is None else (it["start"], it["end"]), dim)
                for it in items for dim in self.dimensions
            }:
                ui["toggles"] = {}
                ui["items"].children = tuple(self._item_widget(it) for it in items)
                ui["memo"].value = self.memo or ""
            else:
                for it in items:
                    span = None if it["start"] is None else (it["start"], it["end"])
                    for dim in self.dimensions:
                        d = it["dims"].get(dim, {})
                        tb = ui["toggles"][(span, dim)]
                        if d.get("decision_status") == "rejected":
                            tb.value = _REJECT
                        elif d.get("decision_value"):
                            tb.value = self.codebook.label(dim, d["decision_value"])
            ui["status"].value = "<small>" + "<br>".join(html.escape(m) for m in self.messages[-3:]) + "</small>"
        finally:
            self._updating = False


__all__ = ["KEYS_HELP", "Reviewer", "highlight_html"]

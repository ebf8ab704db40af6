"""Stable display of tables, quotes and notes in notebooks and HTML reports.

pandas' HTML and text reprs change between versions, which breaks strict
nbval validation.  The objects here render themselves — the same bytes on
every pandas version — as HTML (for the reports) and as plain text (what
nbval compares):

- :func:`table` — a DataFrame as a titled table (numbers formatted the Dutch way);
- :func:`quote` — a story excerpt with its id and who told it;
- :func:`note` — a sentence in a coloured box, e.g. when an input is missing.

Examples
--------
>>> import pandas as pd
>>> t = table(pd.DataFrame({"spoor": ["doelmatigheid"], "verhalen": [12], "aandeel": [0.25]}), title="Verhalen")
>>> print(repr(t))
Verhalen
spoor          verhalen  aandeel
-------------  --------  -------
doelmatigheid        12     0,25
"""

from __future__ import annotations

import html
import math
import numbers
from typing import Any, Iterable, Optional

import pandas as pd

_MAX_CELL = 300

#: Extra Dutch labels for headers and values that tables show (besides ``analysis.LABELS``).
EXTRA_LABELS = {
    "dimension": "dimensie", "value": "waarde", "n": "aantal", "total": "totaal", "share": "aandeel",
    "source": "bron", "status": "status", "coder": "codeur", "story_id": "verhaal", "text": "tekst",
    "evidence": "onderbouwing", "confidence": "zekerheid", "memo": "memo", "start": "begin", "end": "eind",
    "open": "open", "min_confidence": "laagste zekerheid", "suggested": "voorstel", "accepted": "geaccepteerd",
    "rejected": "verworpen", "edited": "aangepast", "human": "mens", "rules": "regels", "model": "model",
    "machine": "machine", "origin": "herkomst", "theme": "thema", "owner": "eigenaar", "indicator": "indicator", "unit": "eenheid",
}


def dutch(key: Any) -> Any:
    """The Dutch display label of a stored key; other values unchanged."""
    if not isinstance(key, str):
        return key
    from impactlib.analysis import LABELS

    return LABELS.get(key, EXTRA_LABELS.get(key, key))


def fmt(value: Any, decimals: int = 2) -> str:
    """Format one cell: Dutch decimal comma, no trailing noise, empty for missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        value = float(value)
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15 and decimals == 0:
            return f"{int(value):,}".replace(",", ".")
        return f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, numbers.Integral):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (list, tuple, set)):
        return "; ".join(fmt(v, decimals) for v in value)
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


class Table:
    """A rendered table; shows as HTML in Jupyter and as aligned text elsewhere."""

    def __init__(self, df: pd.DataFrame, *, title: Optional[str] = None, decimals: int = 2,
                 max_rows: int = 60, caption: Optional[str] = None, translate: bool = True):
        self.title = title
        self.caption = caption
        self.total = len(df)
        shown = df.head(max_rows)
        if translate:
            shown = shown.copy()
            for c in shown.columns:
                if shown[c].dtype == object or isinstance(shown[c].dtype, pd.StringDtype):
                    shown[c] = shown[c].map(dutch)
            shown.columns = [dutch(str(c)) for c in shown.columns]
        self.columns = [str(c) for c in shown.columns]
        numeric = [_is_numeric(shown[c]) for c in shown.columns]
        self.numeric = numeric
        self.rows = [
            [fmt(v, decimals) for v in row]
            for row in shown.astype(object).itertuples(index=False, name=None)
        ]

    def _footer(self) -> Optional[str]:
        if self.total > len(self.rows):
            return f"… en nog {self.total - len(self.rows)} rijen (van {self.total})"
        if self.total == 0:
            return "(geen rijen)"
        return None

    def __repr__(self) -> str:
        widths = [max([len(c)] + [len(r[i]) for r in self.rows]) for i, c in enumerate(self.columns)]
        def line(cells):
            return "  ".join(
                (cell.rjust(w) if num else cell.ljust(w)) for cell, w, num in zip(cells, widths, self.numeric)
            ).rstrip()
        out = [self.title] if self.title else []
        out.append(line(self.columns))
        out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in self.rows]
        foot = self._footer()
        if foot:
            out.append(foot)
        if self.caption:
            out.append(self.caption)
        return "\n".join(out)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="{"num" if num else "txt"}">{html.escape(cell)}</td>'
                for cell, num in zip(r, self.numeric)
            ) + "</tr>"
            for r in self.rows
        )
        title = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        foot = self._footer()
        extra = f"<p><small>{html.escape(foot)}</small></p>" if foot else ""
        if self.caption:
            extra += f"<p><small>{html.escape(self.caption)}</small></p>"
        return (
            '<div class="impactlib-table"><style>.impactlib-table table{border-collapse:collapse;margin:.5em 0}'
            ".impactlib-table th,.impactlib-table td{border-bottom:1px solid #ddd;padding:2px 8px;vertical-align:top}"
            ".impactlib-table td.num{text-align:right}.impactlib-table td.txt,.impactlib-table th{text-align:left}.impactlib-table caption{font-weight:bold;text-align:left}</style>"
            f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{extra}</div>"
        )


def table(df: pd.DataFrame, *, title: Optional[str] = None, decimals: int = 2, max_rows: int = 60,
          caption: Optional[str] = None, translate: bool = True) -> Table:
    """Render ``df`` as a stable :class:`Table` (index dropped; reset it first to keep it).

    With ``translate`` (default) stored English keys in headers and text cells
    (``valence``, ``positive``, ``share`` …) are shown with their Dutch labels.
    """
    return Table(df, title=title, decimals=decimals, max_rows=max_rows, caption=caption, translate=translate)


class Quote:
    """A story excerpt with its source line."""

    def __init__(self, text: str, *, story_id: str, who: Optional[str] = None, extra: Optional[str] = None):
        self.text = fmt(text) if len(str(text)) <= _MAX_CELL else str(text)[: _MAX_CELL * 2]
        self.source = " · ".join(p for p in (story_id, who, extra) if p)

    def __repr__(self) -> str:
        return f"“{self.text}”\n    — {self.source}"

    def _repr_html_(self) -> str:
        return (
            '<blockquote style="border-left:4px solid #0072B2;margin:.5em 0;padding:.2em 1em;color:#333">'
            f"{html.escape(self.text)}<br><small>— {html.escape(self.source)}</small></blockquote>"
        )


def quote(text: str, *, story_id: str, who: Optional[str] = None, extra: Optional[str] = None) -> Quote:
    """Render a story excerpt with its id and teller."""
    return Quote(text, story_id=story_id, who=who, extra=extra)


def quotes(rows: Iterable[dict], *, text: str = "quote", story_id: str = "story_id",
           who: Optional[str] = "storyteller_role", extra: Optional[str] = None) -> "Group":
    """Several quotes from records (e.g. ``df.to_dict('records')``)."""
    return Group([
        quote(r[text], story_id=str(r[story_id]), who=(r.get(who) if who else None) or None,
              extra=(str(r.get(extra)) if extra and r.get(extra) is not None else None))
        for r in rows
    ])


class Note:
    """A highlighted sentence (e.g. an input that is missing)."""

    def __init__(self, text: str, kind: str = "info"):
        self.text = text
        self.kind = kind

    def __repr__(self) -> str:
        return ("Let op: " if self.kind == "warning" else "") + self.text

    def _repr_html_(self) -> str:
        colour = "#e69f00" if self.kind == "warning" else "#56b4e9"
        return (f'<div style="border-left:4px solid {colour};background:#f7f7f7;padding:.4em 1em;margin:.5em 0">'
                f"{html.escape(self.text)}</div>")


def note(text: str, *, warning: bool = False) -> Note:
    """A Dutch sentence in a box; ``warning=True`` for missing or doubtful inputs."""
    return Note(text, "warning" if warning else "info")


class Group:
    """Several display objects shown as one output."""

    def __init__(self, items: list):
        self.items = items

    def __repr__(self) -> str:
        return "\n\n".join(repr(i) for i in self.items) if self.items else "(geen)"

    def _repr_html_(self) -> str:
        return "".join(i._repr_html_() for i in self.items) if self.items else "<p>(geen)</p>"


def findings(items: Iterable[Any]) -> Group:
    """Show sentences of :mod:`impactlib.synthesis` (``Finding(text, warning)``) as notes."""
    return Group([note(f.text, warning=f.warning) for f in items])


__all__ = ["dutch", "EXTRA_LABELS", "fmt", "Table", "table", "Quote", "quote", "quotes", "Note", "note", "Group",
           "findings"]

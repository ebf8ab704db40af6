"""Spreadsheet round trip for coders without Jupyter: suggestions to XLSX and back.

:func:`export_suggestions` writes a workbook with one row per story (or per suggested
span) holding the text, the machine's suggestion per dimension (Dutch label and
confidence), the evidence, and an empty *code* column per dimension with a drop-down
of the allowed values (Dutch labels and English keys) plus ``afwijzen`` (reject).
:func:`import_spreadsheet` reads the coded workbook back, checks every filled cell
against the codebook — naming each bad cell, e.g.
``codeer.xlsx: sheet 'Coderen' cell D14: 'positve' is not a value of valence; use
positive or negative`` — and writes the decisions to the store: the suggested value
chosen = *accepted*, another value = *edited*, ``afwijzen`` = *rejected*, a code where
there was no suggestion = a human code.  Empty code cells are left undecided.
Importing the same workbook twice adds nothing.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> from impactlib.codebook import load_codebook
>>> from impactlib.store import open_store
>>> d = tempfile.mkdtemp()
>>> with open_store(os.path.join(d, "s.sqlite")) as store:
...     _ = store.register_codebook(load_codebook())
...     _ = store.add_stories(pd.DataFrame({"story_id": ["S1"], "text": ["Ik ben niet meer eenzaam."]}))
...     _ = store.add_suggestions([{"story_id": "S1", "valence": "positive", "valence_confidence": 0.8}])
...     path = export_suggestions(store, os.path.join(d, "codeer.xlsx"), coder="coder_a")
...     # ... the coder picks 'negatief' in cell D2 in Excel ...
...     import openpyxl; wb = openpyxl.load_workbook(path); wb["Coderen"]["D2"] = "negatief"; wb.save(path)
...     print(import_spreadsheet(store, path))
0 accepted, 1 edited, 0 rejected, 0 new codes, 0 unchanged (coder coder_a)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from impactlib.errors import Problem, StoreError, ValidationError
from impactlib.store import CodingStore, _is_missing, _now, neutralise, unneutralise

#: Name of the sheet the coder works in.
SHEET = "Coderen"
#: Words that mean "reject the suggestion" in a code cell (case-insensitive).
REJECT_WORDS = ("afwijzen", "afgewezen", "reject", "rejected")
_META_SHEET = "impactlib"
_HEADER_RE = re.compile(r"\[(?P<dim>[A-Za-z0-9_\-]+)(?::(?P<kind>suggestie|id))?\]\s*$")


@dataclass(frozen=True)
class SpreadsheetImport:
    """Counts of what :func:`import_spreadsheet` wrote."""

    accepted: int
    edited: int
    rejected: int
    recorded: int
    unchanged: int
    coder: str

    def __str__(self) -> str:
        return (
            f"{self.accepted} accepted, {self.edited} edited, {self.rejected} rejected, "
            f"{self.recorded} new codes, {self.unchanged} unchanged (coder {self.coder})"
        )


def _allowed_options(cb: Any, dim: str, language: str) -> list[str]:
    values = cb.dimensions[dim].values
    dutch = [c.label for c in values.values()]
    english = [k for k in values if k not in dutch]
    opts = {"nl": dutch, "en": list(values), "both": dutch + english}[language]
    return opts + [REJECT_WORDS[0]]


def export_suggestions(
    store: CodingStore,
    path: str | os.PathLike,
    *,
    coder: str,
    level: str = "story",
    dimensions: Sequence[str] | None = None,
    story_ids: Sequence[str] | None = None,
    all_stories: bool = False,
    order: str = "least_certain",
    language: str = "both",
) -> Path:
    """Write the store's suggestions to an XLSX workbook for one coder.

    Parameters
    ----------
    store : CodingStore
        Source of stories and suggestions.
    path : str or Path
        The ``.xlsx`` file to write.
    coder : str
        Who will code this workbook (kept in the workbook; the import uses it).
    level : {'story', 'segment'}
        One row per story (whole-story suggestions) or per suggested span.
    dimensions : list of str, optional
        Default: the codebook's three impact dimensions.
    story_ids : list of str, optional
        Only these stories.
    all_stories : bool
        Story level: also add stories without suggestions (to code from scratch).
    order : {'least_certain', 'story_id'}
        Least certain suggestions first (active learning), or by id.
    language : {'both', 'nl', 'en'}
        Values offered in the drop-downs: Dutch labels, English keys, or both.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if level not in ("story", "segment"):
        raise StoreError(f"level {level!r} is not allowed; use 'story' or 'segment'")
    if language not in ("both", "nl", "en"):
        raise StoreError(f"language {language!r} is not allowed; use 'both', 'nl' or 'en'")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise StoreError(f"{path.name}: give an .xlsx file name for the coding workbook")
    cb = store.codebook()
    dims = list(dimensions or cb.dimensions)
    for d in dims:
        if d not in cb.dimensions:
            raise StoreError(f"dimension {d!r} is not in codebook {cb.version}; use {', '.join(cb.dimensions)}")

    sugg = store.current(level=level, status="suggested", dimension=dims, story_id=story_ids, extra=True)
    sugg = sugg[sugg["coder"] != coder]
    mine = store.current(level=level, coder=coder, dimension=dims, story_id=story_ids)
    texts = store.stories(story_ids)
    text_of = dict(zip(texts["story_id"], texts["text"]))
    context_of = {}
    for rec in texts.to_dict("records"):
        act, goal = rec.get("activity"), rec.get("activity_goal")
        parts = [str(v) for v in (act, goal) if isinstance(v, str) and v.strip()]
        if parts:
            context_of[rec["story_id"]] = ": ".join(parts)

    rows: dict[tuple, dict[str, Any]] = {}

    def row_for(sid: str, start: Any, end: Any) -> dict[str, Any]:
        key = (sid, None if pd.isna(start) else int(start), None if pd.isna(end) else int(end))
        if key not in rows:
            rows[key] = {"story_id": sid, "start": key[1], "end": key[2], "conf": [], "evidence": []}
        return rows[key]

    for cid, s in sugg.iterrows():
        r = row_for(s["story_id"], s["start"], s["end"])
        if s["dimension"] in r:  # two machine coders: keep the most confident
            if (s["confidence"] or 0) <= (r[s["dimension"]][2] or 0):
                continue
        r[s["dimension"]] = (int(cid), s["value"], None if pd.isna(s["confidence"]) else float(s["confidence"]))
        if not pd.isna(s["confidence"]):
            r["conf"].append(float(s["confidence"]))
        ev = s.get("evidence")
        if isinstance(ev, str) and ev and ev not in r["evidence"]:
            r["evidence"].append(ev)
    if level == "story" and all_stories:
        for sid in texts["story_id"]:
            row_for(sid, None, None)
    for _, m in mine.iterrows():
        key = (m["story_id"], None if pd.isna(m["start"]) else int(m["start"]), None if pd.isna(m["end"]) else int(m["end"]))
        if key in rows:
            label = REJECT_WORDS[0] if m["status"] == "rejected" else cb.label(m["dimension"], m["value"])
            rows[key][f"code:{m['dimension']}"] = label
            if isinstance(m["memo"], str):
                rows[key]["memo"] = m["memo"]

    ordered = list(rows.values())
    if order == "least_certain":
        ordered.sort(key=lambda r: (min(r["conf"]) if r["conf"] else 2.0, r["story_id"], r["start"] or -1))
    elif order == "story_id":
        ordered.sort(key=lambda r: (r["story_id"], r["start"] or -1))
    else:
        raise StoreError(f"order {order!r} is not allowed; use 'least_certain' or 'story_id'")

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    header = ["verhaal_id", "verhaal" if level == "story" else "fragment"]
    for d in dims:
        dl = cb.dimensions[d].label
        header += [f"{dl}: suggestie [{d}:suggestie]", f"{dl}: jouw code [{d}]"]
    header += ["bewijs (waarom deze suggestie)", "activiteit en doel (voor bedoeld/onbedoeld)", "memo", "start", "end"]
    header += [f"suggestie-id [{d}:id]" for d in dims]
    ws.append(header)
    for r in ordered:
        text = text_of.get(r["story_id"], "")
        if r["start"] is not None:
            text = text[r["start"] : r["end"]]
        line: list[Any] = [r["story_id"], text]
        for d in dims:
            if d in r:
                _, value, conf = r[d]
                shown = cb.label(d, value) + (f" ({conf:.0%})" if conf is not None else "")
            else:
                shown = None
            line += [shown, r.get(f"code:{d}")]
        line += ["; ".join(r["evidence"]) or None, context_of.get(r["story_id"]), r.get("memo"), r["start"], r["end"]]
        line += [r[d][0] if d in r else None for d in dims]
        ws.append([neutralise(v) for v in line])

    n = ws.max_row
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    code_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    for c in ws[1]:
        c.font = bold
        c.fill = fill
        c.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "C2"
    widths = {1: 12, 2: 80}
    for k, d in enumerate(dims):
        widths[3 + 2 * k] = 20
        widths[4 + 2 * k] = 18
    ev_col = 3 + 2 * len(dims)
    widths[ev_col] = 45
    widths[ev_col + 1] = 40
    widths[ev_col + 2] = 30
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    for row in ws.iter_rows(min_row=2, max_row=n):
        for c in row:
            c.alignment = wrap
            if isinstance(c.value, str):
                c.data_type = "s"
    for k, d in enumerate(dims):
        letter = get_column_letter(4 + 2 * k)
        opts = _allowed_options(cb, d, language)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(opts) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Onbekende code",
            error=f"Kies {', '.join(opts[:-1])} of {opts[-1]} (afwijzen = de suggestie klopt niet).",
            promptTitle=cb.dimensions[d].label,
            prompt="Kies een waarde of 'afwijzen'; leeg laten = nog niet gecodeerd.",
        )
        ws.add_data_validation(dv)
        if n >= 2:
            dv.add(f"{letter}2:{letter}{max(n, 2)}")
            for row in range(2, n + 1):
                ws[f"{letter}{row}"].fill = code_fill
    for col in range(ev_col + 3, len(header) + 1):  # technical columns
        ws.column_dimensions[get_column_letter(col)].hidden = True
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n}"

    info = wb.create_sheet("Uitleg")
    for line in (
        ["Coderen in Excel — impactlib"],
        [],
        ["Wat staat hier?", f"{n - 1} {'verhalen' if level == 'story' else 'fragmenten'} met de suggesties van de computer "
         "(waarde en zekerheid) en het bewijs waarop die suggestie rust."],
        ["Wat doe je?", "Kies per dimensie in de gele kolom 'jouw code' een waarde uit de keuzelijst."],
        ["", "Dezelfde waarde als de suggestie = geaccepteerd; een andere waarde = aangepast; "
         "'afwijzen' = de suggestie klopt niet; leeg laten = nog niet gecodeerd."],
        ["", "Een toelichting kun je in de kolom 'memo' zetten. Verander de verborgen kolommen niet."],
        ["Coder", coder],
        ["Codeboek", f"{cb.name} versie {cb.version}"],
        ["Privacy", "Dit bestand bevat verhaalteksten (mogelijk persoonsgegevens): deel het alleen binnen het "
         "onderzoeksteam en verwijder het na het inlezen."],
    ):
        info.append([neutralise(v) for v in line])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 110
    info["A1"].font = Font(bold=True, size=13)

    meta = wb.create_sheet(_META_SHEET)
    for k, v in (("format", "impactlib-coding-workbook/1"), ("coder", coder), ("level", level),
                 ("codebook_version", cb.version), ("store", store.path.name), ("exported_at", _now()),
                 ("dimensions", ",".join(dims))):
        meta.append([k, neutralise(v)])
    meta.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def import_spreadsheet(
    store: CodingStore,
    path: str | os.PathLike,
    *,
    coder: str | None = None,
    sheet: str = SHEET,
) -> SpreadsheetImport:
    """Read a coded workbook back and write the coder's decisions to the store.

    Parameters
    ----------
    store : CodingStore
    path : str or Path
        A workbook written by :func:`export_suggestions` (possibly re-saved by Excel or
        LibreOffice).
    coder : str, optional
        Overrides the coder recorded in the workbook.
    sheet : str
        The sheet with the codes.

    Returns
    -------
    SpreadsheetImport

    Raises
    ------
    ValidationError
        Naming every bad cell (``codeer.xlsx: sheet 'Coderen' cell D14: 'positve' is not a
        value of valence; use positive or negative``); nothing is written then.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    name = path.name
    import warnings

    try:
        with warnings.catch_warnings():  # e.g. "Data Validation extension is not supported" from Excel files
            warnings.simplefilter("ignore", UserWarning)
            wb = load_workbook(path, data_only=True)
    except Exception as exc:  # zip/xml errors from openpyxl
        raise StoreError(f"{name}: not a readable XLSX workbook ({exc}); save it as .xlsx from Excel") from None
    if sheet not in wb.sheetnames:
        raise StoreError(f"{name}: no sheet {sheet!r}; found: {', '.join(wb.sheetnames)}; "
                         "use the workbook written by export_suggestions")
    meta = {}
    if _META_SHEET in wb.sheetnames:
        for row in wb[_META_SHEET].iter_rows(values_only=True):
            if row and row[0] is not None:
                meta[str(row[0])] = unneutralise(row[1]) if len(row) > 1 else None
    coder = coder or meta.get("coder")
    if not coder:
        raise StoreError(f"{name}: the workbook does not say who coded it; pass coder='…'")
    version = meta.get("codebook_version") or store.codebook_versions()[-1]
    cb = store.codebook(version)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    cols: dict[str, int] = {}
    code_cols: dict[str, int] = {}
    id_cols: dict[str, int] = {}
    for j, h in enumerate(header):
        if not isinstance(h, str):
            continue
        m = _HEADER_RE.search(h)
        if m:
            if m.group("kind") == "id":
                id_cols[m.group("dim")] = j
            elif m.group("kind") is None:
                code_cols[m.group("dim")] = j
        elif h.strip() in ("verhaal_id", "memo", "start", "end"):
            cols[h.strip()] = j
    if "verhaal_id" not in cols or not code_cols:
        raise StoreError(f"{name}: sheet {sheet!r} has no 'verhaal_id' or code columns (found: "
                         f"{', '.join(str(h) for h in header if h)}); use the workbook written by export_suggestions")
    known = set(store.stories()["story_id"])
    problems: list[Problem] = []
    decisions: list[tuple] = []

    def bad(cell: str, col: str, value: Any, msg: str) -> None:
        problems.append(Problem(name, None, col, value, f"sheet {sheet!r} cell {cell}: {msg}"))

    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if not any(v is not None and str(v).strip() for v in row):
            continue
        get = lambda j: unneutralise(row[j]) if j is not None and j < len(row) else None  # noqa: E731
        sid = get(cols["verhaal_id"])
        sid_cell = f"{get_column_letter(cols['verhaal_id'] + 1)}{r}"
        if _is_missing(sid):
            if any(not _is_missing(get(j)) for j in code_cols.values()):
                bad(sid_cell, "verhaal_id", None, "the story id is empty; fill it in or delete the row")
            continue
        sid = str(sid).strip()
        if sid not in known:
            bad(sid_cell, "verhaal_id", sid, f"story {sid!r} is not in the store {store.path.name}; fix the id")
            continue
        start, end = get(cols.get("start")), get(cols.get("end"))
        start = None if _is_missing(start) else int(start)
        end = None if _is_missing(end) else int(end)
        memo = get(cols.get("memo"))
        memo = None if _is_missing(memo) else str(memo)
        for dim, j in code_cols.items():
            raw = get(j)
            if _is_missing(raw):
                continue
            cell = f"{get_column_letter(j + 1)}{r}"
            value = str(raw).strip()
            if dim not in cb.dimensions:
                bad(cell, header[j], value, f"{dim!r} is not a dimension of codebook {cb.version}")
                continue
            sid_sugg = get(id_cols.get(dim))
            sugg = None
            if not _is_missing(sid_sugg):
                try:
                    sugg = store._fetch(int(sid_sugg))
                except (StoreError, ValueError, TypeError):
                    sugg = None
                if sugg is None or sugg["story_id"] != sid or sugg["dimension"] != dim:
                    bad(f"{get_column_letter(id_cols[dim] + 1)}{r}", header[id_cols[dim]], sid_sugg,
                        "the hidden suggestion id does not belong to this row; do not edit hidden columns "
                        "(export a fresh workbook)")
                    continue
            if value.lower() in REJECT_WORDS:
                if sugg is None:
                    bad(cell, header[j], value, f"there is no suggestion for {dim} to reject; "
                        "choose a value or leave the cell empty")
                    continue
                decisions.append(("reject", sugg, None, memo, sid, start, end, dim))
                continue
            keys = list(cb.dimensions[dim].values)
            try:
                key = cb.resolve(dim, value)
            except ValueError:
                labels = ", ".join(c.label for c in cb.dimensions[dim].values.values() if c.label not in keys)
                bad(cell, header[j], value,
                    f"{value!r} is not a value of {dim}; use {' or '.join(keys)}"
                    + (f" (or {labels})" if labels else "") + f", or {REJECT_WORDS[0]}")
                continue
            if sugg is None:
                decisions.append(("record", None, key, memo, sid, start, end, dim))
            elif key == sugg["value"]:
                decisions.append(("accept", sugg, key, memo, sid, start, end, dim))
            else:
                decisions.append(("edit", sugg, key, memo, sid, start, end, dim))
    if problems:
        raise ValidationError(problems, f"{name}: {len(problems)} bad cell(s); nothing was written")

    counts = {"accept": 0, "edit": 0, "reject": 0, "record": 0, "unchanged": 0}
    with store.transaction():
        for kind, sugg, key, memo, sid, start, end, dim in decisions:
            latest = store._latest(sid, start, end, dim, coder)
            status = {"accept": "accepted", "edit": "edited", "reject": "rejected", "record": "accepted"}[kind]
            value = sugg["value"] if kind == "reject" else key
            if latest is not None and latest["value"] == value and (
                latest["status"] == status or (kind == "record" and latest["status"] in ("accepted", "edited"))
            ) and (memo is None or latest["memo"] == memo):
                counts["unchanged"] += 1
                continue
            if kind == "accept":
                store.accept(sugg["id"], coder, memo=memo)
            elif kind == "edit":
                store.edit(sugg["id"], coder, key, memo=memo)
            elif kind == "reject":
                store.reject(sugg["id"], coder, memo=memo)
            else:
                store.record(sid, dim, key, coder, start=start, end=end, memo=memo, codebook_version=version)
            counts[kind] += 1
    return SpreadsheetImport(counts["accept"], counts["edit"], counts["reject"], counts["record"],
                             counts["unchanged"], coder)


__all__ = ["REJECT_WORDS", "SHEET", "SpreadsheetImport", "export_suggestions", "import_spreadsheet"]

"""REFI-QDA (QDA-XML 1.0) export and import: ``.qdpx`` projects and ``.qdc`` codebooks.

Export
    Stories become UTF-8 text sources in ``sources/``; the codebook becomes
    nested codes (one non-codable parent per dimension, its values as codable
    children, theme codes under *Thema's*) with Dutch descriptions and colours;
    codings become ``PlainTextSelection`` elements with their coder (``User``)
    and date; whole-story codes select the whole text; story attributes are
    ``VariableValue`` elements of the source, activities are ``Cases`` with
    their own variables, tracks are ``Sets``.  Positions count Unicode code
    points from 0, end exclusive (standard §10.2).  Line endings are written as
    ``\\n`` and positions are shifted accordingly, so tools that read the
    source files land on the same characters.  GUIDs are derived from the
    content (uuid5), so the same project exports to the same XML.

Import
    :func:`read_qdpx` reads a project made by any tool into tables;
    :func:`map_codes` maps its codes onto an impactlib codebook (by the
    ``impactlib:`` marker our exports carry, by dimension/value names or labels,
    or by theme) and keeps every other code as a new theme code, listed in the
    report — nothing is dropped silently.

Examples
--------
>>> from impactlib.codebook import load_codebook
>>> xml = codebook_xml(load_codebook())
>>> xml.startswith(b"<?xml") and b"urn:QDA-XML:codebook:1.0" in xml
True
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional
from xml.etree import ElementTree as ET

import pandas as pd

from impactlib.codebook import Codebook, Code, codebook_from_dict
from impactlib.errors import ExchangeError
from impactlib.io.columns import CANONICAL
from impactlib.exchange.safezip import DEFAULT_LIMITS, SafeArchive, ZipLimits, parse_xml

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
THEME = "theme"
_GUID_NS = uuid.UUID("6f1c1f55-4a5e-4d57-9a59-1d8a4c6b2e10")
_MARKER = re.compile(r"impactlib:\s*([a-z_]+)\s*=\s*([A-Za-z0-9_\-]+)")
_STORY_LEVEL = "impactlib: hele verhaal"
CODE_COLUMNS = list(CANONICAL["codes"])


def guid(*parts: object) -> str:
    """A stable GUID for the given parts (uuid5)."""
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(str(p) for p in parts)))


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _xml_datetime(value: object) -> Optional[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(ts):
        return None
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )


# ---------------------------------------------------------------------------
# line endings
# ---------------------------------------------------------------------------
def normalise_newlines(text: str) -> tuple[str, list[int]]:
    """Return ``text`` with ``\\r\\n``/``\\r`` as ``\\n`` and a map old index -> new index.

    The map has ``len(text) + 1`` entries, so an end offset maps too.
    """
    out, mapping = [], []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        mapping.append(len(out))
        if ch == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                mapping.append(len(out))  # the \n of \r\n maps to the same place
                i += 1
            out.append("\n")
        else:
            out.append(ch)
        i += 1
    mapping.append(len(out))
    return "".join(out), mapping


# ---------------------------------------------------------------------------
# codebook -> XML
# ---------------------------------------------------------------------------
def _code_description(code: Code, dimension: str) -> str:
    lines = [code.definition.strip()] if code.definition else []
    if code.examples:
        lines.append("Voorbeelden: " + " | ".join(code.examples[:3]))
    lines.append(f"Eigenaar: {code.owner}")
    lines.append(f"impactlib: {dimension}={code.key}")
    return "\n".join(lines)


def _code_elements(parent: ET.Element, codebook: Codebook, ns: str) -> dict[tuple[str, str], str]:
    """Append the nested codes; return ``(dimension, value) -> guid``."""
    guids: dict[tuple[str, str], str] = {}
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    for dim in codebook.dimensions.values():
        d_el = ET.SubElement(codes, f"{{{ns}}}Code", guid=guid("dimension", dim.name), name=dim.label,
                             isCodable="false")
        ET.SubElement(d_el, f"{{{ns}}}Description").text = (
            f"{dim.definition.strip()}\nEigenaar: {dim.owner}\nimpactlib: dimension={dim.name}"
        )
        for code in dim.values.values():
            g = guid("code", dim.name, code.key)
            c_el = ET.SubElement(d_el, f"{{{ns}}}Code", guid=g, name=code.label, isCodable="true", color=code.color)
            ET.SubElement(c_el, f"{{{ns}}}Description").text = _code_description(code, dim.name)
            guids[(dim.name, code.key)] = g
    if codebook.themes:
        t_el = ET.SubElement(codes, f"{{{ns}}}Code", guid=guid("dimension", THEME), name="Thema's", isCodable="false")
        ET.SubElement(t_el, f"{{{ns}}}Description").text = "Eigen themacodes van het project.\nimpactlib: dimension=theme"
        for code in codebook.themes.values():
            g = guid("code", THEME, code.key)
            c_el = ET.SubElement(t_el, f"{{{ns}}}Code", guid=g, name=code.label, isCodable="true", color=code.color)
            ET.SubElement(c_el, f"{{{ns}}}Description").text = _code_description(code, THEME)
            guids[(THEME, code.key)] = g
    return guids


def _tostring(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (bytes)."""
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin=f"impactlib codebook {codebook.name} {codebook.version}")
    _code_elements(root, codebook, CODEBOOK_NS)
    return _tostring(root, CODEBOOK_NS)


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write the codebook to a ``.qdc`` file and return its path."""
    target = Path(path)
    target.write_bytes(codebook_xml(codebook))
    return target


# ---------------------------------------------------------------------------
# project -> .qdpx
# ---------------------------------------------------------------------------
@dataclass
class ExportSummary:
    """What an export wrote (also what it left out, and why)."""

    path: Path
    sources: int = 0
    codes: int = 0
    codings: int = 0
    users: list[str] = field(default_factory=list)
    cases: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.path}: {self.sources} text sources, {self.codes} codes, {self.codings} codings "
                f"by {len(self.users)} coder(s) ({', '.join(self.users)}), {self.cases} cases")
        if self.skipped:
            text += f"; {len(self.skipped)} coding(s) left out:\n  " + "\n  ".join(self.skipped)
        return text


_STORY_CORE = {"story_id", "text"}
_SOURCE_FILE = re.compile(r"[^A-Za-z0-9_.\-]+")


def _source_file_name(story_id: str, used: set[str]) -> str:
    base = _SOURCE_FILE.sub("_", unicodedata.normalize("NFKD", story_id)).strip("._") or "verhaal"
    name, i = f"{base}.txt", 1
    while name.lower() in used:
        i += 1
        name = f"{base}_{i}.txt"
    used.add(name.lower())
    return name


def _variable_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "Boolean"
    if pd.api.types.is_integer_dtype(series):
        return "Integer"
    if pd.api.types.is_float_dtype(series):
        return "Float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "Date"
    return "Text"


def _variable_value(parent: ET.Element, var_guid: str, vtype: str, value: object) -> None:
    vv = ET.SubElement(parent, f"{{{PROJECT_NS}}}VariableValue")
    ET.SubElement(vv, f"{{{PROJECT_NS}}}VariableRef", targetGUID=var_guid)
    if vtype == "Boolean":
        ET.SubElement(vv, f"{{{PROJECT_NS}}}BooleanValue").text = "true" if bool(value) else "false"
    elif vtype == "Integer":
        ET.SubElement(vv, f"{{{PROJECT_NS}}}IntegerValue").text = str(int(value))
    elif vtype == "Float":
        ET.SubElement(vv, f"{{{PROJECT_NS}}}FloatValue").text = repr(float(value))
    elif vtype == "Date":
        ET.SubElement(vv, f"{{{PROJECT_NS}}}DateValue").text = pd.Timestamp(value).strftime("%Y-%m-%d")
    else:
        ET.SubElement(vv, f"{{{PROJECT_NS}}}TextValue").text = str(value)


def build_project(
    stories: pd.DataFrame,
    codes: Optional[pd.DataFrame],
    codebook: Codebook,
    *,
    activities: Optional[pd.DataFrame] = None,
    name: str = "impactlib-project",
    statuses: Iterable[str] = ("accepted", "edited"),
    path: Path = Path("project.qdpx"),
) -> tuple[bytes, dict[str, str], ExportSummary]:
    """Build ``project.qde`` (bytes) and the source texts (file name -> text).

    Only codes whose ``status`` is in ``statuses`` are exported (by default the
    human decisions; pass ``("accepted", "edited", "suggested")`` to include
    machine suggestions).  Codes whose story, dimension or value is unknown, or
    whose positions fall outside the text, are listed in ``summary.skipped``.
    """
    summary = ExportSummary(path=path)
    stories = stories.reset_index(drop=True)
    codes = pd.DataFrame(columns=CODE_COLUMNS) if codes is None else codes
    if "status" in codes.columns:
        codes = codes[codes["status"].isin(list(statuses))]
    coders = sorted({str(c) for c in codes.get("coder", pd.Series(dtype=str)).dropna()}) or ["impactlib"]
    user_guid = {c: guid("user", c) for c in coders}
    summary.users = coders
    created = _now()

    root = ET.Element(f"{{{PROJECT_NS}}}Project", name=name, origin="impactlib",
                      creatingUserGUID=user_guid[coders[0]], creationDateTime=created)
    users_el = ET.SubElement(root, f"{{{PROJECT_NS}}}Users")
    for c in coders:
        ET.SubElement(users_el, f"{{{PROJECT_NS}}}User", guid=user_guid[c], name=c)
    codebook_el = ET.SubElement(root, f"{{{PROJECT_NS}}}CodeBook")
    code_guid = _code_elements(codebook_el, codebook, PROJECT_NS)
    summary.codes = len(code_guid)

    # variables: story attributes (everything but id/text) and activity attributes
    story_vars = [c for c in stories.columns if c not in _STORY_CORE]
    act_vars = [c for c in (activities.columns if activities is not None else []) if c != "activity"]
    var_types: dict[str, str] = {}
    var_guid: dict[str, str] = {}
    all_vars = [("story", c, stories[c]) for c in ["story_id", *story_vars]]
    all_vars += [("activity", c, activities[c]) for c in act_vars] if activities is not None else []
    if all_vars:
        vars_el = ET.SubElement(root, f"{{{PROJECT_NS}}}Variables")
        for scope, col, series in all_vars:
            key = f"{scope}:{col}"
            var_types[key] = _variable_type(series)
            var_guid[key] = guid("variable", scope, col)
            v_el = ET.SubElement(vars_el, f"{{{PROJECT_NS}}}Variable", guid=var_guid[key],
                                 name=col if scope == "story" else f"activiteit.{col}", typeOfVariable=var_types[key])
            ET.SubElement(v_el, f"{{{PROJECT_NS}}}Description").text = (
                f"Verhaalkenmerk '{col}' uit impactlib" if scope == "story" else f"Kenmerk '{col}' van de activiteit"
            )

    # sources
    used: set[str] = set()
    texts: dict[str, str] = {}
    source_guid: dict[str, str] = {}
    source_of: dict[str, ET.Element] = {}
    newline_map: dict[str, tuple[str, list[int]]] = {}
    for row in stories.itertuples(index=False):
        sid = str(getattr(row, "story_id"))
        text = "" if _blank(getattr(row, "text")) else str(getattr(row, "text"))
        norm, mapping = normalise_newlines(text)
        newline_map[sid] = (norm, mapping)
        fname = _source_file_name(sid, used)
        texts[fname] = norm
        source_guid[sid] = guid("source", sid)
    sources_el = ET.SubElement(root, f"{{{PROJECT_NS}}}Sources")
    records = stories.to_dict("records")
    for rec, fname in zip(records, texts):
        sid = str(rec["story_id"])
        src = ET.SubElement(sources_el, f"{{{PROJECT_NS}}}TextSource", guid=source_guid[sid], name=fname[:-4],
                            plainTextPath=f"internal://{fname}", creatingUser=user_guid[coders[0]],
                            creationDateTime=created)
        source_of[sid] = src
        summary.sources += 1
    # selections (must precede VariableValue elements inside TextSource)
    codes = codes.reset_index(drop=True)
    for rec in codes.to_dict("records"):
        sid = str(rec.get("story_id"))
        dim, value = str(rec.get("dimension")), str(rec.get("value"))
        where = f"story {sid!r} {dim}={value} by {rec.get('coder')}"
        if sid not in source_of:
            summary.skipped.append(f"{where}: story not in the project")
            continue
        if (dim, value) not in code_guid:
            summary.skipped.append(f"{where}: code not in codebook {codebook.version}")
            continue
        norm, mapping = newline_map[sid]
        start, end = rec.get("start"), rec.get("end")
        story_level = _blank(start) or _blank(end)
        if story_level:
            s, e = 0, len(norm)
        else:
            s0, e0 = int(start), int(end)
            if not (0 <= s0 < e0 <= len(mapping) - 1):
                summary.skipped.append(f"{where}: positions {s0}-{e0} outside the text (length {len(mapping) - 1})")
                continue
            s, e = mapping[s0], mapping[e0]
        coder = str(rec.get("coder") or coders[0])
        when = _xml_datetime(rec.get("created_at")) or created
        sel = ET.SubElement(source_of[sid], f"{{{PROJECT_NS}}}PlainTextSelection",
                            guid=guid("selection", sid, s, e, dim, value, coder, rec.get("created_at")),
                            name=(norm[s:e][:60] or sid), startPosition=str(s), endPosition=str(e),
                            creatingUser=user_guid.get(coder, user_guid[coders[0]]), creationDateTime=when)
        desc = []
        if story_level:
            desc.append(_STORY_LEVEL)
        if not _blank(rec.get("memo")):
            desc.append(str(rec.get("memo")))
        if desc:
            ET.SubElement(sel, f"{{{PROJECT_NS}}}Description").text = "\n".join(desc)
        coding = ET.SubElement(sel, f"{{{PROJECT_NS}}}Coding", guid=guid("coding", sel.get("guid")),
                               creatingUser=user_guid.get(coder, user_guid[coders[0]]), creationDateTime=when)
        ET.SubElement(coding, f"{{{PROJECT_NS}}}CodeRef", targetGUID=code_guid[(dim, value)])
        summary.codings += 1
    for rec in records:
        src = source_of[str(rec["story_id"])]
        for col in ["story_id", *story_vars]:
            value = rec.get(col)
            if not _blank(value):
                _variable_value(src, var_guid[f"story:{col}"], var_types[f"story:{col}"], value)

    # cases: one per activity, with its attributes and its stories
    if activities is not None or "activity" in stories.columns:
        acts = activities if activities is not None else pd.DataFrame({"activity": stories["activity"].dropna().unique()})
        cases_el = ET.SubElement(root, f"{{{PROJECT_NS}}}Cases")
        for rec in acts.to_dict("records"):
            act = rec.get("activity")
            if _blank(act):
                continue
            case = ET.SubElement(cases_el, f"{{{PROJECT_NS}}}Case", guid=guid("case", act), name=str(act))
            if not _blank(rec.get("activity_goal")):
                ET.SubElement(case, f"{{{PROJECT_NS}}}Description").text = f"Doel: {rec['activity_goal']}"
            for col in act_vars:
                if not _blank(rec.get(col)):
                    _variable_value(case, var_guid[f"activity:{col}"], var_types[f"activity:{col}"], rec[col])
            if "activity" in stories.columns:
                for sid in stories.loc[stories["activity"] == act, "story_id"]:
                    ET.SubElement(case, f"{{{PROJECT_NS}}}SourceRef", targetGUID=source_guid[str(sid)])
            summary.cases += 1
        if summary.cases == 0:
            root.remove(cases_el)
        else:  # keep schema order: Cases after Variables, before Sources
            root.remove(cases_el)
            root.insert(list(root).index(sources_el), cases_el)

    # sets: one per track
    if "track" in stories.columns:
        sets_el = ET.SubElement(root, f"{{{PROJECT_NS}}}Sets")
        for track, group in stories.groupby("track", sort=True):
            s_el = ET.SubElement(sets_el, f"{{{PROJECT_NS}}}Set", guid=guid("set", track), name=f"spoor: {track}")
            for sid in group["story_id"]:
                ET.SubElement(s_el, f"{{{PROJECT_NS}}}MemberSource", targetGUID=source_guid[str(sid)])
        if not len(sets_el):
            root.remove(sets_el)
    ET.SubElement(root, f"{{{PROJECT_NS}}}Description").text = (
        f"Geëxporteerd door impactlib met codeboek {codebook.name} {codebook.version}. "
        f"Bevat {summary.sources} verhalen als tekstbronnen en {summary.codings} coderingen "
        f"(status: {', '.join(statuses)}). Kan persoonsgegevens bevatten: deel alleen binnen het onderzoeksteam."
    )
    return _tostring(root, PROJECT_NS), texts, summary


def export_qdpx(
    path: str | Path,
    stories: pd.DataFrame,
    codes: Optional[pd.DataFrame],
    codebook: Codebook,
    *,
    activities: Optional[pd.DataFrame] = None,
    name: str = "impactlib-project",
    statuses: Iterable[str] = ("accepted", "edited"),
) -> ExportSummary:
    """Write a ``.qdpx`` archive (``project.qde`` + ``sources/*.txt``) and return a summary."""
    target = Path(path)
    xml, texts, summary = build_project(stories, codes, codebook, activities=activities, name=name,
                                        statuses=tuple(statuses), path=target)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for fname, text in texts.items():
            zf.writestr(f"sources/{fname}", text.encode("utf-8"))
    target.write_bytes(buffer.getvalue())
    return summary


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------
@dataclass
class QdaCode:
    guid: str
    name: str
    path: tuple[str, ...]
    description: str = ""
    color: Optional[str] = None
    codable: bool = True


@dataclass
class QdaProject:
    """A REFI-QDA project read into tables (before mapping to a codebook)."""

    name: str
    origin: str
    codes: dict[str, QdaCode]
    stories: pd.DataFrame
    codings: pd.DataFrame  # story_id, start, end, code_guid, coder, created_at, memo, story_level
    problems: list[str] = field(default_factory=list)


#: ``created_at`` of an imported coding whose file gives no date at all (coding, selection or project).
UNKNOWN_DATE = "1970-01-01T00:00:00Z"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _read_codes(codes_el, where: str) -> dict[str, QdaCode]:
    out: dict[str, QdaCode] = {}

    def walk(el, parents: tuple[str, ...]):
        for code in _children(el, "Code"):
            g, name = code.get("guid"), code.get("name")
            if not g or name is None:
                raise ExchangeError(f"{where}: a Code without guid or name (parent {'/'.join(parents) or 'root'}); the file does not follow REFI-QDA")
            desc = _children(code, "Description")
            out[g] = QdaCode(g, name, parents + (name,), (desc[0].text or "") if desc else "", code.get("color"),
                             code.get("isCodable", "true").lower() == "true")
            walk(code, parents + (name,))

    walk(codes_el, ())
    return out


def _variable_text(vv) -> Optional[str]:
    for child in vv:
        if _local(child.tag).endswith("Value") and _local(child.tag) != "VariableRef":
            return child.text
    return None


def read_qde(xml: bytes, source_text, where: str) -> QdaProject:
    """Parse ``project.qde``; ``source_text(path)`` returns the text of an internal source."""
    root = parse_xml(xml, where)
    if _local(root.tag) != "Project" or not root.tag.startswith(f"{{{PROJECT_NS}}}"):
        raise ExchangeError(f"{where}: the root element is {root.tag!r}, not a REFI-QDA Project ({PROJECT_NS})")
    users = {u.get("guid"): (u.get("name") or u.get("id") or u.get("guid"))
             for users in _children(root, "Users") for u in _children(users, "User")}
    codes: dict[str, QdaCode] = {}
    for cb in _children(root, "CodeBook"):
        for codes_el in _children(cb, "Codes"):
            codes.update(_read_codes(codes_el, where))
    variables = {v.get("guid"): v.get("name") for vs in _children(root, "Variables") for v in _children(vs, "Variable")}
    stories, codings, problems = [], [], []
    seen_ids: set[str] = set()
    for sources in _children(root, "Sources"):
        for src in sources:
            kind = _local(src.tag)
            sname = src.get("name") or src.get("guid")
            if kind != "TextSource":
                n = sum(1 for _ in src.iter() if _local(_.tag) == "Coding")
                problems.append(f"source {sname!r} is a {kind}; only text sources are imported ({n} coding(s) on it not imported)")
                continue
            content = _children(src, "PlainTextContent")
            if content:
                text = content[0].text or ""
            elif src.get("plainTextPath"):
                text = source_text(src.get("plainTextPath"))
            else:
                problems.append(f"source {sname!r} has neither PlainTextContent nor plainTextPath; not imported")
                continue
            attrs = {}
            for vv in _children(src, "VariableValue"):
                ref = _children(vv, "VariableRef")
                vname = variables.get(ref[0].get("targetGUID")) if ref else None
                if vname:
                    attrs[vname] = _variable_text(vv)
            sid = str(attrs.pop("story_id", None) or re.sub(r"\.txt$", "", str(sname), flags=re.I))
            base, i = sid, 1
            while sid in seen_ids:
                i += 1
                sid = f"{base}_{i}"
            seen_ids.add(sid)
            stories.append({"story_id": sid, "text": text, **attrs})

            def add(code_ref_parent, start, end, story_level, sel=None):
                for coding in _children(code_ref_parent, "Coding"):
                    for ref in _children(coding, "CodeRef"):
                        desc = _children(sel, "Description") if sel is not None else []
                        memo = (desc[0].text or "") if desc else ""
                        lvl = story_level or _STORY_LEVEL in memo
                        memo = memo.replace(_STORY_LEVEL, "").strip()
                        codings.append({
                            "story_id": sid, "start": None if lvl else start, "end": None if lvl else end,
                            "code_guid": ref.get("targetGUID"),
                            "coder": users.get(coding.get("creatingUser") or (sel.get("creatingUser") if sel is not None else None), "onbekend"),
                            "created_at": (coding.get("creationDateTime")
                                           or (sel.get("creationDateTime") if sel is not None else None)
                                           or root.get("modifiedDateTime") or root.get("creationDateTime")),
                            "memo": memo or None,
                        })

            add(src, None, None, True)
            for sel in _children(src, "PlainTextSelection"):
                try:
                    s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
                except (TypeError, ValueError):
                    problems.append(f"source {sname!r}: selection {sel.get('guid')} has non-numeric positions; not imported")
                    continue
                if not (0 <= s <= e <= len(text)):
                    problems.append(f"source {sname!r}: selection {s}-{e} lies outside the text (length {len(text)}); not imported")
                    continue
                add(sel, s, e, False, sel)
    return QdaProject(
        name=root.get("name", ""), origin=root.get("origin", ""), codes=codes,
        stories=pd.DataFrame(stories, columns=None if stories else ["story_id", "text"]),
        codings=pd.DataFrame(codings, columns=["story_id", "start", "end", "code_guid", "coder", "created_at", "memo"]),
        problems=problems,
    )


def read_qdpx(path: str | Path, *, limits: ZipLimits = DEFAULT_LIMITS) -> QdaProject:
    """Read a ``.qdpx`` archive safely into a :class:`QdaProject`."""
    path = Path(path)
    with SafeArchive(path, limits) as archive:
        qde = [n for n in archive.names() if n.lower().endswith(".qde") and "/" not in n.strip("/")]
        if not qde:
            raise ExchangeError(f"{path}: no project.qde at the top of the archive; is this a REFI-QDA .qdpx file?")

        def source_text(ref: str) -> str:
            rel = ref.replace("internal://", "", 1) if ref.startswith("internal://") else None
            if rel is None:
                raise ExchangeError(f"{path}: source path {ref!r} points outside the archive; only internal:// sources are imported")
            name = f"sources/{rel}"
            data = archive.read(name)
            for enc in ("utf-8-sig", "cp1252"):
                try:
                    return data.decode(enc)
                except UnicodeDecodeError:
                    continue
            raise ExchangeError(f"{path}: {name} is not UTF-8 text")

        return read_qde(archive.read(qde[0]), source_text, f"{path.name}:{qde[0]}")


def read_qdc(path: str | Path) -> dict[str, QdaCode]:
    """Read a ``.qdc`` codebook's codes (guid -> :class:`QdaCode`)."""
    path = Path(path)
    if not path.is_file():
        raise ExchangeError(f"{path}: file not found; check the path")
    if path.stat().st_size > DEFAULT_LIMITS.max_member_bytes:
        raise ExchangeError(f"{path}: larger than {DEFAULT_LIMITS.max_member_bytes} bytes; refusing to import")
    root = parse_xml(path.read_bytes(), path.name)
    if _local(root.tag) != "CodeBook":
        raise ExchangeError(f"{path}: the root element is {root.tag!r}, not a REFI-QDA CodeBook")
    out: dict[str, QdaCode] = {}
    for codes_el in _children(root, "Codes"):
        out.update(_read_codes(codes_el, path.name))
    return out


# ---------------------------------------------------------------------------
# mapping onto an impactlib codebook
# ---------------------------------------------------------------------------
@dataclass
class CodeMapping:
    """How imported codes map onto the codebook, and what became a new theme."""

    mapped: dict[str, tuple[str, str]] = field(default_factory=dict)     # guid -> (dimension, value)
    new_themes: dict[str, str] = field(default_factory=dict)             # guid -> theme key
    containers: list[str] = field(default_factory=list)                  # non-codable grouping codes
    codebook: Optional[Codebook] = None                                   # codebook incl. new themes

    def report(self, codes: dict[str, QdaCode]) -> list[str]:
        lines = []
        for g, key in self.new_themes.items():
            lines.append(f"code {'/'.join(codes[g].path)!r} matches no impactlib code; kept as theme {key!r}")
        return lines


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_") or "code"


def _dimension_of(name: str, codebook: Codebook) -> Optional[str]:
    n = _norm(name)
    for dim in codebook.dimensions.values():
        label = _norm(dim.label)
        if n in {dim.name, label, label.split(" (")[0]}:
            return dim.name
    if n in {"thema's", "themas", "themes", "theme"}:
        return THEME
    return None


def map_codes(codes: dict[str, QdaCode], codebook: Codebook) -> CodeMapping:
    """Map imported codes onto ``codebook``; unmatched codable codes become new themes."""
    result = CodeMapping()
    themes = {k: c.to_dict() for k, c in codebook.themes.items()}
    for g, code in codes.items():
        marker = _MARKER.findall(code.description or "")
        target = None
        for dim, value in marker:
            if dim == "dimension":
                continue
            if (dim == THEME and value in codebook.themes) or (dim in codebook.dimensions and value in codebook.dimensions[dim].values):
                target = (dim, value)
        if target is None:
            parent_dim = _dimension_of(code.path[-2], codebook) if len(code.path) > 1 else None
            dims = [parent_dim] if parent_dim else [*codebook.dimensions, THEME]
            hits = []
            for dim in dims:
                values = codebook.themes if dim == THEME else codebook.dimensions[dim].values
                for key, c in values.items():
                    if _norm(code.name) in {key.lower(), _norm(c.label)}:
                        hits.append((dim, key))
            if len(hits) == 1:
                target = hits[0]
        if target is not None:
            result.mapped[g] = target
            continue
        if not code.codable or _dimension_of(code.name, codebook):
            result.containers.append(g)
            continue
        key = base = _slug("_".join(code.path))
        i = 1
        while key in themes:
            i += 1
            key = f"{base}_{i}"
        themes[key] = {
            "label": code.name,
            "definition": (code.description or f"Geïmporteerde code '{'/'.join(code.path)}'").strip(),
            "examples": [],
            "patterns": [],
            "owner": "onderzoekers",
            "color": code.color if code.color and re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color) else "#999999",
        }
        result.new_themes[g] = key
    data = codebook.to_dict()
    if result.new_themes:
        data["themes"] = themes
        digest = hashlib.sha1("\x1f".join(sorted(themes)).encode("utf-8")).hexdigest()[:8]
        data["version"] = f"{codebook.version}+import.{digest}"
    result.codebook = codebook_from_dict(data, source=f"{codebook.source} (+ imported themes)")
    return result


def codings_to_codes(project: QdaProject, mapping: CodeMapping, *, origin: str) -> tuple[pd.DataFrame, list[str]]:
    """Turn imported codings into the canonical codes table; return it and the problems."""
    rows, problems = [], []
    version = mapping.codebook.version if mapping.codebook else ""
    for rec in project.codings.to_dict("records"):
        g = rec["code_guid"]
        if g in mapping.mapped:
            dim, value = mapping.mapped[g]
        elif g in mapping.new_themes:
            dim, value = THEME, mapping.new_themes[g]
        else:
            name = "/".join(project.codes[g].path) if g in project.codes else g
            problems.append(f"story {rec['story_id']!r}: coding with code {name!r} (a grouping code or unknown GUID) not imported")
            continue
        # no date anywhere in the file: a fixed date, so importing the same file twice adds nothing
        created = _xml_datetime(rec.get("created_at")) or UNKNOWN_DATE
        rows.append({
            "story_id": rec["story_id"], "start": rec["start"], "end": rec["end"], "dimension": dim, "value": value,
            "coder": rec["coder"], "source": "human", "status": "accepted", "confidence": None,
            "codebook_version": version, "created_at": created,
            "memo": rec.get("memo") or f"geïmporteerd uit {origin}",
        })
    df = pd.DataFrame(rows, columns=CODE_COLUMNS)
    df["start"] = pd.array(df["start"], dtype="Int64")
    df["end"] = pd.array(df["end"], dtype="Int64")
    return df, problems


__all__ = [
    "PROJECT_NS", "CODEBOOK_NS", "ExportSummary", "QdaCode", "QdaProject", "CodeMapping",
    "codebook_xml", "export_qdc", "build_project", "export_qdpx", "normalise_newlines",
    "read_qde", "read_qdpx", "read_qdc", "map_codes", "codings_to_codes",
]

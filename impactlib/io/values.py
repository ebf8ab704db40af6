"""Parsers for single cell values: dates, Dutch numbers with CBS symbols, periods, areas, yes/no.

Each parser takes one value (a string from CSV, or a native value from XLSX) and
returns the parsed value or ``None`` when it cannot be parsed; the table
normalisers in :mod:`impactlib.io.tables` apply them to the *unique* values of
a column and turn failures into located problems.

Examples
--------
>>> parse_date("3-2-2025")
datetime.datetime(2025, 2, 3, 0, 0)
>>> parse_number("1.234,5", decimal=",")
(1234.5, 'ok')
>>> parse_number("12,5*", decimal=",")
(12.5, 'provisional')
>>> parse_period("2025K1")
('2025-Q1', Timestamp('2025-01-01 00:00:00'))
>>> check_area("WK12")
'error'
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import pandas as pd

# --------------------------------------------------------------------------- dates

DUTCH_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10,
}
_TIME = r"(?:(?:[ t]|, ?)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + r"$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})" + _TIME + r"$")
_WORDS = re.compile(r"^(\d{1,2})\.?[\s\-/]+([a-z]+)\.?[\s\-/]+(\d{4}|\d{2})" + _TIME + r"$")
_MDY_WORDS = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})" + _TIME + r"$")
_WEEKDAY = re.compile(r"^(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo|"
                      r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
                      r"\.?,?\s+")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

#: Excel's day zero (serial 1 = 1900-01-01, with Lotus' 1900 leap-year bug).
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def parse_date(value: Any) -> _dt.datetime | None:
    """Parse an ISO or Dutch day-first date (optionally with a time); ``None`` if it is not one.

    Accepts ``2025-02-03``, ``2025-02-03 14:05:00``, ``2025-02-03T14:05``,
    ``03-02-2025``, ``3-2-2025``, ``03/02/2025``, ``3.2.2025``, ``03-02-25``,
    ``3 februari 2025``, ``20250203``, Python/pandas datetimes and dates
    (Excel cells), and Excel serial numbers (numbers between 20000 and 80000).
    Impossible dates such as ``31-02-2025`` return ``None``.

    Examples
    --------
    >>> parse_date("31-02-2025") is None
    True
    >>> parse_date("3 mrt 2025")
    datetime.datetime(2025, 3, 3, 0, 0)
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + _dt.timedelta(days=float(value))
        return None
    text = _WEEKDAY.sub("", str(value).strip().lower())
    if not text:
        return None
    m = _ISO.match(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.match(text)
        if m:
            d, mo, y = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                y += 2000
        else:
            m = _WORDS.match(text) or _MDY_WORDS.match(text)
            if m and m.re is _MDY_WORDS:  # 'feb 3, 2025'
                mo = DUTCH_MONTHS.get(m[1], 0)
                d, y = int(m[2]), int(m[3])
            elif m:
                mo = DUTCH_MONTHS.get(m[2], 0)
                d, y = int(m[1]), int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            else:
                m = _COMPACT.match(text)
                if not m:
                    return None
                y, mo, d = int(m[1]), int(m[2]), int(m[3])
                try:
                    return _dt.datetime(y, mo, d)
                except ValueError:
                    return None
    hh = mm = ss = 0
    if m.lastindex and m.lastindex >= 4 and m[4] is not None:
        hh, mm, ss = int(m[4]), int(m[5]), int(m[6] or 0)
    try:
        return _dt.datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return None


# --------------------------------------------------------------------------- numbers

#: Status values of an indicator value.
STATUSES = ("ok", "provisional", "missing", "confidential")
_NIL = {"-", "–", "—", "‒", "−"}
_MISSING = {".", "", "..", "…"}
_CONFIDENTIAL = {"x", "X"}
#: Words people write for 'no figure'; read as missing, with a warning (CBS writes '.').
MISSING_WORDS = {"nvt", "n.v.t.", "n.v.t", "onbekend", "nb", "n.b.", "geengegevens", "geen gegevens", "na", "n/a",
                 "#n/b", "#n/a", "-/-", "?"}
_NL_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
_EN_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def parse_number(value: Any, decimal: str = ",") -> tuple[float, str] | None:
    """Parse a number as written in Dutch or English tables, with CBS symbols.

    Parameters
    ----------
    value : str, int or float
        The cell.  Numbers from XLSX pass through.
    decimal : {",", "."}
        The decimal separator the file uses; the other one is read as a
        thousands separator (``1.234,5`` or ``1,234.5``).

    Returns
    -------
    (float, status) or None
        ``status`` is one of :data:`STATUSES`; ``None`` when the value is not a
        number nor a CBS symbol.  ``.``/empty -> (nan, "missing"),
        ``x`` -> (nan, "confidential"), ``-``/``–`` -> (0.0, "ok"),
        ``12,5*`` -> (12.5, "provisional"), ``*`` -> (nan, "provisional").
        A trailing ``%`` is dropped.

    Examples
    --------
    >>> parse_number("x")
    (nan, 'confidential')
    >>> parse_number("1,234.5", decimal=".")
    (1234.5, 'ok')
    >>> parse_number("twaalf") is None
    True
    """
    if value is None:
        return (math.nan, "missing")
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return (f, "missing") if math.isnan(f) else (f, "ok")
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text in _MISSING:
        return (math.nan, "missing")
    if text in _CONFIDENTIAL:
        return (math.nan, "confidential")
    if text in _NIL:
        return (0.0, "ok")
    status = "ok"
    if text.endswith("*"):
        text = text.rstrip("*")
        status = "provisional"
        if not text:
            return (math.nan, "provisional")
    if text.endswith("%"):
        text = text[:-1]
    for cur in ("€", "EUR", "eur"):
        if text.startswith(cur):
            text = text[len(cur):]
        elif text.endswith(cur):
            text = text[: -len(cur)]
    if text.endswith(",-"):  # Dutch money: "€ 25,-"
        text = text[:-2]
    if text and text[0] in "−–":
        text = "-" + text[1:]
    if decimal == ",":
        if _NL_NUM.match(text):
            return (float(text.replace(".", "").replace(",", ".")), status)
    else:
        if _EN_NUM.match(text):
            return (float(text.replace(",", "")), status)
    if _PLAIN.match(text):  # the other convention, without thousands separators
        return (float(text.replace(",", ".")), status)
    return None


def guess_decimal(values: Any, delimiter: str | None = None) -> str:
    """Guess the decimal separator from a column's text values.

    A value like ``12,5`` or ``1.234,5`` means a decimal comma; ``12.5`` or
    ``1,234.5`` a decimal point.  Without evidence, ``;``-separated files
    (Dutch Excel) use a comma, others a point.

    Examples
    --------
    >>> guess_decimal(["12,5", "7"])
    ','
    >>> guess_decimal(["1.234"], delimiter=",")
    '.'
    """
    comma = point = 0
    for v in values:
        if not isinstance(v, str):
            continue
        t = v.strip().rstrip("*%").replace(" ", "")
        if re.fullmatch(r"[+-]?\d+(?:\.\d{3})*,\d+", t):
            comma += 1
        elif re.fullmatch(r"[+-]?\d+(?:,\d{3})*\.\d+", t) and not re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", t):
            point += 1
    if comma or point:
        return "," if comma >= point else "."
    return "." if delimiter == "," else ","


# --------------------------------------------------------------------------- periods

_Q_PATTERNS = [
    re.compile(r"^(\d{4})\s*[-/_ ]?\s*(?:k|q|kw|kwartaal|quarter|kwrt)\s*0?([1-4])$"),
    re.compile(r"^(?:k|q|kw|kwartaal|quarter)\s*0?([1-4])\s*[-/_ ]?\s*(\d{4})$"),
    re.compile(r"^(\d{4})\s*[-/_ ]?\s*([1-4])e?\s*(?:kwartaal|kw|quarter)$"),
    re.compile(r"^([1-4])e?\s*(?:kwartaal|kw|quarter)\s*[-/_ ]?\s*(\d{4})$"),
]
_M_PATTERNS = [
    re.compile(r"^(\d{4})\s*(?:-|/|_|mm|m)\s*(\d{1,2})$"),
    re.compile(r"^(\d{1,2})\s*[-/]\s*(\d{4})$"),
]
_MONTH_WORD = re.compile(r"^([a-z]+)\.?\s*[-/ ]?\s*(\d{4})$|^(\d{4})\s*[-/ ]?\s*([a-z]+)\.?$")
_YEAR = re.compile(r"^(\d{4})(?:\s*(?:jj\s*00|jaar))?$")


def parse_period(value: Any) -> tuple[str, pd.Timestamp] | None:
    """Normalise a period to ``YYYY-Qn``, ``YYYY-MM`` or ``YYYY`` plus its start.

    Accepts ``2025K1``, ``2025-Q1``, ``2025 Q1``, ``Q1 2025``, ``2025 kwartaal 1``,
    ``1e kwartaal 2025``, CBS codes ``2025KW01``/``2025MM03``/``2025JJ00``,
    ``2025-03``, ``03-2025``, ``maart 2025``, ``2025``, a year as a number; a full
    date (an Excel date cell — Excel turns ``2025-03`` into 1-3-2025 — or a
    *peildatum* such as ``31-03-2025``) stands for its month.

    Examples
    --------
    >>> parse_period("2025 kwartaal 3")[0]
    '2025-Q3'
    >>> parse_period("mrt 2025")[0]
    '2025-03'
    >>> parse_period("2025-13") is None
    True
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):  # Excel turns '2025-03' into 1-3-2025
        return f"{value.year:04d}-{value.month:02d}", pd.Timestamp(value.year, value.month, 1)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or value != int(value)):
            return None
        value = str(int(value))
    text = re.sub(r"\s+", " ", str(value).strip().lower())
    if not text:
        return None
    for i, pat in enumerate(_Q_PATTERNS):
        m = pat.match(text)
        if m:
            y, q = (m[1], m[2]) if i in (0, 2) else (m[2], m[1])
            y, q = int(y), int(q)
            if 1900 <= y <= 2200:
                return f"{y:04d}-Q{q}", pd.Timestamp(y, 3 * (q - 1) + 1, 1)
            return None
    for i, pat in enumerate(_M_PATTERNS):
        m = pat.match(text)
        if m:
            y, mo = (int(m[1]), int(m[2])) if i == 0 else (int(m[2]), int(m[1]))
            if 1 <= mo <= 12 and 1900 <= y <= 2200:
                return f"{y:04d}-{mo:02d}", pd.Timestamp(y, mo, 1)
            return None
    m = re.fullmatch(r"([a-z]+)\.?[-/ ](\d{2})", text)  # Excel's Dutch 'mmm-jj': mrt-25
    if m and DUTCH_MONTHS.get(m[1]):
        return f"20{m[2]}-{DUTCH_MONTHS[m[1]]:02d}", pd.Timestamp(2000 + int(m[2]), DUTCH_MONTHS[m[1]], 1)
    m = _MONTH_WORD.match(text)
    if m:
        word, y = (m[1], m[2]) if m[1] else (m[4], m[3])
        mo = DUTCH_MONTHS.get(word)
        if mo and 1900 <= int(y) <= 2200:
            return f"{int(y):04d}-{mo:02d}", pd.Timestamp(int(y), mo, 1)
        return None
    m = _YEAR.match(text)
    if m and 1900 <= int(m[1]) <= 2200:
        return m[1], pd.Timestamp(int(m[1]), 1, 1)
    if re.search(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|[a-z]", text):
        d = parse_date(text)
        if d is not None:  # a date (e.g. a 'peildatum') stands for its month
            return f"{d.year:04d}-{d.month:02d}", pd.Timestamp(d.year, d.month, 1)
    return None


# --------------------------------------------------------------------------- areas

_CBS_OK = re.compile(r"^(?:GM\d{4}|WK\d{6}|BU\d{8}|NL\d{2}|PV\d{2}|LD\d{2}|CR\d{2}|GG\d{4}|RE\d{2}|"
                     r"AR\d{2}|JZ\d{2}|WR\d{2}|VR\d{2}|RS\d{2}|ZO\d{2})$")
_CBS_LIKE = re.compile(r"^(?:GM|WK|BU)[\s\d]*$")


def normalise_area(value: Any) -> str:
    """Upper-case CBS-like codes and drop inner spaces (``wk 990101`` -> ``WK990101``).

    Other names are returned stripped.

    Examples
    --------
    >>> normalise_area(" wk 990101 ")
    'WK990101'
    >>> normalise_area("Centrum")
    'Centrum'
    """
    text = str(value).strip()
    compact = re.sub(r"\s+", "", text).upper()
    if _CBS_LIKE.match(compact) or _CBS_OK.match(compact):
        return compact
    return text


def check_area(value: Any) -> str:
    """Classify an area: ``"code"`` (a valid CBS code), ``"error"`` (a malformed
    GM/WK/BU code such as ``WK12``) or ``"name"`` (a free name such as ``Centrum``).

    Examples
    --------
    >>> check_area("GM9901"), check_area("BU9901011"), check_area("De Linde")
    ('code', 'error', 'name')
    """
    code = normalise_area(value)
    if _CBS_OK.match(code):
        return "code"
    if _CBS_LIKE.match(code):
        return "error"
    return "name"


CBS_AREA_HELP = "CBS codes are GM + 4 digits (municipality), WK + 6 digits (wijk) or BU + 8 digits (buurt)"

# --------------------------------------------------------------------------- booleans

_TRUE = {"ja", "j", "yes", "y", "1", "x", "true", "waar", "geselecteerd", "gekozen", "wel", "✓", "✔", "v"}
_FALSE = {"nee", "n", "no", "0", "false", "onwaar", "niet geselecteerd", "niet gekozen", "niet", ""}


def parse_bool(value: Any) -> bool | None:
    """Parse yes/no cells (``ja``/``nee``/``1``/``0``/``x``/``true``/empty); ``None`` otherwise.

    Examples
    --------
    >>> parse_bool("Ja"), parse_bool("x"), parse_bool(""), parse_bool("misschien")
    (True, True, False, None)
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return False
        return {1: True, 0: False}.get(value)  # type: ignore[arg-type]
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    first = re.split(r"[\s,.;:()/-]+", text, maxsplit=1)[0]  # 'Ja, geselecteerd', 'nee (te kort)'
    if first in {"ja", "yes", "geselecteerd", "gekozen", "waar", "true"}:
        return True
    if first in {"nee", "no", "niet", "false", "onwaar"}:
        return False
    return None


def cell_to_text(value: Any) -> str | None:
    """Turn a cell into text for a text column: ``None`` stays ``None``, ``12.0`` -> ``"12"``,
    an Excel datetime at midnight -> ``"2025-02-03"``.

    Examples
    --------
    >>> cell_to_text(12.0), cell_to_text(None)
    ('12', None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


__all__ = [
    "STATUSES",
    "CBS_AREA_HELP",
    "parse_date",
    "parse_number",
    "guess_decimal",
    "parse_period",
    "normalise_area",
    "check_area",
    "parse_bool",
    "cell_to_text",
]

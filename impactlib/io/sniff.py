"""Delimiter sniffing for CSV text (standard library only).

Kept apart from :mod:`impactlib.io.readers` so that ``impactlib tag`` can use the
same rule without importing pandas (see :func:`impactlib.nlp.runner._io_module`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter (``,`` ``;`` tab ``|``) that splits the first records most consistently.

    Examples
    --------
    >>> sniff_delimiter("a;b;c\\n1,5;2;3\\n")
    ';'
    >>> sniff_delimiter("id,text\\n1,\\"a; b\\"\\n")
    ','
    """
    sample = text[:65536]
    if len(text) > 65536 and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best: tuple[Any, ...] = (False, 1, 0.0, 0)
    choice = ","
    for order, delim in enumerate([",", ";", "\t", "|"]):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
        counts: list[int] = []
        try:
            for row in reader:
                if row:
                    counts.append(len(row))
                if len(counts) >= 40:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        header_n = counts[0]
        modal_n = Counter(counts).most_common(1)[0][0]
        width = max(header_n, modal_n)
        if width < 2:
            continue
        consistency = sum(c == width for c in counts) / len(counts)
        score = (consistency >= 0.9, width if consistency >= 0.5 else 1, consistency, -order)
        if score > best:
            best, choice = score, delim
    return choice


__all__ = ["sniff_delimiter"]

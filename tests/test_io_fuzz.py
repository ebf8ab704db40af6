"""Messy input never crashes the loaders: it loads or raises ImpactError (never another exception).

Deterministic (fixed seeds) and small, so it runs in a few seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import openpyxl
import pytest

from impactlib.errors import ImpactError
from impactlib.io import CANONICAL, load_table
from impactlib.io.columns import ALIASES

CELLS = ["", " ", "x", ".", "-", "–", "*", "12,5", "1.234", "1.234,5*", "31-02-2025", "3-2-2025", "2025-01-01",
         "WK12", "WK990101", "GM9901", "ja", "nee", "é", "2024K1", "2025-13", "Q1 2025", "investeerder", "beide",
         "incasseerder", "positief", "valentie", "direct", "bedoeld", "human", "model", "suggested", "0,5", "1,5",
         "-1", "10", "sociale basis", "onzin", "#DIV/0!", "1e5", "NaN", "None", "true", "n.v.t.", "2023/2024",
         "2025-03-01T10:00:00+01:00", "S1", "S1", "S2", "ronde 1", '{"ImportId":"QID1"}', "\x0b", "a\nb"]
XLSX_CELLS = [c for c in CELLS if c != "\x0b"] + [12, 3.5, None, dt.datetime(2025, 1, 2), True]
EXTRA_HEADERS = ["2024K1", "2024K2", "valentie", "directheid", "investeerders", "jaar", "kwartaal", "extra", ""]


def random_table(rng: random.Random) -> tuple[str, list[str], list[list]]:
    kind = rng.choice(list(CANONICAL))
    cols = list(CANONICAL[kind])
    names = [rng.choice([c, *ALIASES[kind].get(c, ())]) for c in rng.sample(cols, rng.randint(1, len(cols)))]
    if rng.random() < 0.4:
        names += rng.sample(EXTRA_HEADERS, 2)
    return kind, names, [[None] * len(names) for _ in range(rng.randint(0, 6))]


@pytest.mark.parametrize("seed", range(6))
def test_random_csv_tables_load_or_raise_impact_error(tmp_path, seed):
    rng = random.Random(seed)
    for n in range(25):
        kind, names, rows = random_table(rng)
        rows = [[rng.choice(CELLS) for _ in names] for _ in rows]
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=rng.choice([",", ";", "\t"]))
        writer.writerow(names)
        writer.writerows(rows)
        if rng.random() < 0.2:  # a ragged or truncated tail
            buf.write(rng.choice(['x;y;z;w;v;u\n', '"unclosed,\n', "\x00\x00\n", ";;;\n"]))
        p = tmp_path / f"t{n}.csv"
        p.write_bytes(buf.getvalue().encode(rng.choice(["utf-8", "utf-8-sig", "cp1252"]), errors="replace"))
        for k in (None, kind):
            try:
                df = load_table(p, k)
            except ImpactError:
                continue
            assert len(df.attrs["lines"]) == len(df)


@pytest.mark.parametrize("seed", range(3))
def test_random_xlsx_tables_load_or_raise_impact_error(tmp_path, seed):
    rng = random.Random(100 + seed)
    for n in range(10):
        kind, names, rows = random_table(rng)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(names)
        for _ in rows:
            ws.append([rng.choice(XLSX_CELLS) for _ in names])
        p = tmp_path / f"t{n}.xlsx"
        wb.save(p)
        for k in (None, kind):
            try:
                df = load_table(p, k)
            except ImpactError:
                continue
            assert len(df.attrs["lines"]) == len(df)

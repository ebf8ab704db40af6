"""Benchmark the coding store at study scale.

Fills a fresh store with N stories (default 100,000), machine suggestions for the
three impact dimensions, and codes of two human coders for every story and dimension
(N x 3 x 2 rows), then measures:

* the time to accept one suggestion (median and p95 over ``--accepts`` accepts,
  each its own durable transaction; target <= 20 ms);
* ``current()`` over the whole store and ``current(story_id=...)`` for one story;
* ``queue()`` (the review order of one coder).

Usage::

    python benchmarks/bench_store.py [--stories 100000] [--accepts 200] [--keep PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from impactlib.codebook import load_codebook
from impactlib.store import CodingStore

DIMS = {"valence": ("positive", "negative"), "intentionality": ("intended", "unintended"),
        "directness": ("direct", "indirect")}
WORDS = ("buurtkamer huiswerkklas schulden mantelzorger jongeren opvoeding wijkteam eenzaam "
         "vrijwilliger school werk geld buren contact zelfvertrouwen overlast ouders kinderen").split()


def fill(store: CodingStore, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    ids = [f"S{i:06d}" for i in range(n)]
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(20, 60)))) + f" ({i})" for i in range(n)]
    t = time.perf_counter()
    store.add_stories(pd.DataFrame({"story_id": ids, "text": texts}))
    print(f"add_stories: {n:,} stories in {time.perf_counter() - t:.1f} s")
    sugg = pd.DataFrame({"story_id": ids})
    for d, vals in DIMS.items():
        sugg[d] = rng.choice(vals, size=n)
        sugg[f"{d}_confidence"] = rng.uniform(0.5, 1.0, size=n).round(3)
    sugg["evidence"] = "lexicon: eenzaam; goal overlap 0.4"
    t = time.perf_counter()
    store.add_suggestions(sugg, source="model")
    print(f"add_suggestions: {3 * n:,} suggestions in {time.perf_counter() - t:.1f} s")
    rows = []
    for coder in ("coder_a", "coder_b"):
        for d, vals in DIMS.items():
            rows.append(pd.DataFrame({"story_id": ids, "dimension": d, "value": rng.choice(vals, size=n),
                                      "coder": coder}))
    codes = pd.concat(rows, ignore_index=True)
    t = time.perf_counter()
    summary = store.import_codes(codes, source="human", status="accepted")
    print(f"import_codes: {summary} ({len(codes):,} rows) in {time.perf_counter() - t:.1f} s")


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=100_000)
    ap.add_argument("--accepts", type=int, default=200)
    ap.add_argument("--keep", help="store path to (re)use instead of a temporary file")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(tmp.name) / "bench.sqlite"
    fresh = not path.exists()
    with CodingStore(path) as store:
        if fresh:
            store.register_codebook(load_codebook())
            fill(store, args.stories)
        n_rows = store._con.execute("SELECT count(*) FROM codings").fetchone()[0]
        size = os.path.getsize(path) / 1e6
        print(f"store: {n_rows:,} coding events, {size:.0f} MB, journal_mode={store.journal_mode}")

        sugg_ids = [r[0] for r in store._con.execute(
            "SELECT id FROM codings WHERE status = 'suggested' AND coder = 'impactlib'")]
        random.seed(7)
        random.shuffle(sugg_ids)
        times, noops = [], 0
        for k, cid in enumerate(sugg_ids):
            if len(times) >= args.accepts:
                break
            coder = "coder_a" if k % 2 == 0 else "coder_b"
            last = store._con.execute("SELECT MAX(id) FROM codings").fetchone()[0]
            t = time.perf_counter()
            new_id = store.accept(cid, coder)
            dt = (time.perf_counter() - t) * 1000
            if new_id > last:
                times.append(dt)
            else:  # the coder's current code already had this value: nothing appended
                noops += 1
        times.sort()
        med = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"accept one suggestion (appends one durable event): median {med:.2f} ms, p95 {p95:.2f} ms, "
              f"max {times[-1]:.2f} ms over {len(times)} accepts (+{noops} no-op accepts not counted); "
              f"target <= 20 ms; p95/target = {p95 / 20:.3f}")

        t_cur = timed(lambda: store.current(), 3)
        t_acc = timed(lambda: store.current(status="accepted", level="story"), 1)
        sid = store._con.execute("SELECT story_id FROM stories LIMIT 1 OFFSET 500").fetchone()[0]
        t_one = timed(lambda: store.current(story_id=sid), 5)
        t_q = timed(lambda: store.queue("coder_a"), 1)
        n_cur = len(store.current())
        print(f"current() at {n_rows:,} history rows: {n_cur:,} rows in {t_cur:.2f} s (best of 3; target <= 1.5 s); current(status='accepted', level='story') "
              f"{t_acc:.2f} s; current(story_id=...) {t_one * 1000:.1f} ms; queue('coder_a') {t_q:.2f} s")
        print(f"integrity_check: {store.integrity_check()}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

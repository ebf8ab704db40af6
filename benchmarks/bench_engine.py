"""Throughput of :class:`impactlib.nlp.ImpactEngine` against the bare spaCy tokenizer.

Generates an open-vocabulary corpus with ``corpus.py`` (same generator as
``bench_tag.py``), then measures on one core, in one run:

* the bare ``spacy.blank("nl")`` tokenizer (fresh vocab, best of 2);
* ``ImpactEngine.tag`` (sentencizer + cached lemmas + impact rules + rows), fresh engine;

and prints stories/s for both and their ratio.  The engine alone should reach
about 0.4x the bare tokenizer so that the whole ``impactlib tag`` (reading,
writing CSV) stays above 0.35x.

    python benchmarks/bench_engine.py --n 20000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="number of stories (default 20000)")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stories.csv"
        write_corpus(path, args.n, seed=args.seed)
        with open(path, encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
    texts = [r["text"] for r in records]

    import spacy

    best = best_cpu = float("inf")
    tokens = 0
    for _ in range(2):
        nlp = spacy.blank("nl")
        t0, c0 = time.perf_counter(), time.process_time()
        tokens = sum(len(d) for d in nlp.tokenizer.pipe(texts, batch_size=1000))
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    bare = len(texts) / best
    bare_cpu = len(texts) / best_cpu

    from impactlib.nlp import ImpactEngine

    t0 = time.perf_counter()
    engine = ImpactEngine()
    setup = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    n_seg = 0
    for _story, segs in engine.iter_tag(records):
        n_seg += len(segs)
    took = time.perf_counter() - t0
    took_cpu = time.process_time() - c0
    rate = len(records) / took
    rate_cpu = len(records) / took_cpu
    print(f"stories: {len(records)}  tokens/story: {tokens / len(records):.1f}")
    print(f"bare tokenizer : {bare:9.0f} stories/s wall, {bare_cpu:9.0f} stories/s CPU")
    print(f"ImpactEngine   : {rate:9.0f} stories/s wall, {rate_cpu:9.0f} stories/s CPU"
          f"  (setup {setup:.2f} s, {n_seg} segments)")
    print(f"ratio engine/bare: {rate / bare:.3f} wall, {rate_cpu / bare_cpu:.3f} CPU"
          " (CPU time is robust to other load on a shared machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

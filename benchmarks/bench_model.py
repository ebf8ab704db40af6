"""Cost of the learned layer: ``ImpactEngine`` rules only against rules + model, same run.

Measures, on one core and in one process, ``ImpactEngine.iter_tag`` over

* the sample stories (``data/sample/stories.csv``, repeated to ``--n-sample`` stories), and
* an open-vocabulary corpus from ``corpus.py`` (``--n`` stories),

first with the rules only, then with the learned model (``--model``, default: the model
shipped with impactlib).  Each configuration gets a fresh engine and the best of
``--repeat`` runs (CPU time, robust to other load on a shared machine).  Prints
stories/s and the ratio ``rules+model / rules``; the target is at least 0.75 so the
model can be the default of ``impactlib tag``.

    python benchmarks/bench_model.py --n 20000 --n-sample 2000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from corpus import write_corpus  # noqa: E402


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rate(engine, records, repeat: int) -> tuple[float, float]:
    """Best (wall, CPU) stories/s of ``engine.iter_tag`` over ``records``."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for _row in engine.iter_tag(records):
            pass
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return len(records) / best_wall, len(records) / best_cpu


def measure(name: str, records: list[dict], model: str, repeat: int, profile: bool = False) -> float:
    from impactlib.nlp import ImpactEngine

    rules = ImpactEngine()
    learned = ImpactEngine(model=model)
    # warm both (lemma caches, lexicon loading) on a slice, so neither pays first-use costs
    for eng in (rules, learned):
        for _row in eng.iter_tag(records[:200]):
            pass
    r_wall, r_cpu = _rate(rules, records, repeat)
    m_wall, m_cpu = _rate(learned, records, repeat)
    print(f"{name}: {len(records)} stories")
    print(f"  rules only   : {r_wall:8.0f} stories/s wall, {r_cpu:8.0f} stories/s CPU")
    print(f"  rules + model: {m_wall:8.0f} stories/s wall, {m_cpu:8.0f} stories/s CPU")
    print(f"  ratio rules+model / rules: {m_wall / r_wall:.3f} wall, {m_cpu / r_cpu:.3f} CPU")
    if profile:
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        for _row in learned.iter_tag(records):
            pass
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(35)
    return m_cpu / r_cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="open-vocabulary corpus size (default 20000; 0 = skip)")
    ap.add_argument("--n-sample", type=int, default=2000,
                    help="sample stories, repeated to this many (default 2000; 0 = skip)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--model", default="default", help="model folder or 'default'")
    ap.add_argument("--repeat", type=int, default=2, help="runs per configuration (best is kept)")
    ap.add_argument("--profile", action="store_true", help="cProfile one rules+model run per corpus")
    args = ap.parse_args(argv)
    ratios = {}
    if args.n_sample:
        sample = [r for r in _read(ROOT / "data" / "sample" / "stories.csv")]
        records = [dict(sample[i % len(sample)], story_id=f"{sample[i % len(sample)]['story_id']}-{i}")
                   for i in range(args.n_sample)]
        ratios["sample"] = measure("sample stories", records, args.model, args.repeat, args.profile)
    if args.n:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "stories.csv"
            write_corpus(path, args.n, seed=args.seed)
            records = _read(path)
        ratios["corpus"] = measure("open-vocabulary corpus", records, args.model, args.repeat, args.profile)
    print("ratio (CPU) " + ", ".join(f"{k}: {v:.3f}" for k, v in ratios.items()) + "  (target >= 0.75)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

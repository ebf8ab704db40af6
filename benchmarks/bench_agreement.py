"""Benchmark: all agreement figures (incl. bootstrap CIs) for 100,000 stories × 3 dimensions × 2 coders.

Target (issue 4): ≤ 5 s for every figure, confidence intervals included.

Run: ``.venv/bin/python benchmarks/bench_agreement.py [--stories N] [--n-boot B] [--store PATH]``.
It builds the canonical codes table (one row per story × dimension × coder,
status ``accepted``, 600,000 rows for the defaults) with realistic
disagreement, then times :func:`impactlib.agreement.reliability` on it (and on
the equivalent wide table), and prints the figures and the ratio to the target.
With ``--store PATH`` it also times reading the current codes from a coding
store (built with the store benchmark's generator when empty) plus the figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from impactlib.agreement import reliability

DIMENSIONS = {
    "valence": ("positive", "negative"),
    "intentionality": ("intended", "unintended"),
    "directness": ("direct", "indirect"),
}
TARGET_S = 5.0


def make_codes(n_stories: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (codes table, wide table) for two coders who agree on about 85 % of codes."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"S{i:06d}" for i in range(n_stories)], dtype=object)
    wide_parts, long_parts = [], []
    truth = {d: rng.choice(np.array(v, dtype=object), size=n_stories, p=(0.65, 0.35)) for d, v in DIMENSIONS.items()}
    for coder in ("coder_a", "coder_b"):
        row = {"story_id": ids, "coder": np.full(n_stories, coder, dtype=object)}
        for dim, values in DIMENSIONS.items():
            flip = rng.random(n_stories) < 0.08
            coded = truth[dim].copy()
            coded[flip] = np.where(coded[flip] == values[0], values[1], values[0])
            missing = rng.random(n_stories) < 0.01
            coded[missing] = None
            row[dim] = coded
            long_parts.append(pd.DataFrame({
                "story_id": ids, "start": pd.array([pd.NA] * n_stories, dtype="Int64"),
                "end": pd.array([pd.NA] * n_stories, dtype="Int64"), "dimension": dim, "value": coded,
                "coder": coder, "source": "human", "status": "accepted",
            }).dropna(subset=["value"]))
        wide_parts.append(pd.DataFrame(row))
    return pd.concat(long_parts, ignore_index=True), pd.concat(wide_parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--store", help="also time the figures read from this coding store (e.g. one kept by "
                                        "'benchmarks/bench_store.py --keep PATH'); built with --stories when absent")
    args = parser.parse_args()
    t0 = time.perf_counter()
    codes, wide = make_codes(args.stories)
    print(f"generated {len(codes):,} code rows / {len(wide):,} wide rows in {time.perf_counter() - t0:.2f} s")
    reliability(wide[wide["story_id"].isin(wide["story_id"].iloc[:200])], n_boot=10)  # warm up imports (sklearn, krippendorff)
    for name, table in (("codes table", codes), ("wide table", wide)):
        t0 = time.perf_counter()
        result = reliability(table, n_boot=args.n_boot, seed=0)
        elapsed = time.perf_counter() - t0
        print(f"\n{name}: {args.stories:,} stories × 3 dimensions × 2 coders, n_boot={args.n_boot}: "
              f"{elapsed:.2f} s (target ≤ {TARGET_S:.0f} s; {elapsed / TARGET_S:.2f}× target)")
        cols = ["dimension", "pairable_units", "percent_agreement", "cohen_kappa", "cohen_kappa_ci_low",
                "cohen_kappa_ci_high", "fleiss_kappa", "krippendorff_alpha", "krippendorff_alpha_ci_low",
                "krippendorff_alpha_ci_high"]
        print(result[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))

    if args.store:
        time_store(args.store, args.stories, args.n_boot)


def time_store(path: str, n_stories: int, n_boot: int) -> None:
    """Time ``current()`` of a coding store plus :func:`reliability` on it (the issue's end-to-end figure)."""
    import sys
    from pathlib import Path

    from impactlib.store import CodingStore

    p = Path(path)
    with CodingStore(p) as store:
        if store._con.execute("SELECT count(*) FROM codings").fetchone()[0] == 0:
            sys.path.insert(0, str(Path(__file__).parent))
            from bench_store import fill  # the store benchmark's generator

            from impactlib.codebook import load_codebook

            store.register_codebook(load_codebook())
            print(f"\nbuilding store {p} with {n_stories:,} stories ...")
            fill(store, n_stories)
        t0 = time.perf_counter()
        codes = store.current(level="story", coder=["coder_a", "coder_b"])
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = reliability(codes, n_boot=n_boot, seed=0)
        t_fig = time.perf_counter() - t0
    total = t_read + t_fig
    print(f"\nstore {p.name}: current(level='story', coders a+b) {len(codes):,} rows in {t_read:.2f} s; "
          f"all figures incl. CIs {t_fig:.2f} s; total {total:.2f} s (target ≤ {TARGET_S:.0f} s; "
          f"{total / TARGET_S:.2f}× target)")
    print(result[["dimension", "units", "pairable_units", "cohen_kappa", "krippendorff_alpha"]]
          .to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()

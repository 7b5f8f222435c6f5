"""Benchmark `prepare_dataset`: 1,000,000 rated rows x 4 generations, both strategies.

Run: `python bench/bench_binarize.py [--rows N] [--generations K]`. Prints the time to
build the synthetic dataset (not counted) and, per strategy, the time of `prepare_dataset`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Dataset

from distilabel_cli.dataset.binarize.core import binarize

MODELS = ("model-a", "model-b", "model-c", "model-d")


def _texts(prefix: str, n: int) -> pa.Array:
    ids = pa.array(np.arange(n, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), ids, "")


def _lists(values: pa.Array, rows: int, k: int) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(np.arange(0, rows * k + 1, k, dtype=np.int32)), values)


def build_dataset(rows: int, k: int, seed: int = 0) -> Dataset:
    """An UltraFeedback-shaped dataset: input, generations, generation_model, rating, rationale."""
    rng = np.random.default_rng(seed)
    ratings = rng.integers(1, 6, size=rows * k).astype(np.float64)
    ratings[rng.random(rows * k) < 0.01] = np.nan  # a few failed ratings
    models = pa.array(np.tile(np.arange(len(MODELS)), rows * k // len(MODELS) + 1)[: rows * k])
    table = pa.table(
        {
            "input": _texts("Write about topic ", rows),
            "generations": _lists(_texts("A response of a few words, number ", rows * k), rows, k),
            "generation_model": _lists(pa.array(MODELS).take(models), rows, k),
            "rating": _lists(pa.array(ratings, from_pandas=True), rows, k),
            "rationale": _lists(_texts("Rated so because ", rows * k), rows, k),
        }
    )
    return Dataset(table)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="Runs per strategy (best kept).")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}")
    start = time.perf_counter()
    dataset = build_dataset(args.rows, args.generations)
    built = time.perf_counter() - start
    print(f"build {args.rows:,} rows x {args.generations} generations: {built:.2f} s (not counted)")
    for strategy in ("random", "worst"):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = binarize(dataset, strategy=strategy, seed=42)
            times.append(time.perf_counter() - start)
        s = result.summary
        print(
            f"prepare_dataset strategy={strategy}: first {times[0]:.2f} s, "
            f"best {min(times):.2f} s, worst {max(times):.2f} s over {args.repeat} runs; "
            f"rows in {s.rows_in:,}, "
            f"pairs out {s.pairs_out:,}, ties dropped {s.ties_dropped:,}, "
            f"invalid {s.invalid_dropped:,}"
        )


if __name__ == "__main__":
    main()

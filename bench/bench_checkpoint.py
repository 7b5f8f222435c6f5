"""Benchmark checkpoint overhead (issue #5): 5000 rows, generation only, fast server.

Runs `Pipeline.generate` against `fake_openai_server.py` (0.01 s per request, 256 slots,
concurrency 256) without a checkpoint and with a disk checkpoint (`save_frequency: 100`),
alternating, and reports the wall-time overhead (target <= 3 %) and the peak Python memory
of each run measured with tracemalloc in a separate pass (it must not grow with the number
of saves: compared for save_frequency 100 vs 10).

    python bench/bench_checkpoint.py --repeat 15 --pin

`--pin` puts the fake server on CPU 1 and this process on CPU 0 so that they do not take
turns on the same core, the main source of run-to-run noise on a 2-CPU machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench_engine import HTTPBackend, Scenario, machine, make_dataset
from datasets import Dataset

from distilabel_cli.dataset.checkpoint.session import CheckpointSession
from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint

SCENARIO = Scenario(name="C", rows=5000, service_time=0.01, slots=256, concurrency=256, judge=False)


def one_run(
    server: HTTPBackend, dataset: Dataset, folder: Path | None, every: int
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process incl. the writer thread) of one run."""
    pipeline = server.pipeline(SCENARIO)
    checkpoint = None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        checkpoint = DatasetCheckpoint(path=folder, save_frequency=every)
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = pipeline.generate(dataset, num_generations=2, checkpoint_strategy=checkpoint)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(result) == SCENARIO.rows
    return wall, cpu


def replayed_checkpoint_cpu(dataset: Dataset, result: Dataset, folder: Path) -> float:
    """CPU seconds (all threads) of one run's checkpoint work replayed on its own.

    The same calls the pipeline makes: the session's set-up (fingerprint check), a hash per
    input row as it is admitted, one append per finished row through the session's hooks, the fsyncs
    every 100 rows and the closing fsync. Deterministic, unlike a difference of two noisy
    end-to-end runs.
    """
    rows = dataset.to_list()
    kept = ("generation_model", "generation_prompt", "raw_generation_responses", "generations")
    finished = [
        {**{c: r[c] for c in kept}, "distil_metadata": r["distil_metadata"]}
        for r in result.to_list()
    ]
    shutil.rmtree(folder, ignore_errors=True)
    gc.collect()
    cpu = time.process_time()
    session = CheckpointSession(
        DatasetCheckpoint(path=folder, save_frequency=100),
        {"fingerprint": {"bench": True}},
        dataset,
        lambda _row, _columns: None,  # a fresh checkpoint: no saved row to plan
        generation_prompt=lambda row: row["input"],
    )
    hooks = session.callbacks()
    for index, (row, columns) in enumerate(zip(rows, finished, strict=True)):
        session.saved(index, row)  # what the engine asks first: the row's hash is taken
        hooks["on_generated"](index, columns)
        hooks["on_row_done"](index, columns)
        session.forget(index)
    session.close()
    return time.process_time() - cpu


def peak_memory(server: HTTPBackend, dataset: Dataset, folder: Path, every: int) -> float:
    tracemalloc.start()
    one_run(server, dataset, folder, every)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def percent(ratio: float) -> str:
    return f"{100 * (ratio - 1):+.1f} %"


def bootstrap_median(values: list[float], rounds: int = 2000) -> tuple[float, float]:
    """A 90 % bootstrap confidence interval of the median of `values`."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(rounds))
    return medians[int(0.05 * rounds)], medians[int(0.95 * rounds) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pin", action="store_true", help="server on CPU 1, client on CPU 0")
    args = parser.parse_args()
    print(machine(), flush=True)
    dataset = make_dataset(SCENARIO.rows)
    with (
        HTTPBackend(SCENARIO.service_time, SCENARIO.slots) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp) / "ckpt"
        if args.pin:
            assert server.process is not None
            os.sched_setaffinity(server.process.pid, {1})
            os.sched_setaffinity(0, {0})
        one_run(server, dataset, folder, 100)  # warm-up
        plain, checkpointed, control = [], [], []
        for _ in range(args.repeat):  # plain, checkpointed, plain again (the A/A control)
            plain.append(one_run(server, dataset, None, 100))
            checkpointed.append(one_run(server, dataset, folder, 100))
            control.append(one_run(server, dataset, None, 100))
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        result = server.pipeline(SCENARIO).generate(dataset, num_generations=2)
        accounted = [
            replayed_checkpoint_cpu(dataset, result, Path(tmp) / "replay") for _ in range(5)
        ]
        mem_plain = peak_memory(server, dataset, Path(tmp) / "none", 10**9)
        mem_100 = peak_memory(server, dataset, folder, 100)
        mem_10 = peak_memory(server, dataset, folder, 10)
    for label, index in (("wall", 0), ("client CPU", 1)):
        p = statistics.median(r[index] for r in plain)
        c = statistics.median(r[index] for r in checkpointed)
        verdict = "PASS" if c <= 1.03 * p else "FAIL"
        print(
            f"{label:10}  plain median {p:.3f} s, checkpointed median {c:.3f} s, "
            f"overhead {100 * (c / p - 1):+.1f} % (target <= +3 %) {verdict}"
        )
    for index, label in ((0, "wall"), (1, "client CPU")):
        ratios = [
            c[index] / ((p[index] + q[index]) / 2)
            for p, c, q in zip(plain, checkpointed, control, strict=True)
        ]
        same = [q[index] / p[index] for p, q in zip(plain, control, strict=True)]
        low, high = bootstrap_median(ratios)
        print(
            f"{label}: checkpointed / mean of the plain runs around it, median "
            f"{percent(statistics.median(ratios))} (90 % CI {percent(low)} .. {percent(high)}); "
            f"A/A control (plain / plain): {percent(statistics.median(same))}, "
            f"spread {percent(min(same))} .. {percent(max(same))}"
        )
    print(f"checkpoint size {size:.1f} MiB ({len(plain)} runs each, alternating)")
    own = statistics.median(accounted)
    base = statistics.median(r[1] for r in plain)
    verdict = "PASS" if own <= 0.03 * base else "FAIL"
    print(
        f"checkpoint work replayed alone: {own:.3f} s CPU per run = {100 * own / base:.1f} % of a "
        f"plain run's {base:.3f} s CPU (target <= 3 %) {verdict}"
    )
    print(
        f"peak traced memory: save_frequency=inf {mem_plain:.1f} MiB, 100: {mem_100:.1f} MiB "
        f"(50 saves), 10: {mem_10:.1f} MiB (500 saves)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

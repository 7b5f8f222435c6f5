"""Benchmark checkpoint overhead (issue #5): 5000 rows, generation only, fast server.

Runs `Pipeline.generate` against `fake_openai_server.py` (0.01 s per request, 256 slots,
concurrency 256) without a checkpoint and with a disk checkpoint (`save_frequency: 100`),
alternating, and reports the wall-time overhead (target <= 3 %) and the peak Python memory
of each run measured with tracemalloc in a separate pass (it must not grow with the number
of saves: compared for save_frequency 100 vs 10).

    python bench/bench_checkpoint.py --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench_engine import HTTPBackend, Scenario, machine, make_dataset
from datasets import Dataset

from distilabel_cli.dataset import checkpoint
from distilabel_cli.dataset.checkpoint import DatasetCheckpoint
from distilabel_cli.pipeline import resume

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


class CheckpointCPU:
    """Thread CPU spent in checkpoint code: session set-up and appends on the event loop
    thread, and the whole writer thread (serialise, write, fsync). Less noisy than wall
    time on a shared machine, where identical plain runs vary by +-20 %."""

    def __init__(self) -> None:
        self.seconds = 0.0
        for cls, name in (
            (resume.CheckpointSession, "__init__"),
            (resume.CheckpointSession, "close"),
            (checkpoint.CheckpointWriter, "append"),
            (checkpoint.CheckpointWriter, "_run"),
        ):
            setattr(cls, name, self._timed(getattr(cls, name)))

    def _timed(self, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - started

        return wrapper


def peak_memory(server: HTTPBackend, dataset: Dataset, folder: Path, every: int) -> float:
    tracemalloc.start()
    one_run(server, dataset, folder, every)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine(), flush=True)
    dataset = make_dataset(SCENARIO.rows)
    with (
        HTTPBackend(SCENARIO.service_time, SCENARIO.slots) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp) / "ckpt"
        one_run(server, dataset, folder, 100)  # warm-up
        plain, checkpointed = [], []
        for _ in range(args.repeat):
            plain.append(one_run(server, dataset, None, 100))
            checkpointed.append(one_run(server, dataset, folder, 100))
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        accounting = CheckpointCPU()
        accounted = []
        for _ in range(3):
            accounting.seconds = 0.0
            one_run(server, dataset, folder, 100)
            accounted.append(accounting.seconds)
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
    print(f"checkpoint size {size:.1f} MiB ({len(plain)} runs each, alternating)")
    own = statistics.median(accounted)
    base = statistics.median(r[1] for r in plain)
    verdict = "PASS" if own <= 0.03 * base else "FAIL"
    print(
        f"checkpoint code CPU (direct): {own:.3f} s per run = {100 * own / base:.1f} % of a "
        f"plain run's {base:.3f} s CPU (target <= 3 %) {verdict}"
    )
    print(
        f"peak traced memory: save_frequency=inf {mem_plain:.1f} MiB, 100: {mem_100:.1f} MiB "
        f"(50 saves), 10: {mem_10:.1f} MiB (500 saves)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

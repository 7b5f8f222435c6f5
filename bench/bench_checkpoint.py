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

from bench_engine import HTTPBackend, Scenario, machine, make_dataset

from distilabel_cli.dataset.checkpoint import DatasetCheckpoint

SCENARIO = Scenario(name="C", rows=5000, service_time=0.01, slots=256, concurrency=256, judge=False)


def one_run(server: HTTPBackend, dataset, folder: Path | None, every: int) -> float:
    pipeline = server.pipeline(SCENARIO)
    checkpoint = None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        checkpoint = DatasetCheckpoint(path=folder, save_frequency=every)
    gc.collect()
    started = time.perf_counter()
    result = pipeline.generate(dataset, num_generations=2, checkpoint_strategy=checkpoint)
    wall = time.perf_counter() - started
    assert len(result) == SCENARIO.rows
    return wall


def peak_memory(server: HTTPBackend, dataset, folder: Path, every: int) -> float:
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
        mem_plain = peak_memory(server, dataset, Path(tmp) / "none", 10**9)
        mem_100 = peak_memory(server, dataset, folder, 100)
        mem_10 = peak_memory(server, dataset, folder, 10)
    p, c = statistics.median(plain), statistics.median(checkpointed)
    print(f"plain        median {p:.3f} s  runs {', '.join(f'{x:.3f}' for x in plain)}")
    print(f"checkpointed median {c:.3f} s  runs {', '.join(f'{x:.3f}' for x in checkpointed)}")
    verdict = "PASS" if c <= 1.03 * p else "FAIL"
    print(
        f"overhead {100 * (c / p - 1):+.1f} %  (target <= +3 %)  {verdict}; "
        f"checkpoint {size:.1f} MiB"
    )
    print(
        f"peak traced memory: save_frequency=inf {mem_plain:.1f} MiB, 100: {mem_100:.1f} MiB "
        f"(50 saves), 10: {mem_10:.1f} MiB (500 saves)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

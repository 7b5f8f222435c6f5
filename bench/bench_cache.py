"""The request cache's cost and payoff, as whole `distil run` processes (issue #13).

* W2 (bench_engine's scenario B: 5000 inputs x 2 generations, 0.01 s per request, 256 slots):
  `distil run --fresh` with a cold (empty) cache against `--no-cache`, run in turn A B A B ...
  Target: the cache's overhead <= 5 % of wall.
* W1 (scenario A: 400 inputs x 2 generations + UltraFeedback judge, 0.2 s per request, 64
  slots): a cold run, then warm reruns of the same spec (`--fresh`, the checkpoint thrown
  away: every answer must come from the cache). Target: warm >= 20x faster than cold.

Both report the whole process's wall (what a user waits for, start-up included) and the
engine's wall from the run record (`distil-run.json`: `report.wall_seconds`).

    python bench/bench_cache.py                # 3 pairs for W2, 3 warm reruns for W1
    python bench/bench_cache.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import SCENARIOS, HTTPBackend, Scenario, machine, make_dataset, make_spec

REPO = Path(__file__).resolve().parent.parent


def prepare(folder: Path, scenario: Scenario, port: int) -> None:
    """The scenario's inputs and spec (JSON is YAML) in `folder`."""
    folder.mkdir(parents=True)
    make_dataset(scenario.rows).to_json(str(folder / "data.jsonl"), lines=True)
    spec = make_spec(scenario, f"http://127.0.0.1:{port}/v1").model_dump(mode="json")
    spec["input"]["path"] = str(folder / "data.jsonl")
    spec["output"]["path"] = str(folder / "out")
    spec["generator"]["llm"]["api_key"] = "bench"
    if "labeller" in spec and spec["labeller"]:
        spec["labeller"]["llm"]["api_key"] = "bench"
    (folder / "spec.yaml").write_text(json.dumps(spec, indent=2, default=str))


def run(folder: Path, cache: Path | None) -> tuple[float, float]:
    """(process wall s, engine wall s) of `distil run --fresh`; `cache` None: --no-cache."""
    command = [sys.executable, "-m", "distilabel_cli", "run", "spec.yaml", "--no-progress"]
    command += ["--fresh"] + ([] if cache is not None else ["--no-cache"])
    env = {**os.environ, "DISTIL_CACHE_DIR": str(cache or folder / "unused-cache")}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"distil run failed:\n{done.stdout}\n{done.stderr}")
    record = json.loads((folder / "out" / "distil-run.json").read_text())
    return wall, record["report"]["wall_seconds"]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def bench_w2(workdir: Path, repeat: int) -> list[str]:
    scenario = SCENARIOS["B"]
    with HTTPBackend(scenario.service_time, scenario.slots) as server:
        folder = workdir / "w2"
        prepare(folder, scenario, server.port)
        run(folder, None)  # warm-up: page cache, imports
        cold, plain, ratios = [], [], []
        for attempt in range(repeat):
            cache = workdir / f"w2-cache-{attempt}"
            with_cache = run(folder, cache)
            without = run(folder, None)
            shutil.rmtree(cache)
            cold.append(with_cache)
            plain.append(without)
            ratios.append(with_cache[0] / without[0])
    return [
        f"| W2 cold cache | {spread([w for w, _ in cold])} | {spread([e for _, e in cold])} |",
        f"| W2 --no-cache | {spread([w for w, _ in plain])} | {spread([e for _, e in plain])} |",
        f"| W2 ratio cold/no-cache (paired) | {spread(ratios)} | |",
    ]


def bench_w1(workdir: Path, repeat: int) -> list[str]:
    scenario = SCENARIOS["A"]
    with HTTPBackend(scenario.service_time, scenario.slots) as server:
        folder = workdir / "w1"
        prepare(folder, scenario, server.port)
        cache = workdir / "w1-cache"
        server.stats(reset=True)
        cold = run(folder, cache)
        asked = server.stats(reset=True)["requests"]
        warm = [run(folder, cache) for _ in range(repeat)]
        asked_warm = server.stats()["requests"]
    if asked_warm:
        raise SystemExit(f"warm reruns sent {asked_warm} requests (expected none)")
    walls, engines = [w for w, _ in warm], [e for _, e in warm]
    return [
        f"| W1 cold ({asked} requests) | {cold[0]:.2f} | {cold[1]:.2f} |",
        f"| W1 warm (0 requests) | {spread(walls)} | {spread(engines)} |",
        f"| W1 speed-up cold/warm | {cold[0] / statistics.median(walls):.1f}x | "
        f"{cold[1] / statistics.median(engines):.1f}x |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print("| run | process wall s, median (min–max) | engine wall s |\n|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        for line in bench_w2(Path(tmp), args.repeat) + bench_w1(Path(tmp), args.repeat):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

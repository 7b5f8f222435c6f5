"""Issue #4's bench: bench_engine.py's scenario A with 20 % injected failures.

400 inputs x 2 generations + UltraFeedback judge, 0.2 s per request, 64 server slots,
concurrency 64 (generator and labeller). `failing_server.py` answers 20 % of the completion
requests (seeded random draws, retries included) at once with an error. Variants: `none`
(the failure-free baseline), `500`, `mixed` (429 and 500 in turn) and `429`. The LLMs get
`max_retries: 6` (at 20 % random failures the default 3 leaves 0.2^4 = 0.16 % of requests
failed, about one per run). Every row must still be complete; the median wall
time of `Pipeline.generate` is compared with the baseline's. Variants run in turn, each
with a fresh server, `--repeat` rounds.

    python bench/bench_failures.py                 # all variants, 3 repeats each
    python bench/bench_failures.py --variant mixed --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from datasets import disable_progress_bars

FAILING_SERVER = Path(__file__).with_name("failing_server.py")


def _load_bench_engine() -> ModuleType:
    """bench_engine.py as a module (bench/ is not a package)."""
    path = Path(__file__).with_name("bench_engine.py")
    spec = importlib.util.spec_from_file_location("bench_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


engine = _load_bench_engine()
SCENARIO = engine.SCENARIOS["A"]
MAX_RETRIES = 6
#: variant -> (share of failed requests, statuses taken in turn)
VARIANTS = {
    "none": (0.0, "500"),
    "500": (0.2, "500"),
    "mixed": (0.2, "429,500"),
    "429": (0.2, "429"),
}


class FailingBackend(engine.HTTPBackend):
    """bench_engine's HTTP backend, with `failing_server.py` as the server."""

    def __init__(self, service_time: float, slots: int, fail_rate: float, statuses: str) -> None:
        super().__init__(service_time, slots)
        self.args[1] = str(FAILING_SERVER)
        self.args += [f"--fail-rate={fail_rate}", f"--fail-statuses={statuses}"]

    def pipeline(self, scenario: Any) -> Any:
        built = super().pipeline(scenario)
        for llm in (built.generator, built.labeller):
            if llm is not None:
                llm.max_retries = MAX_RETRIES
        return built


@dataclass
class Result:
    """One timed `Pipeline.generate` and what the server and the report saw."""

    wall: float
    answered: int
    errors: int
    retries: int
    rate_limited: int
    lowest: list[int | None]
    problems: list[str]


def run_once(backend: FailingBackend, rows: int) -> Result:
    pipeline = backend.pipeline(SCENARIO)
    backend.stats(reset=True)
    started = time.perf_counter()
    result = pipeline.generate(engine.make_dataset(rows), num_generations=engine.NUM_GENERATIONS)
    wall = time.perf_counter() - started
    pipeline.close()
    report = pipeline.last_report
    assert report is not None
    problems = engine.check_result(SCENARIO, pipeline, result) if rows == SCENARIO.rows else []
    if result["input"] != engine.make_dataset(rows)["input"]:
        problems.append("rows lost, duplicated or out of order")
    stats = backend.stats()
    usages = [r.usage for r in report.llms]
    del pipeline, result
    gc.collect()  # the finished run's client, outside the timed region (see bench_engine)
    return Result(
        wall=wall,
        answered=stats["requests"],
        errors=stats["errors"],
        retries=sum(u.retries for u in usages),
        rate_limited=sum(u.rate_limited for u in usages),
        lowest=[u.lowest_concurrency for u in usages],
        problems=problems,
    )


def run_variant(variant: str) -> Result:
    """One timed run of a variant, with its own server (and an untimed warm-up)."""
    fail_rate, statuses = VARIANTS[variant]
    with FailingBackend(SCENARIO.service_time, SCENARIO.slots, fail_rate, statuses) as backend:
        run_once(backend, 32)  # warm-up: imports, first client
        return run_once(backend, SCENARIO.rows)


def bench(names: list[str], repeat: int) -> dict[str, list[Result]]:
    """Each round runs every variant once, so that a busy machine slows them alike."""
    results: dict[str, list[Result]] = {name: [] for name in names}
    for k in range(repeat):
        for variant in names:
            r = run_variant(variant)
            print(
                f"  {variant:<6} run {k + 1}: wall {r.wall:6.2f} s  answered {r.answered}  "
                f"errors {r.errors}  retries {r.retries} ({r.rate_limited} after 429)  "
                f"lowest concurrency {r.lowest}  [{'; '.join(r.problems) or 'all rows complete'}]",
                flush=True,
            )
            results[variant].append(r)
    return results


def table(results: dict[str, list[Result]]) -> str:
    """Markdown table: medians of the repeats, wall time relative to `none`."""
    base = statistics.median(r.wall for r in results["none"]) if "none" in results else None
    lines = [
        "| variant | failures | answered | errors | retries (after 429) | lowest concurrency "
        "(gen, judge) | wall s (median, min-max) | vs no failures | rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, runs in results.items():
        rate, statuses = VARIANTS[variant]
        wall = statistics.median(r.wall for r in runs)
        last = runs[-1]
        failures = f"{rate:.0%} {statuses}" if rate else "none"
        ratio = f"{wall / base:.2f}x" if base else "-"
        ok = "all complete" if not any(r.problems for r in runs) else "; ".join(last.problems)
        lowest = ", ".join("-" if x is None else str(x) for x in last.lowest)
        lines.append(
            f"| {variant} | {failures} | {last.answered} | {last.errors} | {last.retries} "
            f"({last.rate_limited}) | {lowest} | {wall:.2f} ({min(r.wall for r in runs):.2f}-"
            f"{max(r.wall for r in runs):.2f}, n={len(runs)}) | {ratio} | {ok} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    disable_progress_bars()
    print(f"machine: {engine.machine()}", flush=True)
    names = list(VARIANTS) if args.variant == "all" else [args.variant]
    results = bench(names, max(1, args.repeat))
    print("\n" + table(results))
    return 0 if not any(r.problems for runs in results.values() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

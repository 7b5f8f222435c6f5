"""Issue #12's bench: the 20 %-429 scenario of bench_failures.py, with OpenAI-style headers.

The workload of bench_engine.py's scenario A (400 inputs x 2 generations + UltraFeedback
judge, 0.2 s per request, 64 server slots, concurrency 64, `max_retries: 6`). Variants, each
round in turn with a fresh server: `none` (no failures, headers sent), `429` (20 % 429s
without headers: adaptive concurrency only, as before #12) and `429-headers` (the same 429s
with `rate_limit_header_server.py`'s headers: a quota shared with other clients, found
empty). The median wall of `Pipeline.generate` is compared with `none`'s; target <= 1.3x.

    python bench/bench_rate_headers.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import bench_failures as failures
from datasets import disable_progress_bars

HEADER_SERVER = Path(__file__).with_name("rate_limit_header_server.py")
TARGET = 1.3
#: variant -> (share of failed requests, with rate-limit headers)
VARIANTS = {"none": (0.0, True), "429": (0.2, False), "429-headers": (0.2, True)}


def run_variant(variant: str) -> failures.Result:
    rate, headers = VARIANTS[variant]
    scenario = failures.SCENARIO
    backend = failures.FailingBackend(scenario.service_time, scenario.slots, rate, "429")
    if headers:
        backend.args[1] = str(HEADER_SERVER)
    with backend:
        failures.run_once(backend, 32)  # warm-up: imports, first client
        return failures.run_once(backend, scenario.rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    disable_progress_bars()
    print(f"machine: {failures.engine.machine()}", flush=True)
    names = list(VARIANTS) if args.variant == "all" else [args.variant]
    results: dict[str, list[failures.Result]] = {name: [] for name in names}
    for k in range(max(1, args.repeat)):
        for variant in names:
            r = run_variant(variant)
            print(
                f"  {variant:<11} run {k + 1}: wall {r.wall:6.2f} s  answered {r.answered}  "
                f"errors {r.errors}  retries {r.retries} ({r.rate_limited} after 429)  "
                f"lowest concurrency {r.lowest}  [{'; '.join(r.problems) or 'rows complete'}]",
                flush=True,
            )
            results[variant].append(r)
    base = statistics.median(r.wall for r in results["none"]) if "none" in results else None
    print("\n| variant | wall s (median, min-max) | vs none | 429s | lowest concurrency | rows |")
    print("|---|---|---|---|---|---|")
    ok = True
    for variant, runs in results.items():
        wall = statistics.median(r.wall for r in runs)
        ratio = wall / base if base else None
        if variant == "429-headers" and ratio is not None:
            ok &= ratio <= TARGET
        rows = "complete" if not any(r.problems for r in runs) else "PROBLEMS"
        ok &= rows == "complete"
        lowest = ", ".join("-" if x is None else str(x) for x in runs[-1].lowest)
        print(
            f"| {variant} | {wall:.2f} ({min(r.wall for r in runs):.2f}-"
            f"{max(r.wall for r in runs):.2f}, n={len(runs)}) | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | {runs[-1].rate_limited} | "
            f"{lowest} | {rows} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

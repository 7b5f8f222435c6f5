"""Issue #12: bench_engine.py's scenarios A and B (W1/W2) through either client of `openai`.

`--client lean` is the default path (`llms/http.py`, aiohttp); `--client sdk` sends the same
requests through the `openai` SDK (`AsyncOpenAI`, its aiohttp transport, `max_retries=0`),
as `azure-openai` does. Run each client as its own process, so that neither warms the other:

    python bench/bench_sdk.py --client lean --repeat 3
    python bench/bench_sdk.py --client sdk --repeat 3
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import bench_failures  # loads bench_engine.py as a module
from datasets import disable_progress_bars

engine = bench_failures.engine


class SDKBackend(engine.HTTPBackend):
    """bench_engine's HTTP backend, its LLMs switched to the `openai` SDK."""

    name = "http-sdk"

    def pipeline(self, scenario: Any) -> Any:
        built = super().pipeline(scenario)
        for llm in (built.generator, built.labeller):
            if llm is not None:
                llm._use_sdk = True
        return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", choices=["lean", "sdk"], default="lean")
    parser.add_argument("--scenario", choices=[*engine.SCENARIOS, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    disable_progress_bars()
    print(f"machine: {engine.machine()}, client {args.client}", flush=True)
    backend_type = SDKBackend if args.client == "sdk" else engine.HTTPBackend
    names = list(engine.SCENARIOS) if args.scenario == "all" else [args.scenario]
    rows = []
    for name in names:
        scenario = engine.SCENARIOS[name]
        dataset = engine.make_dataset(scenario.rows)
        with backend_type(scenario.service_time, scenario.slots) as backend:
            engine.run_once(scenario, backend, engine.make_dataset(32))  # warm-up
            runs = []
            for k in range(max(1, args.repeat)):
                m = engine.run_once(scenario, backend, dataset)
                print(engine.report_line(scenario, m, f"{name} run {k + 1}"), flush=True)
                runs.append(m)
            rows.append(engine.table_row(scenario, backend.name, runs))
    print("\n" + engine.TABLE_HEADER)
    print("\n".join(rows))
    return 0 if all(row.endswith("PASS |") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

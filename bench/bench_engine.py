"""Benchmark the distil engine against the fake OpenAI server (issue #2's targets).

Scenarios (each starts its own `fake_openai_server.py` subprocess):

* A: 400 inputs x 2 generations + UltraFeedback judge, 0.2 s per request, 64 server slots,
  concurrency 64 for generator and labeller. Ideal = requests * 0.2 / 64 (~2.5 s);
  target: wall <= 1.2 x ideal.
* B: 5000 inputs x 2 generations (generation only), 0.01 s per request, 256 slots,
  concurrency 256. Target: Pipeline.generate <= 4 s.

The pipeline is built from a spec (`PipelineSpec` -> `build_pipeline`) outside the timed
region; only `Pipeline.generate` (rows out of the dataset, engine, dataset assembly) is
timed, with progress bars off. Scenario B is also run once with progress bars on.

`--backend inproc` swaps the OpenAI LLMs for an in-process stand-in with the same slots,
service time and answers but no HTTP: it measures distil's own
framework cost (engine, tasks, dataset assembly) separately from the client library's.

    python bench/bench_engine.py                  # both scenarios, 3 repeats each
    python bench/bench_engine.py --scenario B --repeat 5
    python bench/bench_engine.py --backend inproc
    python bench/bench_engine.py --scenario A --repeat 1 --profile /tmp/a.prof
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import gc
import importlib.util
import io
import json
import os
import pstats
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from datasets import Dataset, disable_progress_bars

from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.core import Pipeline
from distilabel_cli.spec.models import PipelineSpec

SERVER = Path(__file__).with_name("fake_openai_server.py")
NUM_GENERATIONS = 2


def _load_server_module() -> ModuleType:
    """fake_openai_server.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("fake_openai_server", SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


fake = _load_server_module()


@dataclass(frozen=True)
class Scenario:
    """One workload and its target."""

    name: str
    rows: int
    service_time: float
    slots: int
    concurrency: int
    judge: bool
    max_ratio: float | None = None  # target: wall <= max_ratio * ideal
    max_wall: float | None = None  # target: wall <= max_wall seconds

    def ideal(self, requests: int) -> float:
        """Wall time with every slot busy all the time (and at least the critical path)."""
        critical_path = self.service_time * (2 if self.judge else 1)
        return max(requests * self.service_time / self.slots, critical_path)

    def describe(self) -> str:
        judge = " + UF judge" if self.judge else ""
        return f"{self.rows}x{NUM_GENERATIONS}{judge}"

    def target(self) -> str:
        if self.max_ratio is not None:
            return f"<= {self.max_ratio:g} x ideal"
        return f"<= {self.max_wall:g} s"

    def passed(self, wall: float, ideal: float) -> bool:
        if self.max_ratio is not None and wall > self.max_ratio * ideal:
            return False
        return not (self.max_wall is not None and wall > self.max_wall)


SCENARIOS = {
    "A": Scenario("A", 400, 0.2, 64, 64, judge=True, max_ratio=1.2),
    "B": Scenario("B", 5000, 0.01, 256, 256, judge=False, max_wall=4.0),
}


@dataclass
class Measurement:
    """One timed `Pipeline.generate`."""

    wall: float
    engine_wall: float
    server: dict[str, Any]
    progress: bool
    client_cpu: float = 0.0
    server_cpu: float | None = None
    checks: list[str] = field(default_factory=list)


class Backend(Protocol):
    """Where requests go: the fake server over HTTP, or the in-process stand-in."""

    name: str
    final_stats: str

    def pipeline(self, scenario: Scenario) -> Pipeline: ...

    def stats(self, reset: bool = False) -> dict[str, Any]: ...

    def cpu_seconds(self) -> float | None: ...


class HTTPBackend:
    """`fake_openai_server.py` as a subprocess, used through distil's OpenAILLM."""

    name = "http"

    def __init__(self, service_time: float, slots: int, max_seconds: float = 900) -> None:
        self.args = [
            sys.executable,
            str(SERVER),
            "--port=0",
            f"--service-time={service_time}",
            f"--slots={slots}",
            f"--max-seconds={max_seconds}",
        ]
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.final_stats = ""

    def __enter__(self) -> HTTPBackend:
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY port="):
            self.process.kill()
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.port = int(line.split()[1].split("=")[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.final_stats = out.strip()

    def pipeline(self, scenario: Scenario) -> Pipeline:
        return build_pipeline(make_spec(scenario, f"http://127.0.0.1:{self.port}/v1"))

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux only)."""
        if self.process is None:
            return None
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self, reset: bool = False) -> dict[str, Any]:
        """The server's counters (optionally zeroed afterwards)."""
        url = f"http://127.0.0.1:{self.port}/bench/stats" + ("?reset=1" if reset else "")
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())


def make_spec(scenario: Scenario, base_url: str) -> PipelineSpec:
    """The spec of a scenario (input path unused: rows are passed to the Pipeline)."""
    llm = {
        "type": "openai",
        "model": fake.MODEL_ID,
        "base_url": base_url,
        "api_key": "bench",
        "max_new_tokens": 64,
        "concurrency": scenario.concurrency,
    }
    spec: dict[str, Any] = {
        "name": f"bench-{scenario.name}",
        "input": {"path": "unused.jsonl"},
        "generator": {"llm": llm, "task": {"type": "text-generation"}},
        "run": {"num_generations": NUM_GENERATIONS},
        "output": {"path": "unused"},
    }
    if scenario.judge:
        spec["labeller"] = {
            "llm": {**llm, "temperature": 0},
            "task": {"type": "ultrafeedback", "aspect": "instruction-following"},
        }
    return PipelineSpec.model_validate(spec)


def make_dataset(rows: int) -> Dataset:
    return Dataset.from_dict(
        {"input": [f"Question {i}: explain topic number {i} in one sentence." for i in range(rows)]}
    )


def check_result(scenario: Scenario, pipeline: Pipeline, result: Dataset) -> list[str]:
    """Problems with a run's output (empty list: all rows generated and rated)."""
    problems = []
    report = pipeline.last_report
    assert report is not None
    counts = report.counts
    if len(result) != scenario.rows:
        problems.append(f"{len(result)} rows instead of {scenario.rows}")
    expected = scenario.rows * NUM_GENERATIONS
    if counts.generations_ok != expected:
        problems.append(f"{counts.generations_ok}/{expected} generations ok")
    if scenario.judge and counts.labels_ok != expected:
        problems.append(f"{counts.labels_ok}/{expected} ratings parsed")
    failed = sum(r.usage.failed_requests for r in report.llms)
    if failed:
        problems.append(f"{failed} failed requests")
    return problems


def run_once(
    scenario: Scenario,
    backend: Backend,
    dataset: Dataset,
    *,
    progress: bool = False,
    profile: cProfile.Profile | None = None,
) -> Measurement:
    """Build the pipeline (untimed), then time one `Pipeline.generate`."""
    pipeline = backend.pipeline(scenario)
    backend.stats(reset=True)
    server_cpu = backend.cpu_seconds()
    if profile is not None:
        profile.enable()
    cpu = time.process_time()
    started = time.perf_counter()
    result = pipeline.generate(
        dataset, num_generations=NUM_GENERATIONS, display_progress_bar=progress
    )
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if profile is not None:
        profile.disable()
    server_cpu_after = backend.cpu_seconds()
    pipeline.close()
    checks = check_result(scenario, pipeline, result)
    assert pipeline.last_report is not None
    engine_wall = pipeline.last_report.wall_seconds
    # The openai client of a finished run is only collected later (reference cycles), and
    # its __del__ then schedules a close on whatever loop is running: collect it now,
    # outside the timed region, instead of during the next run.
    del pipeline, result
    gc.collect()
    return Measurement(
        wall=wall,
        engine_wall=engine_wall,
        server=backend.stats(),
        progress=progress,
        client_cpu=cpu,
        server_cpu=(
            server_cpu_after - server_cpu
            if server_cpu is not None and server_cpu_after is not None
            else None
        ),
        checks=checks,
    )


def report_line(scenario: Scenario, m: Measurement, label: str) -> str:
    requests = m.server["requests"]
    ideal = scenario.ideal(requests)
    verdict = "PASS" if scenario.passed(m.wall, ideal) else "FAIL"
    checks = "; ".join(m.checks) or "output ok"
    server_cpu = "-" if m.server_cpu is None else f"{m.server_cpu:.2f} s"
    return (
        f"  {label:<8} wall {m.wall:6.3f} s (engine {m.engine_wall:6.3f})  ideal {ideal:5.3f}  "
        f"ratio {m.wall / ideal:6.2f}  {1000 * m.wall / scenario.rows:5.2f} ms/row  "
        f"cpu: client {m.client_cpu:5.2f} s = {1000 * m.client_cpu / requests:5.3f} ms/request, "
        f"server {server_cpu}  requests {requests}  "
        f"peak in service {m.server['max_in_service']}  {verdict}  [{checks}]"
    )


TABLE_HEADER = (
    "| scenario | workload | backend | service s | slots | concurrency | progress bars | "
    "requests | ideal s | wall s (median, min-max) | wall/ideal | ms/row | "
    "client CPU ms/request | target | result |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_row(scenario: Scenario, backend: str, runs: list[Measurement]) -> str:
    """A markdown table row (median of the repeats)."""
    walls = [m.wall for m in runs]
    wall = statistics.median(walls)
    requests = runs[-1].server["requests"]
    ideal = scenario.ideal(requests)
    verdict = "PASS" if scenario.passed(wall, ideal) else "FAIL"
    bars = "on" if runs[0].progress else "off"
    spread = f"{min(walls):.2f}-{max(walls):.2f}" if len(walls) > 1 else f"{wall:.2f}"
    cpu = statistics.median(m.client_cpu for m in runs)
    return (
        f"| {scenario.name} | {scenario.describe()} | {backend} | {scenario.service_time:g} | "
        f"{scenario.slots} | {scenario.concurrency} | {bars} | {requests} | {ideal:.3f} | "
        f"{wall:.3f} ({spread}, n={len(walls)}) | {wall / ideal:.2f} | "
        f"{1000 * wall / scenario.rows:.3f} | {1000 * cpu / requests:.3f} | "
        f"{scenario.target()} | {verdict} |"
    )


def bench(scenario: Scenario, args: argparse.Namespace) -> list[str]:
    """Run one scenario; return its markdown table rows."""
    print(
        f"scenario {scenario.name}: {scenario.describe()}, {scenario.service_time} s/request, "
        f"{scenario.slots} slots, concurrency {scenario.concurrency}, backend {args.backend}",
        flush=True,
    )
    dataset = make_dataset(scenario.rows)
    if args.backend == "http":
        backend_type: Any = HTTPBackend
    else:
        from inproc_backend import InProcessBackend  # imports this module: load it late

        backend_type = InProcessBackend
    rows = []
    with backend_type(scenario.service_time, scenario.slots) as backend:
        if not args.no_warmup:  # imports, first client: not part of the steady-state cost
            warm = run_once(scenario, backend, make_dataset(min(scenario.rows, 32)))
            print(f"  warm-up  {warm.wall:.3f} s (not counted)", flush=True)
        runs = []
        for k in range(args.repeat):
            profile = cProfile.Profile() if args.profile and k == 0 else None
            m = run_once(scenario, backend, dataset, profile=profile)
            print(report_line(scenario, m, f"run {k + 1}"), flush=True)
            runs.append(m)
            if profile is not None:
                dump_profile(profile, args.profile, scenario.name)
        rows.append(table_row(scenario, backend.name, runs))
        if scenario.name == "B" and not args.no_progress_run:
            m = run_once(scenario, backend, dataset, progress=True)
            print(report_line(scenario, m, "bars on"), flush=True)
            rows.append(table_row(scenario, backend.name, [m]))
    print(f"  server: {backend.final_stats}", flush=True)
    return rows


def dump_profile(profile: cProfile.Profile, path: str, name: str) -> None:
    """Save the profile; print own time per package and distil's functions by cumulative time."""
    base = Path(path)
    target = str(base.with_name(f"{base.stem}.{name}{base.suffix or '.prof'}"))
    profile.dump_stats(target)
    stats = pstats.Stats(profile)
    by_package: collections.Counter[str] = collections.Counter()
    ours = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[_package(filename)] += own
        if "distilabel_cli" in filename:
            where = filename.split("distilabel_cli/")[-1]
            ours.append((cumulative, calls, f"{where}:{line}({function})"))
    total = sum(by_package.values()) or 1.0
    out = io.StringIO()
    out.write(f"  profile saved to {target}\n  own time by package (of {total:.2f} s):\n")
    for package, seconds in by_package.most_common(12):
        out.write(f"    {package:<34} {seconds:7.2f} s {100 * seconds / total:5.1f} %\n")
    out.write("  distilabel_cli functions by cumulative time (includes what they call):\n")
    for cumulative, calls, where in sorted(ours, reverse=True)[:20]:
        out.write(f"    {cumulative:7.3f} s {calls:7d} calls  {where}\n")
    print(out.getvalue(), flush=True)


def _package(filename: str) -> str:
    if "distilabel_cli" in filename:
        return "distilabel_cli"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/lib/python" in filename:
        return "stdlib " + filename.split("/lib/python", 1)[1].split("/")[1]
    return filename if filename.startswith(("<", "~")) else Path(filename).name


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per scenario")
    parser.add_argument(
        "--backend",
        choices=["http", "inproc"],
        default="http",
        help="http: fake server + OpenAILLM; inproc: no HTTP (framework cost only)",
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up")
    parser.add_argument(
        "--no-progress-run", action="store_true", help="skip B's extra run with progress bars"
    )
    parser.add_argument("--profile", metavar="PATH", help="cProfile the first timed run")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    disable_progress_bars()  # datasets' own bars (map/save), not distil's
    print(f"machine: {machine()}", flush=True)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    rows = [row for name in names for row in bench(SCENARIOS[name], args)]
    print("\n" + TABLE_HEADER)
    print("\n".join(rows))
    return 0 if all(row.endswith("PASS |") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

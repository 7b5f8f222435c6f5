"""Ray engine overhead and scaling (issue #11, part 4): whole `distil run` processes.

Everything runs on this machine inside the private network namespace of the three-node Ray
cluster that the tests use (`tests/ray_cluster.py`: a head and workers `a` and `b`), with
`bench/fake_openai_server.py` servers as the LLMs (bench_engine's HTTPBackend).

* overhead: W1, bench_engine's scenario A (400 inputs x 2 generations + UltraFeedback judge,
  0.2 s per request, one server of 64 slots, concurrency 64), run by the single-process
  engine and with `run.engine: ray` (one replica per stage, placed by Ray). Target: <= 1.2 x
  the single-process wall.
* scaling: the same workload against two servers of 32 slots each, one per worker node.
  1 node: one replica per stage, pinned to worker a (custom resource `node_a`) and pointed
  at its server (`replica_options` base_url). 2 nodes: two replicas per stage, one pinned
  to each worker and its server. Target: 2 nodes about 2x as fast (wall ratio >= 1.8).

Each configuration: an untimed warm-up run of 32 rows, then `--repeat` timed runs (median,
min-max), interleaved: each round runs every configuration of the part once, so that a
machine getting busier or quieter weighs on all of them alike. "wall" is the whole process
(start, imports, connecting to Ray, starting actors, writing the dataset); "engine" is the
run record's `wall_seconds`; both are compared with the baseline. Driver CPU per request is
the `distil run` process's own user + system time (`os.wait4`) beyond start-up: (timed run -
warm-up) / (their difference in requests). Every run's output is checked: all rows in order,
every generation and rating, no failed request. Each run has an empty request cache of its
own (DISTIL_CACHE_DIR): every request is sent. "machine busy" is the share of the machine's
CPU time (all cores, every process: servers, Ray nodes, actors, driver, and anything else
running) that was busy during the run. A run slower than 1.5x its configuration's median keeps
its log (the path is printed) when the work folder is a temporary one.

    python bench/bench_ray.py                 # both, 3 timed runs each
    python bench/bench_ray.py --part scaling --repeat 5
    python bench/bench_ray.py --part scaling --scaling-rows 1600
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_engine import NUM_GENERATIONS, SCENARIOS, HTTPBackend, machine, make_dataset, make_spec

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from ray_cluster import RayCluster, skip_reason  # noqa: E402 - tests/ is not a package

W1 = SCENARIOS["A"]
SCALING_SLOTS = 32
MAX_OVERHEAD = 1.2  # ray wall <= 1.2 x single-process wall
MIN_SCALING = 1.8  # 1-node wall / 2-node wall
SLOW = 1.5  # a run this many times its config's median wall keeps its log


@dataclass
class Config:
    """One way of running W1: the engine and each stage's `ray:` section."""

    name: str
    engine: str
    nodes: str
    servers: str
    slots: int  # server slots in use (for the ideal wall)
    concurrency: int  # per replica
    stage_ray: dict[str, Any] = field(default_factory=dict)
    rows: int = W1.rows

    def ideal(self, requests: int) -> float:
        return max(requests * W1.service_time / self.slots, 2 * W1.service_time)


@dataclass
class Measurement:
    """One `distil run`."""

    wall: float
    engine_wall: float
    driver_cpu: float
    #: Share of the machine's CPU time that was busy during the run (all processes).
    machine_busy: float
    requests: int
    problems: list[str]
    #: The run's output (distil's stdout and stderr).
    log: Path | None = None


def pinned(urls: list[str], workers: list[str]) -> dict[str, Any]:
    """One replica per worker, held there by its custom resource, using that node's server."""
    return {
        "replicas": len(workers),
        "replica_options": [
            {"base_url": url, "resources": {f"node_{worker}": 1}}
            for url, worker in zip(urls, workers, strict=True)
        ],
    }


def write_spec(config: Config, url: str, inputs: Path, output: Path, path: Path) -> None:
    """W1's spec (bench_engine.make_spec) with this config's engine, concurrency and
    placement; JSON is YAML."""
    scenario = dataclasses.replace(W1, concurrency=config.concurrency)
    spec = make_spec(scenario, url).model_dump(mode="json", exclude_unset=True)
    spec["input"] = {"path": str(inputs)}
    spec["output"] = {"path": str(output)}
    spec["run"]["engine"] = config.engine
    if config.stage_ray:
        for stage in ("generator", "labeller"):
            spec[stage]["ray"] = config.stage_ray
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")


def check(output: Path, rows: int) -> tuple[float, list[str]]:
    """(engine wall, problems) from the run record and the written dataset."""
    from datasets import load_from_disk

    report = json.loads((output / "distil-run.json").read_text())["report"]
    problems = []
    dataset = load_from_disk(str(output))
    if dataset["input"] != make_dataset(rows)["input"]:
        problems.append("rows missing or out of order")
    for key in ("generations_ok", "labels_ok"):
        if report["counts"][key] != rows * NUM_GENERATIONS:
            problems.append(f"{report['counts'][key]} {key}")
    if report["failed_requests"]:
        problems.append(f"{report['failed_requests']} failed requests")
    return report["wall_seconds"], problems


def run_distil(cluster: RayCluster, spec: Path, log: Path, rows: int) -> Measurement:
    """Run `distil run SPEC` in the cluster's namespace; time it and check its output."""
    command = [sys.executable, "-m", "distilabel_cli", "run", str(spec), "--no-progress"]
    with log.open("w", encoding="utf-8") as out:
        busy, total = cpu_times()
        started = time.perf_counter()
        process = cluster.popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={"DISTIL_CACHE_DIR": str(spec.with_suffix(".cache"))},  # empty: all requests
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        busy_after, total_after = cpu_times()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 above
    cpu = usage.ru_utime + usage.ru_stime
    machine_busy = (busy_after - busy) / max(total_after - total, 1)
    engine_wall, problems = 0.0, [f"exit {process.returncode}, see {log}"]
    if process.returncode == 0:
        output = Path(json.loads(spec.read_text())["output"]["path"])
        engine_wall, problems = check(output, rows)
    return Measurement(wall, engine_wall, cpu, machine_busy, 0, problems, log)


def cpu_times() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:9]]  # user .. steal
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


@contextlib.contextmanager
def servers(cluster: RayCluster, count: int, slots: int) -> Iterator[list[HTTPBackend]]:
    """`count` fake servers listening inside the cluster's namespace."""
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(count):
            with cluster.inside():
                backend = stack.enter_context(HTTPBackend(W1.service_time, slots))
            started.append(backend)
        yield started


def requests_served(cluster: RayCluster, backends: list[HTTPBackend], reset: bool) -> int:
    with cluster.inside():  # the servers are only reachable from inside
        return sum(backend.stats(reset=reset)["requests"] for backend in backends)


@dataclass
class Result:
    """The runs of one config: the untimed warm-up (32 rows) and the timed ones."""

    config: Config
    warmup: Measurement | None
    runs: list[Measurement]

    @property
    def wall(self) -> float:
        return statistics.median(m.wall for m in self.runs)

    @property
    def engine(self) -> float:
        return statistics.median(m.engine_wall for m in self.runs)

    @property
    def requests(self) -> int:
        return self.runs[-1].requests

    @property
    def ok(self) -> bool:
        return all(not m.problems for m in self.runs)

    def marginal_cpu_ms(self) -> str:
        """Driver CPU per request beyond start-up: (timed run - warm-up) / extra requests."""
        if self.warmup is None or self.requests <= self.warmup.requests:
            return "-"
        cpu = statistics.median(m.driver_cpu for m in self.runs) - self.warmup.driver_cpu
        return f"{1000 * cpu / (self.requests - self.warmup.requests):.2f}"


def bench_configs(
    cluster: RayCluster,
    configs: list[Config],
    backends: list[HTTPBackend],
    workdir: Path,
    args: argparse.Namespace,
) -> list[Result]:
    """Each config's warm-up, then `repeat` rounds in which every config runs once (runs
    interleaved, so that a machine getting busier or quieter weighs on all configs alike);
    each run's line printed."""
    url = f"http://127.0.0.1:{backends[0].port}/v1"
    results = [Result(config, None, []) for config in configs]
    for result in results:
        (workdir / folder_name(result.config)).mkdir()
    for k in range(-1 if args.warmup else 0, args.repeat):
        for result in results:
            m = bench_run(
                cluster, result.config, backends, workdir / folder_name(result.config), url, k
            )
            if k < 0:
                result.warmup = m
            else:
                result.runs.append(m)
    keep_slow_runs(results, workdir)
    return results


def keep_slow_runs(results: list[Result], workdir: Path) -> None:
    """Copy the log of every run slower than SLOW x its config's median wall out of the work
    folder (a temporary one is deleted at the end), so that a stall can be looked at."""
    slow = [
        m
        for result in results
        for m in result.runs
        if m.log is not None and m.wall > SLOW * statistics.median(r.wall for r in result.runs)
    ]
    if not slow:
        return
    kept = Path(tempfile.gettempdir()) / f"bench-ray-slow-{time.strftime('%Y%m%d-%H%M%S')}"
    kept.mkdir(parents=True, exist_ok=True)
    for m in slow:
        assert m.log is not None
        copy = kept / f"{m.log.parent.name}-{m.log.name}"
        shutil.copyfile(m.log, copy)
        print(f"  slow run ({m.wall:.2f} s): its log is kept in {copy}", flush=True)


def folder_name(config: Config) -> str:
    return config.name.replace(" ", "-")


def bench_run(
    cluster: RayCluster,
    config: Config,
    backends: list[HTTPBackend],
    folder: Path,
    url: str,
    k: int,
) -> Measurement:
    """Run `k` of a config (k < 0: the 32-row warm-up), checked and printed."""
    rows = 32 if k < 0 else config.rows
    inputs = folder / f"inputs-{rows}.jsonl"
    if not inputs.exists():
        make_dataset(rows).to_json(str(inputs), lines=True)
    label = "warm-up" if k < 0 else f"run-{k + 1}"
    spec = folder / f"{label}.yaml"
    write_spec(config, url, inputs, folder / f"out-{label}", spec)
    requests_served(cluster, backends, reset=True)
    m = run_distil(cluster, spec, spec.with_suffix(".log"), rows)
    m.requests = requests_served(cluster, backends, reset=False)
    print(
        f"  {config.name:<16} {label:<8} wall {m.wall:6.2f} s  engine {m.engine_wall:6.2f} s"
        f"  driver CPU {m.driver_cpu:5.2f} s  machine busy {100 * m.machine_busy:3.0f} %"
        f"  requests {m.requests}  "
        f"{'; '.join(m.problems) or 'output ok'}",
        flush=True,
    )
    return m


def spread(values: list[float]) -> str:
    median = statistics.median(values)
    return f"{median:.2f} ({min(values):.2f}-{max(values):.2f}, n={len(values)})"


TABLE_HEADER = (
    "| part | config | nodes | servers x slots | requests | ideal s | wall s (median, min-max) "
    "| engine s (median, min-max) | wall - engine s | driver CPU ms/request | machine busy "
    "| ratio: wall | ratio: engine | target | result |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_rows(part: str, results: list[Result]) -> list[str]:
    """Markdown rows; each config after the first is compared with the first (baseline):
    overhead: its time / the baseline's (<= MAX_OVERHEAD); scaling: the baseline's time /
    its time (>= MIN_SCALING). Judged on both the whole-process wall and the engine wall."""
    base = results[0]
    rows = []
    for result in results:
        config = result.config
        if result is base:
            ratios, target = ("1.00", "1.00"), "baseline"
            verdict = "PASS" if result.ok else "FAIL (output)"
        else:
            if part == "overhead":
                pairs = [(result.wall, base.wall), (result.engine, base.engine)]
                target = f"<= {MAX_OVERHEAD:g} x"
                passed = [mine / theirs <= MAX_OVERHEAD for mine, theirs in pairs]
            else:
                pairs = [(base.wall, result.wall), (base.engine, result.engine)]
                target = f">= {MIN_SCALING:g} x"
                passed = [theirs / mine >= MIN_SCALING for theirs, mine in pairs]
            ratios = tuple(f"{a / b:.2f}" for a, b in pairs)
            verdicts = [
                f"{what} {'PASS' if ok else 'FAIL'}"
                for what, ok in zip(("wall", "engine"), passed, strict=True)
            ]
            verdict = ", ".join(verdicts) if result.ok else "FAIL (output)"
        startup = statistics.median(m.wall - m.engine_wall for m in result.runs)
        busy = statistics.median(m.machine_busy for m in result.runs)
        rows.append(
            f"| {part} | {config.name} | {config.nodes} | {config.servers} | "
            f"{result.requests} | {config.ideal(result.requests):.2f} | "
            f"{spread([m.wall for m in result.runs])} | "
            f"{spread([m.engine_wall for m in result.runs])} | {startup:.2f} | "
            f"{result.marginal_cpu_ms()} | {100 * busy:.0f} % | {ratios[0]} | {ratios[1]} | "
            f"{target} | {verdict} |"
        )
    return rows


def overhead(cluster: RayCluster, workdir: Path, args: argparse.Namespace) -> list[str]:
    print(f"overhead: W1 = {W1.describe()}, {W1.service_time} s/request, {W1.slots} slots")
    configs = [
        Config("single process", "local", "-", f"1 x {W1.slots}", W1.slots, W1.concurrency),
        Config("ray", "ray", "placed by Ray", f"1 x {W1.slots}", W1.slots, W1.concurrency),
    ]
    with servers(cluster, 1, W1.slots) as backends:
        results = bench_configs(cluster, configs, backends, workdir, args)
    return table_rows("overhead", results)


def scaling(cluster: RayCluster, workdir: Path, args: argparse.Namespace) -> list[str]:
    print(
        f"scaling: W1 with {args.scaling_rows} inputs against 2 servers of {SCALING_SLOTS} "
        "slots, one per worker node"
    )
    with servers(cluster, 2, SCALING_SLOTS) as backends:
        urls = [f"http://127.0.0.1:{b.port}/v1" for b in backends]
        configs = [
            Config(
                "1 node",
                "ray",
                "a",
                f"1 x {SCALING_SLOTS}",
                SCALING_SLOTS,
                SCALING_SLOTS,
                pinned(urls[:1], ["a"]),
                args.scaling_rows,
            ),
            Config(
                "2 nodes",
                "ray",
                "a + b",
                f"2 x {SCALING_SLOTS}",
                2 * SCALING_SLOTS,
                SCALING_SLOTS,
                pinned(urls, ["a", "b"]),
                args.scaling_rows,
            ),
        ]
        results = bench_configs(cluster, configs, backends, workdir, args)
    return table_rows("scaling", results)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["overhead", "scaling", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per config")
    parser.add_argument(
        "--no-warmup", dest="warmup", action="store_false", help="skip the untimed warm-up"
    )
    parser.add_argument(
        "--scaling-rows",
        type=int,
        default=W1.rows,
        help="inputs of the scaling runs (W1's 400 by default; more rows amortise the "
        "pipeline's fill and drain and the 0.2 s rounds)",
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: temp)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reason = skip_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    from datasets import disable_progress_bars

    disable_progress_bars()  # datasets' own bars (writing the inputs)
    print(f"machine: {machine()}", flush=True)
    parts = {"overhead": overhead, "scaling": scaling}
    names = list(parts) if args.part == "all" else [args.part]
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with RayCluster.started() as cluster:
            print(f"cluster up in {time.perf_counter() - started:.1f} s", flush=True)
            rows = [row for name in names for row in parts[name](cluster, workdir, args)]
    print("\n" + TABLE_HEADER)
    print("\n".join(rows))
    return 0 if not any("FAIL" in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

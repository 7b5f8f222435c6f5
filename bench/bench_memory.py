"""Peak memory and wall time of a whole `distil run` against dataset size (issue #11, part 1).

For each size N it writes N input rows to a jsonl file and runs, as a user would,

    python -m distilabel_cli run spec.yaml --no-progress

(text-generation, 1 generation, no labeller, the default checkpoint, no jsonl/parquet
export, generator `concurrency` 64) against a fast local OpenAI-compatible server: the
`fake_openai_server.py` server with no service time, whose answers echo the prompt so that
the output can be checked row by row. The peak RSS of the `distil run` process comes from
`os.wait4` (`ru_maxrss`). The written dataset is read back with `datasets.load_from_disk`:
every row must be there, in input order, and row i's generation must answer input i.

    python bench/bench_memory.py                                 # 10k and 100k rows
    python bench/bench_memory.py --sizes 10000,100000,1000000    # and 1M

The server runs as `python bench/bench_memory.py --serve ...` (127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_engine import HTTPBackend, fake

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ECHO_PREFIX = "Answer to: "
DEFAULT_SIZES = "10000,100000"


@dataclass
class Result:
    """One `distil run` of `rows` inputs."""

    rows: int
    wall: float
    peak_rss_mib: float
    requests: int
    problems: list[str]

    @property
    def rss_per_1k(self) -> float:
        return 1000 * self.peak_rss_mib / self.rows


def input_text(i: int) -> str:
    return f"Question {i}: explain topic number {i} in one sentence."


def serve_echo(argv: list[str]) -> int:
    """The fake server, answering generation requests with `ECHO_PREFIX + last prompt line`."""
    fake_completion = fake.FakeServer.completion

    def completion(self: Any, request: dict[str, Any], *, chat: bool) -> bytes:
        prompt = fake._prompt_text(request, chat=chat)  # system prompt, then the input
        fake.GENERATION_TEXT = ECHO_PREFIX + prompt.rsplit("\n", 1)[-1]
        return fake_completion(self, request, chat=chat)

    fake.FakeServer.completion = completion
    args = fake.parse_args(argv)
    counters = asyncio.run(fake.serve(args))
    print(f"STATS {json.dumps(asdict(counters))}", flush=True)
    return 0


class EchoServer(HTTPBackend):
    """The echo server (this script with `--serve`) as a subprocess, for a `with` block:
    bench_engine's fake server started and stopped the same way."""

    def __init__(self, slots: int, max_seconds: float) -> None:
        super().__init__(service_time=0, slots=slots, max_seconds=max_seconds)
        self.args[1:2] = [str(Path(__file__).resolve()), "--serve"]


def write_inputs(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(json.dumps({"input": input_text(i)}) + "\n")


def write_spec(path: Path, inputs: Path, output: Path, port: int, concurrency: int) -> None:
    """The spec; JSON is YAML, so json.dumps writes it."""
    spec = {
        "name": "bench-memory",
        "input": {"path": str(inputs)},
        "generator": {
            "llm": {
                "type": "openai",
                "model": "fake-model",
                "base_url": f"http://127.0.0.1:{port}/v1",
                "api_key": "bench",
                "max_new_tokens": 64,
                "concurrency": concurrency,
            },
            "task": {"type": "text-generation"},
        },
        "run": {"num_generations": 1},
        "output": {"path": str(output)},
    }
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")


def run_distil(spec: Path, log: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MiB, exit status) of one `distil run` process."""
    command = [sys.executable, "-m", "distilabel_cli", "run", str(spec), "--no-progress"]
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        cache = spec.with_name(spec.stem + ".cache")  # empty: every request is sent
        env = {**os.environ, "DISTIL_CACHE_DIR": str(cache)}
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 above
    return wall, usage.ru_maxrss / 1024, process.returncode  # ru_maxrss: KiB on Linux


def check_output(output: Path, rows: int) -> list[str]:
    """Problems with the written dataset (empty: every row there, in order, answered)."""
    from datasets import load_from_disk

    dataset = load_from_disk(str(output))
    problems = []
    if len(dataset) != rows:
        problems.append(f"{len(dataset)} rows instead of {rows}")
    wrong_input = wrong_answer = 0
    i = 0
    for batch in dataset.select_columns(["input", "generations"]).iter(batch_size=10_000):
        for text, generations in zip(batch["input"], batch["generations"], strict=True):
            if text != input_text(i):
                wrong_input += 1
            elif not generations or generations[0] != ECHO_PREFIX + text:
                wrong_answer += 1
            i += 1
    if wrong_input:
        problems.append(f"{wrong_input} rows out of order")
    if wrong_answer:
        problems.append(f"{wrong_answer} rows without their answer")
    return problems


def bench_size(server: EchoServer, rows: int, concurrency: int, workdir: Path) -> Result:
    """Write the inputs and spec for `rows`, run distil, check its output."""
    folder = workdir / f"rows-{rows}"
    folder.mkdir()
    inputs, spec, output = folder / "inputs.jsonl", folder / "spec.yaml", folder / "out"
    write_inputs(inputs, rows)
    write_spec(spec, inputs, output, server.port, concurrency)
    server.stats(reset=True)
    wall, peak, status = run_distil(spec, folder / "distil.log")
    requests = server.stats()["requests"]
    problems = [] if status == 0 else [f"exit status {status} (see {folder / 'distil.log'})"]
    if status == 0:
        problems += check_output(output, rows)
    if requests != rows:
        problems.append(f"{requests} requests for {rows} rows")
    return Result(rows, wall, peak, requests, problems)


TABLE_HEADER = (
    "| rows | wall s | peak RSS MiB | RSS per 1k rows MiB | requests | output |\n"
    "|---|---|---|---|---|---|"
)


def table_row(r: Result) -> str:
    check = "; ".join(r.problems) or "all rows, in order"
    return (
        f"| {r.rows:,} | {r.wall:.1f} | {r.peak_rss_mib:.0f} | {r.rss_per_1k:.2f} | "
        f"{r.requests:,} | {check} |"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"input rows per run (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="generator concurrency")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: temp)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes comma-separated numbers of rows")
    if not args.sizes or min(args.sizes) < 1 or args.concurrency < 1:
        parser.error("--sizes and --concurrency must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve_echo(argv[1:])
    args = parse_args(argv)
    from bench_engine import machine

    print(f"machine: {machine()}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with EchoServer(slots=max(args.concurrency, 64), max_seconds=24 * 3600) as server:
            for rows in args.sizes:
                result = bench_size(server, rows, args.concurrency, workdir)
                print(table_row(result), flush=True)
                results.append(result)
    print("\n" + TABLE_HEADER)
    print("\n".join(table_row(r) for r in results))
    return 0 if all(not r.problems for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

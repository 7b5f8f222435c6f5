"""Benchmark CLI start-up (issue #14): whole `distil` processes, as a user starts them.

Times `distil --version`, `distil --help` and `distil validate configs/*.yaml` (all shipped
configs in one call): one untimed warm-up run each, then `--runs` timed runs (median and
min-max), with the peak resident memory of each process (`os.wait4`). With `--baseline REV`
the same commands run from REV's tree (a `git worktree` at `--baseline-dir`, created if
missing) as `python -m distilabel_cli` with PYTHONPATH pointing there, alternating with this
tree's runs so that both see the same machine load (`python -P`: the working directory
does not shadow PYTHONPATH).

    python bench/bench_startup.py --runs 10 --baseline ae9fbab
    python bench/bench_startup.py --imports   # heavy modules each command imports, and why

Targets: `--version` <= 0.2 s, `--help` <= 0.4 s, `validate configs/*.yaml` <= 0.8 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_engine import machine as engine_machine

REPO = Path(__file__).resolve().parent.parent
#: Command name -> (arguments, target median in seconds).
COMMANDS: dict[str, tuple[list[str], float]] = {
    "--version": (["--version"], 0.2),
    "--help": (["--help"], 0.4),
    "validate configs/*.yaml": (
        ["validate", *sorted(str(p.relative_to(REPO)) for p in (REPO / "configs").glob("*.yaml"))],
        0.8,
    ),
}
#: Modules no start-up path may import (issue #14's list, plus what they drag in).
HEAVY = (
    "datasets",
    "pyarrow",
    "pandas",
    "numpy",
    "torch",
    "llama_cpp",
    "argilla",
    "aiohttp",
    "huggingface_hub",
    "vllm",
)


@dataclass
class Runs:
    """Wall seconds and peak RSS (MiB) of the timed runs of one command line."""

    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.seconds)

    def spread(self) -> str:
        return f"{min(self.seconds):.3f}–{max(self.seconds):.3f}"


def distil_script() -> list[str]:
    """The `distil` console script installed next to this interpreter (what a user runs)."""
    script = Path(sys.executable).parent / "distil"
    if not script.is_file():
        sys.exit(f"{script}: not found; install the project first (pip install -e .)")
    return [str(script)]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one process; its output is checked, not shown."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            text = output.read().decode(errors="replace")
            sys.exit(f"{' '.join(argv)}: exit {process.returncode}\n{text[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def environment(pythonpath: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def baseline_tree(rev: str, folder: Path) -> Path:
    """A checkout of `rev` at `folder` (a detached git worktree; made if missing)."""
    if not (folder / "distilabel_cli").is_dir():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), rev],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
    return folder


def bench(args: argparse.Namespace) -> list[str]:
    """Time every command (this tree, and the baseline when given); markdown table lines."""
    module = [sys.executable, "-m", "distilabel_cli"]
    variants = {
        "`distil` script": (distil_script(), environment(None)),
        "python -m": (module, environment(None)),
    }
    if args.baseline:
        tree = baseline_tree(args.baseline, Path(args.baseline_dir))
        where = subprocess.run(
            [sys.executable, "-P", "-c", "import distilabel_cli; print(distilabel_cli.__file__)"],
            cwd=REPO,
            env=environment(tree),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert Path(where.strip()).is_relative_to(tree), f"baseline imports {where}"
        # -P: no cwd at the front of sys.path, so PYTHONPATH (the baseline) wins
        variants["baseline"] = ([sys.executable, "-P", "-m", "distilabel_cli"], environment(tree))
    lines = [
        "| command | run as | median s | min–max s | peak RSS MiB | × baseline | target | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (command_args, target) in COMMANDS.items():
        results = {variant: Runs() for variant in variants}
        for prefix, env in variants.values():
            run_once([*prefix, *command_args], env)  # warm-up: page cache, .pyc files
        for _ in range(args.runs):
            for variant, (prefix, env) in variants.items():
                wall, peak = run_once([*prefix, *command_args], env)
                results[variant].seconds.append(wall)
                results[variant].peak_mib.append(peak)
        base = results.get("baseline")
        for variant, runs in results.items():
            ratio = f"{runs.median() / base.median():.2f}" if base else "–"
            checked = variant != "baseline"
            verdict = ("**PASS**" if runs.median() <= target else "**FAIL**") if checked else ""
            lines.append(
                f"| `distil {name}` | {variant} | {runs.median():.3f} | {runs.spread()} | "
                f"{statistics.median(runs.peak_mib):.0f} | {ratio} | "
                f"{f'≤ {target} s' if checked else ''} | {verdict} |"
            )
    return lines


def heavy_imports(command_args: list[str]) -> list[str]:
    """Heavy modules one command imports, each with the distil module that first needs it."""
    argv = [sys.executable, "-X", "importtime", "-m", "distilabel_cli", *command_args]
    result = subprocess.run(argv, cwd=REPO, env=environment(None), capture_output=True, text=True)
    entries = []  # (depth, module, cumulative us), in import-time's post-order
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        _, cumulative, module = line[len("import time:") :].split("|")
        entries.append(((len(module) - len(module.lstrip())) // 2, module.strip(), cumulative))
    found, seen = [], set()
    for index, (depth, module, cumulative) in enumerate(entries):
        package = module.split(".")[0]
        if package not in HEAVY or package in seen:
            continue
        chain = []  # the importers, innermost first: the next entries one level up
        for outer_depth, outer, _ in entries[index + 1 :]:
            if outer_depth < depth:
                chain.append(outer)
                depth = outer_depth
        if chain and chain[0].split(".")[0] == package:
            continue  # imported by its own package: its outermost entry comes later
        seen.add(package)
        ours = [m for m in chain if m.startswith("distilabel_cli")]
        via = " <- ".join(ours[:4]) or " <- ".join(chain[:4])
        found.append(f"  {module} ({int(cumulative) / 1000:.0f} ms): {via}")
    return found


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{engine_machine()}, load {load}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command")
    parser.add_argument("--baseline", metavar="REV", help="also time this git revision's tree")
    parser.add_argument("--baseline-dir", default="/tmp/distil-base", help="its worktree")
    parser.add_argument(
        "--imports", action="store_true", help="list heavy imports per command instead"
    )
    args = parser.parse_args()
    print(machine())
    if args.imports:
        for name, (command_args, _) in COMMANDS.items():
            found = heavy_imports(command_args)
            print(f"distil {name}:", *(found or [f"  none of {', '.join(HEAVY)}"]), sep="\n")
        return 0
    lines = bench(args)
    print("\n".join(lines))
    return 0 if all("FAIL" not in line for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())

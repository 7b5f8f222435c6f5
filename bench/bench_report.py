"""Benchmark `distil report` on a saved 1,000,000-row, 4-model preference dataset.

Run: `python bench/bench_report.py [--rows N] [--generations K]`. Builds and saves the
dataset of bench_binarize.py (not counted), then times `distil report` on it as a user runs
it (a new process: imports, reading, statistics, charts, writing), and `write_report` in
this process, and prints the report's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_binarize import build_dataset, cpu_model

from distilabel_cli.report import write_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--generations", type=int, default=4)
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        folder = Path(scratch) / "rated"
        start = time.perf_counter()
        build_dataset(args.rows, args.generations).save_to_disk(str(folder))
        built = time.perf_counter() - start
        print(f"build and save {args.rows:,} x {args.generations}: {built:.1f} s (not counted)")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "distilabel_cli", "report", str(folder)], check=True)
        print(f"distil report (new process): {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        page = write_report(folder, Path(scratch) / "again.html")
        took = time.perf_counter() - start
        print(f"write_report (in process): {took:.2f} s; {page.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

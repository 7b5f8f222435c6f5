"""`distil info`: what a dataset folder holds, and the run that made it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError


def info(
    output: Annotated[
        Path, typer.Argument(help="A dataset folder (or a checkpoint).", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
    debug: Debug = False,
) -> None:
    """Print what a dataset folder holds: rows, columns, task, the spec and run it came from,
    tokens, cost and the other files beside the data.

    [bold]Examples[/bold]

      distil info outputs/quickstart

      distil info outputs/quickstart --json
    """
    from datasets import disable_progress_bars
    from rich.console import Console

    disable_progress_bars()
    with user_errors(debug):
        facts = dataset_facts(output)
        if as_json:
            typer.echo(json.dumps(facts, indent=2, default=str))
            return
        Console().print(facts_table(facts))


def dataset_facts(folder: Path) -> dict[str, Any]:
    """Rows, columns with their types, task, run record summary and files of a folder."""
    from distilabel_cli.dataset.custom_dataset import CustomDataset

    if not folder.is_dir():
        raise DistilError(f"{folder}: no such dataset folder")
    try:
        dataset = CustomDataset.load_from_disk(folder)
    except (FileNotFoundError, ValueError) as exc:
        raise DistilError(f"{folder}: not a saved dataset ({exc})") from None
    run = dataset.run_info or {}
    report = run.get("report") or {}
    spec = run.get("spec") or {}
    files = sorted(p.name for p in folder.iterdir() if not p.name.startswith("data-"))
    return {
        "path": str(folder),
        "rows": len(dataset),
        "columns": {name: _type_name(feature) for name, feature in dataset.features.items()},
        "task": type(dataset.task).__name__ if dataset.task is not None else None,
        "spec": {"name": spec.get("name"), "input": (spec.get("input") or {}).get("path")},
        "run": {
            "distil_version": run.get("distil_version"),
            "models": {llm["role"]: llm["model"] for llm in report.get("llms") or []},
            "rows_done": report.get("rows_done"),
            "input_tokens": report.get("input_tokens"),
            "output_tokens": report.get("output_tokens"),
            "failed_requests": report.get("failed_requests"),
            "cache_hits": (report.get("cache") or {}).get("hits"),
            "cost": report.get("cost"),
            "wall_seconds": report.get("wall_seconds"),
        },
        "files": files,
        "bytes": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
    }


def facts_table(facts: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title=f"distil info: {facts['path']}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("rows", f"{facts['rows']:,}")
    table.add_row("columns", "\n".join(f"{n}: {t}" for n, t in facts["columns"].items()))
    table.add_row("task", facts["task"] or "none recorded")
    spec = facts["spec"]
    if spec["name"] or spec["input"]:
        table.add_row("spec", f"{spec['name']} (input {spec['input']}); in distil-run.json")
    run = facts["run"]
    for role, model in run["models"].items():
        table.add_row(role, model)
    if run["input_tokens"] is not None:
        table.add_row("tokens", f"{run['input_tokens']:,} in, {run['output_tokens']:,} out")
    if run["failed_requests"] is not None:
        table.add_row("failed requests", str(run["failed_requests"]))
    if run["cache_hits"]:
        table.add_row("from the cache", f"{run['cache_hits']:,} answers")
    table.add_row("cost", "unknown" if run["cost"] is None else f"{run['cost']:.6f}")
    if run["wall_seconds"] is not None:
        table.add_row("wall time", f"{run['wall_seconds']:.1f} s")
    if run["distil_version"]:
        table.add_row("made by", f"distil {run['distil_version']}")
    table.add_row("files", ", ".join(facts["files"]))
    table.add_row("size", f"{facts['bytes'] / 2**20:,.1f} MiB")
    return table


def _type_name(feature: Any) -> str:
    """A short type: string, list<string>, {role, content} ..."""
    from datasets import LargeList, List, Sequence, Value

    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, List | LargeList | Sequence):
        return f"list<{_type_name(feature.feature)}>"
    if isinstance(feature, dict):
        return "{" + ", ".join(feature) + "}"
    if isinstance(feature, list) and feature:
        return f"list<{_type_name(feature[0])}>"
    return type(feature).__name__

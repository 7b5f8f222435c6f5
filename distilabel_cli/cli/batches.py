"""`distil batches`: the Batch API batches distil made (`type: openai-batch`) and their status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError


def batches(
    where: Annotated[
        Path | None,
        typer.Argument(
            help="A spec (its run.cache folder), a folder holding batches.jsonl (a run's "
            "checkpoint), or nothing: the default folder beside the request cache.",
            show_default=False,
        ),
    ] = None,
    debug: Debug = False,
) -> None:
    """List the batches of `type: openai-batch` runs: id, status, counts, input file.

    Statuses are as last seen by a run; a rerun of the same spec re-attaches to batches
    still running and reads finished ones without fetching them again.

    [bold]Examples[/bold]

      distil batches

      distil batches spec.yaml
    """
    from rich.console import Console
    from rich.table import Table

    from distilabel_cli.llms.batch_state import BatchState

    with user_errors(debug):
        folder = state_folder(where)
        listing = BatchState(folder).listing()
        console = Console(soft_wrap=True)
        if not listing:
            console.print(f"no batches recorded in {folder}")
            return
        table = Table("batch", "status", "done", "failed", "requests", "server", "created")
        for batch, file in listing:
            counts = batch.counts
            status = "lost (unknown to the server)" if batch.lost else batch.status
            status += ", results downloaded" if batch.downloaded else ""
            table.add_row(
                batch.batch_id,
                status,
                str(counts.get("completed", "")),
                str(counts.get("failed", "")),
                str(len(file.custom_ids)),
                file.base_url,
                datetime.fromtimestamp(batch.created).strftime("%Y-%m-%d %H:%M:%S"),
            )
        console.print(table)
        console.print(f"state: {folder}")


def state_folder(where: Path | None) -> Path:
    """The folder whose `batches.jsonl` to read."""
    from distilabel_cli.llms.batch_state import STATE_FILE
    from distilabel_cli.llms.openai_batch import default_state_folder

    if where is None:
        return default_state_folder()
    if where.is_dir():
        for folder in (where, where / "batches"):
            if (folder / STATE_FILE).is_file():
                return folder
        return default_state_folder()
    if where.suffix in (".yaml", ".yml") and where.is_file():
        from distilabel_cli.spec.loader import load_spec

        cache = load_spec(where)[0].run.cache
        if isinstance(cache, str):
            return Path(cache).expanduser() / "batches"
        return default_state_folder()
    raise DistilError(f"{where}: not a spec file or a folder")

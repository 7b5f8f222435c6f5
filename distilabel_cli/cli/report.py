"""`distil report`: write the HTML report of a dataset (charts, win rates, failures)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug


def report(
    dataset: Annotated[
        Path,
        typer.Argument(
            metavar="OUTPUT",
            help="A dataset distil wrote: its output folder (or any save_to_disk folder, or a "
            "checkpoint folder), or a .jsonl / .parquet file.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="Write the report here (default: OUTPUT/report.html).", dir_okay=True
        ),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the report in the default browser.")
    ] = False,
    debug: Debug = False,
) -> None:
    """Write a self-contained HTML report of a dataset: run summary, failures by reason,
    ratings per model, win rates, answer lengths, parse problems, best and worst rows.

    [bold]Examples[/bold]

      distil report outputs/quickstart
      [dim]# writes outputs/quickstart/report.html[/dim]

      distil report outputs/dpo --output dpo-report.html --open
    """
    from distilabel_cli.report import write_report

    with user_errors(debug):
        written = write_report(dataset, output)
        typer.echo(str(written))
        if open_browser:
            import webbrowser

            webbrowser.open(written.resolve().as_uri())

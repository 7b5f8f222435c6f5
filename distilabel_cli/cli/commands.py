"""The `distil` Typer application: one module per subcommand.

The subcommand modules import only typer and light helpers at module level; each command
imports what it runs (datasets, pipelines, backends) when it is called.
"""

from __future__ import annotations

from typing import Annotated

import typer

from distilabel_cli._version import __version__
from distilabel_cli.cli.argilla import pull_argilla, push_argilla
from distilabel_cli.cli.batches import batches
from distilabel_cli.cli.binarize import binarize
from distilabel_cli.cli.export import export
from distilabel_cli.cli.info import info
from distilabel_cli.cli.logs import with_logging_options
from distilabel_cli.cli.push_hub import push_hub
from distilabel_cli.cli.recover import recover
from distilabel_cli.cli.report import report
from distilabel_cli.cli.run import run
from distilabel_cli.cli.schema import schema
from distilabel_cli.cli.validate import validate

app = typer.Typer(
    name="distil",
    help="Build synthetic and AI-feedback datasets for LLM training from YAML pipeline specs.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
COMMANDS = {
    "run": run,
    "validate": validate,
    "schema": schema,
    "binarize": binarize,
    "export": export,
    "info": info,
    "report": report,
    "push-hub": push_hub,
    "push-argilla": push_argilla,
    "pull-argilla": pull_argilla,
    "recover": recover,
    "batches": batches,
}
for name, command in COMMANDS.items():  # every command takes -v/-q/--log-file
    app.command(name=name)(with_logging_options(command))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"distil {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Build synthetic and AI-feedback datasets for LLM training from YAML pipeline specs."""

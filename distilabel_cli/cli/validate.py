"""`distil validate`: check specs for CI; one line per file, exit 0 or 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import print_error
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError
from distilabel_cli.pipeline.check import check_spec
from distilabel_cli.spec.loader import load_spec


def validate(
    configs: Annotated[list[Path], typer.Argument(help="Pipeline specs (YAML).", dir_okay=False)],
    debug: Debug = False,
) -> None:
    """Validate specs (keys, types, env variables, needed columns) without running them."""
    failed = False
    for config in configs:
        try:
            spec, source = load_spec(config)
            notes = check_spec(spec, source, input_must_exist=False)
        except DistilError as exc:
            failed = True
            details = exc.details or [exc.message]
            for line in details:
                print_error(line)
            if debug:
                raise
            continue
        stages = [s for s in ("generator", "labeller") if getattr(spec, s) is not None]
        note = f"; {'; '.join(notes)}" if notes else ""
        typer.echo(f"{config}: ok ({spec.name}: {' + '.join(stages)}){note}")
    if failed:
        raise typer.Exit(2)

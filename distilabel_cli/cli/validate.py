"""`distil validate`: check specs for CI; one line per file, exit 0 or 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import print_error
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError

UNEXPECTED_EXIT = 1


def validate(
    configs: Annotated[list[Path], typer.Argument(help="Pipeline specs (YAML).", dir_okay=False)],
    debug: Debug = False,
) -> None:
    """Validate specs (keys, types, env variables, needed columns) without running them.

    Exit 0 when every spec is valid, 2 when one is not; 1 when distil itself failed on one
    (a bug: the message says so, `--debug` shows the traceback).

    [bold]Examples[/bold]

      distil validate configs/*.yaml

      distil validate spec.yaml --set run.num_generations=4
    """
    from distilabel_cli.pipeline.check import check_spec
    from distilabel_cli.spec.loader import load_spec

    exit_code = 0
    for config in configs:
        try:
            spec, source = load_spec(config)
            notes = check_spec(spec, source, input_must_exist=False)
        except DistilError as exc:
            exit_code = max(exit_code, exc.exit_code)
            for line in exc.details or [exc.message]:
                print_error(line)
            if debug:
                raise
            continue
        except Exception as exc:  # noqa: BLE001 - one spec must not hide the others' results
            if debug:
                raise
            exit_code = max(exit_code, UNEXPECTED_EXIT)
            print_error(f"{config}: unexpected {type(exc).__name__}: {exc}")
            print_error("  run again with --debug for the traceback")
            continue
        stages = [s for s in ("generator", "labeller") if getattr(spec, s) is not None]
        note = f"; {'; '.join(notes)}" if notes else ""
        typer.echo(f"{config}: ok ({spec.name}: {' + '.join(stages)}){note}")
    if exit_code:
        raise typer.Exit(exit_code)

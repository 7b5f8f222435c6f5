"""Checks of a spec that its schema cannot express, run by `distil validate` and `run`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distilabel_cli.columns import GENERATION_COLUMNS, missing_columns
from distilabel_cli.errors import DistilError, SpecError
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import PipelineSpec
from distilabel_cli.spec.tasks import first_error
from distilabel_cli.tasks import Task, task_types

STAGES = ("generator", "labeller")


def spec_error(source: SpecSource, loc: tuple[Any, ...], message: str) -> SpecError:
    """An invalid-spec error pointing at the line of `loc`."""
    return SpecError(f"{source.file}: invalid spec", details=[source.error(loc, message)])


def check_spec(
    spec: PipelineSpec, source: SpecSource, *, input_must_exist: bool = True
) -> list[str]:
    """Fail at validation time on what the schema cannot see: a task that cannot be built
    (e.g. a template error), a judge that needs another number of generations, or a task
    that needs a column nobody provides (the input's columns are read without its rows).

    With `input_must_exist=False`, a local input that does not exist yet (the output of an
    earlier run in a chain) skips the column check instead of failing; the notes returned
    say so.
    """
    from distilabel_cli.dataset.io.inputs import input_columns

    tasks = check_tasks(spec, source)
    try:
        columns = input_columns(spec.input, Path(source.file).parent)
    except DistilError:
        if input_must_exist or Path(spec.input.path).exists():
            raise
        return [f"input {spec.input.path} does not exist yet: columns not checked"]
    if columns is not None:  # None: a Hub dataset, checked when it is loaded
        check_columns(spec, source, tasks, columns)
    return []


def check_tasks(spec: PipelineSpec, source: SpecSource) -> dict[str, Task]:
    """The task of each stage, built (once: later builds of the spec reuse it) and checked
    against its stage; a task that cannot be built or does not fit is a SpecError."""
    tasks = {}
    for name in STAGES:
        stage = getattr(spec, name)
        if stage is None:
            continue
        try:
            tasks[name] = build_task(stage.task, Path(source.file).parent)
        except ValueError as exc:
            raise spec_error(source, (name, "task"), first_error(exc)) from None
    generator = tasks.get("generator")
    if generator is not None and generator.is_labeller:
        judge = spec.generator.task.type  # type: ignore[union-attr]
        raise spec_error(
            source, ("generator", "task", "type"), f"{judge} is a judge: use it as the labeller"
        )
    _check_labeller_task(spec, source, tasks)
    _check_generation_count(spec, source, tasks)
    return tasks


def check_columns(
    spec: PipelineSpec, source: SpecSource, tasks: dict[str, Task], columns: list[str]
) -> None:
    """Raise a SpecError when a stage's task needs a column that neither the input's
    `columns` nor the generator provides."""
    missing = missing_columns(list(tasks.items()), columns)
    if missing:
        stage_name, column = missing[0]
        task_type = getattr(spec, stage_name).task.type
        raise spec_error(
            source,
            (stage_name, "task"),
            f"{task_type} needs column {column!r}, which neither the input "
            f"({', '.join(columns) or 'no columns'}) nor the generator provides",
        )


def _check_labeller_task(spec: PipelineSpec, source: SpecSource, tasks: dict[str, Task]) -> None:
    """A generating task as the labeller would overwrite the generator's columns: refused."""
    labeller = tasks.get("labeller")
    if labeller is None:
        return
    task_type = spec.labeller.task.type  # type: ignore[union-attr]
    if task_type != "custom" and not labeller.is_labeller:
        judges = [t for t, cls in task_types().items() if cls.is_labeller]
        raise spec_error(
            source,
            ("labeller", "task", "type"),
            f"{task_type} is a generator task, not a judge: use it as the generator "
            f"(labellers: {', '.join(judges)}, custom)",
        )
    generator = tasks.get("generator")
    if task_type != "custom" or generator is None:
        return
    taken = {*GENERATION_COLUMNS, *generator.output_args_names}
    clashes = [name for name in labeller.output_args_names if name in taken]
    if clashes:
        raise spec_error(
            source,
            ("labeller", "task", "outputs"),
            f"output {clashes[0]!r} would overwrite the generator's column of that name: rename it",
        )


def _check_generation_count(spec: PipelineSpec, source: SpecSource, tasks: dict[str, Task]) -> None:
    labeller = tasks.get("labeller")
    wanted = labeller.responses_per_row() if labeller is not None else None
    if wanted is None or "generator" not in tasks or wanted == spec.run.num_generations:
        return
    judge = spec.labeller.task.type  # type: ignore[union-attr]
    raise spec_error(
        source,
        ("run", "num_generations"),
        f"the labeller ({judge}) judges {wanted} response(s) per row; "
        f"set run.num_generations: {wanted}",
    )

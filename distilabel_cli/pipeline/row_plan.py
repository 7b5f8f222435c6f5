"""What a row still needs, given the columns an earlier run saved for it.

A stage is done only when its requests were answered: a generation item whose request
failed (no raw response) is requested again, and so is a judgement whose request failed.
Items that could not be sent (a missing input, no generations to judge) stay as they are:
the same input gives the same refusal. Answers that were paid for but could not be parsed
are asked again only with `retry_unparsed`. A row whose generations change is judged again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.columns import GENERATION_MODEL, LABELLING_MODEL, RAW_GENERATIONS, RAW_LABELLING
from distilabel_cli.tasks.base import Task


@dataclass
class RowPlan:
    """The work left for one row: generation items to request, and whether to label it."""

    #: Indices of the generations to request (all of them for a row never generated).
    generate: list[int] = field(default_factory=list)
    label: bool = False
    #: True when `generate` / `label` redo items an earlier run failed.
    retry: bool = False

    @property
    def done(self) -> bool:
        return not self.generate and not self.label


def plan_row(
    row: dict[str, Any],
    saved: dict[str, Any],
    generator: Task | None,
    labeller: Task | None,
    num_generations: int,
    retry_unparsed: bool = False,
) -> RowPlan:
    """The generation items and labelling `row` still needs after what `saved` holds."""
    plan = RowPlan()
    if generator is not None:
        if GENERATION_MODEL not in saved:
            plan.generate = list(range(num_generations))
        else:
            plan.generate = generations_to_retry(generator, row, saved, retry_unparsed)
            plan.retry = bool(plan.generate)
    if labeller is not None:
        if LABELLING_MODEL not in saved or plan.generate:
            plan.label = True
        elif label_to_retry(labeller, {**row, **saved}, saved, retry_unparsed):
            plan.label = plan.retry = True
    return plan


def generations_to_retry(
    task: Task, row: dict[str, Any], saved: dict[str, Any], retry_unparsed: bool
) -> list[int]:
    """Saved generation items whose request failed (or, asked for, whose answer was unread)."""
    if task.check_row(task.task_row(row)) is not None:
        return []  # never sent: the input cannot be sent now either
    raws = saved.get(RAW_GENERATIONS) or []
    outputs = [saved.get(name) or [] for name in task.output_args_names]
    retry = []
    for k, raw in enumerate(raws):
        if raw is None or retry_unparsed and any(k < len(o) and o[k] is None for o in outputs):
            retry.append(k)
    return retry


def label_to_retry(
    task: Task, row: dict[str, Any], saved: dict[str, Any], retry_unparsed: bool
) -> bool:
    """Whether a saved judgement failed its request (or, asked for, could not be read)."""
    task_row = task.task_row(row)
    if saved.get(RAW_LABELLING) is None:
        return task.check_row(task_row) is None
    if not retry_unparsed:
        return False
    outputs = {name: saved.get(name) for name in task.output_args_names}
    _ok, failed = task.count_parsed(outputs, task_row)
    return failed > 0

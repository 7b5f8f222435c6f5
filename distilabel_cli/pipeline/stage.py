"""A stage: a task and the LLM that performs it (a pipeline's generator or labeller).

The stage owns the pairing; the LLM knows nothing of tasks. distilabel 0.6's
`LLM(task=...)` still works: `Stage.of(llm)` makes the stage from the LLM's task (a pool's
from its members', which must then agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM
    from distilabel_cli.prompt_types import FormattedPrompt, PromptFormat
    from distilabel_cli.tasks.base import Task


@dataclass(frozen=True)
class Stage:
    """A task and its LLM."""

    task: Task
    llm: LLM

    @classmethod
    def of(cls, performer: Stage | LLM | None, role: str = "stage") -> Stage | None:
        """`performer` as a stage: as given, or made from a 0.6 `LLM(task=...)`."""
        if performer is None or isinstance(performer, Stage):
            return performer
        return cls(task_of(performer, role), performer)

    @property
    def prompt_format(self) -> PromptFormat:
        """The format the LLM gets the task's prompts in."""
        return self.llm.format_for(self.task.prompt_format)

    @property
    def structured_output(self) -> bool:
        """Whether the LLM enforces the task's JSON schema for these prompts."""
        return self.llm.structured_output_for(self.prompt_format)

    def prompt(self, row: dict[str, Any], *, structured: bool = False) -> FormattedPrompt:
        """The task's prompt for `row`, formatted for the LLM."""
        return self.task.generate_prompt(row, structured=structured).format_as(self.prompt_format)


def task_of(llm: LLM, role: str = "stage") -> Task:
    """The task of a 0.6 `LLM(task=...)`; a pool's members must share it."""
    members = getattr(llm, "members", None) or []
    given = [(index, m.task) for index, m in enumerate(members) if m.task is not None]
    first = given[0][1] if given else None
    for index, member_task in given:
        if member_task != first:
            raise DistilError(
                f"all LLMs of a pool must share the same task: member {given[0][0]} has "
                f"{first!r}, member {index} has {member_task!r}"
            )
    if llm.task is not None and first is not None and llm.task != first:
        raise DistilError(f"the pool's task {llm.task!r} is not its members' {first!r}")
    task = llm.task if llm.task is not None else first
    if task is None:
        raise DistilError(
            f"the {role} ({type(llm).__name__}) has no task: pass task= to the LLM, "
            "or give a Stage(task, llm)"
        )
    return task

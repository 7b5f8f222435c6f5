"""SelfInstructTask: write new instructions for an application about a row's `input` topic."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from distilabel_cli.tasks._parsing.evol_filters import stripped
from distilabel_cli.tasks._parsing.evol_scaffold import ROW_VALUE, template_scaffold
from distilabel_cli.tasks._parsing.instruction_lists import parse_instruction_list
from distilabel_cli.tasks.base import Task, render_template
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.schemas import array_of, object_schema, string_schema

DEFAULT_SYSTEM_PROMPT = (
    "You write realistic, varied instructions that users give to AI applications. "
    "You follow the requested answer format exactly."
)
DEFAULT_CRITERIA = """\
- It can be understood and answered on its own, without extra context.
- It is specific and realistic: something a real user would type.
- It is about the topic and suited to the application.
- It fits on one line.
- Together, the instructions differ in kind (questions, tasks, explanations, creative \
requests) and in wording."""
#: The numbered example in the prompt lists every number up to this many instructions.
_MAX_LISTED = 10
#: Bounds one instruction when the backend enforces the schema.
MAX_INSTRUCTION_CHARS = 2000


class SelfInstructTask(Task):
    """Self-Instruct: `instructions` (list[str], up to `num_instructions`) per generation."""

    task_type: ClassVar[str] = "self-instruct"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    application_description: str = "AI assistant"
    num_instructions: int = Field(5, gt=0)
    criteria: str | None = Field(None, description="What good instructions look like.")

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("instructions",)
    TEMPLATE: ClassVar[str] = "self_instruct.jinja2"

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        context = self._context(stripped(row.get("input")))
        text = render_template(self.TEMPLATE, **context, structured=structured)
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def _context(self, topic: str) -> dict[str, Any]:
        """The template's variables (hashable values) for the row's `topic`."""
        n = self.num_instructions
        numbers = tuple(range(1, n + 1)) if n <= _MAX_LISTED else (1, 2, 3, "...", n)
        return {
            "num_instructions": n,
            "application_description": self.application_description,
            "topic": topic,
            "criteria": (self.criteria or DEFAULT_CRITERIA).strip(),
            "numbers": numbers,
        }

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        item = string_schema(MAX_INSTRUCTION_CHARS, min_chars=1)
        return object_schema({"instructions": array_of(item, self.num_instructions)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        context = tuple(self._context(ROW_VALUE).items())
        scaffold = template_scaffold(self.system_prompt, self.TEMPLATE, context)
        topic = row.get("input")
        return {
            "instructions": parse_instruction_list(
                text, self.num_instructions, lambda item: scaffold.echoed_item(item, topic)
            )
        }

    def output_features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"instructions": List(Value("string"))}

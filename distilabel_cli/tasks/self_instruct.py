"""SelfInstructTask: write new instructions for an application about a row's `input` topic."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from datasets import List, Value
from pydantic import Field

from distilabel_cli.tasks.base import Task, render_template
from distilabel_cli.tasks.evol_filters import ROW_VALUE, Scaffold
from distilabel_cli.tasks.instruction_lists import parse_instruction_list
from distilabel_cli.tasks.prompt import Prompt

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

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    application_description: str = "AI assistant"
    num_instructions: int = Field(5, gt=0)
    criteria: str | None = None

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("instructions",)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        text = _render(self._settings(), _text(row.get("input")), structured)
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def _settings(self) -> tuple[str, int, str]:
        return (
            self.application_description,
            self.num_instructions,
            (self.criteria or DEFAULT_CRITERIA).strip(),
        )

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        n = self.num_instructions
        item = {"type": "string", "minLength": 1, "maxLength": MAX_INSTRUCTION_CHARS}
        return {
            "type": "object",
            "properties": {
                "instructions": {"type": "array", "items": item, "minItems": n, "maxItems": n}
            },
            "required": ["instructions"],
            "additionalProperties": False,
        }

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        scaffold = _scaffold(self.system_prompt, self._settings())
        topic = row.get("input")
        return {
            "instructions": parse_instruction_list(
                text, self.num_instructions, lambda item: scaffold.echoed_item(item, topic)
            )
        }

    def output_features(self) -> dict[str, Any]:
        return {"instructions": List(Value("string"))}


def _render(settings: tuple[str, int, str], topic: str, structured: bool) -> str:
    application, n, criteria = settings
    numbers: list[int | str] = list(range(1, n + 1))
    if n > _MAX_LISTED:
        numbers = [1, 2, 3, "...", n]
    return render_template(
        "self_instruct.jinja2",
        num_instructions=n,
        application_description=application,
        topic=topic,
        criteria=criteria,
        numbers=numbers,
        structured=structured,
    )


@lru_cache(maxsize=64)
def _scaffold(system_prompt: str, settings: tuple[str, int, str]) -> Scaffold:
    """The fixed text of both prompt variants: items that copy it back are dropped."""
    prompts = (_render(settings, ROW_VALUE, structured) for structured in (False, True))
    return Scaffold.of(system_prompt, *prompts)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()

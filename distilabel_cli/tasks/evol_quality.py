"""EvolQualityTask (Deita): rewrite a row's `generation` to answer its `input` better."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, ClassVar, Literal

from distilabel_cli.tasks.base import Task, choose, render_template, row_rng
from distilabel_cli.tasks.evol_filters import (
    ROW_VALUE,
    Scaffold,
    clean_answer,
    cut_trailing_notes,
    has_scaffold,
    is_copy,
    is_near_copy,
    is_placeholder,
    is_refusal,
    json_answer,
    normalize,
)
from distilabel_cli.tasks.prompt import Prompt

EvolQualityMethod = Literal["helpfulness", "relevance", "depth", "creativity", "details"]

DEFAULT_SYSTEM_PROMPT = (
    "You improve the answers of AI assistants. You reply with the improved answer only, "
    "never with comments about it."
)
#: What a failed rewrite leaves behind: the prompt's own labels and headings.
SCAFFOLD = (
    re.compile(r"given prompt|rewritten response|#[ \t]*response[ \t]*#", re.I),
    re.compile(r"#[ \t]*(?:rewritten|given)\b", re.I),
    re.compile(
        r"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?(?:original|rewritten|improved|revised)[ \t]+response"
        r"[ \t]*(?:\*\*)?[ \t]*:",
        re.I | re.M,
    ),
    re.compile(
        r"^#+[ \t]*(?:task|rules|instruction|original response|your answer)[ \t]*$", re.I | re.M
    ),
    re.compile(
        r"^method[ \t]*:[ \t]*(?:helpfulness|relevance|depth|creativity|details)\b", re.I | re.M
    ),
)
#: A trailing paragraph that comments on the rewrite instead of being part of it.
NOTES = re.compile(
    r"(?:\*\*)?\(?(?:this (?:rewritten|revised|improved|updated) (?:response|version|answer)"
    r"|changes made|explanation of (?:the )?changes|what i changed"
    r"|i (?:have )?(?:rewrote|rewritten|revised|improved) (?:the|your) (?:response|answer))",
    re.I,
)


class EvolQualityTask(Task):
    """Evol-Quality: one improved response (`generations`, str or None) per generation.

    `method` None draws one per row from `input`, `generation` and `seed`; the prompt names it.
    """

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    method: EvolQualityMethod | None = None
    seed: int | None = None

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generation")
    output_args_names: ClassVar[tuple[str, ...]] = ("generations",)
    METHODS: ClassVar[tuple[str, ...]] = (
        "helpfulness",
        "relevance",
        "depth",
        "creativity",
        "details",
    )

    def method_for(self, row: dict[str, Any]) -> str:
        """The rewriting method used for this row (the same each time it is asked)."""
        if self.method is not None:
            return self.method
        return choose(row_rng(self.seed, row, ("input", "generation")), self.METHODS)

    def row_problem(self, row: dict[str, Any]) -> str | None:
        generation = row.get("generation")
        if isinstance(generation, list):
            return "generation is a list: evol-quality rewrites one response (a string) per row"
        if not _text(generation):
            return "no generation to evolve"
        return None

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        text = _render(
            self.method_for(row), _text(row.get("input")), _text(row.get("generation")), structured
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"response": {"type": "string", "minLength": 1}},
            "required": ["response"],
            "additionalProperties": False,
        }

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"generations": self._improved(text, row)}

    def _improved(self, text: str | None, row: dict[str, Any]) -> str | None:
        if not text or not text.strip():
            return None
        is_json, value = json_answer(text, "response")
        answer = value if is_json else text
        if answer is None:
            return None
        answer = cut_trailing_notes(clean_answer(answer, code_block=False), NOTES)
        original = row.get("generation")
        if (
            not normalize(answer)
            or is_placeholder(answer)
            or is_refusal(answer, original)
            or has_scaffold(answer, SCAFFOLD)
            or is_copy(answer, original, row.get("input"))
            or is_near_copy(answer, original)
            or _scaffold(self.system_prompt, self.method_for(row)).echoed(
                answer, row.get("input"), original
            )
        ):
            return None
        return answer


def _render(method: str, instruction: str, generation: str, structured: bool) -> str:
    return render_template(
        "evol_quality.jinja2",
        method=method,
        input=instruction,
        generation=generation,
        structured=structured,
    )


@lru_cache(maxsize=64)
def _scaffold(system_prompt: str, method: str) -> Scaffold:
    """The fixed text of both prompt variants for `method`, copied back by failed answers."""
    prompts = (_render(method, ROW_VALUE, ROW_VALUE, s) for s in (False, True))
    return Scaffold.of(system_prompt, *prompts)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()

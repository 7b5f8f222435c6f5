"""EvolQualityTask (Deita): rewrite a row's `generation` to answer its `input` better."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal, get_args

from distilabel_cli.tasks._parsing.evol_filters import is_near_copy, stripped
from distilabel_cli.tasks.evol_task import EvolTask, method_option

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


class EvolQualityTask(EvolTask):
    """Evol-Quality: one improved response (`generations`, str or None) per generation.

    `method` None draws one per row from `input`, `generation` and `seed`; the prompt names it.
    """

    task_type: ClassVar[str] = "evol-quality"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    method: EvolQualityMethod | None = method_option()  # type: ignore[assignment]

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generation")
    output_args_names: ClassVar[tuple[str, ...]] = ("generations",)
    METHODS: ClassVar[tuple[str, ...]] = get_args(EvolQualityMethod)
    TEMPLATE: ClassVar[str] = "evol_quality.jinja2"
    REWRITES: ClassVar[str] = "generation"
    ANSWER_KEY: ClassVar[str] = "response"
    SCAFFOLD: ClassVar[tuple[re.Pattern[str], ...]] = SCAFFOLD
    NOTES: ClassVar[re.Pattern[str]] = NOTES
    UNFENCE: ClassVar[bool] = False  # a response may well be one code block

    def row_problem(self, row: dict[str, Any]) -> str | None:
        generation = row.get("generation")
        if isinstance(generation, list):
            return "generation is a list: evol-quality rewrites one response (a string) per row"
        if not stripped(generation):
            return "no generation to evolve"
        return None

    def copies(self, answer: str, row: dict[str, Any]) -> bool:
        """Also the original response with only a handful of words changed."""
        return super().copies(answer, row) or is_near_copy(answer, row.get("generation"))

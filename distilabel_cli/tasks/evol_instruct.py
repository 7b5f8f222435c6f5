"""EvolInstructTask (WizardLM) and EvolComplexityTask (Deita): evolve a row's `input`."""

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
    is_placeholder,
    is_refusal,
    json_answer,
    normalize,
)
from distilabel_cli.tasks.prompt import Prompt

EvolInstructMethod = Literal["breadth", "constraints", "deepen", "concretizing", "reasoning"]
EvolComplexityMethod = Literal["constraints", "deepen", "concretizing", "reasoning"]

DEFAULT_SYSTEM_PROMPT = (
    "You rewrite instructions for AI assistants. You answer with the rewritten instruction "
    "only: you never answer it and never comment on it."
)
#: One worked example per method: (original, evolved).
EXAMPLES: dict[str, tuple[str, str]] = {
    "breadth": (
        "Explain how vaccines train the immune system.",
        "Describe how the gut microbiome changes the way the body absorbs oral medication.",
    ),
    "constraints": (
        "Write a poem about the sea.",
        'Write a poem about the sea in exactly four rhyming lines, without using the word "blue".',
    ),
    "deepen": (
        "What caused the fall of the Roman Empire?",
        "What economic, military and political factors caused the fall of the Western Roman "
        "Empire, and how did they reinforce one another?",
    ),
    "concretizing": (
        "Give me tips to improve my writing.",
        "Give me three tips to make the dialogue in my fantasy short story sound more natural.",
    ),
    "reasoning": (
        "Is 91 a prime number?",
        "Is 91 a prime number? Test its divisibility by each prime up to its square root, "
        "showing every step, then state your conclusion.",
    ),
}
#: What a failed evolution leaves behind: the prompt's own labels and headings.
SCAFFOLD = (
    re.compile(r"given prompt|rewritten prompt|created prompt|rewritten instruction", re.I),
    re.compile(r"#[ \t]*(?:rewritten|created|given)\b", re.I),
    re.compile(
        r"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?(?:original|rewritten|new|example)"
        r"(?:[ \t]+(?:instruction|prompt))?[ \t]*(?:\*\*)?[ \t]*:",
        re.I | re.M,
    ),
    re.compile(r"^#+[ \t]*(?:task|rules|original instruction|your answer)\b", re.I | re.M),
    re.compile(r"^(?:method|rules)[ \t]*:", re.I | re.M),
)
#: A trailing paragraph that explains the rewrite instead of being part of it.
NOTES = re.compile(
    r"(?:\*\*)?\(?(?:explanation|changes made|changes:|i (?:have )?(?:added|rewrote|replaced"
    r"|made)\b|this (?:rewritten|new|revised|evolved|updated) (?:instruction|prompt|version))",
    re.I,
)


class EvolInstructTask(Task):
    """Evol-Instruct: one evolved instruction (`instructions`, str or None) per generation.

    `method` None draws one per row from `input` and `seed`; the prompt names the method.
    """

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    method: EvolInstructMethod | None = None
    seed: int | None = None

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("instructions",)
    METHODS: ClassVar[tuple[str, ...]] = (
        "breadth",
        "constraints",
        "deepen",
        "concretizing",
        "reasoning",
    )

    def method_for(self, row: dict[str, Any]) -> str:
        """The evolution method used for this row (the same each time it is asked)."""
        if self.method is not None:
            return self.method
        return choose(row_rng(self.seed, row, ("input",)), self.METHODS)

    def row_problem(self, row: dict[str, Any]) -> str | None:
        if not _text(row.get("input")):
            return "no instruction to evolve"
        return None

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        text = _render(self.method_for(row), _text(row.get("input")), structured)
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"instruction": {"type": "string", "minLength": 1}},
            "required": ["instruction"],
            "additionalProperties": False,
        }

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"instructions": self._evolved(text, row)}

    def _evolved(self, text: str | None, row: dict[str, Any]) -> str | None:
        if not text or not text.strip():
            return None
        is_json, value = json_answer(text, "instruction")
        answer = value if is_json else text
        if answer is None:
            return None
        answer = cut_trailing_notes(clean_answer(answer), NOTES)
        original = row.get("input")
        method = self.method_for(row)
        if (
            not normalize(answer)
            or is_placeholder(answer)
            or is_refusal(answer, original)
            or has_scaffold(answer, SCAFFOLD)
            or is_copy(answer, original, *EXAMPLES[method])
            or _scaffold(self.system_prompt, method).echoed(answer, original)
        ):
            return None
        return answer


class EvolComplexityTask(EvolInstructTask):
    """Evol-Complexity (Deita): Evol-Instruct restricted to the in-depth methods."""

    method: EvolComplexityMethod | None = None  # type: ignore[assignment]

    METHODS: ClassVar[tuple[str, ...]] = ("constraints", "deepen", "concretizing", "reasoning")


def _render(method: str, instruction: str, structured: bool) -> str:
    before, after = EXAMPLES[method]
    return render_template(
        "evol_instruct.jinja2",
        method=method,
        example_before=before,
        example_after=after,
        input=instruction,
        structured=structured,
    )


@lru_cache(maxsize=64)
def _scaffold(system_prompt: str, method: str) -> Scaffold:
    """The fixed text of both prompt variants for `method`, copied back by failed answers."""
    prompts = (_render(method, ROW_VALUE, structured) for structured in (False, True))
    return Scaffold.of(system_prompt, *prompts)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()

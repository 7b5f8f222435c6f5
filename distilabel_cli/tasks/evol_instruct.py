"""EvolInstructTask (WizardLM) and EvolComplexityTask (Deita): evolve a row's `input`."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal, get_args

from distilabel_cli.tasks._parsing.evol_filters import is_copy, stripped
from distilabel_cli.tasks.evol_task import EvolTask, method_option

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


class EvolInstructTask(EvolTask):
    """Evol-Instruct: one evolved instruction (`instructions`, str or None) per generation.

    `method` None draws one per row from `input` and `seed`; the prompt names the method.
    """

    task_type: ClassVar[str] = "evol-instruct"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    method: EvolInstructMethod | None = method_option()  # type: ignore[assignment]

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("instructions",)
    METHODS: ClassVar[tuple[str, ...]] = get_args(EvolInstructMethod)
    TEMPLATE: ClassVar[str] = "evol_instruct.jinja2"
    REWRITES: ClassVar[str] = "input"
    ANSWER_KEY: ClassVar[str] = "instruction"
    SCAFFOLD: ClassVar[tuple[re.Pattern[str], ...]] = SCAFFOLD
    NOTES: ClassVar[re.Pattern[str]] = NOTES

    def row_problem(self, row: dict[str, Any]) -> str | None:
        if not stripped(row.get("input")):
            return "no instruction to evolve"
        return None

    def context(self, method: str, values: dict[str, str]) -> dict[str, Any]:
        before, after = EXAMPLES[method]
        return {"method": method, "example_before": before, "example_after": after, **values}

    def copies(self, answer: str, row: dict[str, Any]) -> bool:
        """Also a copy of the prompt's worked example."""
        return super().copies(answer, row) or is_copy(answer, *EXAMPLES[self.method_for(row)])


class EvolComplexityTask(EvolInstructTask):
    """Evol-Complexity (Deita): Evol-Instruct restricted to the in-depth methods."""

    task_type: ClassVar[str] = "evol-complexity"

    method: EvolComplexityMethod | None = method_option()  # type: ignore[assignment]

    METHODS: ClassVar[tuple[str, ...]] = get_args(EvolComplexityMethod)

"""EvolTask: what the evolution tasks (Evol-Instruct/Complexity, Evol-Quality) share.

A method drawn per row, the prompt rendered from a bundled template, and the answer read
(JSON or plain text), cleaned and vetted: a failed rewrite becomes None.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field

from distilabel_cli.tasks._parsing.evol_filters import (
    clean_answer,
    cut_trailing_notes,
    has_scaffold,
    is_copy,
    is_placeholder,
    is_preamble,
    is_refusal,
    json_answer,
    labelled_answer,
    normalize,
    stripped,
    unbullet,
)
from distilabel_cli.tasks._parsing.evol_scaffold import ROW_VALUE, Scaffold, template_scaffold
from distilabel_cli.tasks.base import Task, choose, render_template, row_rng
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.schemas import object_schema, string_schema


def method_option() -> Any:
    """The `method` field (subclasses narrow its type): a method, or None for one per row."""
    return Field(None, description="Default: a random one per row.")


class EvolTask(Task):
    """Rewrites the row's `REWRITES` column with one of `METHODS`: `method`, or one drawn per
    row from the row's inputs and `seed`; the prompt names it. One output column."""

    method: str | None = method_option()
    seed: int | None = Field(None, description="Seed of the method drawn per row.")

    METHODS: ClassVar[tuple[str, ...]] = ()
    #: The bundled template of the prompt.
    TEMPLATE: ClassVar[str]
    #: The input column the answer rewrites.
    REWRITES: ClassVar[str]
    #: The key of the answer in a JSON reply.
    ANSWER_KEY: ClassVar[str]
    #: What a failed rewrite leaves behind: the prompt's own labels and headings.
    SCAFFOLD: ClassVar[tuple[re.Pattern[str], ...]]
    #: A trailing paragraph that comments on the rewrite instead of being part of it.
    NOTES: ClassVar[re.Pattern[str]]
    #: Whether an answer that is one fenced code block is unwrapped.
    UNFENCE: ClassVar[bool] = True

    def method_for(self, row: dict[str, Any]) -> str:
        """The method used for this row (the same each time it is asked)."""
        if self.method is not None:
            return self.method
        return choose(row_rng(self.seed, row, self.input_args_names), self.METHODS)

    def context(self, method: str, values: dict[str, str]) -> dict[str, Any]:
        """The template's variables for `method` and the row's `values` (by input name)."""
        return {"method": method, **values}

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        values = {name: stripped(row.get(name)) for name in self.input_args_names}
        context = self.context(self.method_for(row), values)
        prompt = render_template(self.TEMPLATE, **context, structured=structured)
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=prompt)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return object_schema({self.ANSWER_KEY: string_schema(min_chars=1)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {self.output_args_names[0]: self._answer(text, row)}

    def _answer(self, text: str | None, row: dict[str, Any]) -> str | None:
        if not text or not text.strip():
            return None
        is_json, value = json_answer(text, self.ANSWER_KEY)
        answer = value if is_json else text
        if answer is None:
            return None
        answer = self.extract(answer, row)
        original = row.get(self.REWRITES)
        if (
            not normalize(answer)
            or is_placeholder(answer)
            or is_refusal(answer, original)
            or has_scaffold(answer, self.SCAFFOLD)
            or self.copies(answer, row)
        ):
            return None
        return answer

    def extract(self, answer: str, row: dict[str, Any]) -> str:
        """The rewrite in an answer: the part after its last "Rewritten:"-like label when only
        echoes of the prompt or the row come before, without leading and trailing lines that
        echo the prompt, wrappers ("Here is...", quotes, a fence) and trailing notes."""
        scaffold, values = self.scaffold(row), [row.get(n) for n in self.input_args_names]
        rows = [normalize(v) for v in values if isinstance(v, str)]

        def is_noise(line: str) -> bool:  # an echo of the prompt or of the row
            norm = normalize(line)
            return (
                scaffold.echo_line(line, *values)
                or is_preamble(line)
                or any(f" {norm} " in f" {v} " for v in rows)
            )

        answer = labelled_answer(answer, is_noise) or answer
        answer = unbullet(scaffold.strip_lines(answer, *values))
        answer = cut_trailing_notes(clean_answer(answer, code_block=self.UNFENCE), self.NOTES)
        return scaffold.strip_lines(answer, *values)

    def copies(self, answer: str, row: dict[str, Any]) -> bool:
        """Whether the answer copies the row's inputs or the prompt's fixed text (sentences
        of it that the row's own inputs do not contain)."""
        values = [row.get(name) for name in self.input_args_names]
        return is_copy(answer, *values) or self.scaffold(row).echoed(answer, *values)

    def scaffold(self, row: dict[str, Any]) -> Scaffold:
        """The fixed text of both variants of this row's prompt (its method's)."""
        values = dict.fromkeys(self.input_args_names, ROW_VALUE)
        context = self.context(self.method_for(row), values)
        return template_scaffold(self.system_prompt, self.TEMPLATE, tuple(context.items()))

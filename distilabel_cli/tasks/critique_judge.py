"""CritiqueJudge: what the judges of a row's one response share (UltraCM, Prometheus
absolute): a `critique` (str) then a `score` (float) of that response."""

from __future__ import annotations

from typing import Any, ClassVar

from distilabel_cli.tasks._parsing.critique import single_count
from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.schemas import integer_enum, object_schema, string_schema


class CritiqueJudge(Task):
    """Critiques the row's one response and scores it on `score_range`."""

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generations")
    output_args_names: ClassVar[tuple[str, ...]] = ("critique", "score")
    is_labeller: ClassVar[bool] = True
    #: The lowest and highest score.
    score_range: ClassVar[tuple[int, int]]
    #: The JSON key of the critique, and its bound (keeps a rambling judge within its budget).
    CRITIQUE_KEY: ClassVar[str] = "critique"
    MAX_CRITIQUE_CHARS: ClassVar[int] = 800

    def responses_per_row(self) -> int:
        return 1

    def read(self, text: str | None) -> tuple[str | None, float | None]:
        """(critique, score) from an answer; None where unreadable."""
        raise NotImplementedError

    def critique_schema(self, verdict: dict[str, Any]) -> dict[str, Any]:
        """The critique first, then the `verdict` properties it leads to."""
        critique = string_schema(self.MAX_CRITIQUE_CHARS)
        return object_schema({self.CRITIQUE_KEY: critique, **verdict})

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.critique_schema({"score": integer_enum(*self.score_range)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        critique, score = self.read(text)
        return {"critique": critique, "score": score}

    def output_features(self) -> dict[str, Any]:
        from datasets import Value

        return {"critique": Value("string"), "score": Value("float64")}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        return single_count(outputs.get("score"), row)

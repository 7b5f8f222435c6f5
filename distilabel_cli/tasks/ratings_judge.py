"""RatingsJudge: what the judges that score every response of a row in one request share
(JudgeLM, UltraJudge, the Deita scorers).

Their `rating` column holds one score per item of `generations` (None for an item that is
None: it is shown to the judge as a placeholder, not as a real answer).
"""

from __future__ import annotations

from typing import Any, ClassVar

from distilabel_cli.tasks._parsing.scores import as_items, count_ratings, shown
from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.schemas import array_of, integer_enum


class RatingsJudge(Task):
    """Scores each item of `generations` on `rating_scale`; output `rating` (list[float])."""

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generations")
    is_labeller: ClassVar[bool] = True
    #: The scale of `rating` (read by the Argilla export).
    rating_scale: ClassVar[tuple[int, int]]

    def shown_items(self, row: dict[str, Any], placeholder: str = "(no response)") -> list[str]:
        """The row's items as shown to the judge."""
        return shown(as_items(row["generations"]), placeholder)

    def scores_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        """An array of one whole-number score per item of the row."""
        return array_of(integer_enum(*self.rating_scale), len(as_items(row["generations"])))

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        return count_ratings(outputs.get("rating"), as_items(row.get("generations")))

    def empty_output(self, row: dict[str, Any]) -> dict[str, Any]:
        """None for each item in list columns, None for the others."""
        n = len(as_items(row.get("generations")))
        from datasets import List

        features = self.output_features()
        return {name: [None] * n if isinstance(f, List) else None for name, f in features.items()}

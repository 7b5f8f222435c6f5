"""The column contract kept with distilabel 0.6: the names of the columns a pipeline adds.

Generation columns are lists aligned with the row's generations; labelling columns hold one
judgement; `distil_metadata` (last) says why an item is None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

GENERATION_MODEL = "generation_model"
GENERATION_PROMPT = "generation_prompt"
RAW_GENERATIONS = "raw_generation_responses"
GENERATIONS = "generations"
LABELLING_MODEL = "labelling_model"
LABELLING_PROMPT = "labelling_prompt"
RAW_LABELLING = "raw_labelling_response"
METADATA = "distil_metadata"
#: Keys of the `distil_metadata` struct.
GENERATION_ERRORS = "generation_errors"
LABELLING_ERROR = "labelling_error"

GENERATION_COLUMNS = (GENERATION_MODEL, GENERATION_PROMPT, RAW_GENERATIONS)
LABELLING_COLUMNS = (LABELLING_MODEL, LABELLING_PROMPT, RAW_LABELLING)


def missing_columns(
    stages: Iterable[tuple[str, Any]], input_columns: Iterable[str]
) -> list[tuple[str, str]]:
    """(stage, column) pairs a stage's task needs that neither the input nor an earlier
    stage provides (`stages`: (name, task) in order)."""
    available = set(input_columns)
    missing = []
    for stage, task in stages:
        missing += [(stage, c) for c in task.required_columns() if c not in available]
        available |= set(task.output_args_names)
    return missing

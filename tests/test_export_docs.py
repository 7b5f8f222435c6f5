"""docs/export.md shows one example row per format: each is what `distil export` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from datasets import Dataset, disable_progress_bars

from distilabel_cli.dataset.export import FORMAT_NAMES, export_dataset

disable_progress_bars()
DOC = Path(__file__).resolve().parents[1] / "docs" / "export.md"


def documented_rows() -> dict[str, list[dict]]:
    """Format name -> the JSON lines of the code block under its `### name` heading."""
    sections = re.findall(r"^### (\S+)\n.*?```json\n(.*?)```", DOC.read_text(), re.M | re.S)
    return {name: [json.loads(line) for line in block.splitlines()] for name, block in sections}


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_documented_example_row_is_what_export_writes(name: str) -> None:
    example = Dataset.from_dict(
        {
            "input": ["What is the capital of France?"],
            "system": ["Answer briefly."],
            "generations": [["Paris.", "Lyon."]],
            "generation_model": [["m1", "m2"]],
            "rating": [[5.0, 1.0]],
            "rationale": [["Correct.", "Wrong city."]],
        }
    )
    rows = export_dataset(example, name).splits["train"].to_list()
    assert documented_rows()[name] == rows

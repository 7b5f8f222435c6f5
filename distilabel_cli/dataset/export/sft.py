"""Formats with one response per row (supervised fine-tuning): built from selected responses.

Each builder takes a batch with `prompt`, `response` and maybe `system` (see `select`) and
returns the format's columns.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from distilabel_cli.dataset.export.messages import SHAREGPT_FIELDS, turns
from distilabel_cli.dataset.export.select import PROMPT, RESPONSE, SYSTEM


def _system(batch: pa.Table) -> pa.Array | None:
    return batch.column(SYSTEM).combine_chunks() if SYSTEM in batch.column_names else None


def _column(batch: pa.Table, name: str) -> pa.Array:
    return batch.column(name).combine_chunks()


def messages(batch: pa.Table) -> pa.Table:
    """`messages`: [system?, user, assistant] (TRL SFT; OpenAI chat fine-tuning)."""
    conversation = turns(
        [
            ("system", _system(batch)),
            ("user", _column(batch, PROMPT)),
            ("assistant", _column(batch, RESPONSE)),
        ]
    )
    return pa.table({"messages": conversation})


def alpaca(batch: pa.Table) -> pa.Table:
    """`instruction`, `input` (empty: the prompt is the instruction), `output`, and `system`
    when the dataset has a system prompt column (LLaMA-Factory's optional alpaca field)."""
    prompts = _column(batch, PROMPT)
    data = {
        "instruction": prompts,
        "input": pa.repeat(pa.scalar("", pa.string()), len(prompts)),
        "output": _column(batch, RESPONSE),
    }
    system = _system(batch)
    if system is not None:
        data["system"] = pc.fill_null(system, "")
    return pa.table(data)


def sharegpt(batch: pa.Table) -> pa.Table:
    """`conversations`: [{from: system}?, {from: human}, {from: gpt}] with `value` texts."""
    conversation = turns(
        [
            ("system", _system(batch)),
            ("human", _column(batch, PROMPT)),
            ("gpt", _column(batch, RESPONSE)),
        ],
        SHAREGPT_FIELDS,
    )
    return pa.table({"conversations": conversation})

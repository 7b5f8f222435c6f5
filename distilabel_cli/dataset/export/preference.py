"""Preference formats, built from the pairs `distil binarize` picks (one per prompt).

Each builder takes a batch of binarized pairs (`prompt`, `chosen`, `rejected` as
[user, assistant] conversations, the input's own columns such as a system prompt) and the
name of the system prompt column (None without one).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from distilabel_cli.dataset.export.messages import (
    PROMPT_KEY,
    nonblank_or_null,
    turn_content,
    turns,
)


def _parts(
    batch: pa.Table, system: str | None
) -> tuple[pa.Array | None, pa.Array, pa.Array, pa.Array]:
    """(system texts or None, prompts, chosen responses, rejected responses)."""
    sys_texts = None
    if system is not None:
        sys_texts = nonblank_or_null(batch.column(system).combine_chunks())
    prompts = batch.column("prompt").combine_chunks()
    chosen = turn_content(batch.column("chosen").combine_chunks(), 1)
    rejected = turn_content(batch.column("rejected").combine_chunks(), 1)
    return sys_texts, prompts, chosen, rejected


def dpo(batch: pa.Table, system: str | None) -> pa.Table:
    """TRL's explicit-prompt conversational format: `prompt` = [system?, user], `chosen` and
    `rejected` = [assistant]."""
    sys_texts, prompts, chosen, rejected = _parts(batch, system)
    return pa.table(
        {
            "prompt": turns([("system", sys_texts), ("user", prompts)]),
            "chosen": turns([("assistant", chosen)]),
            "rejected": turns([("assistant", rejected)]),
        }
    )


def dpo_implicit(batch: pa.Table, system: str | None) -> pa.Table:
    """`distil binarize`'s shape (`prompt` text, `chosen`/`rejected` = [user, assistant],
    ratings, models...), with the system message first in both conversations when the
    dataset has a system prompt column."""
    if system is None:
        return batch
    sys_texts, prompts, chosen, rejected = _parts(batch, system)
    for name, responses in (("chosen", chosen), ("rejected", rejected)):
        conversation = turns([("system", sys_texts), ("user", prompts), ("assistant", responses)])
        batch = batch.set_column(batch.schema.get_field_index(name), name, conversation)
    return batch


def kto(batch: pa.Table, system: str | None) -> pa.Table:
    """TRL's unpaired preference format: each pair gives two rows, `prompt` = [system?, user],
    `completion` = [assistant], `label` True for chosen then False for rejected (what
    `trl.data_utils.unpair_preference_dataset` makes of a `dpo` export)."""
    sys_texts, prompts, chosen, rejected = _parts(batch, system)
    n = len(prompts)
    rows = pa.array(np.repeat(np.arange(n), 2), pa.int64())
    interleave = np.empty(2 * n, np.int64)
    interleave[0::2] = np.arange(n)
    interleave[1::2] = np.arange(n, 2 * n)
    completions = pa.concat_arrays([chosen, rejected]).take(pa.array(interleave))
    sys_rows = None if sys_texts is None else sys_texts.take(rows)
    return pa.table(
        {
            "prompt": turns([("system", sys_rows), ("user", prompts.take(rows))]),
            "completion": turns([("assistant", completions)]),
            "label": pa.array(np.tile([True, False], n), pa.bool_()),
            PROMPT_KEY: prompts.take(rows),
        }
    )

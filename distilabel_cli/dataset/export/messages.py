"""Chat turns built column-wise with Arrow: a list of {role, content} structs per row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Field names of one turn: TRL/OpenAI messages, and ShareGPT conversations.
MESSAGE_FIELDS = ("role", "content")
SHAREGPT_FIELDS = ("from", "value")
#: The prompt text of each output row, kept while converting to split by prompt.
PROMPT_KEY = "__distil_prompt__"


def turns(
    parts: Sequence[tuple[str, pa.Array | None]], fields: tuple[str, str] = MESSAGE_FIELDS
) -> pa.ListArray:
    """Per row, one turn `{fields[0]: role, fields[1]: text}` for each (role, texts) part,
    in order; a part that is None, or a null text, gives no turn in that row (an optional
    system message)."""
    present = [(role, texts) for role, texts in parts if texts is not None]
    n = len(present[0][1])
    kept = np.stack([_not_null(texts) for _, texts in present], axis=1)  # rows x parts
    counts = kept.sum(axis=1)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    part = np.tile(np.arange(len(present)), n)[kept.ravel()]
    row = np.repeat(np.arange(n), len(present))[kept.ravel()]
    texts = pa.concat_arrays([_string(texts) for _, texts in present])
    contents = texts.take(pa.array(part * n + row, pa.int64()))
    roles = pa.array([role for role, _ in present], pa.string()).take(pa.array(part))
    structs = pa.StructArray.from_arrays([roles, contents], names=list(fields))
    return pa.ListArray.from_arrays(pa.array(offsets), structs)


def nonblank_or_null(texts: pa.Array) -> pa.Array:
    """The texts, with empty or whitespace-only ones made null (e.g. an unset system prompt)."""
    texts = _string(texts)
    blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0).fill_null(True)
    return pc.if_else(blank, pa.scalar(None, pa.string()), texts)


def turn_content(conversations: pa.Array, index: int) -> pa.Array:
    """The content of turn `index` of each conversation (null where it has none)."""
    items = pc.list_element(conversations, index)
    return _string(pc.struct_field(items, MESSAGE_FIELDS[1]))


def _not_null(texts: pa.Array) -> np.ndarray:
    return ~texts.is_null().to_numpy(zero_copy_only=False)


def _string(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    return texts if texts.type == pa.string() else texts.cast(pa.string())

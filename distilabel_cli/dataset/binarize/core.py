"""Binarize a rated dataset into DPO pairs (TRL conversational chosen/rejected)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from datasets import Dataset, DatasetInfo, Features
from datasets.fingerprint import generate_random_fingerprint

from distilabel_cli.dataset.binarize.columns import BinarizeColumns, RatedColumns, resolve_columns
from distilabel_cli.dataset.binarize.select import Pairs, both_empty, select_pairs
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.io.explode import RUN_COLUMNS
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import Task

Strategy = Literal["random", "worst"]
STRATEGIES: tuple[str, ...] = ("random", "worst")
#: Above this many distinct margins the histogram uses equal-width bins.
MAX_HISTOGRAM_BINS = 10
#: Outputs of the rating judges: with the run's columns, not carried into the pairs.
JUDGE_OUTPUT_COLUMNS = ("rating", "rationale", "areas", "critique")


@dataclass
class BinarizeSummary:
    """What binarization kept and dropped."""

    strategy: str
    rows_in: int
    pairs_out: int
    ties_dropped: int = 0
    margin_dropped: int = 0
    #: Pairs whose chosen and rejected responses were both empty (or blank).
    empty_dropped: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    margin_histogram: list[tuple[str, int]] = field(default_factory=list)

    @property
    def invalid_dropped(self) -> int:
        """Rows dropped before pairing, all reasons together."""
        return sum(self.invalid.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "rows_in": self.rows_in,
            "pairs_out": self.pairs_out,
            "ties_dropped": self.ties_dropped,
            "margin_dropped": self.margin_dropped,
            "empty_dropped": self.empty_dropped,
            "invalid": dict(self.invalid),
            "margin_histogram": [list(item) for item in self.margin_histogram],
        }


@dataclass
class BinarizeResult:
    """The binarized dataset and its summary."""

    dataset: CustomDataset
    summary: BinarizeSummary


def binarize(
    dataset: Dataset | pa.Table,
    strategy: Strategy = "random",
    sft: bool = False,
    seed: int | None = None,
    keep_ties: bool = False,
    min_margin: float | None = None,
    columns: BinarizeColumns | Mapping[str, str] | None = None,
) -> BinarizeResult:
    """Binarize and also return a summary; see `prepare_dataset`."""
    if strategy not in STRATEGIES:
        raise DistilError(f"strategy {strategy!r}: expected one of {', '.join(STRATEGIES)}")
    if min_margin is not None and not min_margin >= 0:
        raise DistilError(f"min_margin {min_margin}: must be a number >= 0")
    if seed is not None and seed < 0:
        raise DistilError(f"seed {seed}: must be >= 0")
    mapping = BinarizeColumns.coerce(columns)
    task = getattr(dataset, "task", None)
    table = dataset if isinstance(dataset, pa.Table) else dataset.with_format("arrow")[:]
    cols = resolve_columns(table, mapping, task)

    pairs = select_pairs(cols, strategy, np.random.default_rng(seed))
    empty = both_empty(cols, pairs)
    margin = _margins(pairs)
    tie = ~empty & (margin == 0)
    keep = ~empty if keep_ties else ~empty & ~tie
    small = keep & (margin < min_margin) if min_margin is not None else np.zeros_like(keep)
    pairs = pairs.keep(keep & ~small)

    summary = BinarizeSummary(
        strategy=strategy,
        rows_in=table.num_rows,
        pairs_out=len(pairs.rows),
        ties_dropped=0 if keep_ties else int(tie.sum()),
        margin_dropped=int(small.sum()),
        empty_dropped=int(empty.sum()),
        invalid=pairs.invalid,
        margin_histogram=margin_histogram(_margins(pairs)),
    )
    params = (strategy, sft, seed, keep_ties, min_margin, mapping)
    new = build_table(cols, pairs, sft)
    kept = carried_columns(table, mapping, task, new.column_names)
    rows = pa.array(pairs.rows, pa.int64())
    for name in kept:
        new = new.append_column(table.schema.field(name), table.column(name).take(rows))
    features = Features.from_arrow_schema(new.schema)
    source_features = getattr(dataset, "features", None) or {}
    for name in kept:  # e.g. a ClassLabel stays one
        if name in source_features:
            features[name] = source_features[name]
    out = Dataset(
        new, info=DatasetInfo(features=features), fingerprint=_fingerprint(dataset, params)
    )
    return BinarizeResult(CustomDataset.from_dataset(out, task), summary)


def prepare_dataset(
    dataset: Dataset | pa.Table,
    strategy: Strategy = "random",
    sft: bool = False,
    seed: int | None = None,
    keep_ties: bool = False,
    min_margin: float | None = None,
    columns: BinarizeColumns | Mapping[str, str] | None = None,
) -> CustomDataset:
    """Turn a rated dataset into DPO pairs (one per row) in TRL's conversational format.

    Chosen is the highest rated generation (the first on ties). Rejected is, for
    `worst`, the lowest rated other one (the first on ties) and, for `random`, a uniform
    pick among those rated strictly below chosen (any other when all tie), reproducible
    with `seed`. Generations rated None/NaN, or that are None, are ignored; rows left
    with fewer than two, with no ratings, or whose ratings/generations/models/rationales
    differ in length are dropped. `keep_ties=False` drops equal-rated pairs and
    `min_margin` drops pairs whose rating gap is smaller. `sft=True` adds `messages`.
    """
    return binarize(dataset, strategy, sft, seed, keep_ties, min_margin, columns).dataset


def carried_columns(
    table: pa.Table, mapping: BinarizeColumns, task: Task | None, produced: list[str]
) -> list[str]:
    """The input's own columns (e.g. `system`), kept beside the pairs as distilabel 0.6 does.

    Not kept: the columns read for the pairs, what a generation or labelling run wrote
    (requests, generations, the judge's outputs, `distil_metadata`) and any column the pairs
    replace (an older `chosen`, say).
    """
    read = {mapping.name(role) for role in ("prompt", "generations", "ratings", "models")}
    read.add(mapping.name("rationale"))
    outputs = set(task.output_args_names) if task is not None else set()
    dropped = read | outputs | set(RUN_COLUMNS) | {"generations", *JUDGE_OUTPUT_COLUMNS}
    return [c for c in table.column_names if c not in dropped and c not in produced]


def _margins(pairs: Pairs) -> np.ndarray:
    """Rating gap per pair (inf where the gap of two huge ratings overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return pairs.rating_chosen - pairs.rating_rejected


def _fingerprint(dataset: Dataset | pa.Table, params: tuple[Any, ...]) -> str:
    """Derived from the input's fingerprint and the parameters (hashing the table is slow)."""
    source = getattr(dataset, "_fingerprint", None)
    if source is None or (params[0] == "random" and params[2] is None):  # unknown, unseeded
        return generate_random_fingerprint()
    return hashlib.sha256(repr((source, params)).encode()).hexdigest()[:16]


def build_table(cols: RatedColumns, pairs: Pairs, sft: bool) -> pa.Table:
    """The output columns of the contract, in order."""
    rows = pa.array(pairs.rows, pa.int64())
    prompt = _text(cols.prompt.take(rows))
    chosen_text = _text(_item(cols.generations.values, cols.generations.starts, pairs, True))
    rejected_text = _text(_item(cols.generations.values, cols.generations.starts, pairs, False))
    chosen = conversation(prompt, chosen_text)
    data: dict[str, pa.Array] = {
        "prompt": prompt,
        "chosen": chosen,
        "rejected": conversation(prompt, rejected_text),
        "rating_chosen": _rating(cols, pairs, True),
        "rating_rejected": _rating(cols, pairs, False),
        "chosen_model": _per_item(cols.models, pairs, True),
        "rejected_model": _per_item(cols.models, pairs, False),
    }
    if cols.rationale is not None:
        data["chosen_rationale"] = _per_item(cols.rationale, pairs, True)
        data["rejected_rationale"] = _per_item(cols.rationale, pairs, False)
    if sft:
        data["messages"] = chosen
    return pa.table(data)


def _rating(cols: RatedColumns, pairs: Pairs, chosen: bool) -> pa.Array:
    """The chosen (or rejected) rating with the type it had in the input (7 stays 7)."""
    source = cols.ratings.source_values
    if source is None or pa.types.is_null(source.type):
        return pa.array(pairs.rating_chosen if chosen else pairs.rating_rejected, pa.float64())
    return _item(source, cols.ratings.starts, pairs, chosen)


def _item(values: pa.Array, starts: np.ndarray, pairs: Pairs, chosen: bool) -> pa.Array:
    within = pairs.chosen if chosen else pairs.rejected
    return values.take(pa.array(starts[pairs.rows] + within, pa.int64()))


def _per_item(array: pa.Array | None, pairs: Pairs, chosen: bool) -> pa.Array:
    """Models/rationales of the chosen (or rejected) generation; "" with no column."""
    if array is None:
        return pa.repeat(pa.scalar("", pa.string()), len(pairs.rows))
    rows = pa.array(pairs.rows, pa.int64())
    if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
        return _text(array.take(rows))  # one value per row (e.g. JudgeLM's rationale)
    starts = array.offsets.to_numpy(zero_copy_only=False).astype(np.int64)[:-1]
    null_rows = array.is_null().to_numpy(zero_copy_only=False)[pairs.rows]
    within = pairs.chosen if chosen else pairs.rejected
    index = pa.array(starts[pairs.rows] + within, pa.int64(), mask=null_rows)
    return _text(array.values.take(index))


def _text(array: pa.Array) -> pa.Array:
    """Text as `string`, or `large_string` when it would not fit 32-bit offsets."""
    if pa.types.is_large_string(array.type) and array.nbytes < 2**31 - 2**20:
        return array.cast(pa.string())
    if pa.types.is_null(array.type):
        return array.cast(pa.string())
    return array


def conversation(prompts: pa.Array, responses: pa.Array) -> pa.ListArray:
    """[{role: user, content: prompt}, {role: assistant, content: response}] per row."""
    n = len(prompts)
    big = prompts.nbytes + responses.nbytes >= 2**31 - 2**20
    kind = pa.large_string() if big else pa.string()
    order = np.empty(2 * n, np.int64)
    order[0::2] = np.arange(n)
    order[1::2] = np.arange(n, 2 * n)
    contents = pa.concat_arrays([prompts.cast(kind), responses.cast(kind)]).take(order)
    turns = pa.StructArray.from_arrays([_roles(n), contents], names=["role", "content"])
    return pa.ListArray.from_arrays(pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)), turns)


def _roles(n: int) -> pa.Array:
    """ "user", "assistant" repeated n times, built straight from buffers."""
    unit, user = b"userassistant", len(b"user")
    offsets = np.empty(2 * n + 1, np.int32)
    offsets[0] = 0
    offsets[1::2] = np.arange(n, dtype=np.int32) * len(unit) + user
    offsets[2::2] = (np.arange(n, dtype=np.int32) + 1) * len(unit)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(unit * n)]
    return pa.Array.from_buffers(pa.string(), 2 * n, buffers)


def margin_histogram(margin: np.ndarray) -> list[tuple[str, int]]:
    """Pairs per rating gap: one entry per distinct gap, or equal-width bins when many
    (an overflowed, infinite gap gets its own "inf" entry)."""
    if not len(margin):
        return []
    values, counts = np.unique(margin, return_counts=True)
    if len(values) <= MAX_HISTOGRAM_BINS:
        return [(f"{v:g}", int(c)) for v, c in zip(values, counts, strict=True)]
    finite = margin[np.isfinite(margin)]
    infinite = len(margin) - len(finite)
    with np.errstate(over="ignore", invalid="ignore"):
        counts, edges = np.histogram(finite, bins=MAX_HISTOGRAM_BINS)
    bins = [(f"{edges[i]:.3g} to {edges[i + 1]:.3g}", int(c)) for i, c in enumerate(counts)]
    return [*bins, ("inf", infinite)] if infinite else bins

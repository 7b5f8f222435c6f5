"""Vectorised chosen/rejected selection: numpy over the flat ratings of every row at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distilabel_cli.dataset.binarize.columns import RatedColumns

#: Reasons a row is dropped before pairing, in the order they are checked.
INVALID_REASONS = (
    "no ratings",
    "ratings and generations differ in length",
    "models and generations differ in length",
    "rationales and ratings differ in length",
    "missing prompt",
    "fewer than 2 rated generations",
)


@dataclass
class Pairs:
    """One pair per kept row: row index, item index within the row, ratings."""

    rows: np.ndarray
    chosen: np.ndarray  # index of the chosen generation within its row
    rejected: np.ndarray
    rating_chosen: np.ndarray
    rating_rejected: np.ndarray
    invalid: dict[str, int]

    def keep(self, mask: np.ndarray) -> Pairs:
        """The pairs where `mask` is true."""
        return Pairs(
            self.rows[mask],
            self.chosen[mask],
            self.rejected[mask],
            self.rating_chosen[mask],
            self.rating_rejected[mask],
            self.invalid,
        )


def _list_lengths(array: pa.Array | None, n: int) -> np.ndarray | None:
    """Items per row of a list column (-1 for null lists); None for absent or text columns."""
    if array is None or not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
        return None
    return pc.list_value_length(array).fill_null(-1).to_numpy(zero_copy_only=False)


def _row_checks(cols: RatedColumns) -> list[np.ndarray]:
    """One boolean mask per row-level reason in INVALID_REASONS (all but the last)."""
    n = len(cols.prompt)
    r_len, g_len = cols.ratings.lengths, cols.generations.lengths
    checks = [r_len <= 0, r_len != g_len]
    for extra in (cols.models, cols.rationale):
        lengths = _list_lengths(extra, n)
        checks.append(np.zeros(n, bool) if lengths is None else (lengths >= 0) & (lengths != r_len))
    checks.append(cols.prompt.is_null().to_numpy(zero_copy_only=False))
    return checks


def _segment_starts(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def select_pairs(cols: RatedColumns, strategy: str, rng: np.random.Generator) -> Pairs:
    """Pick chosen (highest, first on ties) and rejected per row; drop invalid rows."""
    n = len(cols.prompt)
    reason = np.zeros(n, np.int8)
    for code, bad in enumerate(_row_checks(cols), start=1):
        reason[(reason == 0) & bad] = code

    rows = np.flatnonzero(reason == 0)
    lengths = cols.ratings.lengths[rows]
    starts = _segment_starts(lengths)
    row_of = np.repeat(np.arange(len(rows)), lengths)
    within = np.arange(int(lengths.sum()), dtype=np.int64) - starts[row_of]
    ratings = _gather_float(cols.ratings.values, cols.ratings.starts[rows][row_of] + within)
    gen_null = _gather_null(cols.generations.values, cols.generations.starts[rows][row_of] + within)
    usable = np.isfinite(ratings) & ~gen_null  # NaN and +-inf are no ratings

    few = np.add.reduceat(usable, starts, dtype=np.int64) < 2 if len(rows) else np.zeros(0, bool)
    reason[rows[few]] = len(INVALID_REASONS)
    counts = np.bincount(reason, minlength=len(INVALID_REASONS) + 1)[1:]
    invalid = {r: int(c) for r, c in zip(INVALID_REASONS, counts, strict=True) if c}

    if few.any():
        ok = ~few
        items = ok[row_of]
        rows, lengths = rows[ok], lengths[ok]
        ratings, usable, within = ratings[items], usable[items], within[items]
        starts = _segment_starts(lengths)
        row_of = np.repeat(np.arange(len(rows)), lengths)
    if not len(rows):
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0, np.float64)
        return Pairs(empty_i, empty_i, empty_i, empty_f, empty_f, invalid)

    chosen, top = _first_extreme(np.where(usable, ratings, -np.inf), starts, row_of, np.maximum)
    if strategy == "worst":
        rest = np.where(usable, ratings, np.inf)
        rest[chosen] = np.inf
        rejected, _ = _first_extreme(rest, starts, row_of, np.minimum)
    else:
        rejected = _random_below(ratings, usable, top, chosen, starts, row_of, rng)
    return Pairs(
        rows, within[chosen], within[rejected], ratings[chosen], ratings[rejected], invalid
    )


def _first_extreme(
    values: np.ndarray, starts: np.ndarray, row_of: np.ndarray, ufunc: np.ufunc
) -> tuple[np.ndarray, np.ndarray]:
    """Flat index of the first max (or min) item per row, and that value per row."""
    best = ufunc.reduceat(values, starts)
    position = np.where(values == best[row_of], np.arange(len(values)), len(values))
    return np.minimum.reduceat(position, starts), best


def _random_below(
    ratings: np.ndarray,
    usable: np.ndarray,
    top: np.ndarray,
    chosen: np.ndarray,
    starts: np.ndarray,
    row_of: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """A uniform pick per row among items rated below the top (any other item if all tie)."""
    below = usable & (ratings < top[row_of])
    others = usable.copy()
    others[chosen] = False
    has_below = np.add.reduceat(below, starts, dtype=np.int64) > 0
    candidates = np.where(has_below[row_of], below, others)
    count = np.add.reduceat(candidates, starts, dtype=np.int64)
    pick = np.minimum((rng.random(len(starts)) * count).astype(np.int64), count - 1)
    running = np.cumsum(candidates, dtype=np.int64)
    before = running[starts] - candidates[starts]
    return np.searchsorted(running, before + pick + 1, side="left")


def both_empty(cols: RatedColumns, pairs: Pairs) -> np.ndarray:
    """Per pair: whether the chosen and the rejected responses are both empty (or blank)."""
    values = cols.generations.values
    if not len(pairs.rows):
        return np.zeros(0, bool)
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    starts = cols.generations.starts[pairs.rows]

    def empty(within: np.ndarray) -> np.ndarray:
        texts = values.take(pa.array(starts + within, pa.int64()))
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0)
        return blank.fill_null(True).to_numpy(zero_copy_only=False)

    return empty(pairs.chosen) & empty(pairs.rejected)


def _gather_float(values: pa.Array, index: np.ndarray) -> np.ndarray:
    flat = values.fill_null(np.nan).to_numpy(zero_copy_only=False)
    return flat[index] if len(flat) else np.zeros(len(index), np.float64)


def _gather_null(values: pa.Array, index: np.ndarray) -> np.ndarray:
    flat = values.is_null().to_numpy(zero_copy_only=False)
    return flat[index] if len(flat) else np.zeros(len(index), bool)

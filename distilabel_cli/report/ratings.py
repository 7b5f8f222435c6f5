"""Ratings, column-wise: every rated answer with its model, their distribution, pairwise
win rates and row means; for a binarized dataset its chosen/rejected pairs and margins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from distilabel_cli.columns import GENERATION_MODEL
from distilabel_cli.report.flat import FlatList, codes, is_list, is_number, numbers

#: Answers with no model column (a labelling-only run rates the input's answers).
ALL_ANSWERS = "all answers"
UNKNOWN_MODEL = "(unknown)"
#: At most this many distinct ratings get a bar each; more are binned.
MAX_DISTINCT = 12
HISTOGRAM_BINS = 10
#: Win rates compare the first this many answers of a row (all of them, in practice).
MAX_POSITIONS = 32
BINARIZED_COLUMNS = ("rating_chosen", "rating_rejected")
MODEL_COLUMNS = ("chosen_model", "rejected_model")


@dataclass
class RatedAnswers:
    """Every rated answer, flat in row order: its row, its group (model) and its rating."""

    rows: np.ndarray  # int64, sorted
    groups: np.ndarray  # int64 code into `names`
    ratings: np.ndarray  # float64; NaN: not rated
    names: list[str]
    num_rows: int
    #: The column the ratings come from.
    column: str

    @property
    def rated(self) -> np.ndarray:
        return ~np.isnan(self.ratings)

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(first answer, answer count) of each row."""
        lengths = np.bincount(self.rows, minlength=self.num_rows).astype(np.int64)
        return np.cumsum(lengths) - lengths, lengths


def rated_answers(table: pa.Table, models: ModelColumn | None = None) -> RatedAnswers | None:
    """The `rating` list column (one per answer) or the `score` column (one per row), with
    each answer's model from `generation_model`; None when the dataset has neither."""
    schema = table.schema
    if "rating" in table.column_names and _numbers_list(schema.field("rating").type):
        flat = FlatList.of(table.column("rating"))
        rows, positions, ratings, column = flat.rows, flat.positions, numbers(flat.values), "rating"
    elif "score" in table.column_names and is_number(schema.field("score").type):
        rows = np.arange(table.num_rows)
        positions = np.zeros(table.num_rows, dtype=np.int64)
        ratings, column = numbers(table.column("score")), "score"
    else:
        return None
    groups, names = answer_models(table, rows, positions, models)
    return RatedAnswers(rows, groups, ratings, names, table.num_rows, column)


def _numbers_list(t: pa.DataType) -> bool:
    return is_list(t) and (is_number(t.value_type) or pa.types.is_null(t.value_type))


@dataclass
class ModelColumn:
    """`generation_model` flat, its names as int codes (read once per report)."""

    flat: FlatList
    codes: np.ndarray
    names: list[str]

    @classmethod
    def of(cls, table: pa.Table) -> ModelColumn | None:
        """None when the dataset has no list of models per row (e.g. a labelling-only run)."""
        if GENERATION_MODEL not in table.column_names:
            return None
        if not is_list(table.schema.field(GENERATION_MODEL).type):
            return None
        flat = FlatList.of(table.column(GENERATION_MODEL))
        return cls(flat, *codes(flat.values, UNKNOWN_MODEL))


def answer_models(
    table: pa.Table,
    rows: np.ndarray,
    positions: np.ndarray,
    models: ModelColumn | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(model code, model names) of answer `positions[i]` of row `rows[i]` (`models`: the
    table's `generation_model`, when already read)."""
    models = models or ModelColumn.of(table)
    if models is None:
        return np.zeros(len(rows), dtype=np.int64), [ALL_ANSWERS]
    index, present = models.flat.aligned(rows, positions)
    looked_up = models.codes[index] if len(models.codes) else np.zeros_like(index)
    if present.all():
        return looked_up, models.names
    names = models.names
    if UNKNOWN_MODEL not in names:
        names = [*names, UNKNOWN_MODEL]
    return np.where(present, looked_up, names.index(UNKNOWN_MODEL)), names


@dataclass
class Distribution:
    """How many answers of each group fall in each bin."""

    labels: list[str]
    groups: list[str]
    counts: np.ndarray  # int64 [group, bin]
    #: Answers of each group without a rating (failed, unparsed, not asked).
    missing: np.ndarray  # int64 [group]


def rating_distribution(
    answers: RatedAnswers, scale: tuple[int, int] | None = None
) -> Distribution:
    """One bin per step of the task's `scale` (1-5, ...) when every rating is on it, else one
    per distinct rating (up to `MAX_DISTINCT`), else equal-width bins."""
    rated = answers.rated
    values = answers.ratings[rated]
    groups = answers.groups[rated]
    distinct = np.unique(values)
    steps = np.arange(scale[0], scale[1] + 1, dtype=np.float64) if scale else None
    if steps is not None and len(steps) <= MAX_DISTINCT and np.isin(distinct, steps).all():
        distinct = steps
    if len(distinct) <= MAX_DISTINCT:
        labels = [f"{v:g}" for v in distinct]
        bins = np.searchsorted(distinct, values)
    else:
        edges = np.histogram_bin_edges(values, bins=HISTOGRAM_BINS)
        labels = [f"{lo:.3g}–{hi:.3g}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, HISTOGRAM_BINS - 1)
    k, g = len(labels), len(answers.names)
    counts = np.bincount(groups * k + bins, minlength=g * k).reshape(g, k)
    missing = np.bincount(answers.groups[~rated], minlength=g)
    return Distribution(labels, list(answers.names), counts, missing)


@dataclass
class WinRates:
    """Pairwise results of models' answers to the same row, ties apart."""

    models: list[str]
    #: [i, j]: pairs where model i's answer was rated above model j's.
    wins: np.ndarray
    #: [i, j]: pairs rated equal (symmetric).
    ties: np.ndarray

    @property
    def losses(self) -> np.ndarray:
        return self.wins.T

    def rate(self, i: int, j: int) -> float | None:
        """Share of decided pairs (ties apart) model i won against model j."""
        decided = self.wins[i, j] + self.wins[j, i]
        return float(self.wins[i, j] / decided) if decided else None

    def totals(self) -> list[tuple[str, int, int, int, float | None]]:
        """(model, wins, losses, ties, win rate) against every other model, best first."""
        rows = []
        for i, model in enumerate(self.models):
            won, lost, tied = (
                int(self.wins[i].sum()),
                int(self.wins[:, i].sum()),
                int(self.ties[i].sum()),
            )
            rate = won / (won + lost) if won + lost else None
            rows.append((model, won, lost, tied, rate))
        return sorted(rows, key=lambda r: (-1 if r[4] is None else -r[4], r[0]))


def win_rates(answers: RatedAnswers) -> WinRates | None:
    """Compare every two rated answers of a row written by different models; None when no
    row has two (e.g. one model wrote every answer)."""
    first, lengths = answers.row_bounds()
    g = len(answers.names)
    wins = np.zeros(g * g, dtype=np.int64)
    ties = np.zeros(g * g, dtype=np.int64)
    positions = min(int(lengths.max()) if len(lengths) else 0, MAX_POSITIONS)
    for b in range(1, positions):
        starts = first[lengths > b]
        for a in range(b):
            ia, ib = starts + a, starts + b
            ra, rb = answers.ratings[ia], answers.ratings[ib]
            ma, mb = answers.groups[ia], answers.groups[ib]
            valid = ~np.isnan(ra) & ~np.isnan(rb) & (ma != mb)
            ra, rb, ma, mb = ra[valid], rb[valid], ma[valid], mb[valid]
            tied = ra == rb
            winner_loser = np.where(ra > rb, ma * g + mb, mb * g + ma)
            wins += np.bincount(winner_loser[~tied], minlength=g * g)
            ties += np.bincount(ma[tied] * g + mb[tied], minlength=g * g)
            ties += np.bincount(mb[tied] * g + ma[tied], minlength=g * g)
    wins, ties = wins.reshape(g, g), ties.reshape(g, g)
    paired = np.flatnonzero(wins.sum(axis=0) + wins.sum(axis=1) + ties.sum(axis=1))
    if not len(paired):
        return None
    names = [answers.names[i] for i in paired]  # models never compared are left out
    return WinRates(names, wins[np.ix_(paired, paired)], ties[np.ix_(paired, paired)])


def row_means(answers: RatedAnswers) -> np.ndarray:
    """Each row's mean rating (NaN: nothing rated)."""
    rated = answers.rated
    rows = answers.rows[rated]
    sums = np.bincount(rows, answers.ratings[rated], minlength=answers.num_rows)
    counts = np.bincount(rows, minlength=answers.num_rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def is_binarized(table: pa.Table) -> bool:
    """Whether `table` is `distil binarize` output (chosen/rejected with their ratings)."""
    return all(
        name in table.column_names and is_number(table.schema.field(name).type)
        for name in BINARIZED_COLUMNS
    )


def margins(table: pa.Table) -> np.ndarray:
    """rating_chosen - rating_rejected of each pair with both ratings."""
    chosen, rejected = (numbers(table.column(name)) for name in BINARIZED_COLUMNS)
    margin = chosen - rejected
    return margin[~np.isnan(margin)]


def pair_answers(table: pa.Table, by_model: bool) -> RatedAnswers | None:
    """A binarized dataset as two rated answers per row (chosen, rejected), grouped by their
    model (`chosen_model`/`rejected_model`; None when absent) or by their role."""
    n = table.num_rows
    chosen, rejected = (numbers(table.column(name)) for name in BINARIZED_COLUMNS)
    ratings = np.column_stack([chosen, rejected]).reshape(-1)
    rows = np.repeat(np.arange(n), 2)
    if not by_model:
        groups = np.tile(np.array([0, 1], dtype=np.int64), n)
        return RatedAnswers(rows, groups, ratings, ["chosen", "rejected"], n, "rating")
    if not set(MODEL_COLUMNS) <= set(table.column_names):
        return None
    both = pa.concat_arrays(
        [table.column(name).combine_chunks().cast(pa.string()) for name in MODEL_COLUMNS]
    )
    model_codes, names = codes(both, UNKNOWN_MODEL)
    groups = np.column_stack([model_codes[:n], model_codes[n:]]).reshape(-1)
    return RatedAnswers(rows, groups, ratings, names, n, "rating")

"""Convert a distil dataset into one training format, batch by batch, with an optional split."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from datasets import Dataset, Value
from datasets.fingerprint import generate_random_fingerprint

from distilabel_cli.dataset.binarize.columns import BinarizeColumns
from distilabel_cli.dataset.binarize.core import STRATEGIES, binarize
from distilabel_cli.dataset.export.formats import ExportFormat, get_format
from distilabel_cli.dataset.export.messages import PROMPT_KEY
from distilabel_cli.dataset.export.select import SELECTS, Selection, check_source, select_responses
from distilabel_cli.dataset.split import TRAIN, split_by_prompt
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from distilabel_cli.dataset.binarize.core import BinarizeSummary

#: A system prompt column, looked for under these names in this order.
SYSTEM_COLUMNS = ("system_prompt", "system")
#: Rows per Arrow batch while converting.
BATCH_SIZE = 1_000


@dataclass(frozen=True)
class ExportOptions:
    """What `distil export` does besides the format (see `export_dataset`)."""

    select: str | None = None
    min_rating: float | None = None
    strategy: str = "random"
    seed: int = 0
    test_size: float | None = None
    columns: BinarizeColumns | Mapping[str, str] | None = None


@dataclass
class Exported:
    """The converted dataset: one split (`train`) or `train` and `test`."""

    format: ExportFormat
    splits: dict[str, Dataset]
    rows_in: int
    #: For the pair formats: what binarization kept and dropped.
    pairs: BinarizeSummary | None = None
    info: dict[str, Any] = field(default_factory=dict)


def system_column(columns: list[str]) -> str | None:
    """The dataset's system prompt column, if it has one."""
    return next((c for c in SYSTEM_COLUMNS if c in columns), None)


def export_dataset(
    dataset: Dataset,
    format_name: str,
    options: ExportOptions | None = None,
    cache_dir: Path | None = None,
) -> Exported:
    """`dataset` (what `distil run` wrote, or any dataset with the same columns) in the
    format `format_name`.

    Pair formats (`dpo`, `dpo-implicit`, `kto`) take the pairs `distil binarize` picks with
    `options.strategy` and `options.seed`; the others keep the best-rated response per row or
    all of them (`options.select`, default `best` when there is a rating column), optionally
    only those rated at least `options.min_rating`. `options.test_size` holds out that
    fraction of the prompts as `test` (see `distilabel_cli.dataset.split`). Converted batches
    are written under `cache_dir` (kept in memory when None).
    """
    options = options or ExportOptions()
    fmt = get_format(format_name)
    columns = BinarizeColumns.coerce(options.columns)
    system = system_column(dataset.column_names)
    pairs = None
    settings: dict[str, Any] = {"strategy": options.strategy}
    if fmt.pairs:
        source, pairs = _pairs(dataset, fmt, options, columns)
        features = source.features.copy() if fmt.features is None else fmt.features(bool(system))

        def convert(batch: pa.Table) -> pa.Table:
            built = fmt.build(batch, system)
            if PROMPT_KEY in built.column_names:  # one pair gave several rows (kto)
                return built
            return built.append_column(PROMPT_KEY, batch.column("prompt"))

    else:
        selection = _selection(dataset, options, columns, system)
        settings = {"select": selection.select, "min_rating": options.min_rating}
        source = dataset
        assert fmt.features is not None  # only dpo-implicit takes its features from the pairs
        features = fmt.features(system is not None)

        def convert(batch: pa.Table) -> pa.Table:
            chosen = select_responses(batch, selection)
            return fmt.build(chosen, system).append_column(PROMPT_KEY, chosen.column("prompt"))

    features[PROMPT_KEY] = Value("string")
    converted = (
        source.with_format("arrow")
        .map(
            convert,
            batched=True,
            batch_size=BATCH_SIZE,
            remove_columns=source.column_names,
            features=features,
            new_fingerprint=generate_random_fingerprint(),
            load_from_cache_file=False,
            keep_in_memory=cache_dir is None,
            cache_file_name=None if cache_dir is None else str(cache_dir / f"{fmt.name}.arrow"),
            desc=f"export {fmt.name}",
        )
        .with_format(None)
    )
    if len(converted) == 0:
        raise DistilError(_nothing_left(options, len(dataset), pairs))
    if options.test_size is None:
        splits = {TRAIN: converted}
    else:
        splits = split_by_prompt(converted, PROMPT_KEY, options.test_size, options.seed, cache_dir)
    splits = {name: part.remove_columns(PROMPT_KEY) for name, part in splits.items()}
    info = {
        "format": fmt.name,
        **{k: v for k, v in settings.items() if v is not None},
        "seed": options.seed,
        "test_size": options.test_size,
        "rows": {name: len(part) for name, part in splits.items()},
    }
    return Exported(fmt, splits, len(dataset), pairs, info)


def _pairs(
    dataset: Dataset, fmt: ExportFormat, options: ExportOptions, columns: BinarizeColumns
) -> tuple[Dataset, BinarizeSummary]:
    if options.select is not None or options.min_rating is not None:
        raise DistilError(
            f"--select and --min-rating choose responses for the SFT formats; --format "
            f"{fmt.name} uses the chosen/rejected pairs of `distil binarize` (--strategy)"
        )
    if options.strategy not in STRATEGIES:
        raise DistilError(f"strategy {options.strategy!r}: expected one of {', '.join(STRATEGIES)}")
    ratings = columns.name("ratings")
    if ratings not in dataset.column_names:
        raise DistilError(
            f"--format {fmt.name} needs rated generations, and there is no {ratings!r} column "
            f"(columns: {', '.join(dataset.column_names)}); rate them with a labeller (e.g. "
            "ultrafeedback), map the column with --ratings-column, or export an SFT format"
        )
    result = binarize(dataset, options.strategy, seed=options.seed, columns=columns)
    return result.dataset, result.summary


def _selection(
    dataset: Dataset, options: ExportOptions, columns: BinarizeColumns, system: str | None
) -> Selection:
    select = options.select
    if select is None:
        select = "best" if columns.name("ratings") in dataset.column_names else "all"
    if select not in SELECTS:
        raise DistilError(f"--select {select!r}: expected one of {', '.join(SELECTS)}")
    selection = Selection(select, options.min_rating, columns, system)  # type: ignore[arg-type]
    check_source(dataset.features.arrow_schema, selection)
    return selection


def _nothing_left(options: ExportOptions, rows: int, pairs: BinarizeSummary | None) -> str:
    if pairs is not None:
        reasons = [f"{pairs.ties_dropped} tied", f"{pairs.empty_dropped} both empty"]
        reasons += [f"{count} {reason}" for reason, count in pairs.invalid.items()]
        return (
            f"no rows left: none of the {rows} rows gave a chosen/rejected pair "
            f"({', '.join(reasons)})"
        )
    if options.min_rating is not None:
        return (
            f"no rows left: no generation in the {rows} rows is rated {options.min_rating:g} "
            "or more; lower --min-rating"
        )
    return f"no rows left: none of the {rows} rows has a non-empty generation (and a prompt)"

"""Pipeline (the core of this package): a generator and/or a labeller applied to a dataset."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from distilabel_cli._version import __version__
from distilabel_cli.columns import (
    GENERATION_COLUMNS,
    GENERATION_ERRORS,
    LABELLING_COLUMNS,
    LABELLING_ERROR,
    METADATA,
    missing_columns,
)
from distilabel_cli.errors import DistilError, RunAborted, RunInterrupted
from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.request_cache import RequestCache
from distilabel_cli.pipeline.collector import fewer_collections
from distilabel_cli.pipeline.engine import Engine, EngineHooks
from distilabel_cli.pipeline.fingerprint import pipeline_fingerprint
from distilabel_cli.pipeline.report import RunReport
from distilabel_cli.pipeline.run_options import (
    RunOptions,
    budget_check,
    chain_hooks,
    checkpoint_of,
    request_cache,
    run_coroutine,
)
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.prompt_types import CHAT_FORMATS
from distilabel_cli.redact import register_llm_secrets
from distilabel_cli.tasks.base import Task

if TYPE_CHECKING:  # datasets (and what imports it) loads when a pipeline runs
    from datasets import Dataset, Features

    from distilabel_cli.dataset.checkpoint.session import CheckpointSession
    from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint
    from distilabel_cli.dataset.custom_dataset import CustomDataset
    from distilabel_cli.dataset.io.row_sink import RowSink
    from distilabel_cli.pipeline.progress import RunProgress

#: A pipeline's stages, in the order rows go through them.
ROLES = ("generator", "labeller")

T = TypeVar("T")


class Pipeline:
    """Generate with the `generator` stage, then rate with the `labeller` stage (either may
    be omitted). Each is a `Stage(task, llm)` or distilabel 0.6's `LLM(task=...)`;
    `.generator` and `.labeller` are their LLMs, `.stages` the stages by role."""

    def __init__(
        self, generator: Stage | LLM | None = None, labeller: Stage | LLM | None = None
    ) -> None:
        if generator is None and labeller is None:
            raise DistilError("a Pipeline needs a generator, a labeller or both")
        self.stages: dict[str, Stage] = {}
        self._set("generator", generator)
        self._set("labeller", labeller)
        generating, labelling = self.stage("generator"), self.stage("labeller")
        if generating is not None and generating.task.is_labeller:
            raise DistilError(
                f"{type(generating.task).__name__} is a labelling task, not a generator"
            )
        if labelling is not None and not _can_label(labelling.task):
            raise DistilError(
                f"{type(labelling.task).__name__} is a generation task, not a labeller: it "
                "would overwrite the generator's columns"
            )
        self.last_report: RunReport | None = None

    def stage(self, role: str) -> Stage | None:
        """The `generator` or `labeller` stage (None when the pipeline has none)."""
        return self.stages.get(role)

    @property
    def generator(self) -> LLM | None:
        return self._llm("generator")

    @generator.setter
    def generator(self, performer: Stage | LLM | None) -> None:
        self._set("generator", performer)

    @property
    def labeller(self) -> LLM | None:
        return self._llm("labeller")

    @labeller.setter
    def labeller(self, performer: Stage | LLM | None) -> None:
        self._set("labeller", performer)

    def _llm(self, role: str) -> LLM | None:
        stage = self.stage(role)
        return stage.llm if stage else None

    def _set(self, role: str, performer: Stage | LLM | None) -> None:
        """0.6's `pipe.labeller = llm`: the stage of that role is made again."""
        stages = {**self.stages, role: Stage.of(performer, role)}
        self.stages = {r: s for r in ROLES if (s := stages.get(r)) is not None}

    def output_columns(self) -> list[str]:
        """Columns this pipeline adds, in order."""
        columns: list[str] = []
        if "generator" in self.stages:
            columns += [*GENERATION_COLUMNS, *self.stages["generator"].task.output_args_names]
        if "labeller" in self.stages:
            columns += [*LABELLING_COLUMNS, *self.stages["labeller"].task.output_args_names]
        return [*columns, METADATA]

    def check_columns(self, input_columns: list[str]) -> None:
        stages = [(role, stage.task) for role, stage in self.stages.items()]
        missing = missing_columns(stages, input_columns)
        if missing:
            stage, column = missing[0]
            raise DistilError(
                f"the {stage} needs column {column!r}, which neither the input "
                f"({', '.join(input_columns) or 'no columns'}) nor the generator provides"
            )

    def generate(
        self,
        dataset: Dataset,
        num_generations: int = 1,
        batch_size: int = 8,
        display_progress_bar: bool = False,
        checkpoint_strategy: DatasetCheckpoint | bool | None = None,
        hooks: EngineHooks | None = None,
        retry_unparsed: bool = False,
        cache: RequestCache | str | Path | bool | None = None,
    ) -> CustomDataset:
        """Run the pipeline over `dataset` and return it with the new columns.

        With `checkpoint_strategy` (`True`: the default `DatasetCheckpoint()`), every finished
        row is saved as it finishes and a matching earlier checkpoint is resumed: its failed
        items are requested again (and, with `retry_unparsed`, the answers it could not
        parse). `cache` (a `RequestCache`, a folder, or True for `~/.cache/distil/requests`)
        answers requests asked before without sending them again (off by default here; on in
        `distil run`). `batch_size` is the batch of the offline backends that set none. Raises
        `RunAborted` when the run cannot go on (its `.dataset` holds the finished rows) and
        `RunInterrupted` on Ctrl-C. The result is built from Arrow batches as rows finish
        (`run_into` writes them elsewhere, e.g. straight to an output folder).
        """
        from distilabel_cli.dataset.io.row_sink import MemorySink

        sinks: list[MemorySink] = []

        def in_memory(features: Features) -> MemorySink:
            sinks.append(MemorySink(features))
            return sinks[0]

        options = RunOptions(
            num_generations,
            batch_size,
            display_progress_bar,
            checkpoint_strategy,
            hooks,
            retry_unparsed,
            cache,
        )
        try:
            report = self.run_into(in_memory, dataset, options)
        except RunAborted as exc:
            exc.dataset = sinks[0].finish(self.output_task()) if sinks else None
            raise
        run_info = {"distil_version": __version__, "report": report.to_dict()}
        return sinks[0].finish(self.output_task(), run_info)

    def run_into(
        self,
        make_sink: Callable[[Features], RowSink],
        dataset: Dataset,
        options: RunOptions | None = None,
    ) -> RunReport:
        """Run the pipeline and add each output row, in input order, to the sink that
        `make_sink(features)` makes (the caller finishes it); returns the run's report.

        Input rows are read from Arrow in batches and at most a bounded window of rows is in
        memory at a time, whatever the dataset's size. See `generate` for the options.
        """
        from distilabel_cli.dataset.checkpoint.session import CheckpointSession, resume_hint
        from distilabel_cli.dataset.io.row_source import iter_rows
        from distilabel_cli.llms.batched import BatchedLLM
        from distilabel_cli.pipeline.ray import stage_placement

        options = options or RunOptions()
        num_generations, batch_size = options.num_generations, options.batch_size
        retry_unparsed, hooks = options.retry_unparsed, options.hooks

        if num_generations < 1:
            raise DistilError("num_generations must be at least 1")
        checkpoint = checkpoint_of(options.checkpoint_strategy)
        self.check_columns(dataset.column_names)
        self.batch_size = batch_size
        for llm in self._llms():
            if isinstance(llm, BatchedLLM):
                llm.apply_run_batch_size(batch_size)
            register_llm_secrets(llm)
        source = dataset.remove_columns(
            [c for c in self.output_columns() if c in dataset.column_names]
        )
        generating, labelling = self.stage("generator"), self.stage("labeller")
        self.start()
        cache = request_cache(options.cache)
        for llm in self._llms():  # the Batch API backend keeps its batches beside the cache
            use_state_folder = getattr(llm, "use_state_folder", None)
            if use_state_folder is not None and cache is not None:
                use_state_folder(cache.folder / "batches")
        engine = Engine(
            generating, labelling, num_generations, retry_unparsed=retry_unparsed, cache=cache
        )
        report = RunReport.for_llms(
            self.generator, self.labeller, rows=len(source), num_generations=num_generations
        )
        report.counts = engine.counts
        self.last_report = report
        if options.max_cost is not None:
            engine.stop_reason = budget_check(report, options.max_cost)
        session = None
        if checkpoint is not None:
            session = CheckpointSession(
                checkpoint,
                self._checkpoint_meta(num_generations),
                source,
                engine.plan,
                generation_prompt=engine.generation_prompt if generating else None,
            )
            report.rows_resumed = session.resumed
            report.rows_retried = session.retrying
            report.checkpoint = str(checkpoint.folder)
        started = time.perf_counter()
        sink: RowSink | None = None
        try:
            sink = make_sink(_output_features(source.features, self.features()))

            def emit(index: int, row: dict[str, Any], columns: dict[str, Any]) -> None:
                sink.add({**row, **columns})
                if session is not None:
                    session.forget(index)

            saved = session.saved if session is not None else _nothing_saved
            with self._progress(options.display_progress_bar, len(source), session) as progress:
                engine.hooks = chain_hooks(
                    progress.hooks() if progress else None,
                    EngineHooks(**session.callbacks()) if session else None,
                    hooks,
                )
                with fewer_collections():
                    run_coroutine(engine.stream(iter_rows(source), saved, emit))
        except KeyboardInterrupt:
            saved_rows = (
                f"{session.finished} finished rows are saved in {report.checkpoint}"
                if session
                else "nothing was saved (no checkpoint)"
            )
            hint = [resume_hint(checkpoint)] if checkpoint is not None else []
            raise RunInterrupted(f"interrupted: {saved_rows}", details=hint) from None
        finally:
            report.wall_seconds = time.perf_counter() - started
            report.placement = stage_placement(self.stages)
            report.rows_done = sink.rows if sink is not None else 0
            if session is not None:
                session.close()
            if cache is not None and cache is not options.cache:
                cache.close()  # opened for this run
            elif cache is not None:
                cache.commit()  # the caller's: left open
        return report

    def output_task(self) -> Task:
        """The task a result carries: the labeller's, else the generator's."""
        last = self.stage("labeller") or self.stage("generator")
        assert last is not None
        return last.task

    def _llms(self) -> list[LLM]:
        """The stages' LLMs, and the members of pools among them."""
        llms = [stage.llm for stage in self.stages.values()]
        return [*llms, *(m for llm in llms for m in getattr(llm, "members", None) or [])]

    def _checkpoint_meta(self, num_generations: int) -> dict[str, Any]:
        """What a checkpoint keeps besides its rows: the fingerprint, column types, tasks."""
        tasks = {f"{role}_task": stage.task.to_sidecar() for role, stage in self.stages.items()}
        generating, labelling = self.stage("generator"), self.stage("labeller")
        return {
            "fingerprint": pipeline_fingerprint(generating, labelling, num_generations),
            "features": self.features().to_dict(),
            **tasks,
        }

    def _progress(
        self, display: bool, rows: int, session: CheckpointSession | None
    ) -> AbstractContextManager[RunProgress | None]:
        from distilabel_cli.pipeline.progress import RunProgress

        if not display:
            return nullcontext()
        bars = {"generator": "generating", "labeller": "labelling"}
        done = {
            "generating": session.saved_generations if session else 0,
            "labelling": session.saved_labels if session else 0,
        }
        from distilabel_cli.llms.prices import pricing_for

        usages = {bars[role]: stage.llm.usage for role, stage in self.stages.items()}
        prices = {bars[role]: pricing_for(stage.llm) for role, stage in self.stages.items()}
        stages = {bars[role]: done[bars[role]] for role in self.stages}
        return RunProgress(rows, stages, usages=usages, prices=prices)

    def features(self) -> Features:
        """Types of the added columns (contract: lists align with the generations)."""
        from datasets import Features, List, Value

        features: dict[str, Any] = {}
        generating, labelling = self.stage("generator"), self.stage("labeller")
        if generating is not None:
            features.update(
                generation_model=List(Value("string")),
                generation_prompt=List(_prompt_feature(generating)),
                raw_generation_responses=List(Value("string")),
            )
            for name, feature in generating.task.output_features().items():
                features[name] = List(feature)
        if labelling is not None:
            features.update(
                labelling_model=Value("string"),
                labelling_prompt=_prompt_feature(labelling),
                raw_labelling_response=Value("string"),
                **labelling.task.output_features(),
            )
        metadata = {}  # why an item is None, per stage
        if generating is not None:
            metadata[GENERATION_ERRORS] = List(Value("string"))
        if labelling is not None:
            metadata[LABELLING_ERROR] = Value("string")
        features[METADATA] = metadata
        return Features(features)

    def start(self) -> None:
        """Start what loads in the background: every stage's Ray actors at once (idempotent;
        `generate` calls it, a caller may call it earlier to overlap the loading)."""
        from distilabel_cli.pipeline.ray import RayStageLLM

        for llm in self._llms():
            if isinstance(llm, RayStageLLM):
                llm.start()

    def close(self) -> None:
        for stage in self.stages.values():
            stage.llm.close()


def _can_label(task: Task) -> bool:
    """Judges label; so do custom tasks (they declare their own output columns)."""
    from distilabel_cli.tasks.custom import CustomTask

    return task.is_labeller or isinstance(task, CustomTask)


def _nothing_saved(_index: int, _row: dict[str, Any]) -> None:
    return None


def _output_features(source: Features, added: Features) -> Features:
    """The output's column types: the input's, then the pipeline's."""
    from datasets import Features

    return Features({**source, **added})


def _prompt_feature(stage: Stage) -> Any:
    """A prompt's type: a list of chat messages, or a string."""
    from datasets import List, Value

    if stage.prompt_format in CHAT_FORMATS:
        return List({"role": Value("string"), "content": Value("string")})
    return Value("string")

"""Pydantic models of the YAML pipeline spec (version 1)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from distilabel_cli.spec.base import StrictModel
from distilabel_cli.spec.llms import GpuList, LLMSpec
from distilabel_cli.spec.ray_engine import (
    RayRunSpec,
    RayStageSpec,
    check_ray_engine,
    check_replica_options,
)
from distilabel_cli.spec.tasks import TaskSpec


class ExplodeSpec(StrictModel):
    """Turn each item of a list column into its own row."""

    column: str = Field(description="The list column, e.g. instructions.")
    into: str | None = Field(
        None, description="Name of the resulting column (replaces one of that name)."
    )


class InputSpec(StrictModel):
    """Where the input rows come from and how to shape them."""

    path: str = Field(
        description="A .jsonl/.json/.csv/.parquet file, a saved dataset folder "
        "or a Hugging Face Hub dataset id."
    )
    split: str = Field("train", description='Split expression, e.g. "test[:3]".')
    explode: str | ExplodeSpec | None = Field(
        None,
        description="A list column to turn into one row per item (nested lists are "
        "flattened, empty items dropped), applied before rename/remove. The previous "
        "run's request columns (generation_model, ..., distil_metadata) are dropped.",
    )
    rename: dict[str, str] = Field(default_factory=dict, description="Column renames old: new.")
    remove: list[str] = Field(default_factory=list, description="Columns to drop.")
    limit: int | None = Field(None, gt=0, description="Use only the first N rows.")


class PoolMemberSpec(StrictModel):
    """One LLM of a pool; it runs in its own child process."""

    llm: LLMSpec
    gpus: GpuList | None = Field(None, description="CUDA_VISIBLE_DEVICES of its process.")

    @model_validator(mode="after")
    def _gpus_once(self) -> PoolMemberSpec:
        if self.gpus is not None and self.llm.gpus not in (None, self.gpus):
            raise ValueError("gpus is set here and in llm with different values")
        return self


class StageSpec(StrictModel):
    """The LLM (or pool of LLMs) of a stage, with the task it performs."""

    llm: LLMSpec | None = None
    pool: list[PoolMemberSpec] | None = Field(
        None,
        min_length=1,
        description="Instead of llm: LLMs in parallel, each row's generations from distinct "
        "members.",
    )
    task: TaskSpec
    ray: RayStageSpec | None = Field(
        None,
        description="With run.engine: ray, the Ray actors that serve this stage's LLM "
        "(ignored by the local engine).",
    )

    @model_validator(mode="after")
    def _llm_or_pool(self) -> StageSpec:
        if (self.llm is None) == (self.pool is None):
            raise ValueError("give either llm or pool (exactly one)")
        if self.ray is not None:
            check_replica_options(self.ray, self.llm)
        return self


class RunSpec(StrictModel):
    """How the pipeline runs."""

    num_generations: int = Field(1, gt=0)
    batch_size: int = Field(8, gt=0, description="Rows per batch for batched backends.")
    seed: int | None = Field(None, description="Seed of the pool members' choice per row.")
    max_failed_fraction: float = Field(
        0.1,
        ge=0,
        le=1,
        description="A run whose failed requests exceed this share of its requests exits 1 "
        "(after writing what it made); rerunning asks again for the failed items.",
    )
    max_cost: float | None = Field(
        None,
        gt=0,
        description="Budget (in the currency of the prices, USD for known models): no new row "
        "starts once the run's cost reaches it; rerun with a higher budget to resume.",
    )
    cache: bool | str = Field(
        True,
        description="The request cache: true (DISTIL_CACHE_DIR, else ~/.cache/distil/requests), "
        "a folder, or false. Answers it holds are not asked (nor paid for) again; --no-cache "
        "turns it off for one run.",
    )
    engine: Literal["local", "ray"] = Field(
        "local",
        description="local: one process on this machine; ray: the stages' LLMs run as Ray "
        "actors on a cluster (docs/scale.md).",
    )
    ray: RayRunSpec | None = Field(
        None, description="The Ray cluster of run.engine: ray (ignored by the local engine)."
    )


class HubOutputSpec(StrictModel):
    """Push the finished dataset to the Hugging Face Hub (token: HF_TOKEN, else `hf auth login`)."""

    repo_id: str
    private: bool = False
    split: str = "train"
    license: str | None = Field(
        None, description="The dataset's license on its card, e.g. apache-2.0 or cc-by-4.0."
    )


class ArgillaOutputSpec(StrictModel):
    """Push the finished dataset to Argilla for human review (create or append)."""

    name: str = Field(description="Argilla dataset name.")
    workspace: str = Field(description="Argilla workspace (must exist).")
    api_url: str | None = Field(None, description="Default: env ARGILLA_API_URL.")
    api_key: SecretStr | None = Field(None, description="Default: env ARGILLA_API_KEY.")
    vectors: bool = Field(True, description="Sentence-embedding vectors ([argilla] extra).")
    metrics: bool = Field(True, description="Text statistics as metadata.")


class OutputSpec(StrictModel):
    """Where the dataset is written."""

    path: str = Field(description="datasets Arrow folder; distilabel-task.json beside the data.")
    formats: list[Literal["jsonl", "parquet"]] = Field(default_factory=list)
    hub: HubOutputSpec | None = Field(None, description="Also push the dataset to the Hub.")
    argilla: ArgillaOutputSpec | None = Field(
        None, description="Also push the dataset to Argilla for review."
    )
    report: bool = Field(
        True, description="Write report.html (distil report) into the dataset folder at the end."
    )


class CheckpointSpec(StrictModel):
    """Where finished rows are saved as they finish, so that a re-run resumes."""

    strategy: Literal["disk", "hf-hub"] = "disk"
    path: str | None = Field(None, description="Folder; default: OUTPUT_PATH.checkpoint.")
    save_frequency: int = Field(
        100, description="Rows between fsyncs (and Hub pushes for hf-hub); -1: at the end only."
    )
    repo_id: str | None = Field(None, description="Dataset repo for strategy hf-hub.")
    private: bool = Field(True, description="Create the hf-hub repo as private.")
    enabled: bool = Field(True, description="false: no checkpoint (nothing saved until the end).")

    @model_validator(mode="after")
    def _hub_needs_repo(self) -> CheckpointSpec:
        if self.strategy == "hf-hub" and not self.repo_id:
            raise ValueError("strategy hf-hub needs repo_id")
        if self.save_frequency == 0 or self.save_frequency < -1:
            raise ValueError("save_frequency must be a positive number of rows, or -1")
        return self


class PipelineSpec(StrictModel):
    """A whole distil pipeline: input, generator and/or labeller, run options, output."""

    version: Literal[1] = 1
    name: str = "distil"
    preset: str | None = Field(
        None,
        description="Ready-made stages, e.g. preference/text-quality (an OpenAI "
        "gpt-3.5-turbo UltraFeedback labeller); the spec's own keys override it.",
    )
    input: InputSpec
    generator: StageSpec | None = None
    labeller: StageSpec | None = None
    run: RunSpec = Field(default_factory=RunSpec)
    checkpoint: CheckpointSpec = Field(default_factory=CheckpointSpec)
    output: OutputSpec

    def checkpoint_path(self) -> str:
        """The checkpoint folder: as given, or beside the output folder."""
        return self.checkpoint.path or f"{self.output.path.rstrip('/')}.checkpoint"

    @model_validator(mode="after")
    def _needs_a_stage(self) -> PipelineSpec:
        if self.generator is None and self.labeller is None:
            raise ValueError("a pipeline needs a generator, a labeller or both")
        if self.run.engine == "ray":
            check_ray_engine({"generator": self.generator, "labeller": self.labeller})
        return self


__all__ = [
    "InputSpec",
    "LLMSpec",
    "PipelineSpec",
    "RayRunSpec",
    "RayStageSpec",
    "StageSpec",
    "TaskSpec",
]

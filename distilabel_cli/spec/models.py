"""Pydantic models of the YAML pipeline spec (version 1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

PromptFormat = Literal["chat", "default", "openai", "llama2", "chatml", "zephyr", "notus"]
UltraFeedbackAspect = Literal[
    "text-quality", "helpfulness", "truthfulness", "honesty", "instruction-following"
]


class StrictModel(BaseModel):
    """Base for every spec model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class InputSpec(StrictModel):
    """Where the input rows come from and how to shape them."""

    path: str = Field(
        description="A .jsonl/.json/.csv/.parquet file, a saved dataset folder "
        "or a Hugging Face Hub dataset id."
    )
    split: str = Field("train", description='Split expression, e.g. "test[:3]".')
    rename: dict[str, str] = Field(default_factory=dict, description="Column renames old: new.")
    remove: list[str] = Field(default_factory=list, description="Columns to drop.")
    limit: int | None = Field(None, gt=0, description="Use only the first N rows.")


class SamplingSpec(StrictModel):
    """Sampling parameters and concurrency shared by every backend."""

    max_new_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int | None = None
    concurrency: int = Field(1, gt=0, description="Requests in flight for this LLM.")


class LlamaCppSpec(SamplingSpec):
    """A local GGUF model run by llama-cpp-python."""

    type: Literal["llama-cpp"]
    model: str = Field("embedded", description='"embedded" or a path to a .gguf file.')
    n_ctx: int = Field(2048, gt=0)
    n_threads: int | None = Field(None, gt=0)


class OpenAISpec(SamplingSpec):
    """Any OpenAI-compatible server (OpenAI, vLLM, TGI, llama.cpp, Ollama)."""

    type: Literal["openai"]
    model: str
    base_url: str | None = None
    api_key: SecretStr | None = Field(None, description="Default: env OPENAI_API_KEY.")
    timeout: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0)
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    stop: list[str] | None = None
    structured_output: Literal["auto", "json_schema", "none"] = Field(
        "auto",
        description="Ask judges for JSON via response_format (auto: fall back to "
        "text when the server refuses it).",
    )


LLMSpec = Annotated[LlamaCppSpec | OpenAISpec, Field(discriminator="type")]


class TextGenerationSpec(StrictModel):
    """Answer each row's `input`."""

    type: Literal["text-generation"]
    system_prompt: str = "You are a helpful, respectful and honest assistant."
    prompt_format: PromptFormat = "chat"


class UltraFeedbackSpec(StrictModel):
    """Rate each row's generations 1-5 on one UltraFeedback aspect."""

    type: Literal["ultrafeedback"]
    aspect: UltraFeedbackAspect = "instruction-following"
    system_prompt: str | None = None
    prompt_format: PromptFormat = "chat"


TaskSpec = Annotated[TextGenerationSpec | UltraFeedbackSpec, Field(discriminator="type")]


class StageSpec(StrictModel):
    """One LLM with the task it performs."""

    llm: LLMSpec
    task: TaskSpec


class RunSpec(StrictModel):
    """How the pipeline runs."""

    num_generations: int = Field(1, gt=0)
    batch_size: int = Field(8, gt=0, description="Rows per batch for batched backends.")


class HubOutputSpec(StrictModel):
    """Push the finished dataset to the Hugging Face Hub (token: HF_TOKEN / HF_API_TOKEN)."""

    repo_id: str
    private: bool = False
    split: str = "train"


class OutputSpec(StrictModel):
    """Where the dataset is written."""

    path: str = Field(description="datasets Arrow folder; distilabel-task.json beside the data.")
    formats: list[Literal["jsonl", "parquet"]] = Field(default_factory=list)
    hub: HubOutputSpec | None = Field(None, description="Also push the dataset to the Hub.")


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
        return self

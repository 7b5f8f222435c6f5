"""Pydantic models of the YAML pipeline spec (version 1)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

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


class PricingSpec(StrictModel):
    """What this LLM's tokens cost, for the run report (any currency)."""

    input_per_million: float = Field(0.0, ge=0, description="Price of 1M input tokens.")
    output_per_million: float = Field(0.0, ge=0, description="Price of 1M output tokens.")


GpuList = list[Annotated[int, Field(ge=0)]]


class SamplingSpec(StrictModel):
    """Sampling, concurrency, retries, rate limits and pricing shared by every backend."""

    max_new_tokens: int = Field(256, gt=0)
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int | None = None
    concurrency: int = Field(
        1, gt=0, description="Requests in flight for this LLM (less for a while after a 429)."
    )
    timeout: float = Field(120.0, gt=0, description="Seconds per request attempt.")
    max_retries: int = Field(
        3, ge=0, description="Retries of a 429, 5xx, timeout or lost connection (backoff)."
    )
    requests_per_minute: float | None = Field(None, gt=0, description="Request rate limit.")
    tokens_per_minute: float | None = Field(
        None, gt=0, description="Token rate limit (prompt + max_new_tokens, then actual usage)."
    )
    pricing: PricingSpec | None = Field(None, description="Token prices, for the run's cost.")
    gpus: GpuList | None = Field(
        None, description="Run this LLM in its own process with CUDA_VISIBLE_DEVICES=these."
    )


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
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    stop: list[str] | None = None
    structured_output: Literal["auto", "json_schema", "none"] = Field(
        "auto",
        description="Ask judges for JSON via response_format (auto: fall back to "
        "text when the server refuses it).",
    )


class InferenceEndpointsSpec(SamplingSpec):
    """Hugging Face Inference Endpoints, serverless models or a TGI server (exactly one)."""

    type: Literal["inference-endpoints"]
    model: str | None = Field(None, description="Serverless model id on the Hub.")
    endpoint_name: str | None = Field(None, description="A dedicated Inference Endpoint.")
    endpoint_namespace: str | None = Field(None, description="Its user or organisation.")
    base_url: str | None = Field(None, description="URL of a TGI (or chat-compatible) server.")
    provider: str | None = Field(None, description="Inference provider for a serverless model.")
    token: SecretStr | None = Field(None, description="Default: env HF_TOKEN / HF_API_TOKEN.")
    stop: list[str] | None = None
    structured_output: Literal["auto", "json_schema", "json_object", "none"] = "auto"

    @model_validator(mode="after")
    def _one_target(self) -> InferenceEndpointsSpec:
        given = [k for k in ("model", "endpoint_name", "base_url") if getattr(self, k)]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of model, endpoint_name, base_url (got {got})")
        if self.endpoint_namespace and not self.endpoint_name:
            raise ValueError("endpoint_namespace needs endpoint_name")
        return self


class BatchedSpec(SamplingSpec):
    """Options of the offline, batched backends."""

    batch_size: int | None = Field(
        None, gt=0, description="Prompts per model call; default: run.batch_size."
    )
    trust_remote_code: bool = False


class VLLMSpec(BatchedSpec):
    """An offline vLLM engine on this machine's GPU(s) (pip install -e .[vllm])."""

    type: Literal["vllm"]
    model: str = Field(description="Hub id or local folder (or .gguf file) of the model.")
    tokenizer: str | None = None
    dtype: str = "auto"
    tensor_parallel_size: int = Field(1, gt=0)
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)
    max_model_len: int | None = Field(None, gt=0)
    quantization: str | None = None
    stop: list[str] | None = None
    engine_kwargs: dict[str, Any] = Field(default_factory=dict, description="More vllm.LLM args.")


class TransformersSpec(BatchedSpec):
    """A local transformers model (pip install -e .[transformers])."""

    type: Literal["transformers"]
    model: str = Field("embedded", description='Hub id, folder, .gguf file or "embedded".')
    gguf_file: str | None = Field(None, description="GGUF file inside the model folder/repo.")
    tokenizer: str | None = None
    device: str = Field("cpu", description="cpu, cuda, cuda:N or auto (accelerate).")
    torch_dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    n_threads: int | None = Field(None, gt=0, description="torch CPU threads.")

    @model_validator(mode="after")
    def _known_device(self) -> TransformersSpec:
        if not re.fullmatch(r"cpu|auto|cuda(:\d+)?", self.device):
            raise ValueError(f"device must be cpu, cuda, cuda:N or auto, not {self.device!r}")
        return self


LLMSpec = Annotated[
    LlamaCppSpec | OpenAISpec | InferenceEndpointsSpec | VLLMSpec | TransformersSpec,
    Field(discriminator="type"),
]


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

    @model_validator(mode="after")
    def _llm_or_pool(self) -> StageSpec:
        if (self.llm is None) == (self.pool is None):
            raise ValueError("give either llm or pool (exactly one)")
        return self


class RunSpec(StrictModel):
    """How the pipeline runs."""

    num_generations: int = Field(1, gt=0)
    batch_size: int = Field(8, gt=0, description="Rows per batch for batched backends.")
    seed: int | None = Field(None, description="Seed of the pool members' choice per row.")


class HubOutputSpec(StrictModel):
    """Push the finished dataset to the Hugging Face Hub (token: HF_TOKEN / HF_API_TOKEN)."""

    repo_id: str
    private: bool = False
    split: str = "train"


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

"""Pydantic models of the `llm:` sections of the YAML spec, one per backend."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, model_validator

from distilabel_cli.llms.retry import DEFAULT_MAX_RETRIES
from distilabel_cli.spec.base import StrictModel


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
        DEFAULT_MAX_RETRIES,
        ge=0,
        description="Retries of a 429, 5xx, timeout or lost connection (backoff).",
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

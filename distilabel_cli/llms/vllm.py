"""vllm backend: an offline `vllm.LLM`, one `generate` call per batch of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.errors import FatalLLMError, StructuredOutputUnsupported
from distilabel_cli.llms.batched import BatchedLLM, BatchRequest, Generated, require_package
from distilabel_cli.llms.options import option
from distilabel_cli.prompt_types import FormattedPrompt


@dataclass(kw_only=True)
class VLLM(BatchedLLM):
    """An offline vLLM engine on this machine's GPU(s) (pip install -e .[vllm]).

    `model` is a Hub id, a local folder or .gguf file, or (Python) a built `vllm.LLM`.
    Chat prompts go through the tokenizer's chat template; every prompt is sent as token
    ids, so token counts are exact. Each request has its own `SamplingParams` (n, seed,
    guided JSON for judges), and a whole batch is one `generate` call. The engine (and its
    GPU memory) is made at the first batch, in the LLM's worker thread.
    """

    model: Any = option(
        yaml=str, description="Hub id or local folder (or .gguf file) of the model."
    )
    tokenizer: str | None = option(None)
    dtype: str = option("auto")
    tensor_parallel_size: int = option(1, gt=0)
    gpu_memory_utilization: float = option(0.9, gt=0, le=1)
    max_model_len: int | None = option(None, gt=0)
    quantization: str | None = option(None)
    stop: list[str] | None = option(None)
    engine_kwargs: dict[str, Any] = option(default_factory=dict, description="More vllm.LLM args.")
    _engine: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.model, str):
            require_package("vllm", "vllm", "vllm")
        else:
            self._engine = self.model

    @property
    def model_name(self) -> str:
        if isinstance(self.model, str):
            return self.model
        config = getattr(getattr(self._engine, "llm_engine", None), "model_config", None)
        return str(getattr(config, "model", "vllm"))

    @property
    def supports_structured_output(self) -> bool:
        return True

    def _load(self) -> None:
        if self._engine is not None:
            return
        from vllm import LLM as Engine

        options: dict[str, Any] = {
            "model": self.model,
            "tokenizer": self.tokenizer,
            "dtype": self.dtype,
            "tensor_parallel_size": self.tensor_parallel_size,
            "gpu_memory_utilization": self.gpu_memory_utilization,
            "max_model_len": self.max_model_len,
            "quantization": self.quantization,
            "trust_remote_code": self.trust_remote_code,
            "seed": self.seed,
        }
        options = {k: v for k, v in options.items() if v is not None}
        self._engine = Engine(**options, **self.engine_kwargs)

    def _release(self) -> None:
        if isinstance(self.model, str):
            self._engine = None

    def _token_ids(self, tokenizer: Any, prompt: FormattedPrompt) -> list[int]:
        if isinstance(prompt, str):
            return list(tokenizer.encode(prompt))
        if not getattr(tokenizer, "chat_template", None):
            raise FatalLLMError(
                f"{self.model_name} has no chat template: set the task's prompt_format "
                "to a string format (default, llama2, chatml, zephyr, notus)"
            )
        text = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        return list(tokenizer.encode(text, add_special_tokens=False))

    def _sampling_params(self, request: BatchRequest) -> Any:
        from vllm import SamplingParams

        params: dict[str, Any] = {
            "n": request.num_generations,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_new_tokens,
            "seed": self.seed,
            "stop": self.stop,
        }
        if request.json_schema is not None:
            params.update(_guided_json(request.json_schema))
        return SamplingParams(**params)

    def _generate_batch(self, requests: list[BatchRequest]) -> list[Generated]:
        tokenizer = self._engine.get_tokenizer()
        prompts = [{"prompt_token_ids": self._token_ids(tokenizer, r.prompt)} for r in requests]
        # the same seed for every request: results do not depend on how rows were batched
        params = [self._sampling_params(r) for r in requests]
        outputs = self._engine.generate(prompts, params, use_tqdm=False)
        return [
            Generated(
                texts=[o.text for o in out.outputs],
                input_tokens=len(prompt["prompt_token_ids"]),
                output_tokens=sum(len(o.token_ids) for o in out.outputs),
            )
            for prompt, out in zip(prompts, outputs, strict=True)
        ]


def _guided_json(schema: dict[str, Any]) -> dict[str, Any]:
    """SamplingParams arguments that constrain the output to `schema` (old and new vLLM)."""
    try:
        from vllm.sampling_params import StructuredOutputsParams

        return {"structured_outputs": StructuredOutputsParams(json=schema)}
    except ImportError:
        pass
    try:
        from vllm.sampling_params import GuidedDecodingParams

        return {"guided_decoding": GuidedDecodingParams(json=schema)}
    except ImportError as exc:
        raise StructuredOutputUnsupported("this vLLM has no guided decoding") from exc


#: distilabel 0.6's spelling.
vLLM = VLLM  # noqa: N816

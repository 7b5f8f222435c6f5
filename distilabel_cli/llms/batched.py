"""Base of the offline backends (vllm, transformers): per-row requests, batched model calls."""

from __future__ import annotations

import importlib.util
from abc import abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.errors import DistilError, FatalLLMError, StructuredOutputUnsupported
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.batching import MicroBatcher
from distilabel_cli.llms.options import option
from distilabel_cli.prompt_types import FormattedPrompt

#: Prompts per model call when neither the LLM nor the run says otherwise.
DEFAULT_BATCH_SIZE = 8


@dataclass
class BatchRequest:
    """One `agenerate` call: a prompt, how many samples, an optional JSON schema."""

    prompt: FormattedPrompt
    num_generations: int
    json_schema: dict[str, Any] | None = None


@dataclass
class Generated:
    """What the model produced for one request, with its token counts."""

    texts: list[str]
    input_tokens: int = 0
    output_tokens: int = 0


def require_package(module: str, backend: str, extra: str) -> None:
    """A clear DistilError when an optional backend's package is not installed."""
    if importlib.util.find_spec(module) is None:
        raise DistilError(
            f"llm.type {backend} needs the {module!r} package: pip install -e .[{extra}] "
            f"(or pip install 'distilabel-cli[{extra}]')"
        )


@dataclass(kw_only=True)
class BatchedLLM(LLM):
    """An offline model fed by a micro-batcher: one model call per batch of rows.

    `batch_size` caps the prompts per call (default 8); `concurrency` is raised to it so the
    engine keeps enough rows in flight to fill a batch. The model is loaded lazily in the
    LLM's own worker thread, where every batch also runs, so the event loop never blocks.
    """

    batch_size: int | None = option(
        None, gt=0, description="Prompts per model call; default: run.batch_size."
    )
    trust_remote_code: bool = option(False)
    _batcher: MicroBatcher[BatchRequest, Generated] | None = field(
        default=None, init=False, repr=False
    )
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    _batch_size_given: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self._batch_size_given = self.batch_size is not None
        if self.batch_size is None:
            self.batch_size = DEFAULT_BATCH_SIZE
        if self.batch_size < 1:
            raise DistilError(f"llm.batch_size must be at least 1, got {self.batch_size}")
        self.concurrency = max(self.concurrency, self.batch_size)

    def apply_run_batch_size(self, size: int) -> None:
        """Use the run's batch size (`Pipeline.generate(batch_size=)`) unless one was given."""
        if not self._batch_size_given and size >= 1:
            self.batch_size = size
            self.concurrency = max(self.concurrency, size)

    @property
    def batch_sizes(self) -> list[int]:
        """Size of every batch run so far (in this event loop)."""
        return list(self._batcher.batch_sizes) if self._batcher else []

    @abstractmethod
    def _load(self) -> None:
        """Load the model (runs in the worker thread unless `load()` is called)."""

    @abstractmethod
    def _generate_batch(self, requests: list[BatchRequest]) -> list[Generated]:
        """Run the loaded model once over `requests`; one `Generated` per request."""

    def load(self) -> None:
        """Load the model now, in the calling thread, instead of at the first batch."""
        self._load()

    def _run_batch(self, requests: list[BatchRequest]) -> list[Generated]:
        try:
            self._load()
        except (DistilError, FatalLLMError):
            raise
        except Exception as exc:  # noqa: BLE001 - no request can succeed without the model
            raise FatalLLMError(
                f"{self.model_name}: could not load the model ({type(exc).__name__}: {exc})"
            ) from exc
        return self._generate_batch(requests)

    def batcher(self) -> MicroBatcher[BatchRequest, Generated]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=type(self).__name__)
        if self._batcher is None:
            assert self.batch_size is not None
            self._batcher = MicroBatcher(
                self._run_batch, max_batch_size=self.batch_size, executor=self._executor
            )
        return self._batcher

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        self.usage.requests += 1
        try:
            result = await self.batcher().submit(BatchRequest(prompt, num_generations, json_schema))
        except DistilError as exc:
            raise FatalLLMError(exc.message) from exc
        except (FatalLLMError, StructuredOutputUnsupported):
            raise
        except Exception as exc:  # noqa: BLE001 - the batch failed: these rows get None
            error = f"{type(exc).__name__}: {exc}"
            self.usage.record_failure(error)
            return [Completion(text=None, error=error) for _ in range(num_generations)]
        self.usage.record_success(result.input_tokens, result.output_tokens)
        completions = [Completion(text=t) for t in result.texts[:num_generations]]
        missing = num_generations - len(completions)
        return completions + [Completion(text=None, error="no sample returned")] * missing

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        if self._batcher is not None:
            self._batcher.reset_loop_state()

    def _release(self) -> None:  # noqa: B027 - optional hook
        """Drop a model this LLM loaded itself."""

    def close(self) -> None:
        """Stop the worker thread and free a model this LLM loaded itself."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._batcher = None
        self._release()

"""llama-cpp backend: a local GGUF model, run off the event loop in its own thread."""

from __future__ import annotations

import asyncio
import functools
import json
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.embedded import EMBEDDED_MODEL_NAME, resolve_gguf
from distilabel_cli.llms.limits import estimate_tokens
from distilabel_cli.llms.options import option
from distilabel_cli.prompt_types import FormattedPrompt


@dataclass(kw_only=True)
class LlamaCppLLM(LLM):
    """A local GGUF model run by llama-cpp-python.

    `model` is "embedded", a .gguf path or (Python) a loaded `Llama`. The model is loaded
    lazily in a dedicated worker thread; requests run there one at a time (a `Llama` is
    not thread-safe), so the event loop never blocks. A model this LLM
    loaded is closed by `close()`, when the LLM is garbage-collected, or at interpreter
    exit, whichever comes first (never later, in llama.cpp's noisy `__del__`).
    """

    model: Any = option("embedded", yaml=str, description='"embedded" or a path to a .gguf file.')
    n_ctx: int = option(2048, gt=0)
    n_threads: int | None = option(None, gt=0)
    _llama: Any = field(default=None, init=False, repr=False)
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _finalizer: weakref.finalize | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.model, str | Path):
            self._path: Path | None = resolve_gguf(str(self.model))
        else:
            self._path, self._llama = None, self.model

    @property
    def model_name(self) -> str:
        if self.model == "embedded":
            return EMBEDDED_MODEL_NAME
        if self._path is not None:
            return self._path.stem
        return Path(getattr(self._llama, "model_path", "llama-cpp")).stem

    @property
    def supports_structured_output(self) -> bool:
        return True

    def _load(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            kwargs: dict[str, Any] = {"n_ctx": self.n_ctx, "verbose": False}
            if self.n_threads:  # prompt processing too: spare CPUs for side-by-side models
                kwargs["n_threads"] = kwargs["n_threads_batch"] = self.n_threads
            if self.seed is not None:
                kwargs["seed"] = self.seed
            self._llama = Llama(model_path=str(self._path), **kwargs)
            # runs at exit while llama_cpp's modules are still whole (atexit)
            self._finalizer = weakref.finalize(self, self._llama.close)
        return self._llama

    def load(self) -> None:
        """Load the model now (in the calling thread) instead of at the first request."""
        self._load()

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-cpp")
        loop = asyncio.get_running_loop()
        tokens = estimate_tokens(prompt, self.max_new_tokens)
        results = []
        for k in range(num_generations):
            seed = None if self.seed is None else self.seed + k
            attempt = functools.partial(
                loop.run_in_executor, self._executor, self._generate_one, prompt, json_schema, seed
            )
            # slots and rate limits only: a local error is not transient, never retried
            completion, used = await self.call_with_retries(attempt, tokens)
            self.limits.settle(tokens, used)
            results.append(completion)
        return results

    def _generate_one(
        self, prompt: FormattedPrompt, json_schema: dict[str, Any] | None, seed: int | None
    ) -> tuple[Completion, int | None]:
        """One completion and the tokens it used (None when it failed)."""
        self.usage.requests += 1
        try:
            llama = self._load()
            params: dict[str, Any] = {
                "max_tokens": self.max_new_tokens,
                "temperature": self.temperature,
                "top_p": self.top_p,
                "seed": seed,
            }
            if isinstance(prompt, list):
                if json_schema is not None:
                    params["response_format"] = {"type": "json_object", "schema": json_schema}
                response = llama.create_chat_completion(messages=prompt, **params)
                text = response["choices"][0]["message"]["content"]
            else:
                if json_schema is not None:
                    from llama_cpp import LlamaGrammar

                    params["grammar"] = LlamaGrammar.from_json_schema(
                        json.dumps(json_schema), verbose=False
                    )
                response = llama.create_completion(prompt=prompt, **params)
                text = response["choices"][0]["text"]
        except Exception as exc:  # noqa: BLE001 - one failed request must not stop the run
            error = f"{type(exc).__name__}: {exc}"
            self.usage.record_failure(error)
            return Completion(text=None, error=error), None
        usage = response.get("usage") or {}
        used_in, used_out = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
        self.usage.record_success(used_in, used_out)
        completion = Completion(text=text or "", input_tokens=used_in, output_tokens=used_out)
        return completion, used_in + used_out

    def close(self) -> None:
        """Stop the worker thread and free a model this LLM loaded itself."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._finalizer is not None:  # a model this LLM loaded itself
            self._finalizer()
            self._finalizer = None
            self._llama = None

"""What tests/test_seed_examples.py swaps in for the hosted services of the 0.6 guide.

`local(llm)` keeps the task, prompt format and sampling of the LLM an example builds and
returns one that runs here: an OpenAI model becomes the local OpenAI-compatible test server
(`LOCAL_OPENAI_URL`), an Inference Endpoints model the embedded SmolLM2 (llama.cpp).
`embedded(**kwargs)` stands in for a GPU vLLM model. Both cap `max_new_tokens` at
`LOCAL_MAX_NEW_TOKENS` to keep the tests short. The Hub is the local stand-in
(`HF_ENDPOINT`), Argilla the local server (`ARGILLA_API_URL`, `ARGILLA_API_KEY`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from distilabel_cli.llms import LLM, LlamaCppLLM, OpenAILLM


def _cap(max_new_tokens: int) -> int:
    return min(max_new_tokens, int(os.environ.get("LOCAL_MAX_NEW_TOKENS", "24")))


def embedded(**kwargs: Any) -> LLM:
    """The embedded model with an example's LLM arguments."""
    kwargs["max_new_tokens"] = _cap(kwargs.get("max_new_tokens", 256))
    return LlamaCppLLM(model="embedded", n_threads=1, seed=0, **kwargs)


def local(llm: LLM) -> LLM:
    """A local LLM with `llm`'s task and settings."""
    if isinstance(llm, OpenAILLM):
        return OpenAILLM(
            model=llm.model,
            task=llm.task,
            base_url=os.environ["LOCAL_OPENAI_URL"],
            api_key="local",
            max_new_tokens=llm.max_new_tokens,
            temperature=llm.temperature,
            concurrency=llm.concurrency,
        )
    return embedded(
        task=llm.task,
        prompt_format=llm.prompt_format,
        max_new_tokens=llm.max_new_tokens,
        temperature=llm.temperature,
    )


def report(**values: Any) -> None:
    """One line the test reads back (a dataset column becomes its list of values)."""
    print("SEED-RESULT " + json.dumps(values, default=_plain), flush=True)


def _plain(value: Any) -> Any:
    try:
        return list(value)
    except TypeError:
        return str(value)

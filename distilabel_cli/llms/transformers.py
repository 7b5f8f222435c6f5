"""transformers backend: a local Hugging Face model, batched generation with left padding."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from distilabel_cli.errors import DistilError, FatalLLMError
from distilabel_cli.llms.batched import BatchedLLM, BatchRequest, Generated, require_package
from distilabel_cli.llms.embedded import EMBEDDED_MODEL_NAME, embedded_model_path
from distilabel_cli.llms.options import option
from distilabel_cli.prompt_types import FormattedPrompt

TorchDtype = Literal["auto", "float32", "float16", "bfloat16"]
DEVICE = re.compile(r"cpu|auto|cuda(:\d+)?")


@dataclass(kw_only=True)
class TransformersLLM(BatchedLLM):
    """A local transformers model (pip install -e .[transformers]).

    A causal LM, one `generate` call per batch of rows. `model` is a Hub id or local folder
    (with `gguf_file` for a GGUF file in it), a path to a .gguf file, "embedded" (the
    bundled SmolLM2 GGUF) or an already loaded model (then pass its `tokenizer` too).
    Chat prompts go through the tokenizer's chat template.
    `device`: "cpu", "cuda", "cuda:N" or "auto" (accelerate's device map); `n_threads` sets
    torch's CPU threads (process-wide). No structured output: judges answer in the classic
    text format.
    """

    model: Any = option(
        "embedded", yaml=str, description='Hub id, folder, .gguf file or "embedded".'
    )
    gguf_file: str | None = option(None, description="GGUF file inside the model folder/repo.")
    tokenizer: Any = option(None, yaml=str | None)
    device: str = option("cpu", description="cpu, cuda, cuda:N or auto (accelerate).")
    torch_dtype: TorchDtype = option("auto")
    n_threads: int | None = option(None, gt=0, description="torch CPU threads.")
    _model: Any = field(default=None, init=False, repr=False)
    _tokenizer: Any = field(default=None, init=False, repr=False)
    _owns_model: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.model, str | Path):
            if self.tokenizer is None or isinstance(self.tokenizer, str):
                raise DistilError("transformers: a loaded model needs its loaded tokenizer too")
            self._model, self._tokenizer = self.model, self.tokenizer
            return
        require_package("transformers", "transformers", "transformers")
        self._check_options()
        self._source, self._gguf = _split_source(str(self.model), self.gguf_file)

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        device = options.get("device")
        if not isinstance(device, str) or not DEVICE.fullmatch(device):
            raise ValueError(f"device must be cpu, cuda, cuda:N or auto, not {device!r}")
        if options.get("torch_dtype") not in get_args(TorchDtype):
            dtypes = ", ".join(get_args(TorchDtype))
            raise ValueError(f"torch_dtype must be one of {dtypes}")

    @property
    def model_name(self) -> str:
        if not isinstance(self.model, str | Path):
            return str(getattr(self._model, "name_or_path", "") or "transformers")
        if str(self.model) == "embedded":
            return EMBEDDED_MODEL_NAME
        return Path(self._gguf).stem if self._gguf else str(self.model)

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        gguf = {"gguf_file": self._gguf} if self._gguf else {}
        remote = {"trust_remote_code": self.trust_remote_code}
        if isinstance(self.tokenizer, str):
            tokenizer = AutoTokenizer.from_pretrained(self.tokenizer, **remote)
        else:
            tokenizer = self.tokenizer or AutoTokenizer.from_pretrained(
                self._source, **gguf, **remote
            )
        tokenizer.padding_side = "left"  # decoder-only: pad before the prompt
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        dtype = self.torch_dtype if self.torch_dtype == "auto" else getattr(torch, self.torch_dtype)
        model = AutoModelForCausalLM.from_pretrained(
            self._source, dtype=dtype, device_map=self.device, **gguf, **remote
        )
        model.eval()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
        if self.seed is not None:
            torch.manual_seed(self.seed)
        self._model, self._tokenizer, self._owns_model = model, tokenizer, True

    def _release(self) -> None:
        if self._owns_model:
            self._model = self._tokenizer = None
            self._owns_model = False

    def _encode(self, prompt: FormattedPrompt) -> list[int]:
        tokenizer = self._tokenizer
        if isinstance(prompt, str):
            return list(tokenizer(prompt)["input_ids"])
        if not getattr(tokenizer, "chat_template", None):
            raise FatalLLMError(
                f"{self.model_name} has no chat template: set the task's prompt_format "
                "to a string format (default, llama2, chatml, zephyr, notus)"
            )
        text = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def _generate_batch(self, requests: list[BatchRequest]) -> list[Generated]:
        results: list[Generated | None] = [None] * len(requests)
        by_n: dict[int, list[int]] = {}
        for index, request in enumerate(requests):
            by_n.setdefault(request.num_generations, []).append(index)
        for n, indices in by_n.items():  # one group (one generate call) unless n differs
            ids = [self._encode(requests[i].prompt) for i in indices]
            texts, out_tokens = self._generate(ids, n)
            for k, i in enumerate(indices):
                results[i] = Generated(texts[k], len(ids[k]), out_tokens[k])
        return [r for r in results if r is not None]

    def _generate(self, ids: list[list[int]], n: int) -> tuple[list[list[str]], list[int]]:
        """One `generate` call: for each prompt, its n texts and its output token count."""
        import torch

        tokenizer, model = self._tokenizer, self._model
        batch = tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")
        batch = {k: v.to(model.device) for k, v in batch.items()}
        sampling: dict[str, Any] = {"do_sample": self.temperature > 0}
        if self.temperature > 0:
            sampling.update(temperature=self.temperature, top_p=self.top_p)
        with torch.inference_mode():
            output = model.generate(
                **batch,
                max_new_tokens=self.max_new_tokens,
                num_return_sequences=n,
                pad_token_id=tokenizer.pad_token_id,
                **sampling,
            )
        new = output[:, batch["input_ids"].shape[1] :].tolist()
        stops = _stop_ids(model, tokenizer)
        texts, counts = [], []
        for k in range(len(ids)):
            rows = new[k * n : (k + 1) * n]
            texts.append(tokenizer.batch_decode(rows, skip_special_tokens=True))
            counts.append(sum(_generated_length(row, stops) for row in rows))
        return texts, counts


def _split_source(model: str, gguf_file: str | None) -> tuple[str, str | None]:
    """(folder or Hub id, GGUF file name) for `from_pretrained`."""
    if model == "embedded":
        path = embedded_model_path()
        return str(path.parent), path.name
    if model.endswith(".gguf"):
        path = Path(model).expanduser()
        if not path.is_file():
            raise DistilError(f"transformers model file not found: {model}")
        return str(path.parent), path.name
    return model, gguf_file


def _stop_ids(model: Any, tokenizer: Any) -> set[int]:
    eos = model.generation_config.eos_token_id
    ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    return ids | {i for i in (tokenizer.eos_token_id, tokenizer.pad_token_id) if i is not None}


def _generated_length(row: list[int], stops: set[int]) -> int:
    """Tokens the model generated: up to and including the first stop token."""
    for position, token in enumerate(row):
        if token in stops:
            return position + 1
    return len(row)

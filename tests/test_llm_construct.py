"""`llms.construct`: an LLM made from its type and options equals the one its spec
builds, and a Ray replica's process makes it without importing the spec's models."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest
from pydantic import SecretStr

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.construct import construct_llm, llm_options
from distilabel_cli.pipeline.build import build_llm
from distilabel_cli.redact import redact
from distilabel_cli.spec.models import StageSpec


def llm_spec(**llm: object) -> object:
    stage = {"llm": {"type": "openai", "model": "m", **llm}, "task": {"type": "text-generation"}}
    return StageSpec.model_validate(stage).llm


def test_options_make_the_same_llm_and_keep_secrets_masked() -> None:
    spec = llm_spec(
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-plain-options-0123456789",
        temperature=0.3,
        concurrency=7,
        pricing={"input_per_million": 1.5},
    )
    options = llm_options(spec)
    assert isinstance(options["api_key"], SecretStr)  # masked in any repr of actor args
    assert "sk-plain-options" not in repr(options)
    built, made = build_llm(spec), construct_llm(spec.type, pickle.loads(pickle.dumps(options)))
    for name in options:
        assert getattr(made, name) == getattr(built, name), name
    assert made.api_key == "sk-plain-options-0123456789"  # the backend gets the plain key
    # the only models left are pydantic's SecretStr and the LLM's own (Pricing, in
    # llms.base): unpickling them needs no spec module
    modules = {type(v).__module__ for v in options.values() if type(v).__module__ != "builtins"}
    assert modules <= {"pydantic.types", "distilabel_cli.llms.base"}, modules


def test_errors_name_the_label_and_secrets_are_registered() -> None:
    with pytest.raises(DistilError, match=r"^generator\.llm: "):
        construct_llm("openai", {"model": "m", "concurrency": 0}, label="generator.llm")
    construct_llm("openai", {"model": "m", "api_key": "sk-registered-by-construct-42"})
    assert "sk-registered-by-construct-42" not in redact("key sk-registered-by-construct-42")


def test_a_replica_makes_its_llm_without_the_spec_models() -> None:
    """What a Ray replica's process imports (the actor module, then the LLM it makes)."""
    code = textwrap.dedent(
        """
        import sys
        from distilabel_cli.pipeline.ray.actor import StageActor
        actor = StageActor("openai", {"model": "m", "base_url": "http://127.0.0.1:9/v1"}, "g", {})
        assert actor.load_error is None, actor.load_error
        print(sorted(m for m in sys.modules if m.startswith("distilabel_cli.spec")))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

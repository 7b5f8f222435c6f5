"""distilabel 0.6's Python API as its users type it (issue 16 items 18, 21, 23, 24, 26, 27).

Real parts only: the embedded llama.cpp model, the local OpenAI-compatible counting server,
real scripts run by a real interpreter in a subprocess (for what only shows at exit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from counting_server import CountingServer
from datasets import Dataset
from test_binarize import CONTRACT_COLUMNS

import distilabel_cli
from distilabel_cli import (
    VLLM,
    CustomDataset,
    InferenceEndpointsLLM,
    JudgeLMTask,
    LlamaCppLLM,
    LLMPool,
    OpenAILLM,
    ProcessLLM,
    TextGenerationTask,
    UltraFeedbackTask,
    load_dataset,
    prepare_dataset,
    vLLM,
)
from distilabel_cli.dataset.binarize.core import binarize
from distilabel_cli.dataset.custom_dataset import TASK_SIDECAR
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import all_task_classes

SCRIPTS = Path(__file__).resolve().parent / "parity_scripts"
#: Written to stderr by what a script left open at exit (the defects of item 27).
EXIT_NOISE = ("Traceback", "Exception ignored", "Unclosed client session", "Unclosed connector")


@pytest.fixture(scope="module")
def server() -> Iterator[CountingServer]:
    with CountingServer() as running:
        yield running


def run_python(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_quiet_exit(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    for noise in EXIT_NOISE:
        assert noise not in result.stderr, result.stderr


# --- 24: the package, constructor arguments, generate() ------------------------------------


def test_importing_the_package_loads_nothing_heavy(tmp_path: Path) -> None:
    heavy = ["datasets", "pyarrow", "aiohttp", "llama_cpp", "numpy", "torch", "huggingface_hub"]
    code = f"import sys, distilabel_cli; print([m for m in {heavy!r} if m in sys.modules])"
    result = run_python(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_06_names_come_from_the_top_level_package() -> None:
    for name, cls in all_task_classes().items():
        assert getattr(distilabel_cli, name) is cls
    assert vLLM is VLLM
    from distilabel_cli.llms import vLLM as from_llms
    from distilabel_cli.llms.vllm import vLLM as from_module

    assert from_llms is from_module is VLLM
    assert ProcessLLM.__module__ == "distilabel_cli.llms.process"
    assert LLMPool.__module__ == "distilabel_cli.llms.pool"
    assert load_dataset is distilabel_cli.dataset.load_dataset
    assert distilabel_cli.pipeline.__module__ == "distilabel_cli.pipeline.presets"
    assert set(distilabel_cli.__all__) <= set(dir(distilabel_cli))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = distilabel_cli.Nope


@pytest.mark.parametrize(
    ("kwargs", "target"),
    [
        (
            {"endpoint_name_or_model_id": "aws-notus-7b-v1-4052", "endpoint_namespace": "argilla"},
            ("endpoint_name", "aws-notus-7b-v1-4052"),
        ),
        ({"endpoint_name_or_model_id": "my-endpoint"}, ("endpoint_name", "my-endpoint")),
        (
            {"endpoint_name_or_model_id": "HuggingFaceH4/zephyr-7b-beta"},
            ("model", "HuggingFaceH4/zephyr-7b-beta"),
        ),
        (
            {"endpoint_name_or_model_id": "http://127.0.0.1:1/v1"},
            ("base_url", "http://127.0.0.1:1/v1"),
        ),
        ({"endpoint_name": "notus", "endpoint_namespace": "argilla"}, ("endpoint_name", "notus")),
    ],
)
def test_inference_endpoints_takes_the_06_arguments(
    kwargs: dict[str, str], target: tuple[str, str]
) -> None:
    llm = InferenceEndpointsLLM(
        task=TextGenerationTask(),
        max_new_tokens=512,
        do_sample=True,
        prompt_format="notus",
        **kwargs,
    )
    field, value = target
    assert getattr(llm, field) == value and llm.model_name == value
    others = {"model", "endpoint_name", "base_url"} - {field}
    assert all(getattr(llm, name) is None for name in others)
    assert llm.temperature == 0.7 and llm.max_new_tokens == 512


def test_inference_endpoints_do_sample_false_is_greedy_and_targets_do_not_mix() -> None:
    greedy = InferenceEndpointsLLM(task=TextGenerationTask(), model="org/m", do_sample=False)
    assert greedy.temperature == 0.0
    with pytest.raises(DistilError, match="give endpoint_name_or_model_id or model, not both"):
        InferenceEndpointsLLM(
            task=TextGenerationTask(), model="org/m", endpoint_name_or_model_id="org/n"
        )


def test_sync_generate_on_the_embedded_model() -> None:
    llm = LlamaCppLLM(task=TextGenerationTask(), max_new_tokens=6, n_threads=1, seed=1)
    try:
        outputs = llm.generate([{"input": "Say hi."}, {"input": "Name a fruit."}], 2)
    finally:
        llm.close()
    assert [len(per_input) for per_input in outputs] == [2, 2]
    for question, per_input in zip(["Say hi.", "Name a fruit."], outputs, strict=True):
        for output in per_input:
            assert set(output) == {
                "model_name",
                "prompt_used",
                "raw_output",
                "parsed_output",
                "error",
            }
            assert output["model_name"] == "SmolLM2-135M-Instruct"
            assert output["prompt_used"][-1] == {"role": "user", "content": question}
            assert isinstance(output["raw_output"], str) and output["error"] is None
            assert output["parsed_output"] == {"generations": output["raw_output"].strip()}
    with pytest.raises(DistilError, match=r"^inputs\[1\]: no 'input'; TextGenerationTask reads"):
        llm.generate([{"input": "a"}, {"prompt": "b"}])


def test_sync_generate_on_a_pool_and_a_judge(server: CountingServer) -> None:
    members = [
        OpenAILLM(model=m, task=TextGenerationTask(), base_url=server.base_url, api_key="k")
        for m in ("a", "b")
    ]
    pool = LLMPool(llms=members, seed=0)
    outputs = pool.generate([{"input": "q1"}, {"input": "q2"}], num_generations=2)
    for question, per_input in zip(["q1", "q2"], outputs, strict=True):
        assert sorted(o["model_name"] for o in per_input) == ["a", "b"]  # distinct members
        assert {o["raw_output"] for o in per_input} <= {
            f"answer {k} to: {question}" for k in (0, 1)
        }
    judge = OpenAILLM(
        model="gpt-4",
        task=UltraFeedbackTask.for_honesty(),
        base_url=server.base_url,
        api_key="k",
    )
    [[rated]] = judge.generate([{"input": "q", "generations": ["x", "y"]}])
    assert rated["model_name"] == "gpt-4" and rated["error"] is None
    assert len(rated["parsed_output"]["rating"]) == 2
    assert all(1 <= r <= 5 for r in rated["parsed_output"]["rating"])


def load_local_judge(task: Any) -> Any:
    """A top-level `load_llm_fn` (sent by reference) for a ProcessLLM judge."""
    return OpenAILLM(model="judge", task=task, base_url=os.environ["PARITY_JUDGE_URL"], api_key="k")


@pytest.mark.timeout(60)
def test_sync_generate_through_a_process_llm(
    server: CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARITY_JUDGE_URL", server.base_url)
    llm = ProcessLLM(task=UltraFeedbackTask(), load_llm_fn=load_local_judge)
    try:
        [[first], [second]] = llm.generate(
            [{"input": "q", "generations": ["a", "b"]}, {"input": "r", "generations": ["c"]}]
        )
    finally:
        llm.close()
    assert first["model_name"] == second["model_name"] == "judge"
    assert len(first["parsed_output"]["rating"]) == 2
    assert len(second["parsed_output"]["rating"]) == 1
    assert first["prompt_used"][-1]["role"] == "user" and first["error"] is None


# --- 21 + 27: the seed's ProcessLLM script, as written (no __main__ guard) -----------------


@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["script", "stdin", "dash-c"])
def test_seed_process_llm_script_without_main_guard_runs(
    how: str, tmp_path: Path, server: CountingServer
) -> None:
    script = (SCRIPTS / "pool_without_main_guard.py").read_text()
    (tmp_path / "seed.py").write_text(script)
    args = {"script": ["seed.py"], "stdin": ["-"], "dash-c": ["-c", script]}[how]
    stdin = script if how == "stdin" else None
    result = run_python(args, tmp_path, {"JUDGE_URL": server.base_url}, stdin)
    assert_quiet_exit(result)  # no pickling error, no unclosed aiohttp session in the judge
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["models"] == ["SmolLM2-135M-Instruct#0", "SmolLM2-135M-Instruct#1"]
    assert len(out["rating"]) == 2 and all(1 <= r <= 5 for r in out["rating"])


def test_a_main_script_load_fn_that_cannot_be_sent_says_what_to_change(tmp_path: Path) -> None:
    result = run_python([str(SCRIPTS / "unsendable_load_fn.py")], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "ProcessLLM(load): load_llm_fn could not be sent to its child process (TypeError: "
    )
    assert result.stdout.strip().endswith(
        "make it a top-level `def` that creates everything it uses (models, clients, locks) "
        "inside its body"
    )


def test_a_nested_load_fn_of_a_module_is_refused_with_the_fix() -> None:
    def nested(task: Any) -> Any:
        return None

    with pytest.raises(DistilError) as error:
        ProcessLLM(task=TextGenerationTask(), load_llm_fn=nested).start()
    assert error.value.message.startswith("ProcessLLM(")
    assert error.value.message.endswith(
        "define it with `def` at the top level of your script or module, not as a lambda, "
        "a nested function or a method"
    )


# --- 27: nothing left open at exit; push_to_hub arguments ----------------------------------


@pytest.mark.timeout(180)
def test_a_script_that_never_closes_its_llms_exits_quietly(
    tmp_path: Path, server: CountingServer
) -> None:
    script = SCRIPTS / "never_closes.py"
    result = run_python([str(script)], tmp_path, {"SERVER_URL": server.base_url})
    assert_quiet_exit(result)  # no Llama.__del__ traceback, no unclosed pool sessions
    assert result.stdout.strip() == "['a', 'b']"


def test_push_to_hub_rejects_unknown_keywords_naming_them() -> None:
    dataset = CustomDataset.from_dataset(Dataset.from_dict({"input": ["q"]}))
    with pytest.raises(TypeError, match="unexpected keyword argument 'commit_message'"):
        dataset.push_to_hub("me/data", commit_message="hello")  # type: ignore[call-arg]


# --- 23: a 0.6 UltraFeedback sidecar keeps its aspect --------------------------------------

#: Shaped like distilabel 0.6's `for_*()` rubrics: a markdown heading, then scores 1-5.
SIDECARS_06 = {
    "text-quality": ("# General Text Quality Assessment", "**Low Quality**: wrong."),
    "helpfulness": ("# Informativeness / Helpfulness Assessment", "**Severely Incorrect**: x."),
    "truthfulness": ("# Truthfulness and Hallucination Assessment", "**Completely Hallucinated**"),
    "honesty": ("# Honesty and Uncertainty Expression Assessment", "**Confidently Incorrect**"),
    "instruction-following": ("# Instruction Following Assessment", "**Irrelevant**: none."),
}


def sidecar_06(aspect: str, with_description: bool = True) -> dict[str, Any]:
    heading, lowest = SIDECARS_06[aspect]
    sidecar: dict[str, Any] = {
        "system_prompt": "Your role is to evaluate text quality based on given criteria.",
        "ratings": [{"value": 1, "description": lowest}]
        + [{"value": v, "description": f"**Score {v}**"} for v in range(2, 6)],
        "__type_info__": {
            "module": "distilabel.tasks.preference.ultrafeedback",
            "name": "UltraFeedbackTask",
        },
    }
    if with_description:
        sidecar["task_description"] = f"\n{heading}\nEvaluate the outputs.\n\n**Scoring**: 1-5:\n"
    return sidecar


def saved_06(folder: Path, sidecar: dict[str, Any]) -> Path:
    rows = {"input": ["q"], "generations": [["a", "b"]], "rating": [[4, 2]]}
    Dataset.from_dict(rows).save_to_disk(str(folder))
    (folder / TASK_SIDECAR).write_text(json.dumps(sidecar), encoding="utf-8")
    return folder


@pytest.mark.parametrize("aspect", list(SIDECARS_06))
def test_a_06_ultrafeedback_dataset_loads_with_its_aspect(aspect: str, tmp_path: Path) -> None:
    folder = saved_06(tmp_path / "ds", sidecar_06(aspect))
    for loaded in (CustomDataset.load_from_disk(folder), load_dataset(str(folder))):
        assert isinstance(loaded.task, UltraFeedbackTask)
        assert loaded.task.aspect == aspect
        assert loaded.task.system_prompt == sidecar_06(aspect)["system_prompt"]
    ratings_only = saved_06(tmp_path / "ratings", sidecar_06(aspect, with_description=False))
    assert CustomDataset.load_from_disk(ratings_only).task.aspect == aspect


def test_for_text_quality_is_the_06_name_of_overall_quality() -> None:
    assert UltraFeedbackTask.for_text_quality() == UltraFeedbackTask.for_overall_quality()
    assert UltraFeedbackTask.for_text_quality().aspect == "text-quality"


# --- 26: prepare_dataset keeps other columns and the ratings' type ------------------------


def test_prepare_dataset_keeps_other_columns_and_integer_ratings() -> None:
    rows = [
        {
            "system": f"system {i}",
            "input": f"q{i}",
            "generations": ["good", "bad"],
            "rating": [9, 7],
            "rationale": "first is better",
            "labelling_model": "judge",
            "chosen": "an older column the pairs replace",
            "id": i,
        }
        for i in range(2)
    ]
    pairs = prepare_dataset(CustomDataset.from_dataset(Dataset.from_list(rows), JudgeLMTask()))
    assert pairs.column_names == [
        *CONTRACT_COLUMNS,
        "chosen_rationale",
        "rejected_rationale",
        "system",
        "id",
    ]
    first = pairs.to_list()[0]
    assert (first["system"], first["id"]) == ("system 0", 0)
    assert (first["rating_chosen"], first["rating_rejected"]) == (9, 7)
    assert (
        type(first["rating_chosen"]) is int
        and str(pairs.features["rating_chosen"].dtype) == "int64"
    )
    assert json.loads(pairs.to_pandas().to_json(orient="records"))[0]["rating_chosen"] == 9
    halves = prepare_dataset(Dataset.from_list([{**rows[0], "rating": [4.5, 1.0]}]))
    assert halves[0]["rating_chosen"] == 4.5  # floats stay floats, never truncated


# --- 18: binarize on ±inf ratings, empty pairs, numpy warnings -----------------------------

INF = float("inf")


def test_infinite_ratings_are_no_ratings_like_nan() -> None:
    rows = [
        {"input": "a", "generations": ["x", "y", "z"], "rating": [INF, 4.0, 1.0]},
        {"input": "b", "generations": ["x", "y", "z"], "rating": [5.0, -INF, 2.0]},
        {"input": "c", "generations": ["x", "y"], "rating": [INF, 3.0]},
        {"input": "d", "generations": ["x", "y"], "rating": [-INF, float("nan")]},
    ]
    result = binarize(Dataset.from_list(rows), strategy="worst")
    pairs = result.dataset.to_list()
    assert [(p["prompt"], p["rating_chosen"], p["rating_rejected"]) for p in pairs] == [
        ("a", 4.0, 1.0),
        ("b", 5.0, 2.0),
    ]
    assert result.summary.invalid == {"fewer than 2 rated generations": 2}


def test_pairs_of_two_empty_responses_are_dropped_and_counted() -> None:
    rows = [
        {"input": "a", "generations": ["", "  \n"], "rating": [5, 1]},
        {"input": "b", "generations": ["", ""], "rating": [3, 3]},
        {"input": "c", "generations": ["good", ""], "rating": [5, 1]},
        {"input": "d", "generations": [None, "", "fine"], "rating": [5, 1, 4]},
    ]
    result = binarize(Dataset.from_list(rows), strategy="worst")
    assert [p["prompt"] for p in result.dataset.to_list()] == ["c", "d"]
    assert (result.summary.empty_dropped, result.summary.ties_dropped) == (2, 0)
    assert result.summary.to_dict()["empty_dropped"] == 2


def test_no_numpy_warning_reaches_the_user(tmp_path: Path) -> None:
    rows = [
        {"input": f"p{i}", "generations": ["x", "y"], "rating": [i * 1e307, -1e308]}
        for i in range(15)
    ] + [{"input": "inf", "generations": ["x", "y"], "rating": [INF, -INF]}]
    data = Dataset.from_list(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        result = binarize(data, strategy="worst")
    assert result.summary.pairs_out == 15
    overflowing = sum(1 for i in range(15) if i * 1e307 + 1e308 == INF)
    assert overflowing and result.summary.margin_histogram[-1] == ("inf", overflowing)
    assert sum(count for _, count in result.summary.margin_histogram) == 15
    data.save_to_disk(str(tmp_path / "rated"))
    cli = run_python(["-m", "distilabel_cli", "binarize", "rated", "--strategy", "worst"], tmp_path)
    assert cli.returncode == 0, cli.stderr
    assert "Warning" not in cli.stderr and "wrote 15 pairs" in cli.stdout
    assert "empty pairs dropped" in cli.stdout

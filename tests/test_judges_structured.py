"""Every judge asks a real OpenAI-compatible server (llama_cpp.server) for JSON.

The server enforces the task's JSON schema (response_format json_schema), so even the
135M model's answers are valid JSON of the right shape, and every item parses.
"""

from __future__ import annotations

import json

import pytest
from conftest import LlamaServer
from datasets import Dataset

from distilabel_cli import OpenAILLM, Pipeline
from distilabel_cli.tasks import (
    ComplexityScorerTask,
    CustomTask,
    JudgeLMTask,
    PrometheusTask,
    QualityScorerTask,
    Task,
    UltraCMTask,
    UltraJudgeTask,
)

RUBRIC = {i: f"Score {i}." for i in range(1, 6)}
TWO = {"input": ["What is 2 + 2?"], "generations": [["4", "It is 5."]]}
ONE = {"input": ["What is 2 + 2?"], "generations": [["2 + 2 = 4."]]}

JUDGES: dict[str, tuple[Task, dict, list[str]]] = {
    "judgelm": (JudgeLMTask(), TWO, ["rating", "rationale"]),
    "ultrajudge": (UltraJudgeTask(), TWO, ["rating", "areas"]),
    "quality-scorer": (QualityScorerTask(), TWO, ["rating"]),
    "complexity-scorer": (ComplexityScorerTask(), TWO, ["rating"]),
    "ultracm": (UltraCMTask(), ONE, ["critique", "score"]),
    "prometheus": (
        PrometheusTask(scoring_criteria="Is it correct?", score_descriptions=RUBRIC),
        ONE,
        ["critique", "score"],
    ),
    "prometheus-relative": (
        PrometheusTask(mode="relative", scoring_criteria="Which is correct?"),
        TWO,
        ["critique", "rating"],
    ),
    "custom": (
        CustomTask(
            template_source="Grade: {{ generations[0] }}",
            inputs=["generations"],
            outputs={"grade": "integer", "why": "string"},
        ),
        ONE,
        ["grade", "why"],
    ),
}


@pytest.mark.parametrize("name", list(JUDGES))
def test_judge_answers_schema_json_through_the_openai_backend(
    name: str, llama_server: LlamaServer
) -> None:
    task, data, outputs = JUDGES[name]
    judge = OpenAILLM(
        task=task,
        model=llama_server.model,
        base_url=llama_server.base_url,
        api_key=llama_server.api_key,
        max_new_tokens=700,
        temperature=0,
    )
    pipe = Pipeline(labeller=judge)
    [row] = pipe.generate(Dataset.from_dict(data)).to_list()
    answer = json.loads(row["raw_labelling_response"])  # enforced: valid JSON
    assert isinstance(answer, dict)
    for column in outputs:
        value = row[column]
        assert value is not None and value != [], (column, row["raw_labelling_response"])
        if isinstance(value, list):
            assert all(v is not None for v in value), (column, row["raw_labelling_response"])
    report = pipe.last_report.to_dict()
    assert report["counts"]["labels_failed"] == 0, report

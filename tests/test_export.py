"""`distil export`: every training format, checked with its consumer's own loader where one is
installed (TRL's data utilities with the embedded SmolLM2 tokenizer), otherwise against the
documented schema; splits grouped by prompt; `distil binarize` splits; Hub pushes.

The rated dataset is made by distil itself: a `Pipeline` of `ScriptedLLM`s (the shipped
in-process LLM) that answer and rate deterministically.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import distil
from datasets import Dataset, DatasetDict, disable_progress_bars
from hub_fixtures import hub_env

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask, prepare_dataset
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.export import FORMAT_NAMES, FORMATS, ExportOptions, export_dataset
from distilabel_cli.dataset.split import held_out_mask
from distilabel_cli.errors import DistilError
from distilabel_cli.llms.scripted import Request, ScriptedLLM

disable_progress_bars()

#: The judge's ratings of the three answers to "question i?" (by i % 6).
RATINGS = {0: [2, 5, 3], 1: [4, 4, 1], 2: [3, 3, 3], 3: [1, 2, 5], 4: [5, 1, 2], 5: [2, 4, 4]}
#: The best answer of each question: highest rated, the first on ties.
BEST = {q: ratings.index(max(ratings)) for q, ratings in RATINGS.items()}
SYSTEM = "Be brief."
BEST_1 = "answer 0 to question 1?"


def answer(request: Request) -> str:
    return f"answer {request.index} to {request.text}"


def judge(request: Request) -> str:
    question = int(re.search(r"question (\d+)\?", request.text).group(1))
    items = [{"rating": r, "rationale": f"r{r}"} for r in RATINGS[question % 6]]
    return json.dumps({"ratings": items})


def rated_dataset(n: int = 6) -> CustomDataset:
    """Questions 0..n-1, three answers each, rated by UltraFeedback; even rows have a system
    prompt, odd rows an empty one."""
    data = {
        "input": [f"question {i}?" for i in range(n)],
        "system": [SYSTEM if i % 2 == 0 else "" for i in range(n)],
    }
    generator = ScriptedLLM(task=TextGenerationTask(), answer=answer)
    labeller = ScriptedLLM(
        task=UltraFeedbackTask.for_overall_quality(), answer=judge, structured=True
    )
    pipeline = Pipeline(generator=generator, labeller=labeller)
    return pipeline.generate(Dataset.from_dict(data), num_generations=3)


def messages(question: int, response: int | None, system: bool = True) -> list[dict[str, str]]:
    turns = [{"role": "system", "content": SYSTEM}] if system and question % 2 == 0 else []
    turns.append({"role": "user", "content": f"question {question}?"})
    if response is not None:
        turns.append({"role": "assistant", "content": f"answer {response} to question {question}?"})
    return turns


@pytest.fixture(scope="module")
def rated() -> CustomDataset:
    return rated_dataset()


@pytest.fixture(scope="module")
def trl_data() -> Any:
    return pytest.importorskip("trl.data_utils", reason="needs pip install -e .[test] (trl)")


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    """The embedded SmolLM2-135M-Instruct tokenizer (a real ChatML chat template), offline."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from distilabel_cli.llms.embedded import embedded_model_path

    path = Path(embedded_model_path())
    return transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def export(dataset: Dataset, name: str, **options: Any) -> Dataset:
    return export_dataset(dataset, name, ExportOptions(**options)).splits["train"]


def chatml(*turns: tuple[str, str], open_assistant: bool = False) -> str:
    text = "".join(f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in turns)
    return text + ("<|im_start|>assistant\n" if open_assistant else "")


# -- formats ---------------------------------------------------------------------------------


def test_registry_matches_the_cli_names() -> None:
    names = "sft-messages dpo dpo-implicit kto openai-chat alpaca sharegpt"
    assert tuple(FORMATS) == FORMAT_NAMES == tuple(names.split())


def test_sft_messages_best_rated_renders_with_trl(rated, trl_data, tokenizer) -> None:
    out = export(rated, "sft-messages")
    assert out["messages"] == [messages(q, BEST[q]) for q in range(6)]
    row = out[0]
    assert trl_data.is_conversational(row)
    text = trl_data.maybe_apply_chat_template(row, tokenizer)["text"]
    assert text == chatml(
        ("system", SYSTEM), ("user", "question 0?"), ("assistant", "answer 1 to question 0?")
    )


def test_select_all_with_min_rating_keeps_each_good_response(rated) -> None:
    out = export(rated, "sft-messages", select="all", min_rating=4)
    expected = [(q, i) for q in range(6) for i, r in enumerate(RATINGS[q]) if r >= 4]
    assert out["messages"] == [messages(q, i) for q, i in expected]
    everything = export(rated, "sft-messages", select="all")
    assert len(everything) == 18  # all three answers of the six questions


def test_dpo_is_trl_explicit_prompt_with_binarize_pairs(rated, trl_data, tokenizer) -> None:
    out = export(rated, "dpo", seed=7)
    pairs = prepare_dataset(rated, "random", seed=7)
    assert len(out) == len(pairs) == 5  # question 2 is an all-way tie
    for row, pair in zip(out, pairs, strict=True):
        question = int(pair["prompt"].split()[1][:-1])
        assert row["prompt"] == messages(question, None)
        assert row["chosen"] == [pair["chosen"][1]] and row["rejected"] == [pair["rejected"][1]]
    assert trl_data.is_conversational(out[0])
    rendered = trl_data.maybe_apply_chat_template(out[0], tokenizer)
    prompt = chatml(("system", SYSTEM), ("user", "question 0?"), open_assistant=True)
    assert rendered["prompt"] == prompt
    assert rendered["chosen"].startswith(f"{out[0]['chosen'][0]['content']}<|im_end|>")


def test_dpo_implicit_is_the_binarize_shape_and_trl_extracts_the_prompt(
    rated, trl_data, tokenizer
) -> None:
    out = export(rated, "dpo-implicit", seed=7)
    pairs = prepare_dataset(rated, "random", seed=7)
    assert out.column_names == pairs.column_names
    for row, pair in zip(out, pairs, strict=True):
        system = [{"role": "system", "content": SYSTEM}] if pair["system"] else []
        assert row == {
            **pair,
            "chosen": system + pair["chosen"],
            "rejected": system + pair["rejected"],
        }
    explicit = export(rated, "dpo", seed=7)
    for implicit_row, explicit_row in zip(out, explicit, strict=True):
        extracted = trl_data.maybe_extract_prompt(implicit_row)
        assert trl_data.maybe_apply_chat_template(
            extracted, tokenizer
        ) == trl_data.maybe_apply_chat_template(explicit_row, tokenizer)


def test_kto_is_what_trl_makes_of_the_dpo_export(rated, trl_data) -> None:
    out = export(rated, "kto", seed=3)
    unpaired = trl_data.unpair_preference_dataset(export(rated, "dpo", seed=3))

    def key(row: dict) -> str:
        return json.dumps(row, sort_keys=True)

    assert Counter(map(key, out)) == Counter(map(key, unpaired))
    assert out["label"] == [True, False] * 5
    assert out.features["label"].dtype == "bool" and trl_data.is_conversational(out[0])


def test_openai_chat_lines_follow_the_fine_tuning_schema(rated, tmp_path: Path) -> None:
    from distilabel_cli.dataset.export.write import write_splits

    out = export_dataset(rated, "openai-chat").splits
    (path,) = write_splits(out, tmp_path / "chat.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"messages": messages(0, BEST[0])}
    for line in lines:
        assert set(line) == {"messages"}
        roles = [m["role"] for m in line["messages"]]
        assert roles in (["system", "user", "assistant"], ["user", "assistant"])
        assert all(set(m) == {"role", "content"} and m["content"] for m in line["messages"])


def test_alpaca_has_instruction_input_output_and_system(rated) -> None:
    out = export(rated, "alpaca")
    assert out.column_names == ["instruction", "input", "output", "system"]
    assert out[1] == dict(instruction="question 1?", input="", output=BEST_1, system="")
    no_system = export(rated.remove_columns("system"), "alpaca")
    assert no_system.column_names == ["instruction", "input", "output"]


def test_sharegpt_converts_back_with_trl(rated, trl_data) -> None:
    out = export(rated, "sharegpt")
    assert out[1]["conversations"] == [
        {"from": "human", "value": "question 1?"},
        {"from": "gpt", "value": BEST_1},
    ]
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    converted = [trl_data.maybe_convert_to_chatml(dict(row))["messages"] for row in out]
    as_messages = [[{**m, "role": roles[m["role"]]} for m in turns] for turns in converted]
    assert as_messages == export(rated, "sft-messages")["messages"]


def test_text_generation_output_exports_to_sft_without_ratings() -> None:
    """One generation per row, no labeller: `--select` defaults to all; a plain `generation`
    text column works with the column mapping."""
    generator = ScriptedLLM(task=TextGenerationTask(), answer=answer)
    data = Dataset.from_dict({"input": ["question 1?", "question 3?"]})
    generated = Pipeline(generator=generator).generate(data)
    assert export(generated, "sft-messages")["messages"] == [messages(1, 0), messages(3, 0)]
    single = Dataset.from_dict({"instruction": ["question 1?"], "generation": [BEST_1]})
    columns = {"prompt": "instruction", "generations": "generation"}
    assert export(single, "alpaca", columns=columns)["output"] == [BEST_1]


def test_failed_and_blank_generations_are_not_exported() -> None:
    data = Dataset.from_dict(
        {
            "input": ["a", "b", None],
            "generations": [["x", None, " "], [None, None, None], ["y", "z", "w"]],
            "rating": [[1.0, 5.0, 5.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
        }
    )
    assert export(data, "alpaca", select="all")["output"] == ["x"]
    assert export(data, "alpaca")["output"] == ["x"]  # best among the usable ones


def test_errors_are_one_clear_message() -> None:
    plain = Dataset.from_dict({"input": ["q"], "generations": [["a", "b"]]})
    with pytest.raises(DistilError, match=r"--format dpo needs rated generations.*'rating'"):
        export(plain, "dpo")
    with pytest.raises(DistilError, match=r"--select best needs ratings.*use --select all"):
        export(plain, "sft-messages", select="best")
    with pytest.raises(DistilError, match="unknown export format 'chatml'; expected one of"):
        export(plain, "chatml")
    rated = Dataset.from_dict({"input": ["q"], "generations": [["a", "b"]], "rating": [[1, 2]]})
    with pytest.raises(DistilError, match="no rows left: no generation .* rated 9 or more"):
        export(rated, "sft-messages", min_rating=9)
    with pytest.raises(DistilError, match="--select and --min-rating choose responses"):
        export(rated, "kto", min_rating=1)
    tied = Dataset.from_dict({"input": ["q"], "generations": [["a", "b"]], "rating": [[2, 2]]})
    with pytest.raises(DistilError, match=r"no rows left: .* pair \(1 tied"):
        export(tied, "dpo")


def test_batches_give_the_same_rows_as_one_batch(rated, monkeypatch) -> None:
    from distilabel_cli.dataset.export import core

    whole = {name: export(rated, name, select="all") for name in ("sft-messages", "alpaca")}
    monkeypatch.setattr(core, "BATCH_SIZE", 1)
    for name, expected in whole.items():
        assert export(rated, name, select="all").to_list() == expected.to_list()


# -- splits ----------------------------------------------------------------------------------


def test_split_is_grouped_by_prompt_and_fixed_by_the_seed() -> None:
    prompts = [f"p{i % 50}" for i in range(200)]  # 50 prompts, 4 rows each
    keys = pa.array(prompts)
    first = held_out_mask(keys, 0.1, seed=3)
    assert (held_out_mask(keys, 0.1, seed=3) == first).all()
    assert not (held_out_mask(keys, 0.1, seed=4) == first).all()
    test_prompts = {p for p, held in zip(prompts, first, strict=True) if held}
    train_prompts = {p for p, held in zip(prompts, first, strict=True) if not held}
    assert len(test_prompts) == math.ceil(0.1 * 50) and not test_prompts & train_prompts
    assert held_out_mask(pa.array(["a", "b"]), 0.01, seed=0).tolist().count(True) == 1
    with pytest.raises(DistilError, match="needs at least two prompts"):
        held_out_mask(pa.array(["a", "a"]), 0.5, seed=0)
    with pytest.raises(DistilError, match="--test-size 1: expected a fraction"):
        held_out_mask(keys, 1.0, seed=0)


def test_export_split_keeps_a_prompts_rows_together() -> None:
    data = rated_dataset(30)
    splits = export_dataset(data, "kto", ExportOptions(test_size=0.2, seed=5)).splits
    assert set(splits) == {"train", "test"}

    def prompts(part: Dataset) -> set[str]:
        return {row["prompt"][-1]["content"] for row in part}

    assert not prompts(splits["train"]) & prompts(splits["test"])
    assert len(prompts(splits["test"])) == math.ceil(0.2 * 25)  # 25 prompts gave pairs
    again = export_dataset(data, "kto", ExportOptions(test_size=0.2, seed=5)).splits
    assert again["test"].to_list() == splits["test"].to_list()


# -- the commands ----------------------------------------------------------------------------


def _cases() -> dict[str, list[str]]:
    """`distil` arguments per case, run in a folder holding `rated` and `plain.jsonl`."""
    cases = {
        "dpo-folder": "export rated --format dpo --output dpo --seed 7",
        "sft-split": "export rated -f sft-messages -o sft --test-size 0.5",
        "chat-split": "export rated -f openai-chat -o ft.jsonl --test-size 0.3",
        "alpaca-parquet": "export rated -f alpaca -o alpaca.parquet",
        "no-ratings": "export plain.jsonl -f kto -o kto.jsonl",
        "min-rating": "export rated -f sharegpt --min-rating 9 -o x.jsonl",
        "bad-format": "export rated -f chatml -o x.jsonl",
        "bad-suffix": "export rated -f dpo -o x.json",
        "over-input": "export rated -f dpo -o rated",
        "private-alone": "export rated -f dpo -o p --private",
        "binarize-split": "binarize rated --test-size 0.4 --seed 2 --output b",
        "binarize-jsonl": "binarize rated --test-size 0.4 --seed 2 --format jsonl --output bj",
        "binarize-both": "binarize rated --test-size 0.4 --split x --output bx",
    }
    return {name: args.split() for name, args in cases.items()}


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every case above as `distil ...` subprocesses, run at the same time."""
    root = tmp_path_factory.mktemp("export-cli")
    rated_dataset().save_to_disk(root / "rated")
    (root / "plain.jsonl").write_text('{"input": "q", "generations": ["a", "b"]}\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "COLUMNS": "200"}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "distilabel_cli", *args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in _cases().items()
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        results[name] = (proc.returncode, out, err)
    yield root, results


def test_cli_dpo_folder_equals_the_python_api(cli, rated) -> None:
    root, results = cli
    code, out, err = results["dpo-folder"]
    assert code == 0, err
    assert "pairs out" in out and "exported 5 train rows (dpo) from 6 rows to dpo" in out
    written = CustomDataset.load_from_disk(root / "dpo")
    assert written.to_list() == export(rated, "dpo", seed=7).to_list()
    assert written.run_info["export"]["format"] == "dpo"
    assert written.task is None  # the rows are no longer the task's output


def test_cli_split_folder_is_a_dataset_dict_and_files_are_named_by_split(cli) -> None:
    root, results = cli
    for name in ("sft-split", "chat-split"):
        assert results[name][0] == 0, results[name][2]
    splits = DatasetDict.load_from_disk(str(root / "sft"))
    assert set(splits) == {"train", "test"} and len(splits["train"]) == len(splits["test"]) == 3
    record = json.loads((root / "sft" / "distil-run.json").read_text())
    assert record["export"]["rows"] == {"train": 3, "test": 3}
    train, test = (root / f"ft.{s}.jsonl" for s in ("train", "test"))
    assert "ft.train.jsonl, ft.test.jsonl" in results["chat-split"][1]
    assert not (root / "ft.jsonl").exists()
    rows = [json.loads(line) for path in (train, test) for line in path.read_text().splitlines()]
    assert len(rows) == 6 and all(set(row) == {"messages"} for row in rows)
    from datasets import load_dataset  # the Hub's loader finds the splits by file name

    loaded = load_dataset("json", data_files={"train": str(train), "test": str(test)})
    assert {name: len(part) for name, part in loaded.items()} == {"train": 4, "test": 2}


def test_cli_parquet_output(cli) -> None:
    root, results = cli
    assert results["alpaca-parquet"][0] == 0, results["alpaca-parquet"][2]
    table = pq.read_table(root / "alpaca.parquet")
    assert table.column_names == ["instruction", "input", "output", "system"]
    assert table.column("output").to_pylist()[0] == "answer 1 to question 0?"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no-ratings", "error: --format kto needs rated generations, and there is no 'rating'"),
        ("min-rating", "error: no rows left: no generation in the 6 rows is rated 9 or more"),
        ("bad-format", "'chatml' is not one of 'sft-messages', 'dpo', 'dpo-implicit', 'kto'"),
        ("bad-suffix", "error: --output x.json: cannot write .json files; use a .jsonl"),
        ("over-input", "error: --output rated: would overwrite the input"),
        ("private-alone", "error: --private applies to the repo of --push"),
        ("binarize-both", "error: --split names the one split pushed; --test-size makes"),
    ],
)
def test_cli_user_errors_exit_2_with_one_message(cli, case: str, message: str) -> None:
    _, results = cli
    code, _, err = results[case]
    assert code == 2
    assert message in " ".join(err.replace("│", " ").split())
    assert "Traceback" not in err


def test_binarize_test_size_writes_splits_grouped_by_prompt(cli) -> None:
    root, results = cli
    for name in ("binarize-split", "binarize-jsonl"):
        assert results[name][0] == 0, results[name][2]
    assert "wrote 5 pairs (3 train, 2 test) to b" in results["binarize-split"][1]
    splits = DatasetDict.load_from_disk(str(root / "b"))
    assert (root / "b" / "distilabel-task.json").is_file()
    prompts = {name: set(part["prompt"]) for name, part in splits.items()}
    assert len(prompts["test"]) == 2 and not prompts["train"] & prompts["test"]
    for name in ("train", "test"):
        lines = (root / "bj" / f"data.{name}.jsonl").read_text().splitlines()
        assert {json.loads(line)["prompt"] for line in lines} == prompts[name]


# -- the Hub ---------------------------------------------------------------------------------


def test_push_splits_private_and_tagged(hub_server, tmp_path: Path) -> None:
    """`distil export --push` and `distil binarize --push` against the local Hub stand-in."""
    rated_dataset().save_to_disk(tmp_path / "rated")
    env = hub_env(hub_server, tmp_path / "home")
    for args in (
        "export rated -f dpo -o dpo.jsonl --test-size 0.4 --push tester/dpo --private",
        "binarize rated --push tester/pairs --split train_prefs",
    ):
        result = distil(*args.split(), cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert "pushed to" in result.stdout
    files = hub_server.files("tester/dpo")
    assert any(f.startswith("data/train-") for f in files)
    assert any(f.startswith("data/test-") for f in files)
    assert hub_server.repos[("dataset", "tester/dpo")].private
    card = hub_server.read("tester/dpo", "README.md").decode()
    header = card.split("---")[1]
    for tag in ("- dpo", "- preference", "- synthetic", "- distil"):
        assert tag in header
    assert "split: test" in header and "split: train" in header  # both splits configured
    assert any(f.startswith("data/train_prefs-") for f in hub_server.files("tester/pairs"))
    assert not hub_server.repos[("dataset", "tester/pairs")].private
    pairs_card = hub_server.read("tester/pairs", "README.md").decode()
    assert "- dpo" in pairs_card.split("---")[1]

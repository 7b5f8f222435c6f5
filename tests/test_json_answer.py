"""The one tolerant JSON reader of model answers: valid, broken, cut short, wrapped in prose."""

from __future__ import annotations

import json
from typing import Any

import pytest

from distilabel_cli.tasks._parsing.critique import SCORE_KEYS, json_answer
from distilabel_cli.tasks._parsing.evol_filters import json_answer as rewrite_answer
from distilabel_cli.tasks._parsing.instruction_lists import parse_instruction_list
from distilabel_cli.tasks._parsing.json_answer import load_json, parse_json
from distilabel_cli.tasks._parsing.ratings import parse_ratings

ANSWER = {"critique": "Accurate and concise.", "score": 8, "tags": ["math", "short"]}

# --------------------------------------------------------------------------- broken JSON


def test_trailing_commas() -> None:
    text = '{"critique": "Accurate and concise.", "score": 8, "tags": ["math", "short",],}'
    assert load_json(text) == ANSWER


def test_single_quotes() -> None:
    text = "{'critique': 'Accurate and concise.', 'score': 8, 'tags': ['math', 'short']}"
    assert load_json(text) == ANSWER


def test_python_literals() -> None:
    text = '{"correct": True, "reference": None, "partial": False}'
    assert load_json(text) == {"correct": True, "reference": None, "partial": False}


@pytest.mark.parametrize(
    "text",
    [
        '{"critique": "Accurate and concise.", // the critique\n'
        ' "score": 8, "tags": ["math", "short"]}',
        '{"critique": "Accurate and concise.", /* out of 10 */ "score": 8,\n'
        ' "tags": ["math", "short"]}',
        '# my evaluation\n{"critique": "Accurate and concise.", "score": 8, # good\n'
        ' "tags": ["math", "short"]}',
    ],
    ids=["line", "block", "hash"],
)
def test_comments(text: str) -> None:
    assert load_json(text) == ANSWER


def test_unescaped_quotes_inside_a_string() -> None:
    text = '{"critique": "It says "Paris" and is right.", "score": 9}'
    assert load_json(text) == {"critique": 'It says "Paris" and is right.', "score": 9}


def test_several_mistakes_at_once() -> None:
    text = "```json\n{'critique': 'Fine.', 'score': 7, 'final': True,}\n```\nThanks!"
    assert load_json(text) == {"critique": "Fine.", "score": 7, "final": True}


# --------------------------------------------------------------------------- cut short

FULL = json.dumps(
    {"ratings": [{"rating": 4, "rationale": "Good."}, {"rating": 10, "rationale": "x"}]}
)


def test_truncation_keeps_complete_values_and_a_cut_string() -> None:
    cut = FULL[: FULL.index('"x"') + 1] + "Wron"
    assert load_json(cut) == {
        "ratings": [{"rating": 4, "rationale": "Good."}, {"rating": 10, "rationale": "Wron"}]
    }


def test_truncation_drops_a_number_at_the_cut_unless_kept() -> None:
    cut = FULL[: FULL.index("10") + 1]  # "1" of "10"
    assert load_json(cut) == {"ratings": [{"rating": 4, "rationale": "Good."}, {}]}
    kept = load_json(cut, keep_cut_number=True)
    assert kept == {"ratings": [{"rating": 4, "rationale": "Good."}, {"rating": 1}]}


def test_truncation_in_a_string_keeps_its_digits() -> None:
    assert load_json('{"critique": "Score: 12') == {"critique": "Score: 12"}


@pytest.mark.parametrize(
    ("partial", "expected"),
    [
        ("trailing-strings", {"items": ["one", "tw"]}),
        ("on", {"items": ["one"]}),
        ("off", None),
    ],
)
def test_partial_modes(partial: Any, expected: Any) -> None:
    assert load_json('{"items": ["one", "tw', partial=partial) == expected


def test_truncated_literal_and_key_are_dropped() -> None:
    assert load_json('{"a": "x", "b": tru') == {"a": "x"}
    assert load_json('{"a": "x", "lon') == {"a": "x"}
    assert load_json('{"a": tru') is None


# --------------------------------------------------------------------------- around the JSON


@pytest.mark.parametrize(
    "text",
    [
        f"```json\n{json.dumps(ANSWER, indent=2)}\n```",
        f"```\n{json.dumps(ANSWER)}\n```",
        f"Sure! Here is my evaluation:\n\n{json.dumps(ANSWER)}\n\nHope this helps {{:)}}.",
        f"Use {{x}} or {{'y'}} as placeholders. {json.dumps(ANSWER)}",
    ],
    ids=["fence", "bare-fence", "prose", "braces-in-prose"],
)
def test_fences_and_prose_around_it(text: str) -> None:
    assert load_json(text) == ANSWER


def test_the_first_accepted_value_wins() -> None:
    text = 'The format {"score": 3} is asked; my answer: {"critique": "ok", "score": 5}'
    assert load_json(text) == {"score": 3}
    assert load_json(text, accept=lambda v: "critique" in v) == {"critique": "ok", "score": 5}


def test_arrays_only_when_asked() -> None:
    text = 'My ratings: [{"rating": 4}, {"rating": 2}]'
    assert load_json(text) == {"rating": 4}
    assert load_json(text, arrays=True) == [{"rating": 4}, {"rating": 2}]


@pytest.mark.parametrize("text", [None, "", "no JSON here", "{}", "[1] Score: 4", "{x: }"])
def test_no_json(text: str | None) -> None:
    assert load_json(text) is None


def test_parse_json_reads_the_value_a_fragment_starts_with() -> None:
    assert parse_json('  ["a", "b"] and more') == ["a", "b"]
    assert parse_json("[1, 2,]") == [1, 2]
    assert parse_json('{"a": "cut', partial="off") is None


# --------------------------------------------------------------------------- task parsers use it


def test_ratings_parser_reads_broken_json() -> None:
    text = "{'ratings': [{'rating': 4, 'rationale': 'Good.'}, {'rating': 2, 'rationale': 'Bad.'},]}"
    assert parse_ratings(text, 2, 1, 5) == ([4.0, 2.0], ["Good.", "Bad."])


def test_critique_parser_reads_broken_json() -> None:
    text = "{'critique': 'Accurate.', 'score': 9,}"
    assert json_answer(text, SCORE_KEYS) == {"critique": "Accurate.", "score": 9}


def test_instruction_list_parser_reads_broken_json() -> None:
    text = '{"instructions": ["Sort a list.", "Reverse a string.",], // done\n}'
    assert parse_instruction_list(text, 5) == ["Sort a list.", "Reverse a string."]


def test_rewrite_parser_refuses_a_cut_rewrite_and_repairs_a_broken_one() -> None:
    assert rewrite_answer('{"instruction": "Write a poem about', "instruction") == (True, None)
    repaired = rewrite_answer("{'instruction': 'Write a poem.',}", "instruction")
    assert repaired == (True, "Write a poem.")

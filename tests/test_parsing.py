"""Tolerant parsing of judge answers: JSON (whole, wrapped, truncated) and the classic text."""

from __future__ import annotations

import json

import pytest

from distilabel_cli.tasks import UltraFeedbackTask
from distilabel_cli.tasks._parsing.ratings import parse_ratings
from distilabel_cli.tasks._parsing.values import to_rating

GENS3 = ["Paris is the capital.", "It is Lyon.", "Paris, France's largest city."]
ROW3 = {"input": "What is the capital of France?", "generations": GENS3}


def ratings_json(*items: tuple[object, str]) -> str:
    return json.dumps({"ratings": [{"rating": r, "rationale": t} for r, t in items]})


def parse(text: str | None, n: int = 3) -> tuple[list, list]:
    return parse_ratings(text, n, 1, 5)


CLEAN_JSON = ratings_json((5, "Correct and concise."), (1, "Wrong city."), (4, "Correct, verbose."))

CLASSIC = """#### Output for Text 1
Rating: 5
Rationale: Correct and concise.

#### Output for Text 2
Rating: 1
Rationale: Wrong city.

#### Output for Text 3
Rating: 4
Rationale: Correct, verbose.
"""

EXPECTED = ([5.0, 1.0, 4.0], ["Correct and concise.", "Wrong city.", "Correct, verbose."])


# --------------------------------------------------------------------------- JSON


def test_clean_json() -> None:
    assert parse(CLEAN_JSON) == EXPECTED


def test_json_wrapped_in_prose() -> None:
    text = (
        f"Sure! Here is my evaluation of the three responses:\n\n{CLEAN_JSON}\n\nHope this helps."
    )
    assert parse(text) == EXPECTED


def test_json_in_code_fence() -> None:
    text = f"```json\n{json.dumps(json.loads(CLEAN_JSON), indent=2)}\n```"
    assert parse(text) == EXPECTED


def test_json_with_braces_in_surrounding_prose() -> None:
    text = f"Evaluation {{draft}}: {CLEAN_JSON} -- end {{note}}."
    assert parse(text) == EXPECTED


def test_json_rating_as_string_and_float() -> None:
    text = ratings_json(("4", "ok"), (2.0, "meh"), ("3/5", "fine"))
    assert parse(text) == ([4.0, 2.0, 3.0], ["ok", "meh", "fine"])


def test_json_truncated_mid_rationale_keeps_earlier_items() -> None:
    full = ratings_json((5, "Correct and concise."), (1, "Wrong city: Lyon is not the capital"))
    cut = full[: full.index("not the capital")]
    ratings, rationales = parse(cut)
    assert ratings[0] == 5.0
    assert rationales[0] == "Correct and concise."
    # the cut item's rating was complete before the cut
    assert ratings[1] == 1.0
    assert rationales[1] is not None and rationales[1].startswith("Wrong city")
    assert ratings[2] is None and rationales[2] is None


def test_json_truncated_before_second_rating_value() -> None:
    text = '{"ratings": [{"rating": 4, "rationale": "Good answer."}, {"rating": '
    assert parse(text) == ([4.0, None, None], ["Good answer.", None, None])


def test_json_truncated_with_escaped_quotes() -> None:
    text = (
        '{"ratings": [{"rating": 3, "rationale": "Says \\"Paris\\" but adds\\nnoise."}, '
        '{"rating": 2, "rationale": "Half'
    )
    ratings, rationales = parse(text)
    assert ratings == [3.0, 2.0, None]
    assert rationales[0] == 'Says "Paris" but adds\nnoise.'


def test_json_one_malformed_item_keeps_the_others() -> None:
    text = json.dumps(
        {
            "ratings": [
                {"rating": 4, "rationale": "ok"},
                {"rating": "N/A", "rationale": "cannot judge"},
                {"rating": 7, "rationale": "out of range"},
            ]
        }
    )
    ratings, rationales = parse(text)
    assert ratings == [4.0, None, None]
    assert rationales[0] == "ok"


def test_json_non_object_item_is_none() -> None:
    text = json.dumps({"ratings": [None, {"rating": 2, "rationale": "b"}, "five"]})
    assert parse(text) == ([None, 2.0, None], [None, "b", None])


def test_json_boolean_rating_rejected() -> None:
    text = json.dumps({"ratings": [{"rating": True, "rationale": "a"}]})
    assert parse(text, 1)[0] == [None]


# --------------------------------------------------------------------------- classic text


def test_classic_text_format() -> None:
    assert parse(CLASSIC) == EXPECTED


def test_text_bold_markdown_and_blank_lines() -> None:
    text = """

#### Output for Text 1


**Rating:** 5

**Rationale:** Correct and concise.



#### Output for Text 2
**Rating**: 1
**Rationale**: Wrong city.

### Output for Text 3:
Rating: 4
Rationale: Correct, verbose.


"""
    assert parse(text) == EXPECTED


def test_text_rating_with_scale_suffix() -> None:
    text = CLASSIC.replace("Rating: 5", "Rating: 5/5").replace("Rating: 1", "Rating: 1 out of 5")
    assert parse(text) == EXPECTED


def test_text_sections_out_of_order() -> None:
    sections = CLASSIC.strip().split("\n\n")
    text = "\n\n".join([sections[2], sections[0], sections[1]])
    assert parse(text) == EXPECTED


def test_text_missing_section_is_none() -> None:
    sections = CLASSIC.strip().split("\n\n")
    text = "\n\n".join([sections[0], sections[2]])
    assert parse(text) == ([5.0, None, 4.0], ["Correct and concise.", None, "Correct, verbose."])


def test_text_without_headers_splits_on_rating_lines() -> None:
    text = "Rating: 5\nRationale: a\n\nRating: 1\nRationale: b\n\nRating: 4\nRationale: c\n"
    assert parse(text) == ([5.0, 1.0, 4.0], ["a", "b", "c"])


@pytest.mark.parametrize("bad", ["N/A", "7", "0", "-1", "", "excellent", "10/10"])
def test_text_one_malformed_rating_keeps_the_others(bad: str) -> None:
    # the reference discarded the whole row when one line failed
    text = CLASSIC.replace("Rating: 1\n", f"Rating: {bad}\n")
    ratings, rationales = parse(text)
    assert ratings == [5.0, None, 4.0]
    assert rationales == EXPECTED[1]


def test_text_multiline_rationale_kept() -> None:
    text = CLASSIC.replace("Rationale: Wrong city.", "Rationale: Wrong city.\nLyon is not it.")
    assert parse(text)[1][1] == "Wrong city.\nLyon is not it."


def test_text_case_insensitive() -> None:
    text = CLASSIC.replace("Rating", "rating").replace("Output for Text", "output for text")
    assert parse(text) == EXPECTED


def test_text_empty_rating_line_does_not_borrow_next_line() -> None:
    text = (
        "#### Output for Text 1\nRating:\nRationale: Meets 3 of the 4 requirements.\n\n"
        "#### Output for Text 2\nRating: 4\nRationale: Good.\n"
    )
    assert parse(text, 2) == ([None, 4.0], ["Meets 3 of the 4 requirements.", "Good."])


def test_text_rationale_before_rating_in_section() -> None:
    text = (
        "#### Output for Text 1\nRationale: Correct and concise.\nRating: 5\n\n"
        "#### Output for Text 2\nRationale: Wrong city.\nRating: 1\n"
    )
    assert parse(text, 2) == ([5.0, 1.0], ["Correct and concise.", "Wrong city."])


def test_text_bold_headers_do_not_leak_into_rationale() -> None:
    text = (
        "**Output for Text 1**\n**Rating:** 5\n**Rationale:** Correct and concise.\n\n"
        "**Output for Text 2**\n**Rating:** 1\n**Rationale:** Wrong city.\n"
    )
    assert parse(text, 2) == ([5.0, 1.0], ["Correct and concise.", "Wrong city."])


def test_text_bold_headers_ratings_still_read() -> None:
    text = (
        "**Output for Text 1**\n**Rating:** 5\n**Rationale:** Correct and concise.\n\n"
        "**Output for Text 2**\n**Rating:** 1\n**Rationale:** Wrong city.\n"
    )
    assert parse(text, 2)[0] == [5.0, 1.0]


# --------------------------------------------------------------------------- counts


def test_more_items_than_generations_extras_ignored() -> None:
    text = ratings_json((5, "a"), (1, "b"), (4, "c"), (2, "d"), (3, "e"))
    assert parse(text) == ([5.0, 1.0, 4.0], ["a", "b", "c"])
    extra = CLASSIC + "\n#### Output for Text 4\nRating: 2\nRationale: extra\n"
    assert parse(extra) == EXPECTED


def test_fewer_items_than_generations_padded() -> None:
    assert parse(ratings_json((5, "a")), 3) == ([5.0, None, None], ["a", None, None])
    assert parse(CLASSIC, 5) == (EXPECTED[0] + [None, None], EXPECTED[1] + [None, None])


@pytest.mark.parametrize("text", [None, "", "   \n", "I cannot rate these responses."])
def test_empty_or_unusable_text_gives_all_none(text: str | None) -> None:
    assert parse(text) == ([None, None, None], [None, None, None])


def test_zero_generations() -> None:
    assert parse(CLEAN_JSON, 0) == ([], [])


def test_custom_range() -> None:
    text = ratings_json((7, "a"), (10, "b"), (11, "c"))
    assert parse_ratings(text, 3, 1, 10)[0] == [7.0, 10.0, None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (5, 5.0),
        (3.5, 3.5),
        ("4", 4.0),
        ("4/5", 4.0),
        (" 2 stars", 2.0),
        (0, None),
        (6, None),
        ("N/A", None),
        (None, None),
        (True, None),
        ([3], None),
    ],
)
def test_to_rating(value: object, expected: float | None) -> None:
    assert to_rating(value, 1, 5) == expected


# --------------------------------------------------------------------------- UltraFeedbackTask


def test_parse_output_json_and_text_agree() -> None:
    task = UltraFeedbackTask()
    expected = {"rating": EXPECTED[0], "rationale": EXPECTED[1]}
    assert task.parse_output(CLEAN_JSON, ROW3) == expected
    assert task.parse_output(CLASSIC, ROW3) == expected


def test_parse_output_none_generation_forces_none() -> None:
    task = UltraFeedbackTask()
    row = {"input": "q", "generations": [GENS3[0], None, GENS3[2]]}
    out = task.parse_output(CLASSIC, row)
    assert out == {
        "rating": [5.0, None, 4.0],
        "rationale": ["Correct and concise.", None, "Correct, verbose."],
    }
    assert task.count_parsed(out, row) == (2, 0)


def test_parse_output_length_follows_generations() -> None:
    task = UltraFeedbackTask()
    row = {"input": "q", "generations": ["a", "b"]}
    out = task.parse_output(CLASSIC, row)
    assert out == {"rating": [5.0, 1.0], "rationale": EXPECTED[1][:2]}


def test_parse_output_empty_text() -> None:
    task = UltraFeedbackTask()
    out = task.parse_output("", ROW3)
    assert out == {"rating": [None] * 3, "rationale": [None] * 3}
    assert task.count_parsed(out, ROW3) == (0, 3)


def test_count_parsed_counts_failures() -> None:
    task = UltraFeedbackTask()
    out = task.parse_output(CLASSIC.replace("Rating: 1\n", "Rating: N/A\n"), ROW3)
    assert task.count_parsed(out, ROW3) == (2, 1)
    out = task.parse_output(CLASSIC, ROW3)
    assert task.count_parsed(out, ROW3) == (3, 0)


def test_count_parsed_ignores_missing_generations() -> None:
    task = UltraFeedbackTask()
    row = {"input": "q", "generations": [None, "b", None]}
    out = task.parse_output("Rating: N/A", row)
    assert out["rating"] == [None, None, None]
    assert task.count_parsed(out, row) == (0, 1)


def test_empty_output_and_count() -> None:
    task = UltraFeedbackTask()
    row = {"input": "q", "generations": ["a", None]}
    out = task.empty_output(row)
    assert out == {"rating": [None, None], "rationale": [None, None]}
    assert task.count_parsed(out, row) == (0, 1)

"""Benchmark the fallbacks for broken judge JSON: json-repair, pydantic's partial JSON, and
the reader the tasks use (`distilabel_cli.tasks._parsing.json_answer.load_json`).

Run: `python bench/bench_json_answer.py [--answers N] [--seed S]`. Builds N typical
UltraFeedback-style judge answers per kind (valid ones, bare or in a fence or in prose, and
broken ones), reads each with every candidate and prints, per kind, how many were read to the
expected value and the mean time per answer. Every candidate first tries the standard library
(valid JSON, prose around it ignored) and only calls its fallback when that fails.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from typing import Any

from json_repair import repair_json
from pydantic_core import from_json

from distilabel_cli.tasks._parsing.json_answer import load_json

_TEXT = "the response is accurate concise clear but misses a detail about units and cites no \
source it answers the question directly with a correct example yet the tone is terse"
WORDS = _TEXT.split()
_DECODER = json.JSONDecoder()
_START = re.compile(r"""(?=\{\s*["'}])""")


def answer(rng: random.Random) -> dict[str, Any]:
    """An UltraFeedback judge answer: 2-4 rated responses with one-sentence rationales."""
    items = []
    for _ in range(rng.randint(2, 4)):
        words = rng.choices(WORDS, k=rng.randint(8, 25))
        items.append({"rating": rng.randint(1, 10), "rationale": " ".join(words).capitalize()})
    return {"ratings": items}


def cut_in_rationale(data: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    """The answer cut inside a rationale: the items before it and the rationale's start."""
    k = rng.randrange(len(data["ratings"]))
    item = data["ratings"][k]
    j = rng.randint(1, len(item["rationale"]) - 1)
    text = json.dumps(data)
    marker = json.dumps(item["rationale"])
    cut = text[: text.index(marker) + 1 + j]
    kept = {**item, "rationale": item["rationale"][:j]}
    return cut, {"ratings": [*data["ratings"][:k], kept]}


def cut_in_number(data: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    """The answer cut after the "1" of a rating of 10: that rating must not read as 1."""
    k = rng.randrange(len(data["ratings"]))
    data["ratings"][k]["rating"] = 10
    text = json.dumps(data)
    start = text.index('"rating": 10', sum(len(json.dumps(i)) for i in data["ratings"][:k]))
    return text[: start + len('"rating": 1')], {"ratings": [*data["ratings"][:k], {}]}


def python_literals(data: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    data = {**data, "complete": True, "reference": None}
    text = json.dumps(data).replace("true", "True").replace("null", "None")
    return text, data


def comments(data: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    text = json.dumps(data, indent=2).replace('"ratings": [', '"ratings": [ // one per response')
    return text, data


def unescaped_quotes(data: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    item = data["ratings"][0]
    item["rationale"] = f'It says "{rng.choice(WORDS)}" and stops.'
    return json.dumps(data).replace('\\"', '"'), data


KINDS: dict[str, Callable[[dict[str, Any], random.Random], tuple[str, Any]]] = {
    "valid": lambda d, r: (json.dumps(d), d),
    "valid, fence": lambda d, r: (f"```json\n{json.dumps(d, indent=2)}\n```", d),
    "valid, prose": lambda d, r: (f"Here is my evaluation:\n{json.dumps(d)}\nHope it helps.", d),
    "trailing commas": lambda d, r: (json.dumps(d).replace("}]}", "},],}"), d),
    "single quotes": lambda d, r: (json.dumps(d).replace('"', "'"), d),
    "Python literals": python_literals,
    "comments": comments,
    "unescaped quotes": unescaped_quotes,
    "cut in a string": cut_in_rationale,
    "cut in a number": cut_in_number,
}


def first_object(fallback: Callable[[str], Any]) -> Callable[[str], Any]:
    """A reader: the standard library at each object start, else `fallback` on the rest."""

    def read(text: str) -> Any:
        for match in _START.finditer(text):
            try:
                value = _DECODER.raw_decode(text, match.start())[0]
            except json.JSONDecodeError:
                value = fallback(text[match.start() :])
            if isinstance(value, dict) and value:
                return value
        return None

    return read


def with_json_repair(fragment: str) -> Any:
    value = repair_json(fragment, return_objects=True, skip_json_loads=True)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value


def with_pydantic_partial(fragment: str) -> Any:
    try:
        return from_json(fragment, allow_partial="trailing-strings")
    except ValueError:
        return None


CANDIDATES: dict[str, Callable[[str], Any]] = {
    "json-repair": first_object(with_json_repair),
    "pydantic partial": first_object(with_pydantic_partial),
    "tasks reader": load_json,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500, help="answers per kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = {
        kind: [make(answer(rng), rng) for _ in range(args.answers)] for kind, make in KINDS.items()
    }
    total = sum(len(c) for c in cases.values())
    print(f"{total} answers, {args.answers} per kind; read right / mean time per answer")
    print("| kind | " + " | ".join(CANDIDATES) + " |")
    print("|---|" + "---|" * len(CANDIDATES))
    for kind, pairs in cases.items():
        cells = []
        for read in CANDIDATES.values():
            read(pairs[0][0])  # warm-up: lazy imports, regex caches
            start = time.perf_counter()
            values = [read(text) for text, _ in pairs]
            per_answer = (time.perf_counter() - start) / len(pairs)
            right = sum(v == expected for v, (_, expected) in zip(values, pairs, strict=True))
            cells.append(f"{right}/{len(pairs)}, {per_answer * 1e6:.0f} µs")
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

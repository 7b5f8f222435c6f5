"""Instruction generators: SelfInstruct, EvolInstruct, EvolComplexity and EvolQuality."""

from __future__ import annotations

import json

import pytest
from datasets import Dataset, Features, List, Value
from pydantic import TypeAdapter, ValidationError

from distilabel_cli import Pipeline
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.spec.tasks import TaskSpec
from distilabel_cli.tasks import TASK_TYPES, task_from_sidecar
from distilabel_cli.tasks.evol_instruct import EXAMPLES, EvolComplexityTask, EvolInstructTask
from distilabel_cli.tasks.evol_quality import EvolQualityTask
from distilabel_cli.tasks.self_instruct import DEFAULT_SYSTEM_PROMPT, SelfInstructTask

TOPIC = {"input": "Home cooking on a budget"}
SEA = {"input": "Write a poem about the sea."}
QROW = {"input": "What is the capital of France?", "generation": "Paris."}


def instructions(text: str | None, n: int = 5) -> list[str] | None:
    return SelfInstructTask(num_instructions=n).parse_output(text, TOPIC)["instructions"]  # type: ignore[arg-type]


def evolve(text: str | None, row: dict | None = None, method: str = "constraints") -> str | None:
    task = EvolInstructTask(method=method)  # type: ignore[arg-type]
    return task.parse_output(text, row or SEA)["instructions"]  # type: ignore[arg-type]


def improve(text: str | None, row: dict | None = None) -> str | None:
    return EvolQualityTask(method="details").parse_output(text, row or QROW)["generations"]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        ({"type": "self-instruct", "num_instructions": 3, "criteria": "Short."}, SelfInstructTask),
        ({"type": "evol-instruct", "method": "breadth", "seed": 4}, EvolInstructTask),
        ({"type": "evol-complexity", "method": "deepen"}, EvolComplexityTask),
        ({"type": "evol-quality", "method": "depth", "seed": 1}, EvolQualityTask),
        ({"type": "evol-quality"}, EvolQualityTask),
    ],
)
def test_built_from_spec_and_restored_from_sidecar(spec: dict, cls: type) -> None:
    task = build_task(TypeAdapter(TaskSpec).validate_python(spec))
    assert type(task) is cls is TASK_TYPES[spec["type"]]
    assert task.system_prompt  # the class default applies when the spec has none
    restored = task_from_sidecar(json.loads(json.dumps(task.to_sidecar())))
    assert restored == task


def test_method_validation() -> None:
    with pytest.raises(ValidationError):
        EvolComplexityTask(method="breadth")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        EvolInstructTask(method="harder")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        EvolQualityTask(method="constraints")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SelfInstructTask(num_instructions=0)


def test_io_columns_and_features() -> None:
    assert SelfInstructTask.input_args_names == ("input",)
    assert SelfInstructTask.output_args_names == ("instructions",)
    assert EvolInstructTask.output_args_names == ("instructions",)
    assert EvolQualityTask.input_args_names == ("input", "generation")
    assert EvolQualityTask.output_args_names == ("generations",)
    assert not any(c.is_labeller for c in (SelfInstructTask, EvolInstructTask, EvolQualityTask))
    assert SelfInstructTask().output_features() == {"instructions": List(Value("string"))}
    assert EvolComplexityTask().output_features() == {"instructions": Value("string")}
    assert EvolQualityTask().output_features() == {"generations": Value("string")}
    # the pipeline wraps each feature in a list over generations; None items are kept
    for task, values in (
        (SelfInstructTask(), [[["a", "b"], None]]),
        (EvolInstructTask(), [["x", None]]),
        (EvolQualityTask(), [[None, "y"]]),
    ):
        ((name, feature),) = task.output_features().items()
        data = Dataset.from_dict({name: values}, features=Features({name: List(feature)}))
        assert data[0][name] == values[0]
    assert SelfInstructTask().empty_output(TOPIC) == {"instructions": None}


# --------------------------------------------------------------------------- self-instruct prompt

SELF_INSTRUCT_PROMPT = """# Task
Write 3 different instructions that a user could give to this application.

Application: cooking assistant
Topic: Home cooking on a budget

## A good instruction
Each one names an ingredient.

## Your answer
Write exactly 3 instructions as a numbered list, one per line, and nothing else:
1. <instruction>
2. <instruction>
3. <instruction>"""


def test_self_instruct_prompt_exact() -> None:
    task = SelfInstructTask(
        num_instructions=3,
        application_description="cooking assistant",
        criteria="Each one names an ingredient.\n",
    )
    prompt = task.generate_prompt(TOPIC)
    assert prompt.system_prompt == DEFAULT_SYSTEM_PROMPT
    assert prompt.formatted_prompt == SELF_INSTRUCT_PROMPT


def test_self_instruct_prompt_structured_and_defaults() -> None:
    task = SelfInstructTask()
    text = task.generate_prompt(TOPIC, structured=True).formatted_prompt
    assert text.endswith(
        'Answer with JSON only: {"instructions": ["<instruction>", "<instruction>", ...]} '
        "with exactly 5 strings."
    )
    assert "numbered list" not in text
    assert "Application: AI assistant" in text
    assert "It can be understood and answered on its own" in text  # the default criteria
    plain = task.generate_prompt(TOPIC).formatted_prompt
    assert plain.endswith("4. <instruction>\n5. <instruction>")
    assert "JSON" not in plain


def test_self_instruct_many_instructions_abridge_the_numbering() -> None:
    text = SelfInstructTask(num_instructions=20).generate_prompt(TOPIC).formatted_prompt
    assert text.endswith(
        "1. <instruction>\n2. <instruction>\n3. <instruction>\n...\n20. <instruction>"
    )


def test_self_instruct_json_schema() -> None:
    schema = SelfInstructTask(num_instructions=4).json_schema(TOPIC)
    array = schema["properties"]["instructions"]
    assert array["minItems"] == array["maxItems"] == 4
    assert array["items"]["type"] == "string"
    assert schema["required"] == ["instructions"]
    json.dumps(schema)


# --------------------------------------------------------------------------- self-instruct parsing

FIVE = [
    "Plan a week of dinners for two under $40.",
    "How can I make bread without a mixer?",
    "Suggest three meals using canned chickpeas.",
    "What spices give the most flavour for the money?",
    "Write a shopping list for a vegetarian student.",
]


@pytest.mark.parametrize(
    "marker",
    [
        "{i}. ",
        "{i}) ",
        "({i}) ",
        "- ",
        "* ",
        "\u2022 ",
        "**{i}.** ",
        "Instruction {i}: ",
        "  {i}.  ",
    ],
)
def test_self_instruct_list_markers(marker: str) -> None:
    text = "\n".join(marker.format(i=i) + line for i, line in enumerate(FIVE, start=1))
    assert instructions(text) == FIVE


def test_self_instruct_plain_lines_and_prose_around() -> None:
    text = "Here are 5 instructions:\n\n" + "\n".join(FIVE) + "\n\nI hope these help!"
    assert instructions(text) == FIVE
    numbered = (
        "Sure! Here are five instructions for a budget cooking assistant:\n\n"
        + "\n".join(f"{i}. {line}" for i, line in enumerate(FIVE, start=1))
        + "\n\nLet me know if you need more."
    )
    assert instructions(numbered) == FIVE


def test_self_instruct_strips_quotes_bold_labels_and_fences() -> None:
    text = (
        "```\n"
        '1. "Plan a week of dinners for two under $40."\n'
        "2. \u201cHow can I make bread without a mixer?\u201d\n"
        "3. **Suggest three meals using canned chickpeas.**\n"
        "4. Instruction: What spices give the most flavour for the money?\n"
        "5. `Write a shopping list for a vegetarian student.`\n"
        "```"
    )
    assert instructions(text) == FIVE


def test_self_instruct_headings_with_text_below() -> None:
    text = "\n\n".join(f"### Instruction {i}\n{line}" for i, line in enumerate(FIVE, start=1))
    assert instructions(text) == FIVE
    spaced = "\n\n".join(f"**Instruction {i}:**\n\n{line}" for i, line in enumerate(FIVE, 1))
    assert instructions(spaced) == FIVE


def test_self_instruct_continuation_and_sub_bullets_stay_in_their_item() -> None:
    text = (
        "1. Summarize this recipe in two sentences:\n"
        "   Boil lentils, add onions, simmer for 20 minutes.\n"
        "2. Create a meal plan with:\n"
        "   - one soup\n"
        "   - one salad\n"
        "3. Is rice cheaper than pasta per serving?"
    )
    assert instructions(text) == [
        "Summarize this recipe in two sentences:\nBoil lentils, add onions, simmer for 20 minutes.",
        "Create a meal plan with:\n- one soup\n- one salad",
        "Is rice cheaper than pasta per serving?",
    ]


def test_self_instruct_drops_duplicates_empties_placeholders_and_keeps_limit() -> None:
    text = (
        "1. Plan a week of dinners for two under $40.\n"
        "2. plan a week of dinners  for two under $40\n"
        "3.\n"
        "4. <instruction>\n"
        "5. ...\n"
        "6. How can I make bread without a mixer?\n"
        "7. Suggest three meals using canned chickpeas."
    )
    assert instructions(text, n=2) == FIVE[:2]
    assert instructions(text, n=5) == FIVE[:3]


def test_self_instruct_numbers_inside_text_are_not_markers() -> None:
    text = "1.5 litres of stock: what soups can I make?\n2 eggs and flour: what can I bake?"
    assert instructions(text) == [
        "1.5 litres of stock: what soups can I make?",
        "2 eggs and flour: what can I bake?",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps({"instructions": FIVE}), FIVE),
        ("```json\n" + json.dumps({"instructions": FIVE}, indent=2) + "\n```", FIVE),
        (
            "Here is the JSON you asked for:\n" + json.dumps({"instructions": FIVE}) + "\nDone.",
            FIVE,
        ),
        (json.dumps(FIVE), FIVE),
        (json.dumps({"instructions": [*FIVE, "An extra sixth one."]}), FIVE),
        # nothing usable
        (None, None),
        ("", None),
        ("   \n ", None),
        ("Here are 5 instructions:", None),
        ("I'm sorry, but I can't help with that.", None),
        ("{}", None),
    ],
)
def test_self_instruct_json_and_unusable_answers(text: str | None, expected: list | None) -> None:
    assert instructions(text) == expected


def test_self_instruct_truncated_json_keeps_complete_items() -> None:
    text = json.dumps({"instructions": FIVE})[:-40]
    assert instructions(text) == FIVE[:4]


def test_self_instruct_json_like_text_in_an_instruction_is_text() -> None:
    text = '1. Sort the list ["pear", "fig"] by price.\n2. Convert [1, 2] to grams.'
    assert instructions(text) == [
        'Sort the list ["pear", "fig"] by price.',
        "Convert [1, 2] to grams.",
    ]


# --------------------------------------------------------------------------- evol-instruct prompt

EVOL_CONSTRAINTS_PROMPT = """# Task
Rewrite the original instruction below into a harder version of itself.

Method: constraints
Add one more constraint or requirement that the answer must satisfy.

Rules:
- A person must be able to understand and answer it without seeing the original.
- Add only 10 to 20 words to the original instruction.
- Keep any code, table or data the original instruction contains.
- Do not answer the instruction and do not explain your changes.

Example:
Original: Write a poem about the sea.
Rewritten: Write a poem about the sea in exactly four rhyming lines, without using the word "blue".

## Original instruction
List three uses of vinegar.

## Your answer
Write only the rewritten instruction, nothing else."""


def test_evol_instruct_prompt_exact() -> None:
    prompt = EvolInstructTask(method="constraints").generate_prompt(
        {"input": "  List three uses of vinegar.\n"}
    )
    assert prompt.system_prompt.startswith("You rewrite instructions")
    assert prompt.formatted_prompt == EVOL_CONSTRAINTS_PROMPT


def test_evol_instruct_breadth_prompt_and_structured() -> None:
    task = EvolInstructTask(method="breadth")
    text = task.generate_prompt(SEA).formatted_prompt
    assert text.startswith("# Task\nWrite a brand new instruction inspired by")
    assert "Method: breadth\n" in text
    assert "10 to 20 words" not in text
    assert f"New: {EXAMPLES['breadth'][1]}" in text
    assert text.endswith("Write only the new instruction, nothing else.")
    structured = task.generate_prompt(SEA, structured=True).formatted_prompt
    assert structured.endswith('Answer with JSON only: {"instruction": "<the new instruction>"}')
    schema = task.json_schema(SEA)
    assert schema["required"] == ["instruction"]
    assert schema["properties"]["instruction"]["type"] == "string"


@pytest.mark.parametrize("method", EvolInstructTask.METHODS)
def test_evol_instruct_every_method_renders_its_own_prompt(method: str) -> None:
    text = EvolInstructTask(method=method).generate_prompt(SEA).formatted_prompt  # type: ignore[arg-type]
    assert f"Method: {method}\n" in text
    assert f"Original: {EXAMPLES[method][0]}" in text


def test_evol_method_drawn_per_row_is_reproducible_and_recorded() -> None:
    rows = [{"input": f"Question number {i}?"} for i in range(200)]
    task = EvolInstructTask(seed=7)
    drawn = [task.method_for(r) for r in rows]
    assert drawn == [EvolInstructTask(seed=7).method_for(r) for r in rows]  # resume-safe
    assert set(drawn) == set(EvolInstructTask.METHODS)
    assert drawn != [EvolInstructTask(seed=8).method_for(r) for r in rows]
    for row, method in zip(rows[:10], drawn, strict=False):
        assert f"Method: {method}\n" in task.generate_prompt(row).formatted_prompt
    # the method depends on the input only, not on other columns
    assert task.method_for({"input": "Question number 1?", "id": 9}) == drawn[1]
    complexity = {EvolComplexityTask(seed=7).method_for(r) for r in rows}
    assert complexity == {"constraints", "deepen", "concretizing", "reasoning"}
    assert EvolInstructTask(method="reasoning", seed=7).method_for(rows[0]) == "reasoning"


def test_evol_instruct_row_problem_and_missing_input() -> None:
    task = EvolInstructTask()
    assert task.row_problem(SEA) is None
    for row in ({"input": None}, {"input": "  "}, {}):
        assert task.row_problem(row) == "no instruction to evolve"
        task.generate_prompt(row)  # the engine builds the prompt before asking row_problem


# --------------------------------------------------------------------------- evol-instruct parsing

EVOLVED = "Write a poem about the sea in free verse, at most eight lines, mentioning a lighthouse."


@pytest.mark.parametrize(
    "text",
    [
        EVOLVED,
        f"  {EVOLVED}\n",
        f"#Rewritten Prompt#:\n{EVOLVED}",
        f"#Rewritten Prompt#: {EVOLVED}",
        f"**Rewritten Instruction:** {EVOLVED}",
        f"Rewritten: {EVOLVED}",
        f"Here is the rewritten instruction:\n\n{EVOLVED}",
        f"Sure! Here's a harder version:\n{EVOLVED}",
        f"Here is a more complex version of the prompt: {EVOLVED}",
        f'"{EVOLVED}"',
        f"```\n{EVOLVED}\n```",
        f"Rewritten instruction:\n```text\n{EVOLVED}\n```",
        json.dumps({"instruction": EVOLVED}),
        "```json\n" + json.dumps({"instruction": EVOLVED}, indent=2) + "\n```",
        f"{EVOLVED}\n\nExplanation: I added a length limit and a lighthouse.",
        f"{EVOLVED}\n\nThis rewritten instruction adds two constraints.",
    ],
)
def test_evol_instruct_clean_answers(text: str) -> None:
    assert evolve(text) == EVOLVED


def test_evol_instruct_json_with_unescaped_quotes() -> None:
    assert evolve('{"instruction": "Write a poem titled "Tide" about the sea."}') == (
        'Write a poem titled "Tide" about the sea.'
    )


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  \n",
        "?!",
        "Write a poem about the sea.",
        "write a poem about the SEA",
        "  Write a poem, about the sea!  ",
        "I'm sorry, but I can't rewrite this instruction.",
        "Sorry, I cannot help with that.",
        "As an AI language model, I cannot write prompts.",
        "I cannot assist with that request.",
        f"The Given Prompt asks for a poem. {EVOLVED}",
        f"Original: Write a poem about the sea.\nRewritten: {EVOLVED}\nRules: none",
        f"## Original instruction\nWrite a poem about the sea.\n\n## Your answer\n{EVOLVED}",
        "<the rewritten instruction>",
        json.dumps({"instruction": "<the rewritten instruction>"}),
        '{"instruction": "Write a poem about the sea in exactly',  # cut short
        json.dumps({"instruction": 3}),
        EXAMPLES["constraints"][1],  # the worked example copied
        f"Rewritten: {EXAMPLES['constraints'][1]}",
    ],
)
def test_evol_instruct_failed_evolutions_are_none(text: str | None) -> None:
    assert evolve(text) is None


def test_evol_instruct_first_person_instructions_are_not_refusals() -> None:
    text = "I cannot get my Python script to read a CSV file; explain three likely causes."
    assert evolve(text) == text
    sorry = {"input": "Sorry to bother you, but what is a haiku?"}
    kept = "Sorry to bother you, but what is a haiku, and how does it differ from a tanka?"
    assert evolve(kept, sorry, "deepen") == kept


def test_evol_instruct_data_after_a_colon_is_not_a_preamble() -> None:
    text = "Here is a list of prices: 3, 5, 8. Sort them and explain your method."
    assert evolve(text) == text


def test_evol_instruct_multiline_answer_is_kept() -> None:
    text = (
        "Fix this function so it handles empty lists:\n\n```python\ndef f(x):\n    return x[0]\n```"
    )
    assert evolve(text) == text


# --------------------------------------------------------------------------- evol-quality

EVOL_QUALITY_PROMPT = """# Task
Rewrite the response below so that it answers the instruction better.

Method: depth
Make the response go deeper into the subject.

Rules:
- Keep what is correct in the original response, and any code, table or data it needs.
- The rewritten response must still answer the instruction.
- Write the response itself: no title, no notes about what you changed.

## Instruction
What is the capital of France?

## Original response
Paris.

## Your answer
Write only the rewritten response, nothing else."""


def test_evol_quality_prompt_exact_and_structured() -> None:
    task = EvolQualityTask(method="depth")
    prompt = task.generate_prompt(QROW)
    assert prompt.system_prompt.startswith("You improve the answers")
    assert prompt.formatted_prompt == EVOL_QUALITY_PROMPT
    structured = task.generate_prompt(QROW, structured=True).formatted_prompt
    assert structured.endswith('Answer with JSON only: {"response": "<the rewritten response>"}')
    assert task.json_schema(QROW)["required"] == ["response"]


@pytest.mark.parametrize("method", EvolQualityTask.METHODS)
def test_evol_quality_every_method_renders_its_own_prompt(method: str) -> None:
    text = EvolQualityTask(method=method).generate_prompt(QROW).formatted_prompt  # type: ignore[arg-type]
    assert f"Method: {method}\nMake the response " in text


def test_evol_quality_method_drawn_from_input_and_generation() -> None:
    task = EvolQualityTask(seed=3)
    rows = [{"input": "Same question?", "generation": f"Answer {i}."} for i in range(100)]
    drawn = [task.method_for(r) for r in rows]
    assert set(drawn) == set(EvolQualityTask.METHODS)  # the generation changes the draw
    assert drawn == [EvolQualityTask(seed=3).method_for(r) for r in rows]


@pytest.mark.parametrize(
    ("generation", "problem"),
    [
        (None, "no generation to evolve"),
        ("", "no generation to evolve"),
        (" \n", "no generation to evolve"),
        (["a", "b"], "generation is a list: evol-quality rewrites one response (a string) per row"),
        ("Paris.", None),
    ],
)
def test_evol_quality_row_problem(generation: object, problem: str | None) -> None:
    row = {"input": "q", "generation": generation}
    task = EvolQualityTask()
    assert task.row_problem(row) == problem
    task.generate_prompt(row)  # never raises, even for a row that will not be sent


BETTER = "Paris is the capital of France. It has been the seat of government since 987."


@pytest.mark.parametrize(
    "text",
    [
        BETTER,
        f"**Improved response:** {BETTER}",
        f"#Rewritten Response#:\n{BETTER}",
        f"Here is the rewritten response:\n\n{BETTER}",
        json.dumps({"response": BETTER}),
        f"{BETTER}\n\nThis rewritten response adds historical context.",
        f"{BETTER}\n\n**Changes made:** added a date.",
    ],
)
def test_evol_quality_clean_answers(text: str) -> None:
    assert improve(text) == BETTER


def test_evol_quality_keeps_code_blocks_notes_and_empathy() -> None:
    code = "```python\nprint('Paris')\n```"
    assert improve(code) == code
    noted = f"{BETTER}\n\nNote: the Louvre is closed on Tuesdays."
    assert improve(noted) == noted
    intro = "Here is a short answer:\nParis is the capital of France, on the Seine."
    assert improve(intro) == intro  # a response's own intro is not a preamble to drop
    kind = (
        "I'm sorry to hear the trip was cancelled. Paris is the capital of France, and "
        "rebooking early in the week usually gives the cheapest fares and the widest choice."
    )
    assert improve(kind) == kind
    json_answer = '{"city": "Paris", "country": "France"}'  # a response that is itself JSON
    assert improve(json_answer) == json_answer


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Paris.",
        "paris",
        "What is the capital of France?",  # the instruction echoed
        "I'm sorry, but I can't improve this response.",
        "As an AI, I cannot do that.",
        "#Given Prompt#: What is the capital of France?\n#Response#: Paris.",
        f"## Original response\nParis.\n\n## Your answer\n{BETTER}",
        "Paris is the capital.\nMethod: details\nIt is on the Seine.",  # an echo inside
        "<the rewritten response>",
        '{"response": "Paris is the capital of France. It has',
    ],
)
def test_evol_quality_failed_rewrites_are_none(text: str | None) -> None:
    assert improve(text) is None


# --------------------------------------------------------------------------- echoes of the prompt

PASTA = {"input": "Cooking pasta at home"}
HELPFUL = "A helpful assistant for everyday questions"
RULES_ECHO = (
    "The new instruction is about the same as the original but is about a more complex topic:"
    "\n\n- Explain how vaccines train the immune system.\n- Keep any code, table or data the "
    "original instruction contains.\n- Do not answer the instruction and do not explain your "
    "changes.\n\nThe new instruction is a variant of the original one."
)
PLANTS = {"input": "How do plants make food?"}


def pasta_items(text: str, description: str = HELPFUL) -> list[str] | None:
    task = SelfInstructTask(application_description=description)
    return task.parse_output(text, PASTA)["instructions"]


def test_self_instruct_drops_items_that_echo_the_prompt() -> None:
    raw = (  # a real 135M answer: the application and the topic line copied back
        "2\n\nJustification: The instructions are varied.\n\nInstructions:\n"
        f"- {HELPFUL}\n- Topic: Cooking pasta at home"
    )
    assert pasta_items(raw) is None
    mixed = (
        "1. How long should I boil spaghetti for al dente?\n"
        f"2. {HELPFUL.lower()}.\n"
        "3. Cooking pasta at home\n"  # the input itself
        f"4. Application: {HELPFUL}\n"
        "5. It is about the topic and suited to the application.\n"  # a criterion
        f"6. Ask {HELPFUL.lower()} about pasta.\n"  # contains the description
        "7. You follow the requested answer format exactly\n"  # the system prompt
        "8. Write exactly 5 instructions as a numbered list, one per line.\n"  # a near copy
        "9. Which sauce goes best with penne?"
    )
    assert pasta_items(mixed) == [
        "How long should I boil spaghetti for al dente?",
        "Which sauce goes best with penne?",
    ]


def test_self_instruct_items_sharing_words_with_the_prompt_are_kept() -> None:
    items = [
        "Write a one-line shopping list for a pasta dinner for two.",
        "Is cooking pasta at home cheaper than buying fresh pasta?",  # contains the topic
        "Ask the AI assistant to time my pasta.",  # contains the (short) description
        "Give me realistic, varied pasta shapes to try this week.",
        "Topic ideas: which pasta dishes can a beginner cook at home?",
    ]
    text = "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))
    assert pasta_items(text, "AI assistant") == items
    assert pasta_items(text) == items


@pytest.mark.parametrize("method", ["constraints", "deepen", "concretizing", "reasoning"])
def test_evol_instruct_lines_of_the_prompt_are_not_evolutions(method: str) -> None:
    # real 135M answers: a (slightly reworded) line of the prompt, the rules copied back
    assert (
        evolve("Rewrite the original instruction into a harder version of itself.", PLANTS, method)
        is None
    )
    assert evolve(RULES_ECHO, PLANTS, method) is None
    rule = "Add only 10 to 20 words to the original instruction."
    assert evolve(f"{EVOLVED}\n{rule}\nMention the moon.") is None  # inside the answer
    assert evolve(f"{EVOLVED} You never answer it and never comment on it.") is None  # system


def test_evol_instruct_breadth_echoes_and_legitimate_overlap() -> None:
    assert evolve(RULES_ECHO, PLANTS, "breadth") is None
    echo = "Describe how the gut microbiome changes the way the body absorbs oral medication."
    assert evolve(f"{echo} Then list two examples.", PLANTS, "breadth") is None  # the example
    kept = [  # share words, not sentences, with the prompt
        "Rewrite this paragraph so a ten-year-old can follow it, keeping every number.",
        "Explain how chloroplasts turn light into sugar, and add a table of the inputs.",
        "Answer in one word: do plants make food at night? Then explain your changes of mind.",
    ]
    for text in kept:
        assert evolve(text, PLANTS, "deepen") == text
        assert evolve(text, PLANTS, "breadth") == text


def test_evol_instruct_prompt_sentences_that_are_in_the_input_are_allowed() -> None:
    row = {"input": "Translate into French: Do not answer the instruction and do not explain it."}
    text = (
        "Translate into formal French, keeping the imperative mood: "
        "Do not answer the instruction and do not explain it."
    )
    assert evolve(text, row) == text
    # the worked example's original is the input here: an evolution may contain it
    assert evolve(EVOLVED) == EVOLVED


LONG_ROW = {
    "input": "How do I keep basil fresh?",
    "generation": (
        "Trim the stems, put the basil in a glass of water like a bouquet and leave it on the "
        "counter, away from direct sun. Change the water every two days and do not refrigerate it."
    ),
}


def test_evol_quality_near_copies_and_prompt_echoes_are_none() -> None:
    near = LONG_ROW["generation"].replace("every two days", "every day")
    assert improve(near, LONG_ROW) is None
    assert improve(LONG_ROW["generation"] + " Enjoy!", LONG_ROW) is None
    echoes = [
        f"{BETTER}\nKeep what is correct in the original response, and any code, table or "
        "data it needs.\nParis has 20 districts.",
        "Rewrite the response so that it answers the instruction better.",
        f"{BETTER} The rewritten response must still answer the instruction.",
        f"Make the response more detailed. {BETTER}",
    ]
    for text in echoes:
        assert improve(text) is None


def test_evol_quality_real_rewrites_are_kept() -> None:
    better = (
        LONG_ROW["generation"] + " Cover the leaves loosely with a plastic bag to keep them "
        "moist, and pinch off any flower buds so the leaves stay sweet."
    )
    assert improve(better, LONG_ROW) == better
    shared = (  # shares words with the prompt's rules, not its sentences
        "Paris is the capital of France. Keep in mind that the original city was an island in "
        "the Seine, and any map from before 1860 shows it much smaller."
    )
    assert improve(shared) == shared
    row = {"input": "What does 'make the response more detailed' mean?", "generation": "More."}
    own = "It means make the response more detailed: add facts, examples and steps."
    assert improve(own, row) == own  # the sentence is the row's own input


# ----------------------------------------------------------- echoes around a usable rewrite

HARDER = "Rewrite the original instruction into a harder version of itself."
REAL_135M = {  # real SmolLM2-135M answers: the prompt echoed, then (sometimes) a rewrite
    "labelled": f"{HARDER}\n\nOriginal: Give me tips to improve my writing.\nRewritten: Give "
    "me three tips to make my short stories more vivid, each with an example sentence.",
    "example": f"Original: {EXAMPLES['breadth'][0]}\nNew: {EXAMPLES['breadth'][1]}",
    "quoted": f'{HARDER[:-1]}:\n\n"Provide five dietary supplements that are rich in '
    'vitamin C."\n\nYour answer:',
    "bullets": f"{HARDER}\n\n- Give me three tips to make the dialogue sound more natural.\n"
    "- Add only 10 words to the instruction.",
}
VITAMIN = {"input": "Name foods rich in vitamin C."}


@pytest.mark.parametrize("method", ["constraints", "deepen", "concretizing", "reasoning"])
def test_evol_instruct_rewrite_after_echoed_scaffold_is_kept(method: str) -> None:
    vivid = "Give me three tips to make my short stories more vivid, each with an example sentence."
    assert evolve(REAL_135M["labelled"], PLANTS, method) == vivid
    vitamin = "Provide five dietary supplements that are rich in vitamin C."
    assert evolve(REAL_135M["quoted"], VITAMIN, method) == vitamin
    assert evolve(REAL_135M["quoted"], {"input": vitamin}, method) is None  # the input copied
    assert evolve(HARDER, PLANTS, method) is None
    assert evolve(RULES_ECHO, PLANTS, method) is None


def test_evol_instruct_worked_example_after_a_label() -> None:
    # The breadth prompt's own example copied whole: still a copy of the example.
    assert evolve(REAL_135M["example"], PLANTS, "breadth") is None
    # Under another method that prompt never showed it: a new instruction like any other.
    assert evolve(REAL_135M["example"], PLANTS, "deepen") == EXAMPLES["breadth"][1]


def test_evol_instruct_list_of_content_and_a_reworded_rule() -> None:
    # The reworded rule (last line) is stripped; the bullet left is the rewrite...
    tips = "Give me three tips to make the dialogue sound more natural."
    assert evolve(REAL_135M["bullets"], PLANTS, "deepen") == tips
    # ...unless it rewords the prompt's worked example (the concretizing one).
    assert evolve(REAL_135M["bullets"], PLANTS, "concretizing") is None


@pytest.mark.parametrize(
    "text",
    [
        f"Original: Write a poem about the sea.\nRewritten: {EVOLVED}",
        f"Rewritten: A draft.\nOriginal: Write a poem about the sea.\nRewritten: {EVOLVED}",
        f"#Given Prompt#: Write a poem about the sea.\n#Rewritten Prompt#: {EVOLVED}",
        f"## Original instruction\nWrite a poem about the sea.\n\n## New instruction\n{EVOLVED}",
        f"Sure! Here is the rewritten instruction:\nOriginal: x\n**Rewritten:** {EVOLVED}",
        f"Original: Write a poem about the sea.\nRewritten: {EVOLVED}\nYour answer:",
        f"Rewritten:\n{EVOLVED}\n\nExplanation: it adds two constraints.\nRewritten:",
        f"Rules:\n\n{EVOLVED}\n\nAdd only 10 to 20 words to the original instruction.",
        f"Method: constraints\n{EVOLVED}\n## Your answer",
    ],
)
def test_evol_instruct_labelled_parts_and_echoed_lines(text: str) -> None:
    assert evolve(text) == EVOLVED


@pytest.mark.parametrize(
    "text",
    [
        "Compare the prices.\nOld: $5\nNew: $7",  # after real content "New:" is no part
        f"Original: Write a poem about the sea.\nRewritten: {EXAMPLES['constraints'][1]}",
        "Original: Write a poem about the sea.\nRewritten:",
        f"Original: Write a poem about the sea.\nRewritten: {HARDER}",
        f"Rewritten: {EVOLVED}\nAdd only 10 to 20 words to the original instruction.\nThen rhyme.",
    ],
)
def test_evol_instruct_labelled_parts_still_vetted(text: str) -> None:
    assert evolve(text) is None


def test_evol_quality_rewrite_after_echoed_scaffold_is_kept() -> None:
    for text in [
        f"Original response: Paris.\nImproved response: {BETTER}",
        f"## Instruction\nWhat is the capital of France?\n\n## Original response\nParis.\n\n"
        f"## Improved response\n{BETTER}",
        f"Rewrite the response below so that it answers the instruction better.\n\n{BETTER}",
        f"Method: details\nMake the response more detailed.\n\n{BETTER}\n\n## Your answer",
        f"{BETTER}\n\nKeep what is correct in the original response, and any code, table or "
        "data it needs.",
    ]:
        assert improve(text) == BETTER
    assert improve("Original response: Paris.\nImproved response: Paris.") is None


# --------------------------------------------------------------------------- through the pipeline


def test_pipeline_self_instruct_writes_a_list_per_generation() -> None:
    llm = ScriptedLLM(task=SelfInstructTask(num_instructions=2), answer=["1. A?\n2. B?", "nope:"])
    result = Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["cats"]}), 2)
    assert result[0]["instructions"] == [["A?", "B?"], None]
    assert result[0]["raw_generation_responses"] == ["1. A?\n2. B?", "nope:"]
    assert result.features["instructions"] == List(List(Value("string")))


def test_pipeline_evol_quality_skips_rows_without_a_generation() -> None:
    task = EvolQualityTask(method="helpfulness")
    llm = ScriptedLLM(task=task, answer=[BETTER])
    data = Dataset.from_dict({"input": [QROW["input"]] * 2, "generation": ["Paris.", None]})
    result = Pipeline(generator=llm).generate(data, 1)
    assert result["generations"] == [[BETTER], [None]]
    assert len(llm.requests) == 1
    assert "Method: helpfulness" in llm.requests[0].text

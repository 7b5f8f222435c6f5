# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Labeller". Adapted: `local(...)` (the local OpenAI-compatible server)."""

import os

from seed_local import local, report

from distilabel_cli.llms import OpenAILLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import UltraFeedbackTask

pipe_labeller = Pipeline(
    labeller=local(
        OpenAILLM(
            model="gpt-4",
            task=UltraFeedbackTask.for_instruction_following(),
            max_new_tokens=256,
            num_threads=8,
            api_key=os.getenv("OPENAI_API_KEY", None),
            temperature=0.3,
        )
    ),
)

from datasets import Dataset

dataset_test = Dataset.from_dict(
    {
        "input": [
            "Describe the capital of Spain in 25 words.",
            "Design a conversation between a customer and a customer service agent.",
        ],
        "generations": [
            ["Santo Domingo is the capital of Dominican Republic"],
            [
                "Customer: Hello, I'm having trouble with my purchase.\n\nCustomer Service Agent: I'm sorry to hear that. Could you please tell me more about the issue you are facing?\n\nCustomer: Yes, I ordered a pair of shoes from your company a week ago, but I haven't received them yet.\n\nCustomer Service Agent: I apologize for the inconvenience. Could you please provide me with your order number and full name so I can look into this for you?"
            ],
        ],
    }
)

ds_labelled = pipe_labeller.generate(dataset_test)

first = ds_labelled.select_columns(["input", "generations", "rating", "rationale"])[0]
print(first)
report(first=first, rows=ds_labelled.num_rows, labelling_model=ds_labelled[0]["labelling_model"])

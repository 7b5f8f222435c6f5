# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "Generator and Labeller". Adapted: `local(...)` for both LLMs, and
`ds_xkcd[0]` for the guide's `ds_xkcd[1]`, out of range on its one-row dataset (in 0.6 too).
"""

import os

from seed_local import local, report

from distilabel_cli.llms import InferenceEndpointsLLM, OpenAILLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask

endpoint_name = "aws-notus-7b-v1-4052" or os.getenv("HF_INFERENCE_ENDPOINT_NAME")
endpoint_namespace = "argilla" or os.getenv("HF_NAMESPACE")

pipe_full = Pipeline(
    generator=local(
        InferenceEndpointsLLM(
            endpoint_name_or_model_id=endpoint_name,
            endpoint_namespace=endpoint_namespace,
            task=TextGenerationTask(
                system_prompt="You are an expert writer of XKCD, a webcomic of romance, sarcasm, math, and language."
            ),
            max_new_tokens=512,
            do_sample=True,
            prompt_format="notus",
        )
    ),
    labeller=local(
        OpenAILLM(
            model="gpt-3.5-turbo",
            task=UltraFeedbackTask.for_instruction_following(),
            max_new_tokens=256,
            num_threads=4,
            api_key=os.getenv("OPENAI_API_KEY", None),
            temperature=0.3,
        )
    ),
)

from datasets import Dataset

xkcd_instructions = Dataset.from_dict(
    {"input": ["Could you imagine an interview process going sideways?"]}
)
ds_xkcd = pipe_full.generate(xkcd_instructions, num_generations=3)

print(ds_xkcd[0]["generations"][0])
print("-----" * 5)
print("RATING: ", ds_xkcd[0]["rating"][0])
print("RATIONALE: ", ds_xkcd[0]["rationale"][0])

report(
    generations=ds_xkcd[0]["generations"],
    rating=ds_xkcd[0]["rating"],
    rationale=ds_xkcd[0]["rationale"],
    system=ds_xkcd[0]["generation_prompt"][0],
)

"""A pool of OpenAI-compatible LLMs and an embedded llama.cpp judge, never closed: what
they hold must be released before exit, quietly."""

import os

from datasets import Dataset

from distilabel_cli import (
    LlamaCppLLM,
    LLMPool,
    OpenAILLM,
    Pipeline,
    TextGenerationTask,
    UltraFeedbackTask,
)

url = os.environ["SERVER_URL"]
members = [OpenAILLM(model=m, task=TextGenerationTask(), base_url=url, api_key="k") for m in "ab"]
judge = LlamaCppLLM(task=UltraFeedbackTask(), max_new_tokens=48, n_threads=1, seed=1)
dataset = Pipeline(generator=LLMPool(llms=members, seed=0), labeller=judge).generate(
    Dataset.from_dict({"input": ["Say hi.", "Name a fruit."]}), num_generations=2
)
print(sorted(dataset.to_list()[0]["generation_model"]))

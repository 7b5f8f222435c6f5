"""The 0.6 guide's ProcessLLM pattern with no `if __name__ == "__main__":` guard: a pool of
two embedded-model children and a ProcessLLM judge on the local OpenAI-compatible server."""

import json
import os

from datasets import Dataset

from distilabel_cli.llms import LLM, LLMPool, ProcessLLM
from distilabel_cli.pipeline import Pipeline
from distilabel_cli.tasks import Task, TextGenerationTask, UltraFeedbackTask


def load_first(task: Task) -> LLM:
    from distilabel_cli.llms import LlamaCppLLM

    return LlamaCppLLM(task=task, max_new_tokens=4, n_threads=1, seed=1)


def load_second(task: Task) -> LLM:
    from distilabel_cli.llms import LlamaCppLLM

    return LlamaCppLLM(task=task, max_new_tokens=4, n_threads=1, seed=2)


def load_judge(task: UltraFeedbackTask) -> LLM:
    from distilabel_cli.llms import OpenAILLM

    return OpenAILLM(model="gpt-4", task=task, base_url=os.environ["JUDGE_URL"], api_key="k")


first = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_first)
second = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_second)
pipeline = Pipeline(
    generator=LLMPool(llms=[first, second]),
    labeller=ProcessLLM(task=UltraFeedbackTask(), load_llm_fn=load_judge),
)
dataset = pipeline.generate(Dataset.from_dict({"input": ["Say hi."]}), num_generations=2)
row = dataset.to_list()[0]
print(json.dumps({"models": sorted(row["generation_model"]), "rating": row["rating"]}))

# ruff: noqa: E402, E501, F811, SIM222
"""0.6 guide, "Prepare datasets for fine-tuning": both binarization snippets, on the local
Hub stand-in's `argilla/distilabel-intel-orca-dpo-pairs` (a few rows of that shape).
"""

from datasets import load_dataset
from seed_local import report

from distilabel_cli.dataset import prepare_dataset
from distilabel_cli.tasks import JudgeLMTask

dataset = load_dataset("argilla/distilabel-intel-orca-dpo-pairs", split="train")
dataset.task = JudgeLMTask()
dataset_binarized_random = prepare_dataset(dataset, strategy="random", keep_ties=True)
random_with_ties = len(dataset_binarized_random)
columns = dataset_binarized_random.column_names
first = dataset_binarized_random[0]
dataset_binarized_random = prepare_dataset(dataset, strategy="random", keep_ties=False)
random_without_ties = len(dataset_binarized_random)

from datasets import load_dataset

from distilabel_cli.dataset import prepare_dataset
from distilabel_cli.tasks import JudgeLMTask

dataset = load_dataset("argilla/distilabel-intel-orca-dpo-pairs", split="train")
dataset.task = JudgeLMTask()
dataset_binarized_random = prepare_dataset(dataset, strategy="worst", keep_ties=True)
worst_with_ties = len(dataset_binarized_random)
worst_first = dataset_binarized_random[0]
dataset_binarized_random = prepare_dataset(dataset, strategy="worst", keep_ties=False)

report(
    rows=len(dataset),
    random=[random_with_ties, random_without_ties],
    worst=[worst_with_ties, len(dataset_binarized_random)],
    columns=columns,
    first=first,
    worst_first=worst_first,
)

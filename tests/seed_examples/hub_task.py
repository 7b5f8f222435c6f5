# ruff: noqa: E402, E501, SIM222
"""0.6 guide, "CustomDataset in HuggingFace hub", on the local Hub stand-in. The guide's
`dataset` is any CustomDataset: here an UltraFeedback (honesty) one. Adapted: the
guide's placeholder "path/to/hub" (not a valid repo id) is "username/hub".
"""

from datasets import Dataset
from seed_local import report

from distilabel_cli.dataset import CustomDataset
from distilabel_cli.tasks import UltraFeedbackTask

rows = {"input": ["q"], "generations": [["a", "b"]], "rating": [[4.0, 2.0]]}
dataset = CustomDataset.from_dataset(Dataset.from_dict(rows), UltraFeedbackTask.for_honesty())

dataset.push_to_hub("username/hub", split="train")

from distilabel_cli.dataset import load_dataset

dataset: "CustomDataset" = load_dataset("argilla/distilabel-sample-evol-instruct", split="train")
print(dataset.task)

pushed = load_dataset("username/hub", split="train")
report(task=repr(dataset.task), pushed_task=repr(pushed.task), pushed_rows=pushed.num_rows)

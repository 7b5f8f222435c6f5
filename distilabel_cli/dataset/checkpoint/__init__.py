"""Checkpoints: the append-only store, its lock, the Hub mirror, a run's session, recovery.

`store` holds the format (marker, meta, input rows, one line per finished stage); `lock` keeps
one run per checkpoint; `hub_mirror` copies it to a Hub repo; `session` opens it for a run;
`as_dataset` opens it as the dataset of the rows finished so far.
"""

from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint, ResumeMode

__all__ = ["DatasetCheckpoint", "ResumeMode"]

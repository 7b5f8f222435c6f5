"""Parsing helpers private to `distilabel_cli.tasks`: readers for model answers.

`json_answer` is the one tolerant JSON reader; the other modules read each task family's
answer formats and clean or reject what a model wrote. Not a public API.
"""

"""`python -m distilabel_cli` runs the `distil` command."""

from distilabel_cli.cli.app import main

main()

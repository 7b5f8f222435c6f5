"""Migrate a fresh argilla-server database and create the test users, in one process.

Runs with the server venv's Python (tests/argilla_server/setup.sh), with the ARGILLA_*
variables of the server set; calls the server's own `database` commands.
Usage: bootstrap.py OWNER_API_KEY REVIEWER_API_KEY WORKSPACE
"""

from __future__ import annotations

import sys

from argilla_server.cli import app


def run(*args: str) -> None:
    """One `python -m argilla_server ...` command, in this process."""
    app(list(args), standalone_mode=False)


def main(owner_key: str, reviewer_key: str, workspace: str) -> None:
    run("database", "migrate")
    for username, role, key in (
        ("owner", "owner", owner_key),
        ("reviewer", "annotator", reviewer_key),
    ):
        run(
            "database",
            "users",
            "create",
            "--username",
            username,
            "--first-name",
            username.title(),
            "--password",
            f"{username}-password",
            "--role",
            role,
            "--api-key",
            key,
            "--workspace",
            workspace,
        )


if __name__ == "__main__":
    main(*sys.argv[1:4])

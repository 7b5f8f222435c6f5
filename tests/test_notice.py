"""`notice.py`: the NOTICE level, and a notice with no logging configured anywhere."""

from __future__ import annotations

import logging
import subprocess
import sys

from distilabel_cli.notice import NOTICE


def test_notice_sits_between_info_and_warning() -> None:
    assert logging.INFO < NOTICE < logging.WARNING
    assert logging.getLevelName(NOTICE) == "NOTICE"


def test_without_logging_a_notice_is_printed_with_secrets_masked() -> None:
    code = (
        "import logging\n"
        "from distilabel_cli.notice import notice\n"
        "from distilabel_cli.redact import register_secret\n"
        "register_secret('sk-notice-secret-0123456789')\n"
        "log = logging.getLogger('distilabel_cli.batch')\n"
        "notice(log, 'batch b1: key sk-notice-secret-0123456789')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "batch b1: key" in result.stderr and "sk-notice-secret" not in result.stderr

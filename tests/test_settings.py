"""Settings from the environment: commands that sign nothing run bare, anything else needs SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"


def run_manage(*args):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=environment, capture_output=True, text=True, timeout=60
    )


def test_makemigrations_check_runs_without_any_configuration():
    result = run_manage("makemigrations", "--check", "--dry-run")

    assert (result.returncode, result.stdout.strip()) == (0, "No changes detected")


def test_other_commands_refuse_to_start_without_secret_key():
    result = run_manage("dumpdata", "events.Community")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "Set SECRET_KEY (or DEBUG=1 for local development)." in result.stderr

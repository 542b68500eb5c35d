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


def _database_options(**variables) -> str:
    """The default database's OPTIONS as the settings build them from these variables (nothing connects)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DB_PREPARED_STATEMENTS"}}
    environment.update(DEBUG="1", **variables)
    code = "import config.settings as s; print(sorted(s.DATABASES['default'].get('OPTIONS', {}).items()))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60, cwd=MANAGE.parent
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_prepares_statements_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/x"

    assert _database_options(DATABASE_URL=url) == "[('prepare_threshold', 5), ('server_side_binding', True)]"
    assert _database_options(DATABASE_URL=url, DB_PREPARED_STATEMENTS="0") == "[]"
    assert "server_side_binding" not in _database_options(DATABASE_URL="sqlite:///x.sqlite3")


def test_the_wsgi_application_keeps_what_it_loaded_out_of_the_garbage_collector():
    # A full collection walked the 100,000 objects Django and the apps load, 20 to 30 ms: a pause in some request.
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(DEBUG="1")
    code = "import gc, config.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60, cwd=MANAGE.parent
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50_000

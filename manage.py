#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that sign nothing may run without SECRET_KEY (see config/settings.py); serving and sending may not.
KEYLESS_COMMANDS = {
    "check",
    "collectstatic",
    "compilemessages",
    "makemessages",
    "makemigrations",
    "migrate",
    "showmigrations",
    "sqlmigrate",
}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("KEYLESS_COMMAND", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

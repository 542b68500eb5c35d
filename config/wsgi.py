"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, the URL patterns) lives as long as the process: out of the garbage
# collector's sight, a full collection has far less to walk, which shortens the pauses that make a request slow.
gc.freeze()

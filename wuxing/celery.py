"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuxing.settings")

app = Celery("wuxing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Connects the signals that carry request ids into tasks and onto the worker's log lines
# before the worker sets up its logging (wuxing/ops/logs.py).
from wuxing.ops import logs  # noqa: E402,F401

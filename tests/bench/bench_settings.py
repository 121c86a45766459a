"""Production settings for benchmarks, except static files: pages reference plain names,
so no collectstatic manifest is needed (the benchmark requests HTML only)."""

from wuxing.settings import *  # noqa: F403
from wuxing.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "wuxing.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import logs  # noqa: F401  (connects the Celery signals that carry request ids)

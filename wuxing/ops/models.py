from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic task ran on a worker (written by `ops.tasks.heartbeat`).

    Beat queues the task every minute and a worker runs it: a fresh row shows that beat,
    the broker and at least one worker all work, which a worker ping alone does not."""

    WORKER = "celery"  # the row the heartbeat task writes and /health/ reads

    name = models.CharField(_("name"), max_length=40, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"

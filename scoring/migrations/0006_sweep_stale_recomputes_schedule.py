"""Beat queues, every minute, the recomputes whose marks were left behind (the broker was
down when the change was saved, or a worker lost the task). Idempotent: found by name."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "待重算扫描"
TASK = "scoring.tasks.sweep_stale_recomputes"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.create(
        name=TASK_NAME, task=TASK, interval=every_minute, enabled=True,
        description="每分钟把因消息队列中断或任务丢失而未完成的星级重算重新排队（保存的数据不会丢失）。")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0005_pending_recompute_marks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from villages import demo


class Command(BaseCommand):
    help = "Load the demo county (华龙区: 岳村镇 and 孟轲乡) and its demo users. Idempotent."

    def handle(self, *args, **options):
        demo.load_tree_and_users()
        from scoring.reminders import demo as reminders_demo
        reminders_demo.load()
        from scoring.reviews import demo as reviews_demo
        reviews_demo.load()
        self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
        self.stdout.write(_("Demo logins (user name, password):"))
        for line in demo.login_lines():
            self.stdout.write(line)

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from scoring import demo as scoring_demo
from villages import demo


class Command(BaseCommand):
    help = ("Load the demo county (华龙区: 岳村镇 and 孟轲乡), its demo users, the reference "
            "rule set and twelve months of entries and evidence. Idempotent.")

    def handle(self, *args, **options):
        demo.load_tree_and_users()
        counts = scoring_demo.load()
        from scoring.reminders import demo as reminders_demo
        reminders_demo.load()
        from scoring.reviews import demo as reviews_demo
        reviews_demo.load()
        reviews_demo.load_stages()
        self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
        self.stdout.write(_("New entries: %(entries)d, evidence files: %(evidence)d, "
                            "assessments computed: %(assessments)d") % counts)
        self.stdout.write(_("Demo logins (user name, password):"))
        for line in demo.login_lines():
            self.stdout.write(line)

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from org.models import Role

from .seed_demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins of every role."

    def handle(self, *args, **options) -> None:
        labels = dict(Role.choices)
        self.stdout.write(f"\n  Demo logins (password for all: {DEMO_PASSWORD})\n")
        for username, full_name, role, _where in DEMO_USERS:
            self.stdout.write(f"    {username:<11} {full_name:<6} {labels[role]}")
        self.stdout.write("\n  " + _("Open http://127.0.0.1:8000/ in a browser.") + "\n")

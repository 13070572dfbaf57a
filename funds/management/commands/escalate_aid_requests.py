"""Run the aid escalation by hand: `manage.py escalate_aid_requests` (what the daily beat task does)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from funds.services import aid_requests_escalate


class Command(BaseCommand):
    help = "Move aid requests waiting too long at one approval level to the next level up (idempotent)."

    def handle(self, *args, **options) -> None:
        moved = aid_requests_escalate()
        days = settings.HARDSHIP["AID_ESCALATE_AFTER_DAYS"]
        self.stdout.write(f"{moved} aid request(s) escalated after {days} days without a decision.")

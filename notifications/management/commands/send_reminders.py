import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.reminders import run_daily


class Command(BaseCommand):
    help = "Run the daily reminders (what celery beat runs every day). Safe to repeat: each event is told once."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in the company's zone)")

    def handle(self, *args, date: str | None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"not a date: {date!r} (expected YYYY-MM-DD)") from None
        outcome = run_daily(today=today)
        self.stdout.write(f"{today:%Y-%m-%d}: " + ", ".join(f"{name} {count}" for name, count in outcome.items()))

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.services import close_period, progress
from core.errors import DomainError
from core.periods import Period


class Command(BaseCommand):
    help = "Close a billing period (YYYY-MM): bill every account, in chunks on the Celery workers. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--wait", action="store_true", help="with workers: wait and print progress until done")

    def handle(self, *args, period: str, wait: bool, **options):
        try:
            parsed = Period.parse(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            run = close_period(period=parsed)
        except DomainError as error:
            raise CommandError(error.message) from None
        eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        while wait and not eager and run.state != run.State.CLOSED:
            done, total = progress(run)
            self.stdout.write(f"{done}/{total}")
            time.sleep(2)
            run.refresh_from_db()
        done, total = progress(run)
        self.stdout.write(f"{parsed}: {run.get_state_display()}, bills {done} of {total}")
        for number, message in sorted(run.failures.items()):
            self.stdout.write(f"  {number}: {message}")
        if run.failures:
            raise CommandError(f"{len(run.failures)} accounts not billed; fix them and run the command again")

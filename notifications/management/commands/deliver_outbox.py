import time

from django.core.management.base import BaseCommand

from notifications.outbox import deliver_due


class Command(BaseCommand):
    help = (
        "Deliver the outbox's due messages in this process: held SMS whose quiet hours ended, retries, "
        "messages a stopped worker left. For setups without a Celery worker and beat (cron, the embedded default)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--watch", type=int, metavar="SECONDS", help="keep running, looking again every SECONDS")

    def handle(self, *args, watch: int | None, **options):
        while True:
            outcomes = deliver_due()
            if outcomes or not watch:
                self.stdout.write(", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing due")
            if not watch:
                return
            time.sleep(watch)

from django.core.management.base import BaseCommand

from core.demo import seed_demo, seed_synthetic


class Command(BaseCommand):
    help = "Create the demo company data and customers (idempotent); --accounts N adds N synthetic accounts."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=0, help="also create N synthetic accounts for benchmarks")

    def handle(self, *args, accounts: int, **options):
        created = seed_demo()
        self.stdout.write(
            f"demo: {len(created)} new objects" + (f" ({', '.join(created)})" if created else ", nothing to do")
        )
        if accounts:
            made = seed_synthetic(
                accounts, progress=lambda n: self.stdout.write(f"  synthetic accounts: {n}", ending="\r")
            )
            self.stdout.write(f"\nsynthetic: {made} new accounts")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metering.models import Reading
from metering.tasks import import_readings_csv


class Command(BaseCommand):
    help = "Import meter readings from a CSV file (account;serial;date;values[;confirm]) through the readings rules."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--channel", default=Reading.Source.IMPORT, choices=[c for c, _ in Reading.Source.choices])

    def handle(self, *args, path: Path, channel: str, **options):
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        result = import_readings_csv.delay(path.read_text(encoding="utf-8-sig"), channel=channel).get()
        self.stdout.write(f"accepted: {result['accepted']}, rejected: {len(result['rejected'])}")
        for row in result["rejected"]:
            self.stdout.write(f"  line {row['line']}: [{row['code']}] {row['message']}")

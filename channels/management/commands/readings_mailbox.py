"""``manage.py readings_mailbox``: the SMTP endpoint of the readings mailbox, in the foreground."""

from __future__ import annotations

import signal
import threading

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand

from channels.mailbox import MAX_MESSAGE_BYTES, ReadingsMailbox


class Command(BaseCommand):
    help = "Receive readings by e-mail over SMTP (put it behind the MTA that checks DKIM/SPF)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.READINGS_MAILBOX_HOST)
        parser.add_argument("--port", type=int, default=settings.READINGS_MAILBOX_PORT)

    def handle(self, *args, host: str, port: int, **options):
        stop = threading.Event()
        for name in ("SIGINT", "SIGTERM"):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
        handler = ReadingsMailbox()
        controller = Controller(handler, hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)
        controller.start()
        self.stdout.write(f"readings mailbox on {host}:{port} for {', '.join(sorted(handler.addresses))}")
        try:
            stop.wait()
        finally:
            controller.stop()

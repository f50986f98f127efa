"""A real HTTP server playing the SMS provider: it records every request's Idempotency-Key and, like
a real provider, accepts each key once (a repeat is answered 200 and not sent again)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Gateway:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []  # (Idempotency-Key, JSON body), every request
        self.accepted: dict[str, dict] = {}  # what the provider actually sent on: one per key
        self.statuses: list[int] = []  # answers to give, in turn (then 200)
        self.stall_on: int | None = None  # the n-th request (1-based) is recorded, then never answered
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with gateway.lock:
                    gateway.requests.append((key, body))
                    number = len(gateway.requests)
                    status = gateway.statuses.pop(0) if gateway.statuses else 200
                    if status == 200:
                        gateway.accepted.setdefault(key, body)
                if number == gateway.stall_on:
                    gateway.stalled.set()  # taken by the provider; the answer never reaches the sender
                    gateway.release.wait(60)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def keys(self) -> list[str]:
        return [key for key, _body in self.requests]


@pytest.fixture
def gateway(settings):
    """The HTTP SMS gateway adapter pointed at a local provider."""
    server = Gateway()
    server.thread.start()
    settings.SMS_BACKEND = "notifications.sms.HttpSmsGateway"
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_SECRET = server.url, "gateway-secret"
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()

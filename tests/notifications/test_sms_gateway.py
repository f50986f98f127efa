"""The production SMS adapter speaks HTTP to a real (local) server: signed JSON, retried on failure."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.sms import HttpSmsGateway, SmsDeliveryError

SECRET = "gateway-secret"


@pytest.fixture
def gateway_server():
    received = []
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(status["code"])
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received, status
    server.shutdown()


def test_message_is_posted_as_signed_json(settings, gateway_server):
    url, received, _ = gateway_server
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_SECRET = url, SECRET

    HttpSmsGateway().send("+79991112233", "Код для входа: 123456", message_id="m-1")

    headers, body = received[0]
    assert json.loads(body) == {"id": "m-1", "to": "+79991112233", "from": "1163", "text": "Код для входа: 123456"}
    assert headers["X-Signature"] == hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["Idempotency-Key"] == "m-1"


def test_a_refusing_or_absent_gateway_raises_for_a_retry(settings, gateway_server):
    url, _, status = gateway_server
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_SECRET = url, SECRET
    status["code"] = 503
    with pytest.raises(SmsDeliveryError):
        HttpSmsGateway().send("+79991112233", "text", message_id="m-2")
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    with pytest.raises(SmsDeliveryError):
        HttpSmsGateway().send("+79991112233", "text", message_id="m-3")

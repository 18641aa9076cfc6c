"""A local fake of the Twilio Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``).

It speaks the real wire protocol: HTTP basic auth ``sid:token`` (401 with Twilio's error 20003
otherwise), a form-encoded body with ``To``, ``From`` (or ``MessagingServiceSid``) and ``Body``,
400 with error 21211 for a ``To`` that is not E.164, and 201 with a message resource on success.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.support.server import free_port

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True)
class Sms:
    sid: str
    to: str
    sender: str
    body: str
    form: dict[str, str]


class FakeTwilio:
    def __init__(self, *, account_sid: str = "AC" + "0" * 32, auth_token: str = "tok") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[Sms] = []
        self.requests = 0
        self.fail_with: int | None = None  # answer this status to every request (outage)
        self.port = free_port()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                fake.requests += 1
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, payload = fake.handle(self.path, self.headers.get("Authorization"), raw)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, path: str, authorization: str | None, raw: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
        match = _PATH.match(path)
        if match is None:
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != f"Basic {expected}" or match["sid"] != self.account_sid:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if self.fail_with is not None:
            return self.fail_with, {"code": 20500, "message": "Internal Server Error"}
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        to, body = form.get("To", ""), form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        if not _E164.match(to):
            return 400, {
                "code": 21211,
                "message": f"The 'To' number {to} is not a valid phone number.",
                "status": 400,
            }
        if not sender or not body:
            return 400, {"code": 21602, "message": "Message body and sender are required"}
        sid = "SM" + uuid.uuid4().hex
        self.messages.append(Sms(sid=sid, to=to, sender=sender, body=body, form=form))
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": sender,
            "body": body,
            "status": "queued",
        }

    def start(self) -> FakeTwilio:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

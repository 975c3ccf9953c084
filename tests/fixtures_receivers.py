"""Local receivers for delivery tests: an SMTP server (aiosmtpd) and a webhook HTTP server,
both on 127.0.0.1, recording what they receive and answering as told."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpReceiver:
    host: str
    port: int
    mails: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    #: replies for the next DATA commands (e.g. "421 try later"); then "250 OK"
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if self.replies:
            return self.replies.pop(0)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def parsed(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for _f, _t, raw in self.mails]

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "sender": "业财桥 <lb@test.local>",
            "timeout_seconds": 5,
        }


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    from aiosmtpd.controller import Controller

    receiver = SmtpReceiver("127.0.0.1", free_port())
    controller = Controller(receiver, hostname=receiver.host, port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: (status, json reply, headers) for the next requests; then 200 {"errcode": 0, "code": 0}
    replies: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    state: dict[str, WebhookReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            rec = state["r"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urllib.parse.urlsplit(self.path)
            rec.requests.append(
                {
                    "path": parts.path,
                    "query": dict(urllib.parse.parse_qsl(parts.query)),
                    "raw_query": parts.query,
                    "body": json.loads(body.decode("utf-8")),
                    "raw": body,
                }
            )
            status, reply, headers = (
                rec.replies.pop(0) if rec.replies else (200, {"errcode": 0, "code": 0}, {})
            )
            data = json.dumps(reply).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["r"] = WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp_tls_receiver(tmp_path) -> Iterator[tuple[SmtpReceiver, str]]:
    """An SMTP server that requires STARTTLS with a self-signed certificate for 127.0.0.1;
    yields (receiver, path of the certificate to trust)."""
    import shutil
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: no certificate for the TLS test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    receiver = SmtpReceiver("127.0.0.1", free_port())
    controller = Controller(
        receiver, hostname=receiver.host, port=receiver.port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield receiver, str(cert)
    finally:
        controller.stop()

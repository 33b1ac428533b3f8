"""Real local peers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP
endpoint that checks the HMAC signature, records every request, can fail its first N
requests and can stall one until released."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from ladder.delivery.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


# --- SMTP ------------------------------------------------------------------------------


class Mailbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname=HOST, port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Received:
    key: str
    signed: bool
    body: dict[str, Any]
    status: int


@dataclass
class Endpoint:
    """The state the test steers: fail the first ``fail_first`` requests with
    ``fail_status``; stall the first ``stall_first`` until ``release`` is set."""

    secret: str
    port: int = 0
    fail_first: int = 0
    fail_status: int = 503
    stall_first: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hook"

    def keys(self) -> list[str]:
        return [r.key for r in self.requests]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.05)
        return False


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signed = verify_signature(
                secret=endpoint.secret,
                timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
                body=body,
                signature=self.headers.get(SIGNATURE_HEADER, ""),
            )
            with endpoint.lock:
                number = len(endpoint.requests) + 1
                status = 200 if signed else 401
                if signed and number <= endpoint.fail_first:
                    status = endpoint.fail_status
                endpoint.requests.append(
                    Received(
                        self.headers.get(IDEMPOTENCY_HEADER, ""), signed, json.loads(body), status
                    )
                )
            endpoint.arrived.set()
            if number <= endpoint.stall_first:
                endpoint.release.wait(60)
            with suppress(OSError):  # the sender may have died while we stalled
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_endpoint(secret: str) -> Iterator[Endpoint]:
    endpoint = Endpoint(secret=secret)
    server = ThreadingHTTPServer((HOST, 0), _handler(endpoint))
    server.daemon_threads = True
    endpoint.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.release.set()
        server.shutdown()
        server.server_close()

"""Real servers on loopback for the tests and the broadcast benchmark: an SMTP server
(aiosmtpd) that keeps what arrives, counted by Message-ID, and an HTTP server that
records the calls made to it (an SMS provider or a webhook receiver)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Mailbox:
    """What the SMTP server received. Addresses starting with "bounce" are refused with
    550 (the recipient does not exist); with `keep_bodies=False` only Message-IDs are kept
    (the 100 k benchmark)."""

    keep_bodies: bool = True
    messages: list[EmailMessage] = field(default_factory=list)
    ids: Counter[str] = field(default_factory=Counter)
    lock: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        if self.keep_bodies:
            parsed = message_from_bytes(raw, policy=policy.default)
            message_id = str(parsed["Message-ID"] or "")
        else:
            parsed = None
            message_id = _message_id(raw)
        with self.lock:
            self.ids[message_id] += 1
            if parsed is not None:
                self.messages.append(parsed)
            self.lock.notify_all()
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.ids)

    def wait_for_count(self, count: int, timeout: float) -> bool:
        """Wait until `count` distinct Message-IDs have arrived (False at the deadline)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.ids) >= count, timeout=timeout)

    def resends(self) -> int:
        """Arrivals beyond the first per Message-ID."""
        with self.lock:
            return sum(n - 1 for n in self.ids.values())


def _message_id(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            return line[11:].strip().decode("ascii", "replace")
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(mailbox: Mailbox | None = None) -> Iterator[tuple[Mailbox, int]]:
    """Run an SMTP server on 127.0.0.1 (a free port) for the duration: (mailbox, port)."""
    from aiosmtpd.controller import Controller

    mailbox = mailbox or Mailbox()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command otherwise
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    """Check `predicate` until it holds or `timeout` seconds pass (for state another
    process writes, which cannot signal us)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        pause.wait(interval)


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpRecorder:
    """Calls received, and the status to answer with (by default 200; `answers` may map a
    path to a list of statuses used in turn, the last one repeating)."""

    calls: list[Call] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_for(self, path: str) -> int:
        with self.lock:
            statuses = self.answers.get(path)
            if not statuses:
                return 200
            return statuses.pop(0) if len(statuses) > 1 else statuses[0]


@contextmanager
def http_server(recorder: HttpRecorder | None = None) -> Iterator[tuple[HttpRecorder, str]]:
    """Run a recording HTTP server on 127.0.0.1 (a free port): (recorder, base URL)."""
    recorder = recorder if recorder is not None else HttpRecorder()
    calls = recorder

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with calls.lock:
                calls.calls.append(Call(self.path, dict(self.headers.items()), body))
            status = calls.answer_for(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}' if status < 400 else b'{"error": "refused"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Cluster:
    """`manage.py qcluster` started in its own process group, so that SIGKILL reaches the
    whole cluster at once (master, pusher, workers, monitor), as when a machine dies."""

    def __init__(self, *, root: Path, env: dict[str, str], log: Path) -> None:
        self.root, self.env, self.log = root, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=self.root, env=self.env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL the cluster's process group (only the group this object started)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def tail(self, size: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

"""A real SMTP server on loopback (aiosmtpd), for tests that prove email leaves the portal:
the integration tests' app and the browser tests' live server alike."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str, *, count: int = 1) -> list[Message]:
        """The messages to ``address``, once ``count`` have arrived: a live server sends
        after its response has gone, so the browser may be on the next page first."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._sent_to(address)) >= count, timeout=10)
            return self._sent_to(address)

    def _sent_to(self, address: str) -> list[Message]:
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_inbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """``app`` sends its email to a server started here; what it receives is the inbox's."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    state = app.extensions["mail"]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    for name, value in {"server": "127.0.0.1", "port": port, "use_tls": False}.items():
        monkeypatch.setattr(state, name, value)
    monkeypatch.setattr(state, "suppress", False)
    try:
        yield inbox
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()

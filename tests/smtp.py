"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), keeping every message it receives."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """start() -> self; .host, .port; .received lists the messages in the order they arrived; stop()."""

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._handler = _Handler()
        # original_content: the bytes exactly as the client sent them, for parsing as the recipient would.
        self._controller = Controller(self._handler, hostname=self.host, port=self.port, decode_data=False)

    @property
    def received(self) -> list[Received]:
        return self._handler.received

    def start(self) -> "SMTPServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

"""Unguessable tokens: ticket secrets (the QR content), links to orders and offers, order references."""

import re
import secrets

# 24 random bytes = 192 bits from the OS CSPRNG, written as 32 URL-safe characters (QR-friendly, no padding).
TICKET_SECRET_BYTES = 24
TICKET_SECRET_LENGTH = 32
_SECRET_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TICKET_SECRET_LENGTH}}}")
# No 0/O or 1/I: people read references aloud at the door and type them from e-mails.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10


def new_ticket_secret() -> str:
    return secrets.token_urlsafe(TICKET_SECRET_BYTES)


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def is_well_formed_secret(value) -> bool:
    """Whether `value` could be a ticket secret; anything else is refused before touching the database."""
    return isinstance(value, str) and _SECRET_SHAPE.fullmatch(value) is not None

"""The domain error the door's services raise when they refuse a request (not a scan: scans are answered)."""

from events.services.errors import DomainError


class CheckInError(DomainError):
    """A refused door request, with a fixed `code` and a translated `message`.

    Codes: not_found (no such check-in at this door), not_undoable (a refusal, an exit, or an entry followed by an
    exit), nonce_reused (the device's nonce already names a scan at another door).
    """

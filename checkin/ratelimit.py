"""A cap on unknown and invalid codes per device and per user, so ticket secrets cannot be guessed at the door.

Counted in the cache (shared by every worker when it is Redis) in one-minute windows, and a device or user is
stopped once this minute's and the previous minute's misses reach the cap: a burst that straddles the turn of a
minute is caught all the same, and a volunteer who mistypes a few codes never meets it. No library here does
"count only the misses" more simply.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def _limit() -> int:
    return getattr(settings, "CHECKIN_MISSES_PER_MINUTE", 20)


def _keys(*, device: str, user_id, window: int) -> tuple[str, str]:
    # The device id is the page's own random string: hashed so any text makes a valid cache key.
    device_key = hashlib.sha256(device.encode()).hexdigest()[:32]
    return f"checkin:misses:device:{device_key}:{window}", f"checkin:misses:user:{user_id}:{window}"


def _window() -> int:
    return int(time.time() // WINDOW_SECONDS)


def is_limited(*, device: str, user_id) -> bool:
    """Whether this device or this user has had too many misses in the last minute or two (then nothing more is
    scanned)."""
    window = _window()
    current = _keys(device=device, user_id=user_id, window=window)
    previous = _keys(device=device, user_id=user_id, window=window - 1)
    counts = cache.get_many([*current, *previous])
    pairs = zip(current, previous, strict=True)
    return any(counts.get(now, 0) + counts.get(before, 0) >= _limit() for now, before in pairs)


def count_miss(*, device: str, user_id) -> None:
    """Count one unknown or invalid code against the device and the user."""
    for key in _keys(device=device, user_id=user_id, window=_window()):
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)


class DoorLimiter:
    """The cap for one user's requests: asked before each scan, told of each scan recorded."""

    MISSES = frozenset({"unknown", "invalid"})

    def __init__(self, *, user_id):
        self.user_id = user_id

    def blocks(self, *, device: str) -> bool:
        return is_limited(device=device, user_id=self.user_id)

    def record(self, checkin) -> None:
        """Count the scan if it was a miss (a repeated scan was counted the first time)."""
        if checkin.reason in self.MISSES and not getattr(checkin, "repeated", False):
            count_miss(device=checkin.device, user_id=self.user_id)

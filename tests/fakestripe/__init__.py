"""A fake Stripe API server for the tests (see server.py)."""

from tests.fakestripe.server import FakeStripe, parse_form

__all__ = ["FakeStripe", "parse_form"]

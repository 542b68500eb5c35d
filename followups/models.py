"""Models of the followups app (filled in by later work)."""

"""Models of the checkin app (filled in by later work)."""

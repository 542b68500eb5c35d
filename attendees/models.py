"""Models of the attendees app (filled in by later work)."""

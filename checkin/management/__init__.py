"""Management commands of the checkin app."""

"""Writes of the door: doors of an event, and check-ins (each in one transaction, raising CheckinError)."""

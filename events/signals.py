"""What events tells the apps above it, which it must not import (DESIGN: events <- attendees <- ...).

Each signal is sent after the change is committed, with the event's id: a receiver that enqueues a task never
sees a change that rolled back, and its task loads the rows as they are then.
"""

from django.db import transaction
from django.dispatch import Signal

# An organiser cancelled a published event (events.services.cancel_event). Arguments: event_id.
event_cancelled = Signal()

# Places were added to an event: its capacity, or a ticket type's quantity, went up (events.services.update_event,
# update_ticket_type). Arguments: event_id.
places_added = Signal()


def send_on_commit(signal: Signal, *, sender, event_id: int) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, event_id=event_id))

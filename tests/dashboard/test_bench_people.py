"""The people bench's data and helpers, at a size a test can afford (the bench itself is not part of the suite)."""

import os

from attendees.models import Fan, Order, Ticket
from bench import people
from events.models import Community, Event


def test_build_data_makes_the_communities_the_bench_measures(db):
    data = people.build_data(people=40, registrations=12, export_rows=7)

    big = Community.objects.get(slug="people-bench")
    assert Fan.objects.filter(community=big).count() == 40
    assert Event.objects.filter(community=big, status=Event.Status.PUBLISHED).count() == 12
    largest = Event.objects.get(community=big, slug="meetup-11")
    assert Ticket.objects.filter(order__event=largest, order__status=Order.Status.CONFIRMED).count() == 12
    assert Ticket.objects.filter(order__event__community__slug="export-bench").count() == 7
    # Every registration of the big community belongs to one of its people, and the counters agree with them.
    assert not Ticket.objects.filter(order__event__community=big, fan__isnull=True).exists()
    fan = Fan.objects.filter(community=big).order_by("pk").first()
    attended = Ticket.objects.filter(fan=fan, checked_in_at__isnull=False).count()
    assert (fan.events_registered, fan.events_attended) == (Ticket.objects.filter(fan=fan).count(), attended)
    assert data["cookie"].startswith("sessionid=") and "; csrftoken=" in data["cookie"]
    assert data["big"]["dashboard"]["path"] == "/manage/people-bench/dashboard/"
    assert data["big"]["dashboard"]["status"] == data["small"]["dashboard"]["status"] == 200
    # The second request, rendered: the database's version (for the page cache), then the page's 6 queries, its
    # ticket figures and curves from the cache (8 on a first read).
    assert data["big"]["dashboard"]["queries"] == data["small"]["dashboard"]["queries"] == 7


def test_rss_of_this_process_is_read_from_proc_and_zero_for_a_process_that_is_gone():
    assert people.rss_mb(os.getpid()) > 1
    assert people.rss_mb(2**22 + 1) == 0.0

"""The people pages: permission matrix, search, filters, sorts, query counts, the fan page and its forms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Fan, Tag
from attendees.services.fans import fold
from events.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.fans.conftest import make_event


def person(community, email, name, *, registered=1, attended=0, no_shows=0, days_ago=1, **fields):
    fan = Fan(community=community, email=email, name=name, events_registered=registered, events_attended=attended,
              no_shows=no_shows, last_seen_at=timezone.now() - dt.timedelta(days=days_ago), **fields)  # fmt: skip
    fan.search_text = fold(f"{name} {email}")
    fan.save()
    return fan


def names(response) -> list[str]:
    return [f.name for f in response.context["page"].object_list]


def people_url(community, **params):
    from django.utils.http import urlencode

    url = reverse("fans:people", kwargs={"community": community.slug})
    return f"{url}?{urlencode(params)}" if params else url


@pytest.fixture
def crowd(community):
    return {
        "zoe": person(community, "zoe@acme.com", "Zoé Durand", registered=5, attended=4, no_shows=1, days_ago=3),
        "bob": person(community, "bob@example.com", "Bob Martin", registered=1, attended=1, days_ago=1),
        "eve": person(community, "eve@example.com", "Ève Leroy", registered=3, attended=3, days_ago=10),
        "new": person(community, "new@example.com", "Nina New", registered=1, attended=0, days_ago=0),
    }


# Permissions ---------------------------------------------------------------------------------------------------


def _urls(fan, tag):
    kw = {"community": fan.community.slug, "fan": fan.pk}
    return [
        ("get", reverse("fans:people", kwargs={"community": fan.community.slug}), {}),
        ("get", reverse("fans:fan", kwargs=kw), {}),
        ("post", reverse("fans:fan_note", kwargs=kw), {"note": "changed"}),
        ("post", reverse("fans:fan_tag_add", kwargs=kw), {"tag": "new tag"}),
        ("post", reverse("fans:fan_tag_remove", kwargs={**kw, "tag": tag.pk}), {}),
        ("post", reverse("fans:fan_flag", kwargs=kw), {"reason": "changed"}),
        ("post", reverse("fans:fan_unflag", kwargs=kw), {}),
        ("get", reverse("fans:fan_erase", kwargs=kw), {}),
        ("post", reverse("fans:fan_erase", kwargs=kw), {}),
        ("get", reverse("fans:fan_export_json", kwargs=kw), {}),
        ("get", reverse("fans:fan_export_csv", kwargs=kw), {}),
    ]


def _snapshot(fan):
    fan.refresh_from_db()
    tags = sorted(fan.tags.values_list("name", flat=True))
    return (fan.note, fan.flagged, fan.flag_reason, fan.email, fan.erased_at, tags)


@pytest.mark.parametrize("who", ["other_organiser", "volunteer", "anonymous"])
def test_nobody_but_the_communitys_organisers_reaches_the_people_pages(client, community, who):
    fan = person(community, "ada@example.com", "Ada", note="kept", flagged=True, flag_reason="kept")
    tag = Tag.objects.create(community=community, name="speaker")
    fan.tags.add(tag)
    before = _snapshot(fan)
    if who == "other_organiser":
        client.force_login(MembershipFactory(community=CommunityFactory()).user)
    elif who == "volunteer":
        client.force_login(MembershipFactory(community=community, role=Membership.Role.VOLUNTEER).user)

    answers = [getattr(client, method)(url, data) for method, url, data in _urls(fan, tag)]

    if who == "anonymous":
        assert [(r.status_code, r["Location"].split("?")[0]) for r in answers] == [(302, "/accounts/login/")] * 11
    else:
        assert [r.status_code for r in answers] == [403] * 11
    assert _snapshot(fan) == before


def test_an_organiser_cannot_reach_another_communitys_fan_through_their_own_community(client, community):
    stranger = person(CommunityFactory(), "x@example.com", "Stranger", note="theirs")
    client.force_login(MembershipFactory(community=community).user)
    kw = {"community": community.slug, "fan": stranger.pk}

    answers = [
        client.get(reverse("fans:fan", kwargs=kw)).status_code,
        client.post(reverse("fans:fan_note", kwargs=kw), {"note": "mine"}).status_code,
        client.get(reverse("fans:fan_export_json", kwargs=kw)).status_code,
        client.get(reverse("fans:fan", kwargs={**kw, "fan": 2**63})).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    stranger.refresh_from_db()
    assert stranger.note == "theirs"


def test_the_organiser_reaches_every_url(organiser_client, community):
    fan = person(community, "ada@example.com", "Ada")
    tag = Tag.objects.create(community=community, name="speaker")

    answers = [getattr(organiser_client, m)(url, data).status_code for m, url, data in _urls(fan, tag)]

    assert answers == [200, 200, 302, 302, 302, 302, 302, 200, 302, 200, 200]
    fan.refresh_from_db()
    assert fan.erased_at is not None


# The people page -----------------------------------------------------------------------------------------------


def test_people_page_lists_the_community_only_last_seen_first(organiser_client, community, crowd):
    person(CommunityFactory(), "zoe@acme.com", "Zoé elsewhere")

    response = organiser_client.get(people_url(community))

    assert names(response) == ["Nina New", "Bob Martin", "Zoé Durand", "Ève Leroy"]
    assert response.context["page"].paginator.count == 4
    assert "zoe@acme.com" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zoe", ["Zoé Durand"]),
        ("ZOÉ", ["Zoé Durand"]),
        ("eve leroy", ["Ève Leroy"]),
        ("acme.com", ["Zoé Durand"]),
        ("@example.com", ["Nina New", "Bob Martin", "Ève Leroy"]),
        ("nobody", []),
        ("%", []),
        ("_", []),
    ],
)
def test_people_search_ignores_accents_and_case(organiser_client, community, crowd, query, expected):
    assert names(organiser_client.get(people_url(community, q=query))) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("attended", ["Zoé Durand", "Ève Leroy", "Bob Martin", "Nina New"]),
        ("registered", ["Zoé Durand", "Ève Leroy", "Bob Martin", "Nina New"]),
        ("no_shows", ["Zoé Durand", "Bob Martin", "Nina New", "Ève Leroy"]),
        ("name", ["Bob Martin", "Nina New", "Zoé Durand", "Ève Leroy"]),
        ("last_seen", ["Nina New", "Bob Martin", "Zoé Durand", "Ève Leroy"]),
        ("nonsense", ["Nina New", "Bob Martin", "Zoé Durand", "Ève Leroy"]),
    ],
)
def test_people_sorts(organiser_client, community, crowd, sort, expected):
    assert names(organiser_client.get(people_url(community, sort=sort))) == expected


def test_people_filters_combine(organiser_client, community, crowd, organiser):
    from attendees.services.fans import flag_fan, tag_fans

    tag = tag_fans(community=community, fan_ids=[crowd["zoe"].pk, crowd["bob"].pk], tag_name="speaker",
                   by=organiser).tag  # fmt: skip
    flag_fan(fan=crowd["bob"], reason="Rude", by=organiser)
    Fan.objects.filter(pk=crowd["eve"].pk).update(marketing_consent=True)

    def shown(**params):
        return names(organiser_client.get(people_url(community, **params)))

    assert shown(show="first_timers") == ["Nina New", "Bob Martin"]
    assert shown(show="regulars", sort="attended") == ["Zoé Durand", "Ève Leroy"]
    assert shown(show="flagged") == ["Bob Martin"]
    assert shown(show="consenting") == ["Ève Leroy"]
    assert shown(tag=tag.pk) == ["Bob Martin", "Zoé Durand"]
    assert shown(tag=tag.pk, show="first_timers") == ["Bob Martin"]
    assert shown(tag=tag.pk, q="zoe") == ["Zoé Durand"]
    # Bad values are ignored one by one, never a 500.
    assert shown(tag="abc", show="everyone", page="x") == ["Nina New", "Bob Martin", "Zoé Durand", "Ève Leroy"]
    assert shown(tag=999999) == ["Nina New", "Bob Martin", "Zoé Durand", "Ève Leroy"]


def test_people_pages_keep_the_filters(organiser_client, community, settings):
    from attendees import views_fans

    for n in range(views_fans.PEOPLE_PER_PAGE + 1):
        person(community, f"p{n:02d}@example.com", f"Person {n:02d}", days_ago=n)

    first = organiser_client.get(people_url(community, q="person", sort="name"))
    second = organiser_client.get(people_url(community, q="person", sort="name", page=2))

    assert len(names(first)) == views_fans.PEOPLE_PER_PAGE
    assert names(second) == [f"Person {views_fans.PEOPLE_PER_PAGE:02d}"]
    assert 'href="?q=person&amp;sort=name&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("rows", [1, 3])
def test_people_page_costs_eight_queries_whatever_the_rows(client, community, rows, django_assert_num_queries):
    organiser = MembershipFactory(community=community).user
    tag = Tag.objects.create(community=community, name="speaker")
    for n in range(rows):
        person(community, f"p{n}@example.com", f"Person {n}").tags.add(tag)
    client.force_login(organiser)

    # Session, user, community with the organiser's role, tags of the filter, count, the page, its tags.
    with django_assert_num_queries(7):
        response = client.get(people_url(community, sort="attended"))

    assert len(names(response)) == rows


# The fan page --------------------------------------------------------------------------------------------------


@pytest.fixture
def history(community, register):
    """Ada: registered to a past event and came (door "Main"), missed another, cancelled a third, waits for a fourth."""
    from attendees.models import Order, Ticket
    from attendees.services import cancel_order
    from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory

    now = timezone.now().replace(microsecond=0)
    came = make_event(community, days=-20, title="Came")
    missed = make_event(community, days=-10, title="Missed")
    for event, checked in ((came, True), (missed, False)):
        start = now - dt.timedelta(days=5 if checked else 2)
        type(event).objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=2))
        event.refresh_from_db()
        order = OrderFactory(event=event, buyer_email="ada@example.com", buyer_name="Ada Lovelace",
                             created_at=event.start - dt.timedelta(days=7))  # fmt: skip
        TicketFactory(order=order, ticket_type=event.ticket_types.get(), holder_name="Ada Lovelace",
                      holder_email="ada@example.com")  # fmt: skip
    cancelled_order = register(make_event(community, title="Cancelled"), "ada@example.com")
    cancel_order(order=cancelled_order)
    full = make_event(community, days=30, title="Full")
    WaitingListEntryFactory(event=full, email="ada@example.com", name="Ada Lovelace", quantity=2)
    ticket = Ticket.objects.get(order__event=came)
    _check_in(ticket, at=came.start + dt.timedelta(minutes=10))
    from attendees.services.fans import link_community

    link_community(community_id=community.pk)
    return Fan.objects.get(email="ada@example.com"), Order


def _check_in(ticket, *, at):
    """A door's admission, written as checkin.services would (rows by the reverse relation's model)."""
    checkin_model = type(ticket)._meta.get_field("checkins").related_model
    door_model = checkin_model._meta.get_field("door").related_model
    door = door_model.objects.create(event=ticket.order.event, name="Main")
    checkin_model.objects.create(event=ticket.order.event, door=door, ticket=ticket, successful=True, scanned_at=at,
                                 device="phone-1", nonce=f"n{ticket.pk}")  # fmt: skip
    type(ticket).objects.filter(pk=ticket.pk).update(checked_in_at=at)


def test_fan_page_shows_the_timeline_latest_first(organiser_client, community, history):
    fan, _order = history

    response = organiser_client.get(reverse("fans:fan", kwargs={"community": community.slug, "fan": fan.pk}))

    timeline = [(m.kind, m.event.title, m.detail) for m in response.context["timeline"]]
    assert timeline == [
        ("waiting", "Full", ""),
        ("cancelled", "Cancelled", "Cancelled"),
        ("registered", "Cancelled", "Standard"),
        ("no_show", "Missed", ""),
        ("checked_in", "Came", "Main"),
        ("registered", "Missed", "Standard"),
        ("registered", "Came", "Standard"),
    ]
    assert (fan.events_registered, fan.events_attended, fan.no_shows) == (2, 1, 1)
    page = response.content.decode()
    assert "Joined the waiting list (2 places)" in page
    assert "door “Main”" in page


@pytest.mark.parametrize("events", [1, 3])
def test_fan_page_costs_a_constant_number_of_queries(client, community, events, django_assert_num_queries):
    from tests.attendees.factories import OrderFactory, TicketFactory

    organiser = MembershipFactory(community=community).user
    for n in range(events):
        event = make_event(community, days=n + 1, title=f"E{n}")
        order = OrderFactory(event=event, buyer_email="ada@example.com")
        TicketFactory(order=order, ticket_type=event.ticket_types.get(), holder_email="ada@example.com")
    from attendees.services.fans import link_community

    link_community(community_id=community.pk)
    fan = Fan.objects.get()
    fan.tags.add(Tag.objects.create(community=community, name="speaker"))
    client.force_login(organiser)

    # Session, user, community with the organiser's role, fan; its tags; orders, tickets, their check-ins, waiting
    # lists; the community's tags (for the tag box).
    with django_assert_num_queries(10):
        response = client.get(reverse("fans:fan", kwargs={"community": community.slug, "fan": fan.pk}))

    assert len(response.context["timeline"]) == events


def test_note_tag_and_flag_from_the_fan_page(organiser_client, community, organiser):
    fan = person(community, "ada@example.com", "Ada")
    kw = {"community": community.slug, "fan": fan.pk}

    organiser_client.post(reverse("fans:fan_note", kwargs=kw), {"note": "  Gave a great talk  "})
    organiser_client.post(reverse("fans:fan_tag_add", kwargs=kw), {"tag": "Speaker"})
    organiser_client.post(reverse("fans:fan_tag_add", kwargs=kw), {"tag": "speaker"})  # the same tag
    organiser_client.post(reverse("fans:fan_flag", kwargs=kw), {"reason": "Shouted at a volunteer"})
    page = organiser_client.get(reverse("fans:fan", kwargs=kw)).content.decode()

    fan.refresh_from_db()
    assert (fan.note, list(fan.tags.values_list("name", flat=True))) == ("Gave a great talk", ["Speaker"])
    assert (fan.flagged, fan.flag_reason, fan.flagged_by) == (True, "Shouted at a volunteer", organiser)
    assert "Shouted at a volunteer" in page

    tag = fan.tags.get()
    organiser_client.post(reverse("fans:fan_tag_remove", kwargs={**kw, "tag": tag.pk}))
    organiser_client.post(reverse("fans:fan_unflag", kwargs=kw))
    fan.refresh_from_db()
    assert (list(fan.tags.all()), fan.flagged, fan.flag_reason) == ([], False, "")
    assert Tag.objects.filter(community=community).count() == 1  # the tag stays for others


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("fan_flag", {"reason": "   "}, "This field is required."),
        ("fan_flag", {}, "This field is required."),
        ("fan_tag_add", {"tag": "x" * 51}, "Ensure this value has at most 50 characters (it has 51)."),
        ("fan_tag_add", {"tag": "   "}, "This field is required."),
        ("fan_note", {"note": "x" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_bad_input_on_the_fan_page_says_why_and_changes_nothing(organiser_client, community, action, data, message):
    fan = person(community, "ada@example.com", "Ada", note="kept")
    before = _snapshot(fan)

    response = organiser_client.post(reverse(f"fans:{action}", kwargs={"community": community.slug, "fan": fan.pk}),
                                     data)  # fmt: skip

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot(fan) == before
    assert Tag.objects.count() == 0


def test_removing_a_tag_of_another_community_changes_nothing(organiser_client, community):
    fan = person(community, "ada@example.com", "Ada")
    theirs = Tag.objects.create(community=CommunityFactory(), name="vip")

    response = organiser_client.post(
        reverse("fans:fan_tag_remove", kwargs={"community": community.slug, "fan": fan.pk, "tag": theirs.pk})
    )

    assert (response.status_code, Tag.objects.filter(pk=theirs.pk).exists()) == (302, True)


def test_get_on_a_post_only_url_changes_nothing(organiser_client, community):
    fan = person(community, "ada@example.com", "Ada")

    response = organiser_client.get(reverse("fans:fan_flag", kwargs={"community": community.slug, "fan": fan.pk}))

    fan.refresh_from_db()
    assert (response.status_code, fan.flagged) == (405, False)


def test_community_tabs_link_to_the_people_page(organiser_client, community):
    page = organiser_client.get(reverse("manage:community", kwargs={"community": community.slug})).content.decode()

    assert f'href="{people_url(community)}"' in page


def test_a_volunteer_with_an_account_has_no_people_tab_to_follow(client, community):
    volunteer = UserFactory()
    MembershipFactory(community=community, user=volunteer, role=Membership.Role.VOLUNTEER)
    client.force_login(volunteer)

    assert client.get(people_url(community)).status_code == 403

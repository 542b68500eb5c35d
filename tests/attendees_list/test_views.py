"""The attendee list page: who may see it, what it shows, the filters in the address, htmx, bad input, queries."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Membership
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.attendees_list.conftest import EVERYONE
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(event, name="attendees", query=""):
    address = reverse(f"attendees_list:{name}", kwargs={"community": event.community.slug, "event": event.slug})
    return f"{address}?{query}" if query else address


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def row_names(response) -> list[str]:
    return [html.unescape(name) for name in re.findall(r'<td class="al-who"><strong[^>]*>([^<]+)</strong>',
                                                       response.content.decode())]  # fmt: skip


# Who may see it

ALL_URLS = ["attendees", "export", "door_list"]


@pytest.mark.parametrize("name", ALL_URLS)
def test_anonymous_visitors_are_asked_to_log_in(client, crowd, name):
    response = client.get(url(crowd.event, name))

    assert (response.status_code, response.url.split("?")[0]) == (302, reverse("account_login"))


@pytest.mark.parametrize("name", ALL_URLS)
def test_volunteers_are_refused(client, volunteer, crowd, name):
    client.force_login(volunteer)

    response = client.get(url(crowd.event, name))

    assert response.status_code == 403
    assert b"Ada Lovelace" not in response.content


@pytest.mark.parametrize("name", ALL_URLS)
def test_organisers_of_another_community_are_refused(client, crowd, name):
    client.force_login(MembershipFactory(community=CommunityFactory()).user)

    response = client.get(url(crowd.event, name))

    assert response.status_code == 403
    assert b"Ada Lovelace" not in response.content


def test_an_event_of_another_community_is_not_found_under_mine(organiser_client, crowd):
    other = EventFactory()
    TicketFactory(order=OrderFactory(event=other), holder_name="Secret Person")
    address = reverse("attendees_list:attendees", kwargs={"community": crowd.event.community.slug, "event": other.slug})

    response = organiser_client.get(address)

    assert response.status_code == 404
    assert b"Secret Person" not in response.content


def test_bulk_is_refused_to_volunteers_and_changes_nothing(client, volunteer, crowd):
    client.force_login(volunteer)

    response = client.post(
        url(crowd.event, "bulk"), {"action": "cancel", "scope": "all", "query": "", "confirmed": "1", "expected": "2"}
    )

    assert response.status_code == 403
    assert crowd.tickets["ada"].order.__class__.objects.get(pk=crowd.tickets["ada"].order_id).status == "confirmed"


def test_bulk_answers_only_post(organiser_client, crowd):
    assert organiser_client.get(url(crowd.event, "bulk")).status_code == 405


# What it shows


def test_page_lists_everyone_with_counts_and_links(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event))

    page = text(response)
    assert row_names(response) == EVERYONE
    assert "Registered 2 + 2 pending Checked in 2 No-shows After the event Waiting list 2 Revenue €20.00" in page
    assert "9 rows" in page
    assert "Main door" in page and "Gives the opening talk" in page and "Waiting list: offered a place" in page
    assert f'href="{url(crowd.event, "export")}"' in response.content.decode()


def test_filters_in_the_address_apply_and_stay_in_the_links(organiser_client, crowd):
    response = organiser_client.get(
        url(crowd.event, query="q=acme&status=confirmed&status=pending_approval&sort=-name")
    )

    assert row_names(response) == ["Zoé Zhang", "Ada Lovelace"]
    assert response.context["query"] == "q=acme&status=confirmed&status=pending_approval&sort=-name"
    content = response.content.decode()
    export = url(crowd.event, "export", "q=acme&amp;status=confirmed&amp;status=pending_approval&amp;sort=-name")
    assert f'href="{export}"' in content
    assert 'value="q=acme&amp;status=confirmed&amp;status=pending_approval&amp;sort=-name"' in content  # bulk form


def test_answer_and_tag_filters_from_the_address(organiser_client, crowd):
    query = f"answer={crowd.diet.pk}%3DNo+nuts&tag={crowd.speaker.pk}"

    response = organiser_client.get(url(crowd.event, query=query))

    assert row_names(response) == ["Ada Lovelace"]


def test_htmx_request_gets_only_the_results_and_the_clean_address(organiser_client, crowd):
    response = organiser_client.get(
        url(crowd.event, query="q=ivan&ticket_type=&checked_in=&answer=&tag=&history=&sort=name"),
        HTTP_HX_REQUEST="true",
    )

    assert row_names(response) == ["Ivan Ivanov"]
    assert response.context["ignored"] == []  # empty fields are no filter, not a wrong one
    assert "<html" not in response.content.decode()
    assert 'id="al-sort" value="name" hx-swap-oob="true"' in response.content.decode()
    assert response["HX-Push-Url"] == url(crowd.event, query="q=ivan")
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in response.content.decode()


def test_pages_of_fifty(organiser_client, community):
    event = EventFactory(community=community)
    ticket_type = TicketTypeFactory(event=event)
    for number in range(52):
        TicketFactory(order=OrderFactory(event=event), ticket_type=ticket_type, holder_name=f"Person {number:02d}")

    first = organiser_client.get(url(event))
    second = organiser_client.get(url(event, query="sort=-name&page=2"), HTTP_HX_REQUEST="true")

    assert len(row_names(first)) == 50
    assert row_names(second) == ["Person 01", "Person 00"]
    assert second["HX-Push-Url"] == url(event, query="sort=-name&page=2")
    assert "Page 2 of 2" in text(second)
    assert "52 rows" in text(first) and "Page 1 of 2" in text(first)  # the whole page counts with the figures
    assert "52 rows" in text(second)  # the results alone count the rows themselves


def test_a_search_pages_and_counts_its_matches(organiser_client, community):
    event = EventFactory(community=community)
    ticket_type = TicketTypeFactory(event=event)
    for number in range(121):
        name = f"Zoé {number:03d}" if number % 2 else f"Other {number:03d}"
        TicketFactory(order=OrderFactory(event=event), ticket_type=ticket_type, holder_name=name)
    zoes = [f"Zoé {number:03d}" for number in range(121) if number % 2]

    first = organiser_client.get(url(event, query="q=zoe"), HTTP_HX_REQUEST="true")
    second = organiser_client.get(url(event, query="q=zoe&page=2"), HTTP_HX_REQUEST="true")
    backwards = organiser_client.get(url(event, query="q=zoe&sort=-name"), HTTP_HX_REQUEST="true")
    beyond = organiser_client.get(url(event, query="q=zoe&page=9"), HTTP_HX_REQUEST="true")

    assert row_names(first) == zoes[:50]
    assert "60 rows" in text(first) and "Page 1 of 2" in text(first)
    assert row_names(second) == zoes[50:]
    assert row_names(backwards) == zoes[::-1][:50]
    assert row_names(beyond) == zoes[50:]  # a page past the end shows the last one


def test_whole_page_counts_the_rows_as_the_results_do(organiser_client, crowd):
    whole = organiser_client.get(url(crowd.event))
    results = organiser_client.get(url(crowd.event), HTTP_HX_REQUEST="true")
    filtered = organiser_client.get(url(crowd.event, query="status=waiting"))

    assert whole.context["page"].paginator.count == results.context["page"].paginator.count == 9
    assert "9 rows" in text(whole)
    assert "2 rows match the filters" in text(filtered)


# Bad input in the address: a clear message or ignored, never a 500


@pytest.mark.parametrize(
    ("query", "ignored"),
    [
        ("status=bogus", "Status"),
        ("ticket_type=abc", "Ticket type"),
        ("ticket_type=99999999999999999999999", "Ticket type"),
        ("tag=-1", "Tag"),
        ("answer=1%3Dnothing", "Answer"),
        ("checked_in=maybe", "Check-in"),
        ("history=always", "First time or back"),
        ("q=" + "x" * 201, "Search"),
    ],
)
def test_bad_filters_are_left_out_with_a_message(organiser_client, crowd, query, ignored):
    response = organiser_client.get(url(crowd.event, query=query))

    assert response.status_code == 200
    assert f"Some filters in the address did not fit this event and are left out: {ignored}." in text(response)
    assert len(row_names(response)) == 9


@pytest.mark.parametrize("page", ["999999999", "abc", "-3", "0", "1e9", "99999999999999999999999999"])
def test_odd_page_numbers_show_a_page(organiser_client, crowd, page):
    response = organiser_client.get(url(crowd.event, query=f"page={page}"))

    assert response.status_code == 200
    assert len(row_names(response)) == 9


def test_sort_that_is_not_a_column_is_ignored(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event, query="sort=password"))

    assert row_names(response)[0] == "Ada Lovelace"


def test_unknown_event_is_not_found(organiser_client, crowd):
    address = reverse("attendees_list:attendees", kwargs={"community": crowd.event.community.slug, "event": "nope"})

    assert organiser_client.get(address).status_code == 404


# Queries: the same number for 1 and 3 rows


def _people(community, count):
    event = EventFactory(community=community)
    ticket_type = TicketTypeFactory(event=event)
    for number in range(count):
        TicketFactory(order=OrderFactory(event=event), ticket_type=ticket_type, holder_name=f"Person {number}")
    return event


@pytest.mark.parametrize("count", [1, 3])
def test_page_queries_do_not_grow_with_rows(organiser_client, community, count):
    event = _people(community, count)

    with CaptureQueriesContext(connection) as queries:
        response = organiser_client.get(url(event))

    assert len(row_names(response)) == count
    # session, user, the access check (narrow: what a page from the cache costs), the event with its community and
    # the organiser's role, ticket types, tags, questions, counts (2, the rows' count among them), page, tickets,
    # answers, fans: explain any new query
    assert len(queries) == 13, "\n".join(q["sql"] for q in queries)


@pytest.mark.parametrize("count", [1, 3])
def test_htmx_results_queries_do_not_grow_with_rows(organiser_client, community, count):
    event = _people(community, count)

    with CaptureQueriesContext(connection) as queries:
        response = organiser_client.get(url(event, query="q=person&checked_in=no"), HTTP_HX_REQUEST="true")

    assert len(row_names(response)) == count
    # As the page, without the counts and the rows' count: a search's matches are read once, then the page's rows.
    assert len(queries) == 11, "\n".join(q["sql"] for q in queries)


@pytest.mark.parametrize("count", [1, 3])
def test_export_queries_do_not_grow_with_rows(organiser_client, community, count):
    event = _people(community, count)

    with CaptureQueriesContext(connection) as queries:
        response = organiser_client.get(url(event, "export"))
        lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) == count + 1
    assert len(queries) == 10, "\n".join(q["sql"] for q in queries)


def test_links_from_the_event_page_and_the_registrations_page(organiser_client, crowd):
    event_page = organiser_client.get(
        reverse("manage:event", kwargs={"community": crowd.event.community.slug, "event": crowd.event.slug})
    )
    registrations = organiser_client.get(
        reverse(
            "attendees_manage:registrations",
            kwargs={"community": crowd.event.community.slug, "event": crowd.event.slug},
        )
    )

    assert f'href="{url(crowd.event)}"' in event_page.content.decode()
    assert f'href="{url(crowd.event)}"' in registrations.content.decode()


def test_organiser_added_later_sees_the_page_too(client, crowd):
    user = UserFactory()
    MembershipFactory(community=crowd.event.community, user=user, role=Membership.Role.ORGANISER)
    client.force_login(user)

    assert len(row_names(client.get(url(crowd.event)))) == 9

"""Tests for the organiser pages: content, permissions, bad input, and what each form changes."""

import datetime as dt
import html
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events.models import Community, Event, Invitation, Membership, Series, TicketType, Venue
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
)

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def h1(response) -> str:
    [title] = re.findall(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", title)).strip()


def field_errors(response, form="form") -> dict:
    return {name: list(errors) for name, errors in response.context[form].errors.items()}


def png_upload(size=(400, 200), name="cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def world(community, organiser, volunteer):
    """One of everything in the community, for the permission matrix."""
    venue = VenueFactory(community=community)
    event = EventFactory(community=community, venue=venue, slug="rust-night", title="Rust night")
    ticket_type = TicketTypeFactory(event=event)
    invitation = Invitation.objects.create(
        community=community, email="x@example.org", role="volunteer", token="secret-token-0123456789"
    )
    return {
        "community": community,
        "venue": venue,
        "event": event,
        "ticket_type": ticket_type,
        "invitation": invitation,
        "membership": Membership.objects.get(user=volunteer),
    }


def organiser_get_urls(w) -> dict[str, str]:
    c, e = w["community"].slug, w["event"].slug
    return {
        "community": reverse("manage:community", args=[c]),
        "community_edit": reverse("manage:community_edit", args=[c]),
        "members": reverse("manage:members", args=[c]),
        "member_remove": reverse("manage:member_remove", args=[c, w["membership"].pk]),
        "venues": reverse("manage:venues", args=[c]),
        "venue_create": reverse("manage:venue_create", args=[c]),
        "venue_edit": reverse("manage:venue_edit", args=[c, w["venue"].pk]),
        "venue_delete": reverse("manage:venue_delete", args=[c, w["venue"].pk]),
        "event_create": reverse("manage:event_create", args=[c]),
        "event": reverse("manage:event", args=[c, e]),
        "event_edit": reverse("manage:event_edit", args=[c, e]),
        "event_publish": reverse("manage:event_publish", args=[c, e]),
        "event_unpublish": reverse("manage:event_unpublish", args=[c, e]),
        "event_cancel": reverse("manage:event_cancel", args=[c, e]),
        "event_delete": reverse("manage:event_delete", args=[c, e]),
        "event_repeat": reverse("manage:event_repeat", args=[c, e]),
        "ticket_type_create": reverse("manage:ticket_type_create", args=[c, e]),
        "ticket_type_edit": reverse("manage:ticket_type_edit", args=[c, e, w["ticket_type"].pk]),
        "ticket_type_delete": reverse("manage:ticket_type_delete", args=[c, e, w["ticket_type"].pk]),
    }


def organiser_post_only_urls(w) -> dict[str, str]:
    c, e = w["community"].slug, w["event"].slug
    return {
        "member_role": reverse("manage:member_role", args=[c, w["membership"].pk]),
        "invitation_revoke": reverse("manage:invitation_revoke", args=[c, w["invitation"].pk]),
        "ticket_type_move": reverse("manage:ticket_type_move", args=[c, e, w["ticket_type"].pk]),
    }


GET_PAGES = [
    "community",
    "community_edit",
    "members",
    "member_remove",
    "venues",
    "venue_create",
    "venue_edit",
    "venue_delete",
    "event_create",
    "event",
    "event_edit",
    "event_publish",
    "event_unpublish",
    "event_cancel",
    "event_delete",
    "event_repeat",
    "ticket_type_create",
    "ticket_type_edit",
    "ticket_type_delete",
]
POST_ONLY = ["member_role", "invitation_revoke", "ticket_type_move"]
EXPECTED_TITLES = {
    "community": "Events",
    "community_edit": "Community settings",
    "members": "Members",
    "member_remove": "Remove {volunteer}?",
    "venues": "Venues",
    "venue_create": "Add a venue",
    "venue_edit": "Edit “La Cantine”",
    "venue_delete": "Delete the venue “La Cantine”?",
    "event_create": "New event",
    "event": "Rust night",
    "event_edit": "Edit “Rust night”",
    "event_publish": "Publish “Rust night”?",
    "event_unpublish": "Take “Rust night” back to draft?",
    "event_cancel": "Cancel “Rust night”?",
    "event_delete": "Delete the draft “Rust night”?",
    "event_repeat": "Repeat “Rust night”",
    "ticket_type_create": "Add a ticket type",
    "ticket_type_edit": "Edit “General admission”",
    "ticket_type_delete": "Delete the ticket type “General admission”?",
}


# Permission matrix


@pytest.mark.parametrize("page", GET_PAGES)
def test_organiser_pages_open_for_the_community_organiser(client, world, organiser, volunteer, page):
    response = login(client, organiser).get(organiser_get_urls(world)[page])

    assert response.status_code == 200
    assert h1(response) == EXPECTED_TITLES[page].format(volunteer=volunteer.email)


@pytest.mark.parametrize("page", GET_PAGES + POST_ONLY)
def test_organiser_pages_send_anonymous_visitors_to_login(client, world, page):
    url = organiser_get_urls(world).get(page) or organiser_post_only_urls(world)[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("page", GET_PAGES)
@pytest.mark.parametrize("who", ["outsider", "volunteer", "other_organiser"])
def test_organiser_pages_refuse_everyone_else(client, world, volunteer, page, who):
    user = {
        "outsider": UserFactory,
        "volunteer": lambda: volunteer,
        "other_organiser": lambda: MembershipFactory().user,
    }[who]()

    response = login(client, user).get(organiser_get_urls(world)[page])

    assert response.status_code == 403
    assert h1(response) == "This page is for the community's organisers"


@pytest.mark.parametrize("page", POST_ONLY)
def test_organiser_post_actions_refuse_a_volunteer_and_change_nothing(client, world, volunteer, page):
    before = (
        list(Membership.objects.values_list("pk", "role")),
        list(Invitation.objects.values_list("pk")),
        list(TicketType.objects.values_list("pk", "position")),
    )

    response = login(client, volunteer).post(
        organiser_post_only_urls(world)[page], {f"m{world['membership'].pk}-role": "organiser", "direction": "up"}
    )

    assert response.status_code == 403
    assert before == (
        list(Membership.objects.values_list("pk", "role")),
        list(Invitation.objects.values_list("pk")),
        list(TicketType.objects.values_list("pk", "position")),
    )


@pytest.mark.parametrize("page", POST_ONLY)
def test_organiser_post_actions_refuse_get(client, world, organiser, page):
    response = login(client, organiser).get(organiser_post_only_urls(world)[page])

    assert response.status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/manage/nope/",
        "/manage/nope/members/",
        "/manage/{c}/events/nope/",
        "/manage/{c}/events/nope/edit/",
        "/manage/{c}/venues/999999/edit/",
        "/manage/{c}/events/{e}/tickets/999999/edit/",
        "/manage/{c}/members/999999/remove/",
    ],
)
def test_unknown_slugs_and_ids_answer_404(client, world, organiser, url):
    response = login(client, organiser).get(url.format(c=world["community"].slug, e=world["event"].slug))

    assert response.status_code == 404
    assert h1(response) == "We could not find that page"


def test_ids_of_another_community_answer_404(client, world, organiser):
    foreign_venue = VenueFactory()
    foreign_ticket = TicketTypeFactory()
    c = world["community"].slug

    responses = [
        login(client, organiser).get(reverse("manage:venue_edit", args=[c, foreign_venue.pk])),
        client.get(reverse("manage:ticket_type_edit", args=[c, world["event"].slug, foreign_ticket.pk])),
        client.post(reverse("manage:venue_delete", args=[c, foreign_venue.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert Venue.objects.filter(pk=foreign_venue.pk).exists()


# Home


def test_home_lists_the_user_communities_with_their_role(client, organiser, community):
    other = CommunityFactory(name="Aardvark club", slug="aardvark")
    MembershipFactory(community=other, user=organiser, role="volunteer")
    EventFactory(community=community)

    response = login(client, organiser).get(reverse("manage:home"))

    page = text(response)
    assert [c.name for c in response.context["communities"]] == ["Aardvark club", community.name]
    assert f'href="{reverse("manage:community", args=[community.slug])}"' in page
    assert f'href="{reverse("manage:community", args=["aardvark"])}"' not in page  # volunteers get no organiser link
    assert "1 upcoming event" in page
    assert "Create a community" in page


def test_home_shows_a_welcome_for_a_new_user(client, user):
    response = login(client, user).get(reverse("manage:home"))

    assert "Start your community" in text(response)
    assert response.context["communities"] == []


@pytest.mark.parametrize("rows", [1, 3])
def test_home_costs_a_fixed_number_of_queries(client, user, rows, django_assert_num_queries):
    for _ in range(rows):
        MembershipFactory(user=user)
    login(client, user)

    with django_assert_num_queries(3):  # session, user, communities with counts
        response = client.get(reverse("manage:home"))

    assert len(response.context["communities"]) == rows


# Communities


def community_data(**overrides):
    data = {"name": "Lyon Rustaceans", "slug": "", "tagline": "", "description": "", "time_zone": "Europe/Paris"}
    data.update({"language": "en", "website_url": "", "mastodon_url": "", "bluesky_url": ""})
    data.update({"linkedin_url": "", "instagram_url": "", "discord_url": ""})
    return {**data, **overrides}


def test_community_create_creates_it_and_makes_the_user_organiser(client, user):
    response = login(client, user).post(reverse("manage:community_create"), community_data(), follow=True)

    community = Community.objects.get()
    assert community.slug == "lyon-rustaceans"
    assert list(Membership.objects.values_list("user", "role")) == [(user.pk, "organiser")]
    assert response.redirect_chain == [(reverse("manage:community", args=["lyon-rustaceans"]), 302)]
    assert messages_of(response) == ["Lyon Rustaceans is ready. Add a venue, then create your first event."]


def test_community_create_with_a_logo_stores_a_reencoded_copy(client, user):
    login(client, user).post(reverse("manage:community_create"), {**community_data(), "logo": png_upload((128, 128))})

    name = Community.objects.get().logo.name
    assert re.fullmatch(r"communities/[0-9a-f]{32}\.png", name)


def test_community_create_shows_a_taken_slug_next_to_the_field(client, user):
    CommunityFactory(slug="lyon")

    response = login(client, user).post(reverse("manage:community_create"), community_data(slug="lyon"))

    assert response.status_code == 200
    assert field_errors(response) == {"slug": ["“lyon” is already taken by another community. “lyon-2” is free."]}
    assert "Nothing was saved yet." in text(response)
    assert Community.objects.count() == 1


def test_community_create_refuses_an_upload_that_is_not_an_image(client, user):
    fake = SimpleUploadedFile("logo.png", b"GIF89a but not really", content_type="image/png")

    response = login(client, user).post(reverse("manage:community_create"), {**community_data(), "logo": fake})

    assert field_errors(response) == {
        "logo": ["This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF picture."]
    }
    assert Community.objects.count() == 0


def test_community_create_with_an_empty_post_lists_what_is_missing(client, user):
    response = login(client, user).post(reverse("manage:community_create"), {})

    assert field_errors(response) == {
        "name": ["This field is required."],
        "time_zone": ["This field is required."],
        "language": ["This field is required."],
    }
    assert Community.objects.count() == 0


def test_community_edit_saves_changes(client, organiser, community):
    response = login(client, organiser).post(
        reverse("manage:community_edit", args=[community.slug]),
        community_data(name="Renamed", tagline="New line", slug="ignored"),
        follow=True,
    )

    community.refresh_from_db()
    assert (community.name, community.tagline, community.slug) == ("Renamed", "New line", community.slug)
    assert messages_of(response) == ["Community details saved."]


def test_community_edit_with_an_invalid_time_zone_changes_nothing(client, organiser, community):
    response = login(client, organiser).post(
        reverse("manage:community_edit", args=[community.slug]), community_data(time_zone="Moon/Base", name="X")
    )

    community.refresh_from_db()
    assert field_errors(response) == {"time_zone": ["Choose a time zone from the list."]}
    assert community.name != "X"


# Dashboard


def test_community_dashboard_sorts_events_by_state(client, organiser, community):
    now = timezone.now()
    upcoming = EventFactory(community=community, title="Upcoming one")
    draft = EventFactory(community=community, title="Draft one", status="draft", published_at=None)
    cancelled = EventFactory(community=community, title="Cancelled one", status="cancelled")
    past = EventFactory(
        community=community, title="Past one", start=now - dt.timedelta(days=9), end=now - dt.timedelta(days=8)
    )
    EventFactory(title="Another community's")

    response = login(client, organiser).get(reverse("manage:community", args=[community.slug]))

    board = response.context["board"]
    assert (board.upcoming, board.drafts, board.cancelled, board.past) == ([upcoming], [draft], [cancelled], [past])
    page = text(response)
    assert "Another community's" not in page
    assert page.index("Draft one") < page.index("Upcoming one") < page.index("Cancelled one") < page.index("Past one")
    assert f'href="{upcoming.get_absolute_url()}"' in page


def test_community_dashboard_empty_state(client, organiser, community):
    response = login(client, organiser).get(reverse("manage:community", args=[community.slug]))

    assert "No events yet" in text(response)


@pytest.mark.parametrize("rows", [1, 3])
def test_community_dashboard_costs_a_fixed_number_of_queries(
    client, organiser, community, rows, django_assert_num_queries
):
    now = timezone.now()
    for _ in range(rows):
        EventFactory(community=community)
        EventFactory(community=community, status="draft")
        EventFactory(community=community, start=now - dt.timedelta(days=9), end=now - dt.timedelta(days=8))
    login(client, organiser)

    # session, user, community with the user's role, events to come and drafts, past events
    with django_assert_num_queries(5):
        response = client.get(reverse("manage:community", args=[community.slug]))

    assert len(response.context["board"].past) == rows


# Members


@pytest.mark.parametrize("rows", [1, 3])
def test_members_page_costs_a_fixed_number_of_queries(client, organiser, community, rows, django_assert_num_queries):
    for i in range(rows):
        MembershipFactory(community=community, role="volunteer")
        Invitation.objects.create(community=community, email=f"p{i}@example.org", role="volunteer", token=f"t{i}")
    login(client, organiser)

    # session, user, community with the user's role, members with their user, pending invitations with who invited
    with django_assert_num_queries(5):
        response = client.get(reverse("manage:members", args=[community.slug]))

    assert len(response.context["memberships"]) == rows + 1
    assert len(response.context["invitations"]) == rows


def test_members_page_lists_members_roles_and_invitations(client, organiser, volunteer, community):
    Invitation.objects.create(community=community, email="pending@example.org", role="organiser", token="abc")

    response = login(client, organiser).get(reverse("manage:members", args=[community.slug]))

    assert [(m.user, m.role) for m in response.context["memberships"]] == [
        (organiser, "organiser"),
        (volunteer, "volunteer"),
    ]
    page = text(response)
    assert "pending@example.org" in page
    assert "The only organiser: invite another one before changing this role." in page
    assert page.count(">Remove<") == 1  # the last organiser cannot be removed from here


def test_members_invite_sends_the_invitation(client, organiser, community, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, organiser).post(
            reverse("manage:members", args=[community.slug]),
            {"email": "New@Example.org", "role": "organiser"},
            follow=True,
        )

    assert list(Invitation.objects.values_list("email", "role", "invited_by")) == [
        ("new@example.org", "organiser", organiser.pk)
    ]
    assert messages_of(response) == ["Invitation sent to new@example.org."]
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_members_invite_of_a_member_shows_an_error(client, organiser, volunteer, community):
    response = login(client, organiser).post(
        reverse("manage:members", args=[community.slug]), {"email": volunteer.email, "role": "volunteer"}
    )

    assert field_errors(response) == {"email": [f"{volunteer.email} is already a member of this community."]}
    assert Invitation.objects.count() == 0


def test_member_role_changes_the_role(client, organiser, volunteer, community):
    membership = Membership.objects.get(user=volunteer)

    response = login(client, organiser).post(
        reverse("manage:member_role", args=[community.slug, membership.pk]),
        {f"m{membership.pk}-role": "organiser"},
        follow=True,
    )

    assert Membership.objects.get(pk=membership.pk).role == "organiser"
    assert messages_of(response) == [f"{volunteer.email} is now Organiser."]


def test_member_role_refuses_to_demote_the_last_organiser(client, organiser, community):
    membership = Membership.objects.get(user=organiser)

    response = login(client, organiser).post(
        reverse("manage:member_role", args=[community.slug, membership.pk]),
        {f"m{membership.pk}-role": "volunteer"},
        follow=True,
    )

    assert Membership.objects.get(pk=membership.pk).role == "organiser"
    assert messages_of(response) == ["A community needs at least one organiser: make someone else an organiser first."]


def test_member_role_with_a_tampered_role_changes_nothing(client, organiser, volunteer, community):
    membership = Membership.objects.get(user=volunteer)

    response = login(client, organiser).post(
        reverse("manage:member_role", args=[community.slug, membership.pk]),
        {f"m{membership.pk}-role": "god"},
        follow=True,
    )

    assert Membership.objects.get(pk=membership.pk).role == "volunteer"
    assert messages_of(response) == ["Choose a role from the list."]


def test_member_remove_removes_after_confirmation(client, organiser, volunteer, community):
    membership = Membership.objects.get(user=volunteer)
    url = reverse("manage:member_remove", args=[community.slug, membership.pk])

    confirm = login(client, organiser).get(url)
    response = client.post(url, follow=True)

    assert "Remove from the community" in text(confirm)
    assert list(Membership.objects.values_list("user", flat=True)) == [organiser.pk]
    assert messages_of(response) == [f"{volunteer.email} was removed from the community."]


def test_member_remove_refuses_the_last_organiser(client, organiser, community):
    membership = Membership.objects.get(user=organiser)

    response = login(client, organiser).post(
        reverse("manage:member_remove", args=[community.slug, membership.pk]), follow=True
    )

    assert Membership.objects.filter(pk=membership.pk).exists()
    assert messages_of(response) == ["A community needs at least one organiser: make someone else an organiser first."]


def test_member_remove_of_oneself_goes_home(client, organiser, community):
    MembershipFactory(community=community)
    membership = Membership.objects.get(user=organiser)

    response = login(client, organiser).post(reverse("manage:member_remove", args=[community.slug, membership.pk]))

    assert response["Location"] == reverse("manage:home")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_invitation_revoke_withdraws_it(client, organiser, community):
    invitation = Invitation.objects.create(community=community, email="x@example.org", role="volunteer", token="t")

    response = login(client, organiser).post(
        reverse("manage:invitation_revoke", args=[community.slug, invitation.pk]), follow=True
    )

    assert Invitation.objects.count() == 0
    assert messages_of(response) == ["The invitation to x@example.org was withdrawn."]


# Accepting an invitation


def test_invitation_accept_asks_anonymous_visitors_to_log_in(client, community):
    Invitation.objects.create(community=community, email="x@example.org", role="volunteer", token="tok-1")
    url = reverse("manage:invitation_accept", args=["tok-1"])

    response = client.get(url)

    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_invitation_accept_shows_the_invitation_then_makes_a_member(client, user, community):
    Invitation.objects.create(community=community, email="x@example.org", role="organiser", token="tok-1")
    url = reverse("manage:invitation_accept", args=["tok-1"])

    page = login(client, user).get(url)
    response = client.post(url, follow=True)

    assert h1(page) == f"Join {community.name}"
    assert "Accept the invitation" in text(page)
    assert list(Membership.objects.filter(user=user).values_list("community", "role")) == [(community.pk, "organiser")]
    assert response.redirect_chain == [(reverse("manage:community", args=[community.slug]), 302)]
    assert messages_of(response) == [f"Welcome to {community.name}! You are Organiser."]
    assert Invitation.objects.get().accepted_by == user


def test_invitation_accept_as_volunteer_goes_to_my_communities(client, user, community):
    Invitation.objects.create(community=community, email="x@example.org", role="volunteer", token="tok-1")

    response = login(client, user).post(reverse("manage:invitation_accept", args=["tok-1"]))

    assert response["Location"] == reverse("manage:home")


def test_invitation_accept_with_an_unknown_token(client, user):
    response = login(client, user).get(reverse("manage:invitation_accept", args=["forged"]))

    assert response.status_code == 404
    assert "This invitation link is not valid. Check that you copied all of it." in text(response)


def test_invitation_accept_twice_explains_it_was_used(client, user, community):
    Invitation.objects.create(
        community=community, email="x@example.org", role="volunteer", token="tok-1", accepted_at=timezone.now()
    )

    response = login(client, user).post(reverse("manage:invitation_accept", args=["tok-1"]))

    assert response.status_code == 410
    assert "This invitation has already been used." in text(response)
    assert Membership.objects.filter(user=user).count() == 0


# Venues


def test_venues_page_lists_the_community_venues(client, organiser, community):
    VenueFactory(community=community, name="Hall B")
    VenueFactory(community=community, name="Hall A")
    VenueFactory(name="Elsewhere")

    response = login(client, organiser).get(reverse("manage:venues", args=[community.slug]))

    assert [v.name for v in response.context["venues"]] == ["Hall A", "Hall B"]
    assert "Elsewhere" not in text(response)


def test_venue_create_adds_it(client, organiser, community):
    response = login(client, organiser).post(
        reverse("manage:venue_create", args=[community.slug]),
        {"name": "La Cordée", "address": "", "city": "Lyon", "country": "", "map_url": ""},
        follow=True,
    )

    assert list(Venue.objects.values_list("community", "name", "city")) == [(community.pk, "La Cordée", "Lyon")]
    assert response.redirect_chain == [(reverse("manage:venues", args=[community.slug]), 302)]


def test_venue_create_from_the_event_form_goes_back_to_it(client, organiser, community):
    response = login(client, organiser).post(
        reverse("manage:venue_create", args=[community.slug]) + "?next=event", {"name": "La Cordée"}
    )

    assert response["Location"] == reverse("manage:event_create", args=[community.slug])


def test_venue_edit_saves_and_updates_calendars(client, organiser, community):
    venue = VenueFactory(community=community)
    event = EventFactory(community=community, venue=venue)

    login(client, organiser).post(
        reverse("manage:venue_edit", args=[community.slug, venue.pk]),
        {"name": "Renamed", "address": venue.address, "city": venue.city, "country": venue.country, "map_url": ""},
    )

    venue.refresh_from_db()
    event.refresh_from_db()
    assert (venue.name, venue.map_url, event.sequence) == ("Renamed", "", 1)


def test_venue_delete_refused_while_upcoming_events_use_it(client, organiser, community):
    venue = VenueFactory(community=community)
    EventFactory(community=community, venue=venue)

    response = login(client, organiser).post(
        reverse("manage:venue_delete", args=[community.slug, venue.pk]), follow=True
    )

    assert Venue.objects.filter(pk=venue.pk).exists()
    assert messages_of(response) == ["1 upcoming event takes place here: give it another venue first."]


def test_venue_delete_deletes_an_unused_venue(client, organiser, community):
    venue = VenueFactory(community=community, name="Old hall")

    response = login(client, organiser).post(
        reverse("manage:venue_delete", args=[community.slug, venue.pk]), follow=True
    )

    assert Venue.objects.count() == 0
    assert messages_of(response) == ["Venue “Old hall” deleted."]


# Events


def event_data(**overrides):
    data = {"title": "Rust & Pizza", "slug": "", "summary": "Talks", "description": "", "time_zone": "Europe/Paris"}
    data.update({"start": "2030-06-10T19:00", "end": "2030-06-10T22:00", "venue": "", "online_url": ""})
    data.update({"capacity": "40", "visibility": "public", "registration_opens_at": "", "registration_closes_at": ""})
    return {**data, **overrides}


def test_event_create_saves_a_draft(client, organiser, community):
    venue = VenueFactory(community=community)

    response = login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), event_data(venue=str(venue.pk)), follow=True
    )

    event = Event.objects.get()
    assert (event.slug, event.status, event.venue, event.capacity) == ("rust-pizza", "draft", venue, 40)
    assert event.start == dt.datetime(2030, 6, 10, 19, tzinfo=PARIS)
    assert response.redirect_chain == [(reverse("manage:event", args=[community.slug, "rust-pizza"]), 302)]
    assert messages_of(response) == ["Draft saved. Add ticket types if you sell or count tickets, then publish it."]


def test_event_create_with_a_cover(client, organiser, community):
    login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), {**event_data(), "cover": png_upload()}
    )

    assert re.fullmatch(r"covers/[0-9a-f]{32}\.png", Event.objects.get().cover.name)


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"end": "2030-06-10T18:00"}, {"end": ["The event must end after it starts."]}),
        (
            {"start": "2030-03-31T02:15", "end": "2030-03-31T05:00"},
            {
                "start": [
                    "02:15 does not exist in Europe/Paris: the clocks move forward that night. Choose another time."
                ]
            },
        ),
        ({"time_zone": "Europe/Atlantis"}, {"time_zone": ["Choose a time zone from the list."]}),
        ({"capacity": "-1"}, {"capacity": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"slug": "Bad Slug!"},
            {"slug": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]},
        ),
        ({"start": "yesterday"}, {"start": ["Enter a date and time, for example 2026-03-14 19:00."]}),
    ],
)
def test_event_create_refuses_bad_input(client, organiser, community, overrides, errors):
    response = login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), event_data(**overrides)
    )

    assert response.status_code == 200
    assert field_errors(response) == errors
    assert Event.objects.count() == 0


def test_event_create_refuses_a_tampered_venue_id(client, organiser, community):
    foreign = VenueFactory()

    response = login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), event_data(venue=str(foreign.pk))
    )

    assert field_errors(response) == {"venue": ["Choose one of this community's venues."]}
    assert Event.objects.count() == 0


def test_event_create_shows_a_slug_collision_next_to_the_field(client, organiser, community):
    EventFactory(community=community, slug="rust")

    response = login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), event_data(slug="rust")
    )

    assert field_errors(response) == {
        "slug": ["Another event of this community already uses “rust”. “rust-2” is free."]
    }


def test_event_create_refuses_an_oversized_cover(client, organiser, community):
    big = SimpleUploadedFile("huge.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")

    response = login(client, organiser).post(
        reverse("manage:event_create", args=[community.slug]), {**event_data(), "cover": big}
    )

    assert field_errors(response) == {"cover": ["The image is too large: at most 5.0\xa0MB."]}
    assert Event.objects.count() == 0


def test_event_page_shows_details_ticket_types_and_a_capacity_warning(client, organiser, community):
    event = EventFactory(community=community, capacity=50, description="Hello **world**")
    TicketTypeFactory(event=event, name="Standard", quantity=40)
    TicketTypeFactory(event=event, name="Supporter", quantity=20, price=Decimal("12"), position=1)

    response = login(client, organiser).get(reverse("manage:event", args=[community.slug, event.slug]))

    page = text(response)
    assert [t.name for t in response.context["ticket_types"]] == ["Standard", "Supporter"]
    assert "€12.00" in page
    assert "The ticket types add up to 60 tickets, more than the capacity of 50 places." in page
    assert "Hello <strong>world</strong>" in page
    assert f'href="{event.get_absolute_url()}"' in page


@pytest.mark.parametrize("rows", [1, 3])
def test_event_page_costs_a_fixed_number_of_queries(client, organiser, community, rows, django_assert_num_queries):
    event = EventFactory(community=community)
    for i in range(rows):
        TicketTypeFactory(event=event, position=i)
    login(client, organiser)

    # session, user, event with its community, venue and series and the user's role, ticket types
    with django_assert_num_queries(4):
        response = client.get(reverse("manage:event", args=[community.slug, event.slug]))

    assert len(response.context["ticket_types"]) == rows


def test_event_edit_saves_and_raises_the_sequence(client, organiser, community):
    event = EventFactory(community=community, title="Old title")

    response = login(client, organiser).post(
        reverse("manage:event_edit", args=[community.slug, event.slug]),
        event_data(title="New title", venue=str(event.venue_id)),
        follow=True,
    )

    event.refresh_from_db()
    assert (event.title, event.sequence, event.slug) == ("New title", 1, event.slug)
    assert event.start == dt.datetime(2030, 6, 10, 19, tzinfo=PARIS)
    assert messages_of(response) == ["Changes saved."]


def test_event_edit_of_a_draft_can_change_the_slug(client, organiser, community):
    event = EventFactory(community=community, status="draft", published_at=None, slug="old")

    response = login(client, organiser).post(
        reverse("manage:event_edit", args=[community.slug, "old"]), event_data(slug="better")
    )

    assert Event.objects.get(pk=event.pk).slug == "better"
    assert response["Location"] == reverse("manage:event", args=[community.slug, "better"])


def test_event_edit_refuses_a_capacity_below_places_taken(client, organiser, community):
    event = EventFactory(community=community, seats_taken=30, capacity=40)

    response = login(client, organiser).post(
        reverse("manage:event_edit", args=[community.slug, event.slug]), event_data(capacity="10")
    )

    assert field_errors(response) == {"capacity": ["30 places are already taken: the capacity cannot be lower."]}
    assert Event.objects.get(pk=event.pk).capacity == 40


def test_event_edit_of_a_cancelled_event_goes_back_with_a_message(client, organiser, community):
    event = EventFactory(community=community, status="cancelled")

    response = login(client, organiser).get(
        reverse("manage:event_edit", args=[community.slug, event.slug]), follow=True
    )

    assert messages_of(response) == ["This event was cancelled and can no longer be changed."]
    assert response.redirect_chain == [(reverse("manage:event", args=[community.slug, event.slug]), 302)]


def test_event_publish_publishes_a_draft(client, organiser, community):
    event = EventFactory(community=community, status="draft", published_at=None)

    response = login(client, organiser).post(
        reverse("manage:event_publish", args=[community.slug, event.slug]), follow=True
    )

    event.refresh_from_db()
    assert event.status == "published"
    assert messages_of(response) == [f"“{event.title}” is published."]


def test_event_publish_without_a_place_explains_why(client, organiser, community):
    event = EventFactory(community=community, status="draft", published_at=None, venue=None, online_url="")

    response = login(client, organiser).post(
        reverse("manage:event_publish", args=[community.slug, event.slug]), follow=True
    )

    assert Event.objects.get(pk=event.pk).status == "draft"
    assert messages_of(response) == ["Add a venue or an online link before publishing: attendees need to know where."]


def test_event_cancel_asks_then_cancels(client, organiser, community):
    event = EventFactory(community=community, seats_taken=3)
    url = reverse("manage:event_cancel", args=[community.slug, event.slug])

    confirm = login(client, organiser).get(url)
    assert Event.objects.get(pk=event.pk).status == "published"
    response = client.post(url, follow=True)

    assert "3 people have a place. This cannot be undone." in text(confirm)
    assert Event.objects.get(pk=event.pk).status == "cancelled"
    assert messages_of(response) == [f"“{event.title}” is cancelled."]


def test_event_cancel_of_a_draft_is_refused(client, organiser, community):
    event = EventFactory(community=community, status="draft")

    response = login(client, organiser).post(
        reverse("manage:event_cancel", args=[community.slug, event.slug]), follow=True
    )

    assert Event.objects.get(pk=event.pk).status == "draft"
    assert messages_of(response) == ["Only a published event can be cancelled; a draft can be deleted."]


def test_event_unpublish_takes_it_back_to_draft(client, organiser, community):
    event = EventFactory(community=community)

    login(client, organiser).post(reverse("manage:event_unpublish", args=[community.slug, event.slug]))

    assert Event.objects.get(pk=event.pk).status == "draft"


def test_event_delete_deletes_a_draft(client, organiser, community):
    event = EventFactory(community=community, status="draft", published_at=None)

    response = login(client, organiser).post(reverse("manage:event_delete", args=[community.slug, event.slug]))

    assert Event.objects.count() == 0
    assert response["Location"] == reverse("manage:community", args=[community.slug])


def test_event_delete_refuses_a_published_event(client, organiser, community):
    event = EventFactory(community=community)

    response = login(client, organiser).post(
        reverse("manage:event_delete", args=[community.slug, event.slug]), follow=True
    )

    assert Event.objects.count() == 1
    assert messages_of(response) == ["Only a draft that was never published can be deleted; cancel the event instead."]


# Ticket types


def ticket_data(**overrides):
    return {"name": "Standard", "description": "", "price": "0", "currency": "EUR", "quantity": "30", **overrides}


def test_ticket_type_create_adds_it(client, organiser, community):
    start = dt.datetime(2030, 6, 10, 19, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=2))

    response = login(client, organiser).post(
        reverse("manage:ticket_type_create", args=[community.slug, event.slug]),
        ticket_data(price="7.50", sales_end="2030-06-01T10:00"),
        follow=True,
    )

    assert list(TicketType.objects.values_list("event", "name", "price", "quantity", "sales_end")) == [
        (event.pk, "Standard", Decimal("7.50"), 30, dt.datetime(2030, 6, 1, 10, tzinfo=PARIS))
    ]
    assert messages_of(response) == ["Ticket type “Standard” added."]


def test_ticket_type_create_refuses_a_negative_price(client, organiser, community):
    event = EventFactory(community=community)

    response = login(client, organiser).post(
        reverse("manage:ticket_type_create", args=[community.slug, event.slug]), ticket_data(price="-2")
    )

    assert field_errors(response) == {"price": ["The price cannot be negative: 0 makes the ticket free."]}
    assert TicketType.objects.count() == 0


def test_ticket_type_create_refuses_sales_ending_after_the_event(client, organiser, community):
    start = dt.datetime(2030, 6, 10, 19, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=2))

    response = login(client, organiser).post(
        reverse("manage:ticket_type_create", args=[community.slug, event.slug]),
        ticket_data(sales_end="2030-06-11T10:00"),
    )

    assert field_errors(response) == {"sales_end": ["Sales must end before the event ends."]}


def test_ticket_type_edit_refuses_a_price_change_once_sold(client, organiser, community):
    ticket_type = TicketTypeFactory(event__community=community, price=Decimal("5"), quantity_sold=2)

    response = login(client, organiser).post(
        reverse("manage:ticket_type_edit", args=[community.slug, ticket_type.event.slug, ticket_type.pk]),
        ticket_data(price="9"),
    )

    assert field_errors(response) == {"price": ["Tickets of this type were already sold: its price cannot change."]}
    assert TicketType.objects.get().price == Decimal("5.00")


def test_ticket_type_edit_saves(client, organiser, community):
    ticket_type = TicketTypeFactory(event__community=community)

    login(client, organiser).post(
        reverse("manage:ticket_type_edit", args=[community.slug, ticket_type.event.slug, ticket_type.pk]),
        ticket_data(name="Early bird", quantity="12"),
    )

    assert list(TicketType.objects.values_list("name", "quantity")) == [("Early bird", 12)]


def test_ticket_type_delete_refused_once_sold(client, organiser, community):
    ticket_type = TicketTypeFactory(event__community=community, quantity_sold=1)
    url = reverse("manage:ticket_type_delete", args=[community.slug, ticket_type.event.slug, ticket_type.pk])

    response = login(client, organiser).post(url, follow=True)

    assert TicketType.objects.count() == 1
    assert messages_of(response) == [
        "Tickets of this type were already sold: it cannot be deleted. Set its quantity to what was sold to stop sales."
    ]


def test_ticket_type_delete_deletes_an_unsold_one(client, organiser, community):
    ticket_type = TicketTypeFactory(event__community=community)

    login(client, organiser).post(
        reverse("manage:ticket_type_delete", args=[community.slug, ticket_type.event.slug, ticket_type.pk])
    )

    assert TicketType.objects.count() == 0


def test_ticket_type_move_reorders(client, organiser, community):
    event = EventFactory(community=community)
    first = TicketTypeFactory(event=event, name="A", position=0)
    second = TicketTypeFactory(event=event, name="B", position=1)

    login(client, organiser).post(
        reverse("manage:ticket_type_move", args=[community.slug, event.slug, second.pk]), {"direction": "up"}
    )

    assert list(event.ticket_types.values_list("pk", flat=True)) == [second.pk, first.pk]


# Repeat


def test_event_repeat_proposes_dates_for_the_chosen_pattern(client, organiser, community):
    start = dt.datetime(2030, 1, 8, 19, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=2))

    response = login(client, organiser).get(
        reverse("manage:event_repeat", args=[community.slug, event.slug]), {"pattern": "weekly", "count": "3"}
    )

    assert response.context["dates_form"].fields["dates"].choices == [
        ("2030-01-15", "Jan. 15, 2030"),
        ("2030-01-22", "Jan. 22, 2030"),
        ("2030-01-29", "Jan. 29, 2030"),
    ]
    assert "Every month, on the 2nd Tuesday" in text(response)


def test_event_repeat_creates_the_ticked_dates_once(client, organiser, community):
    start = dt.datetime(2030, 1, 8, 19, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=2), slug="rust")
    url = reverse("manage:event_repeat", args=[community.slug, event.slug])
    data = {"pattern": "weekly", "count": "3", "dates": ["2030-01-15", "2030-01-29"], "publish": "0"}

    response = login(client, organiser).post(url, data, follow=True)
    again = client.post(url, data)

    assert messages_of(response) == ["2 events created."]
    assert sorted(Event.objects.values_list("slug", "status")) == [
        ("rust", "published"),
        ("rust-2030-01-15", "draft"),
        ("rust-2030-01-29", "draft"),
    ]
    assert Series.objects.count() == 1
    assert field_errors(again, "dates_form") == {"dates": ["2030-01-15 is not one of the proposed dates."]}
    assert Event.objects.count() == 3


def test_event_repeat_with_nothing_ticked_asks_for_a_date(client, organiser, community):
    event = EventFactory(community=community)

    response = login(client, organiser).post(
        reverse("manage:event_repeat", args=[community.slug, event.slug]),
        {"pattern": "weekly", "count": "3", "publish": "0"},
    )

    assert field_errors(response, "dates_form") == {"dates": ["Tick at least one date."]}
    assert Event.objects.count() == 1


def test_event_repeat_with_a_tampered_pattern_falls_back_and_creates_nothing(client, organiser, community):
    event = EventFactory(community=community)

    response = login(client, organiser).post(
        reverse("manage:event_repeat", args=[community.slug, event.slug]),
        {"pattern": "hourly", "count": "3", "dates": []},
    )

    assert response.status_code == 200
    assert "pattern" in response.context["pattern_form"].errors
    assert Event.objects.count() == 1


# The 403 page


def test_forbidden_page_has_the_site_look_and_a_way_out(client, community, volunteer):
    response = login(client, volunteer).get(reverse("manage:community", args=[community.slug]))

    page = text(response)
    assert response.status_code == 403
    assert 'class="site-header"' in page
    assert f'href="{reverse("manage:home")}"' in page


# Bad input everywhere


def database_state():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Community, Membership, Invitation, Venue, Event, TicketType, Series)
    ]


@pytest.mark.parametrize(
    "page",
    [
        "community_edit",
        "members",
        "venue_create",
        "venue_edit",
        "event_create",
        "event_edit",
        "event_repeat",
        "ticket_type_create",
        "ticket_type_edit",
    ],
)
def test_form_pages_answer_an_empty_post_with_errors_and_change_nothing(client, world, organiser, page):
    before = database_state()

    response = login(client, organiser).post(organiser_get_urls(world)[page], {})

    assert response.status_code == 200
    assert "This field is required." in text(response) or "Tick at least one date." in text(response)
    assert database_state() == before


@pytest.mark.parametrize("page", ["member_role", "ticket_type_move"])
def test_post_actions_with_missing_fields_change_nothing(client, world, organiser, page):
    before = database_state()

    response = login(client, organiser).post(organiser_post_only_urls(world)[page], {}, follow=True)

    assert response.status_code == 200
    assert (
        messages_of(response)
        == {"member_role": ["Choose a role from the list."], "ticket_type_move": ["Choose up or down."]}[page]
    )
    assert database_state() == before


# Django admin


@pytest.mark.parametrize("model", ["community", "membership", "invitation", "venue", "series", "event"])
def test_admin_lists_and_change_pages_render(client, world, model):
    admin = UserFactory(is_staff=True, is_superuser=True)
    Series.objects.create(community=world["community"], title="Monthly", frequency="monthly")
    obj = {
        "community": world["community"],
        "membership": world["membership"],
        "invitation": world["invitation"],
        "venue": world["venue"],
        "series": Series.objects.get(),
        "event": world["event"],
    }[model]

    listing = login(client, admin).get(reverse(f"admin:events_{model}_changelist"))
    change = client.get(reverse(f"admin:events_{model}_change", args=[obj.pk]))

    assert listing.status_code == 200
    assert str(obj) in text(listing)
    assert change.status_code == 200
    if model == "invitation":
        assert world["invitation"].token not in text(change)  # the secret stays out of the admin


def test_admin_event_save_touches_updated_at_and_sequence(client, world):
    admin = UserFactory(is_staff=True, is_superuser=True)
    event = world["event"]
    url = reverse("admin:events_event_change", args=[event.pk])
    login(client, admin)
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "cover" and form[name].value() is not None}
    data.update({"title": "Renamed in admin", "start_0": "2030-06-10", "start_1": "19:00:00"})
    data.update({"end_0": "2030-06-10", "end_1": "21:00:00"})
    for inline in ("ticket_types",):
        data.update({f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"})
    before = event.updated_at

    response = client.post(url, data)

    event.refresh_from_db()
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (event.title, event.sequence) == ("Renamed in admin", 1)
    assert event.updated_at > before

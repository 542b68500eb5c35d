"""Erasure and the fan's own data: download (JSON, CSV) and erase, from their account or by an organiser."""

import csv
import io
import json

import pytest
from django.urls import reverse

from attendees.models import Answer, Fan, Order, OutgoingEmail, Question, Tag, Ticket, WaitingListEntry
from attendees.services import place_order
from attendees.services.fans import FanError, erase_fan, flag_fan, link_community, sync_orders, tag_fans
from tests.attendees.factories import WaitingListEntryFactory
from tests.factories import UserFactory
from tests.fans.conftest import make_event


@pytest.fixture
def ada(community, other_community, register, organiser):
    """Ada: bought two tickets (hers and Bob's) for one event, one for another, answered a question, waits for a
    third event; she also registered with another community, which must keep its data."""
    first = make_event(community, title="First")
    question = Question.objects.create(event=first, label="Diet?")
    ticket_type = first.ticket_types.get()
    order = place_order(
        event=first,
        quantities={ticket_type.pk: 2},
        holders=[("Ada Lovelace", "ada@example.com"), ("Bob Martin", "bob@example.com")],
        buyer_name="Ada Lovelace",
        buyer_email="ada@example.com",
        marketing_consent=True,
        answers={(question.pk, None): "=cmd|' /C calc'!A0"},
    )
    sync_orders(order_ids=[order.pk])
    register(make_event(community, days=20, title="Second"), "ada@example.com")
    WaitingListEntryFactory(event=make_event(community, days=30, title="Third"), email="ada@example.com",
                            name="Ada Lovelace")  # fmt: skip
    register(make_event(other_community), "ada@example.com")
    link_community(community_id=community.pk)
    fan = Fan.objects.get(community=community, email="ada@example.com")
    tag_fans(community=community, fan_ids=[fan.pk], tag_name="speaker", by=organiser)
    Fan.objects.filter(pk=fan.pk).update(note="Knows Babbage")
    fan.refresh_from_db()
    return fan


def test_erasure_anonymises_the_person_in_every_event_of_the_community(community, ada, organiser):
    before = (ada.events_registered, ada.events_attended, ada.no_shows)
    statuses = sorted(Ticket.objects.values_list("pk", "status"))

    erased = erase_fan(fan=ada, by=organiser)

    placeholder = f"erased-{ada.pk}@erased.invalid"
    mine = Order.objects.filter(event__community=community, buyer_email=placeholder)
    assert (erased.email, erased.name, erased.user, erased.note, list(erased.tags.all())) == (
        placeholder, "—", None, "", []
    )  # fmt: skip
    assert (erased.erased_by, erased.erased_on_request_of_fan, erased.erased_at is not None) == (organiser, False, True)
    assert (erased.events_registered, erased.events_attended, erased.no_shows) == before
    assert (erased.marketing_consent, erased.marketing_consent_at) == (False, None)  # Ada had said yes
    assert not Order.objects.filter(event__community=community, marketing_consent=True).exists()
    assert sorted(mine.values_list("event__title", "buyer_name")) == [("First", "—"), ("Second", "—")]
    assert sorted(Ticket.objects.filter(fan=erased).values_list("holder_name", "holder_email")) == [
        ("—", placeholder), ("—", placeholder)
    ]  # fmt: skip
    assert list(Answer.objects.values_list("value", flat=True)) == [""]
    assert list(WaitingListEntry.objects.values_list("name", "email")) == [("—", placeholder)]
    assert sorted(Ticket.objects.values_list("pk", "status")) == statuses  # tickets keep their status
    # Bob, and Ada in the other community, keep their data.
    assert Ticket.objects.filter(holder_email="bob@example.com").get().holder_name == "Bob Martin"
    assert Order.objects.filter(buyer_email="ada@example.com").get().event.community.slug == "other-crowd"
    assert Fan.objects.filter(email="ada@example.com").get().community.slug == "other-crowd"
    assert not OutgoingEmail.objects.filter(order__in=mine, status=OutgoingEmail.Status.PENDING).exists()
    assert Tag.objects.filter(community=community).count() == 1


def test_erasure_is_irreversible_and_refused_twice(community, ada, organiser):
    erase_fan(fan=ada, by=organiser)

    with pytest.raises(FanError) as exc:
        erase_fan(fan=ada, by=organiser)
    with pytest.raises(FanError) as flag:
        flag_fan(fan=Fan.objects.get(pk=ada.pk), reason="x", by=organiser)

    assert (exc.value.code, flag.value.code) == ("already_erased", "erased")


def test_a_flagged_fan_erased_stays_refused_by_a_fingerprint_of_their_address(
    community, other_community, ada, organiser, register
):
    from attendees.services import RegistrationError, join_waiting_list
    from attendees.services.approval import add_registration
    from attendees.services.fans import email_digest, unflag_fan

    flag_fan(fan=ada, reason="Harassed a speaker", by=organiser)
    erased = erase_fan(fan=ada, by=organiser)
    fourth = make_event(community, days=40, title="Fourth")
    full = make_event(community, days=50, title="Full", capacity=1)
    register(full, "grace@example.com")

    refusals = []
    for attempt in (
        lambda: register(fourth, "ADA@example.com"),
        lambda: join_waiting_list(event=full, name="Ada", email="ada@example.com"),
        lambda: add_registration(
            event=fourth, ticket_type_id=fourth.ticket_types.get().pk, name="Ada", email="ada@example.com", by=organiser
        ),  # fmt: skip
    ):
        with pytest.raises(RegistrationError) as exc:
            attempt()
        refusals.append(exc.value.code)

    assert refusals == ["flagged", "flagged", "flagged"]
    assert (erased.flagged, erased.flag_reason, erased.email) == (True, "", f"erased-{ada.pk}@erased.invalid")
    assert erased.flagged_email_digest == email_digest(community_id=community.pk, email="ada@example.com")
    assert "ada@example.com" not in erased.flagged_email_digest
    register(make_event(other_community, days=40), "ada@example.com")  # the flag is this community's only

    unflag_fan(fan=erased, by=organiser)
    register(fourth, "ada@example.com")

    assert Fan.objects.get(pk=ada.pk).flagged_email_digest == ""
    assert Order.objects.filter(event=fourth, buyer_email="ada@example.com").exists()


def test_the_page_of_an_erased_flagged_fan_says_the_flag_stays_and_can_lift_it(organiser_client, community, ada,
                                                                               organiser):  # fmt: skip
    flag_fan(fan=ada, reason="Harassed a speaker", by=organiser)
    erase_fan(fan=ada, by=organiser)
    page = reverse("fans:fan", kwargs={"community": community.slug, "fan": ada.pk})
    unflag = reverse("fans:fan_unflag", kwargs={"community": community.slug, "fan": ada.pk})

    html = organiser_client.get(page).content.decode()
    response = organiser_client.post(unflag)

    assert "a one-way fingerprint of their e-mail address keeps refusing it" in html
    assert f'action="{unflag}"' in html
    assert response.status_code == 302
    assert Fan.objects.get(pk=ada.pk).flagged is False
    assert "one-way fingerprint" not in organiser_client.get(page).content.decode()


def test_erasing_a_fan_who_is_not_flagged_keeps_no_fingerprint(community, ada, organiser):
    assert erase_fan(fan=ada, by=organiser).flagged_email_digest == ""


def test_the_same_person_registering_again_after_erasure_is_a_new_person(community, ada, organiser, register):
    erase_fan(fan=ada, by=organiser)

    register(make_event(community, days=40, title="Fourth"), "ada@example.com")

    assert sorted(Fan.objects.filter(community=community).values_list("email", "events_registered")) == [
        ("ada@example.com", 1), ("bob@example.com", 1), (f"erased-{ada.pk}@erased.invalid", 2)
    ]  # fmt: skip


def test_organiser_erases_from_the_fan_page_after_confirming(organiser_client, community, ada, organiser):
    url = reverse("fans:fan_erase", kwargs={"community": community.slug, "fan": ada.pk})

    confirm = organiser_client.get(url)
    ada.refresh_from_db()
    assert (confirm.status_code, ada.erased_at) == (200, None)
    assert "This cannot be undone." in confirm.content.decode()

    organiser_client.post(url)
    again = organiser_client.post(url, follow=True)

    ada.refresh_from_db()
    assert (ada.name, ada.erased_by) == ("—", organiser)
    assert "already erased" in again.content.decode()


# The fan's own data --------------------------------------------------------------------------------------------


def test_my_data_lists_the_communities_of_my_verified_addresses_only(client, community, other_community, ada):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)

    page = client.get(reverse("fans:my_data"))

    assert [f.community.slug for f in page.context["fans"]] == [community.slug, "other-crowd"]  # by name


def test_my_data_hides_what_an_unverified_address_would_reveal(client, community, ada):
    client.force_login(UserFactory(email="ada@example.com", verified=False))

    page = client.get(reverse("fans:my_data"))
    download = client.get(reverse("fans:my_data_json", kwargs={"community": community.slug}))
    erase = client.post(reverse("fans:my_data_erase", kwargs={"community": community.slug}))

    ada.refresh_from_db()
    assert (list(page.context["fans"]), download.status_code, erase.status_code) == ([], 404, 404)
    assert ada.erased_at is None


def test_my_data_needs_an_account(client, community, ada):
    response = client.get(reverse("fans:my_data_json", kwargs={"community": community.slug}))

    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_my_data_json_holds_what_the_community_holds(client, community, ada):
    client.force_login(UserFactory(email="ada@example.com"))

    response = client.get(reverse("fans:my_data_json", kwargs={"community": community.slug}))

    data = json.loads(response.content)
    [me] = data["people"]
    assert response["Content-Disposition"].startswith(f'attachment; filename="{community.slug}-my-data-')
    assert (me["email"], me["name"], me["tags"], me["organisers_note"], me["accepts_news"]) == (
        "ada@example.com", "Ada Lovelace", ["speaker"], "Knows Babbage", False
    )  # fmt: skip
    assert [(o["event"], o["status"]) for o in me["orders"]] == [("First", "confirmed"), ("Second", "confirmed")]
    assert [(t["event"], t["holder_name"]) for t in me["tickets"]] == [("First", "Ada Lovelace"),
                                                                       ("Second", "Ada Lovelace")]  # fmt: skip
    assert me["answers"] == [{"event": "First", "question": "Diet?", "answer": "=cmd|' /C calc'!A0"}]
    assert [(w["event"], w["status"]) for w in me["waiting_lists"]] == [("Third", "waiting")]


def test_my_data_csv_round_trips_and_neutralises_formulas(client, community, ada):
    client.force_login(UserFactory(email="ada@example.com"))

    response = client.get(reverse("fans:my_data_csv", kwargs={"community": community.slug}))

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "event", "field", "value"]
    assert ["person", "", "name", "Ada Lovelace"] in rows
    assert ["answers", "First", "answer", "'=cmd|' /C calc'!A0"] in rows
    assert ["tag", "", "name", "speaker"] in rows


def test_a_fan_erases_their_data_from_their_account(client, community, other_community, ada):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    url = reverse("fans:my_data_erase", kwargs={"community": community.slug})

    assert client.get(url).status_code == 200
    ada.refresh_from_db()
    assert ada.erased_at is None

    response = client.post(url, follow=True)

    ada.refresh_from_db()
    assert (ada.erased_at is not None, ada.erased_on_request_of_fan, ada.erased_by) == (True, True, None)
    assert [f.community.slug for f in response.context["fans"]] == ["other-crowd"]
    assert client.get(url).status_code == 404  # nothing left under this account


def test_another_account_cannot_download_or_erase_someone_elses_data(client, community, ada):
    client.force_login(UserFactory(email="mallory@example.com"))

    answers = [
        client.get(reverse("fans:my_data_json", kwargs={"community": community.slug})).status_code,
        client.get(reverse("fans:my_data_csv", kwargs={"community": community.slug})).status_code,
        client.post(reverse("fans:my_data_erase", kwargs={"community": community.slug})).status_code,
        client.get(reverse("fans:my_data_json", kwargs={"community": "no-such-community"})).status_code,
    ]

    ada.refresh_from_db()
    assert (answers, ada.erased_at) == ([404, 404, 404, 404], None)

"""Registration e-mails as the fan receives them: subject, sender, parts, QR images, calendar file, language."""

import datetime as dt
from decimal import Decimal

import icalendar
import pytest
from django.conf import settings
from django.core import mail

from attendees import emails
from attendees.models import Order, OutgoingEmail, Ticket, WaitingListEntry
from attendees.qr import qr_png
from attendees.services import notifications
from attendees.services.payments import order_page_url
from events.calendar import event_uid
from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

# Thursday 14 March 2030, 19:30 to 22:00 in Paris (UTC+1).
START = dt.datetime(2030, 3, 14, 18, 30, tzinfo=dt.UTC)
WHEN_EN = "Thursday, March 14, 2030 · 7:30 PM – 10:00 PM"
WHEN_FR = "jeudi 14 mars 2030 · 19:30 – 22:00"


@pytest.fixture
def event(db):
    community = CommunityFactory(name="Paris Python")
    MembershipFactory(community=community, user=UserFactory(email="orga@example.com"))
    return EventFactory(
        community=community, title="Spring meetup", slug="spring", start=START, end=START + dt.timedelta(hours=2.5)
    )


def confirmed_order(event, *, language="en", holders=("Ada Lovelace",), **kwargs):
    ticket_type = TicketTypeFactory(event=event, name="Standard")
    kwargs.setdefault("confirmed_at", START - dt.timedelta(days=10))
    order = OrderFactory(event=event, buyer_name="Ada Lovelace", buyer_email="ada@example.com", language=language,
                         **kwargs)  # fmt: skip
    for holder in holders:
        TicketFactory(order=order, ticket_type=ticket_type, holder_name=holder)
    return order


def build(kind, *, order=None, entry=None, note="", now=None):
    email = notifications.record(kind=kind, order=order, entry=entry, note=note, enqueue=False)
    return emails.build_message(OutgoingEmail.objects.get(pk=email.pk), now=now or START - dt.timedelta(days=1))


def parts(message):
    """(content type, Content-ID, Content-Disposition) of every MIME part, in order."""
    return [(p.get_content_type(), p.get("Content-ID"), p.get("Content-Disposition")) for p in message.message().walk()]


def html_of(message):
    assert [a.mimetype for a in message.alternatives] == ["text/html"]
    return message.alternatives[0].content


def test_confirmation_in_english_has_subject_sender_and_the_event_in_its_time_zone(event):
    order = confirmed_order(event, holders=["Ada Lovelace", "Grace Hopper"])

    message = build(OutgoingEmail.Kind.CONFIRMATION, order=order)

    assert message.subject == "[Paris Python] Your tickets for Spring meetup"
    assert message.from_email == "Paris Python <noreply@localhost>"
    assert message.to == ["ada@example.com"]
    assert message.reply_to == []  # organisers' own addresses stay private
    assert message.extra_headers == {"Content-Language": "en"}
    body = message.body
    assert body.startswith("Hello Ada Lovelace,\n\nHere are your 2 tickets for Spring meetup.")
    assert f"When: {WHEN_EN} (Europe/Paris (UTC+01:00))\n" in body
    assert "Where: La Cantine, 12 rue de la Paix, Paris, France\n" in body
    community_url = settings.SITE_URL + event.community.get_absolute_url()
    assert f"to reach the organisers, see the community’s page: {community_url}" in " ".join(body.split())
    assert "- Ada Lovelace (Standard)\n- Grace Hopper (Standard)\n" in body
    assert f"Your tickets page, with the QR codes:\n{order_page_url(order)}\n" in body
    assert f"Order reference: {order.reference}\n" in body
    html = html_of(message)
    assert html.startswith('<!DOCTYPE html><html lang="en">')
    assert "<style" not in html  # inlined: mail clients drop style sheets
    h1_style = "font-size: 22px;line-height: 1.3;margin: 0 0 12px;color: #1c1b22;"
    assert f'<h1 style="{h1_style}">You are registered</h1>' in html
    assert WHEN_EN in html
    assert f'href="{order_page_url(order)}"' in html


def test_confirmation_carries_each_ticket_qr_inline_referenced_by_the_html(event):
    order = confirmed_order(event, holders=["Ada Lovelace", "Grace Hopper"])
    first, second = order.tickets.order_by("pk")

    message = build(OutgoingEmail.Kind.CONFIRMATION, order=order)

    assert parts(message) == [
        ("multipart/mixed", None, None),
        ("multipart/related", None, None),
        ("multipart/alternative", None, None),
        ("text/plain", None, None),
        ("text/html", None, None),
        ("image/png", f"<ticket-{first.pk}@rendezvous>", f'inline; filename="ticket-{first.pk}.png"'),
        ("image/png", f"<ticket-{second.pk}@rendezvous>", f'inline; filename="ticket-{second.pk}.png"'),
        ("text/calendar", None, 'attachment; filename="spring.ics"'),
    ]
    html = html_of(message)
    assert f'src="cid:ticket-{first.pk}@rendezvous"' in html
    assert f'src="cid:ticket-{second.pk}@rendezvous"' in html
    images = [p for p in message.message().walk() if p.get_content_type() == "image/png"]
    # The image is the QR of the ticket's secret and nothing else.
    assert [p.get_payload(decode=True) for p in images] == [qr_png(first.secret), qr_png(second.secret)]


def test_confirmation_calendar_file_parses_and_names_the_event(event):
    message = build(OutgoingEmail.Kind.CONFIRMATION, order=confirmed_order(event))

    calendar = icalendar.Calendar.from_ical(message.attachments[0].content)

    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event_uid(event)
    assert vevent.decoded("DTSTART") == START
    assert str(vevent["SUMMARY"]) == "Spring meetup"


def test_confirmation_leaves_out_cancelled_tickets(event):
    order = confirmed_order(event, holders=["Ada Lovelace", "Grace Hopper"])
    Ticket.objects.filter(order=order, holder_name="Grace Hopper").update(status=Ticket.Status.CANCELLED)

    message = build(OutgoingEmail.Kind.CONFIRMATION, order=order)

    assert "Here is your ticket for Spring meetup." in message.body
    assert "- Ada Lovelace (Standard)\n\n" in message.body
    assert "Grace Hopper" not in message.body
    assert [p[0] for p in parts(message)].count("image/png") == 1


def test_confirmation_in_french(event):
    order = confirmed_order(event, language="fr")

    message = build(OutgoingEmail.Kind.CONFIRMATION, order=order)

    assert message.subject == "[Paris Python] Vos billets pour Spring meetup"
    assert message.extra_headers == {"Content-Language": "fr"}
    assert message.body.startswith("Bonjour Ada Lovelace,\n\n")
    assert f"Quand\u00a0: {WHEN_FR} (Europe/Paris (UTC+01:00))\n" in message.body
    assert "Où\u00a0: La Cantine, 12 rue de la Paix, Paris, France\n" in message.body
    html = html_of(message)
    assert html.startswith('<!DOCTYPE html><html lang="fr">')
    assert WHEN_FR in html
    assert ">Carte</a>" in html


def test_confirmation_of_an_order_no_longer_confirmed_is_not_built(event):
    order = confirmed_order(event, status=Order.Status.CANCELLED)

    assert build(OutgoingEmail.Kind.CONFIRMATION, order=order) is None


@pytest.mark.parametrize(
    ("language", "subject", "first_line"),
    [
        ("en", "[Paris Python] Reminder: Spring meetup, Thursday, March 14, 2030, 7:30 PM", "Hello Ada Lovelace,"),
        ("fr", "[Paris Python] Rappel\u00a0: Spring meetup, jeudi 14 mars 2030, 19:30", "Bonjour Ada Lovelace,"),
    ],
)
def test_reminder_in_both_languages_carries_the_tickets(event, language, subject, first_line):
    order = confirmed_order(event, language=language)
    ticket = order.tickets.get()

    message = build(OutgoingEmail.Kind.REMINDER, order=order, now=START - dt.timedelta(hours=20))

    assert message.subject == subject
    assert message.body.startswith(first_line + "\n\n")
    assert f'src="cid:ticket-{ticket.pk}@rendezvous"' in html_of(message)
    assert [p[0] for p in parts(message)] == [
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "image/png",
    ]


def test_pending_approval_in_both_languages(event):
    en = build(OutgoingEmail.Kind.PENDING_APPROVAL, order=confirmed_order(event, status=Order.Status.PENDING_APPROVAL))
    fr_order = confirmed_order(event, language="fr", status=Order.Status.PENDING_APPROVAL)
    fr = build(OutgoingEmail.Kind.PENDING_APPROVAL, order=fr_order)

    assert en.subject == "[Paris Python] Your registration for Spring meetup is waiting for approval"
    assert "The organisers of Spring meetup approve each registration. We will write to you as soon as they have " \
           "decided.\n" in en.body  # fmt: skip
    assert fr.subject == "[Paris Python] Votre inscription à Spring meetup attend une validation"
    assert parts(en) == [("multipart/alternative", None, None), ("text/plain", None, None), ("text/html", None, None)]


def test_approved_paid_order_carries_the_payment_link_and_deadline(event):
    hold = dt.datetime(2030, 3, 1, 11, 0, tzinfo=dt.UTC)
    common = {"status": Order.Status.PENDING_PAYMENT, "total": Decimal("12.50"), "hold_expires_at": hold,
              "stripe_checkout_url": "https://checkout.example.com/pay/cs_1", "confirmed_at": None}  # fmt: skip
    en = build(OutgoingEmail.Kind.APPROVED, order=confirmed_order(event, **common))
    fr = build(OutgoingEmail.Kind.APPROVED, order=confirmed_order(event, language="fr", **common))

    assert en.subject == "[Paris Python] Your registration for Spring meetup is approved: pay to confirm it"
    assert (
        "The organisers of Spring meetup approved your registration. Pay €12.50 to confirm your places; your "
        "tickets follow by e-mail.\nYour places are kept until Friday, March 1, 2030, 12:00 PM.\n"
    ) in en.body
    assert "Pay now:\nhttps://checkout.example.com/pay/cs_1\n" in en.body
    assert 'href="https://checkout.example.com/pay/cs_1"' in html_of(en)
    assert fr.subject == "[Paris Python] Votre inscription à Spring meetup est acceptée\u00a0: payez pour la confirmer"
    assert "12,50\u00a0€" in fr.body
    assert "vendredi 1 mars 2030, 12:00" in fr.body


def test_approved_without_a_checkout_session_links_to_the_order_page(event):
    order = confirmed_order(event, status=Order.Status.PENDING_PAYMENT, total=Decimal("5"), confirmed_at=None)

    message = build(OutgoingEmail.Kind.APPROVED, order=order)

    assert f"Pay now:\n{order_page_url(order)}\n" in message.body


def test_declined_carries_the_organiser_message_escaped_in_html(event):
    order = confirmed_order(event, status=Order.Status.DECLINED, confirmed_at=None)
    fr_order = confirmed_order(event, language="fr", status=Order.Status.DECLINED, confirmed_at=None)

    en = build(OutgoingEmail.Kind.DECLINED, order=order, note="Members only <sorry>.\nSee you next time!")
    fr = build(OutgoingEmail.Kind.DECLINED, order=fr_order, note="Réservé aux membres.")

    assert en.subject == "[Paris Python] Your registration for Spring meetup was not accepted"
    assert "accept your registration.\n\nTheir message:\nMembers only <sorry>.\nSee you next time!\n" in en.body
    assert "Members only &lt;sorry&gt;.\nSee you next time!</p>" in html_of(en)
    assert fr.subject == "[Paris Python] Votre inscription à Spring meetup n’a pas été acceptée"
    assert "Leur message\u00a0:\nRéservé aux membres.\n" in fr.body


def test_declined_without_message_says_only_that(event):
    order = confirmed_order(event, status=Order.Status.DECLINED, confirmed_at=None)

    message = build(OutgoingEmail.Kind.DECLINED, order=order)

    assert "Their message" not in message.body


def test_cancelled_in_both_languages(event):
    en = build(OutgoingEmail.Kind.CANCELLED, order=confirmed_order(event, status=Order.Status.CANCELLED))
    fr = build(OutgoingEmail.Kind.CANCELLED, order=confirmed_order(event, language="fr", status=Order.Status.CANCELLED))

    assert en.subject == "[Paris Python] Your registration for Spring meetup is cancelled"
    assert "Your registration for Spring meetup is cancelled and your tickets are no longer valid.\n" in en.body
    assert fr.subject == "[Paris Python] Votre inscription à Spring meetup est annulée"
    assert parts(en) == [("multipart/alternative", None, None), ("text/plain", None, None), ("text/html", None, None)]


def test_refund_after_a_cancellation_and_after_a_late_payment(event):
    refunded = {"status": Order.Status.REFUNDED, "total": Decimal("20")}
    cancelled = confirmed_order(event, **refunded)
    too_late = confirmed_order(event, confirmed_at=None, **refunded)
    fr = confirmed_order(event, language="fr", **refunded)

    after_cancel = build(OutgoingEmail.Kind.REFUNDED, order=cancelled)
    after_late_payment = build(OutgoingEmail.Kind.REFUNDED, order=too_late)
    in_french = build(OutgoingEmail.Kind.REFUNDED, order=fr)

    assert after_cancel.subject == "[Paris Python] Refund for Spring meetup"
    assert "Your registration for Spring meetup is cancelled and your tickets are no longer valid.\n\nWe refunded " \
           "your payment of €20.00 in full." in after_cancel.body  # fmt: skip
    assert "Your payment for Spring meetup arrived after the places you chose had been given to other people, so " \
           "you have no ticket.\n\nWe refunded your payment of €20.00 in full." in after_late_payment.body  # fmt: skip
    assert in_french.subject == "[Paris Python] Remboursement pour Spring meetup"
    assert "Nous vous avons remboursé 20,00\u00a0€ en totalité." in in_french.body


def test_payment_expired_in_both_languages(event):
    en = build(OutgoingEmail.Kind.PAYMENT_EXPIRED, order=confirmed_order(event, status=Order.Status.EXPIRED))
    fr_order = confirmed_order(event, language="fr", status=Order.Status.EXPIRED)
    fr = build(OutgoingEmail.Kind.PAYMENT_EXPIRED, order=fr_order)

    assert en.subject == "[Paris Python] Your registration for Spring meetup was not completed"
    assert "was not completed in time, so the places we were keeping for you have been released. Nothing was " \
           "charged.\n" in en.body  # fmt: skip
    assert 'href="http://localhost:8000/c/' in html_of(en)
    assert fr.subject == "[Paris Python] Votre inscription à Spring meetup n’a pas abouti"


def offered_entry(event, *, language="en", quantity=1, expires=START - dt.timedelta(days=2), email="sam@example.com"):
    return WaitingListEntryFactory(
        event=event, name="Sam Durand", email=email, language=language, quantity=quantity,
        status=WaitingListEntry.Status.OFFERED, offer_token=f"offer-token-{language}-{quantity}",
        offered_quantity=quantity, offered_at=expires - dt.timedelta(hours=24), offer_expires_at=expires,
    )  # fmt: skip


def test_offer_in_both_languages_has_the_claim_link_and_deadline(event):
    now = START - dt.timedelta(days=3)
    en = build(OutgoingEmail.Kind.OFFER, entry=offered_entry(event), now=now)
    fr_entry = offered_entry(event, language="fr", quantity=2, email="sami@example.com")
    fr = build(OutgoingEmail.Kind.OFFER, entry=fr_entry, now=now)

    assert en.subject == "[Paris Python] A place is free for you at Spring meetup"
    assert en.to == ["sam@example.com"]
    assert en.body.startswith("Hello Sam Durand,\n\nGood news: a place has opened up for Spring meetup")
    assert "Claim before Tuesday, March 12, 2030, 7:30 PM; after that the offer goes to the next person in line.\n" \
           in en.body  # fmt: skip
    assert "Claim my place:\nhttp://localhost:8000/waiting-list/offer/offer-token-en-1/\n" in en.body
    assert 'href="http://localhost:8000/waiting-list/offer/offer-token-en-1/"' in html_of(en)
    entry = WaitingListEntry.objects.get(email="sam@example.com")
    leave = f"http://localhost:8000/waiting-list/{entry.access_token}/"
    assert f"so that the place goes to the next person at once:\n{leave}\n" in en.body
    assert f'href="{leave}"' in html_of(en)
    assert "You receive this e-mail because you joined the waiting list for Spring meetup" in en.body
    assert fr.subject == "[Paris Python] 2 places vous attendent à Spring meetup"
    assert "mardi 12 mars 2030, 19:30" in fr.body


def test_offer_that_ran_out_or_was_claimed_is_not_built(event):
    expired = offered_entry(event)
    claimed = offered_entry(event, quantity=2, email="sami@example.com")
    WaitingListEntry.objects.filter(pk=claimed.pk).update(status=WaitingListEntry.Status.CLAIMED)

    assert build(OutgoingEmail.Kind.OFFER, entry=expired, now=expired.offer_expires_at) is None
    assert build(OutgoingEmail.Kind.OFFER, entry=claimed, now=START - dt.timedelta(days=3)) is None


def test_offer_expired_in_both_languages(event):
    en = build(OutgoingEmail.Kind.OFFER_EXPIRED, entry=offered_entry(event))
    fr = build(OutgoingEmail.Kind.OFFER_EXPIRED, entry=offered_entry(event, language="fr", email="sami@example.com"))

    assert en.subject == "[Paris Python] Your offer for Spring meetup has expired"
    assert "was not claimed in time, so it went to the next person in line, and you are no longer on the waiting " \
           "list.\n" in en.body  # fmt: skip
    assert fr.subject == "[Paris Python] Votre offre pour Spring meetup a expiré"


def test_confirmation_sent_over_real_smtp_arrives_with_its_parts(event, smtp_server):
    order = confirmed_order(event, holders=["Ada Lovelace"])
    ticket = order.tickets.get()
    email = notifications.record(kind=OutgoingEmail.Kind.CONFIRMATION, order=order, enqueue=False)

    assert emails.deliver(email_id=email.pk, now=START - dt.timedelta(days=1)) == "sent"

    (received,) = smtp_server.received
    assert (received.mail_from, received.rcpt_tos) == ("noreply@localhost", ["ada@example.com"])
    message = received.message
    assert message["Subject"] == "[Paris Python] Your tickets for Spring meetup"
    assert message["From"] == "Paris Python <noreply@localhost>"
    assert message["To"] == "ada@example.com"
    assert message["Reply-To"] is None
    assert message["Content-Language"] == "en"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "image/png",
        "text/calendar",
    ]
    assert message.get_body(("plain",)).get_content().startswith("Hello Ada Lovelace,\r\n")
    assert f'src="cid:ticket-{ticket.pk}@rendezvous"' in message.get_body(("html",)).get_content()
    image = next(p for p in message.walk() if p.get_content_type() == "image/png")
    assert (image["Content-ID"], image.get_content()) == (f"<ticket-{ticket.pk}@rendezvous>", qr_png(ticket.secret))
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    assert str(icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]["UID"]) == event_uid(event)
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.SENT

"""The registration page: tickets, holders, questions and consent in one form; bad input changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Answer, Order, Question, Ticket
from tests.attendees.factories import OrderFactory
from tests.attendees.helpers import assert_counters_match
from tests.factories import EventFactory, TicketTypeFactory, UserFactory


@pytest.fixture
def event(db):
    return EventFactory(title="Rust & Pizza", slug="rust-pizza", community__slug="lyon-rust", capacity=20)


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard", quantity=20)


def _url(event):
    return reverse("attendees:register", kwargs={"community": event.community.slug, "event": event.slug})


def _post(client, event, data, **kwargs):
    return client.post(_url(event), data, **kwargs)


def _form(ticket_type, quantity=1, **extra):
    return {
        f"quantity_{ticket_type.pk}": str(quantity),
        "buyer_name": "Alex Martin",
        "buyer_email": "Alex@Example.com",
        **extra,
    }


def test_register_page_shows_ticket_types_and_empty_details(client, standard):
    TicketTypeFactory(event=standard.event, name="Supporter", price=Decimal("15.00"), quantity=5, position=1)

    response = client.get(_url(standard.event))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Register</h1>" in html
    assert "Rust &amp; Pizza" in html
    assert html.count('data-quantity=""') == 2
    assert "€15.00" in html
    assert 'name="buyer_email"' in html
    assert 'value="Alex' not in html
    assert "Send me news about future events of" in html
    assert 'name="marketing_consent"' in html and "checked" not in html.split('name="marketing_consent"')[1][:40]
    assert "You pay securely on Stripe" in html


def test_register_page_signed_in_fan_gets_details_filled_in(client, standard):
    user = UserFactory(first_name="Camille", last_name="Durand", email="camille@example.com")
    client.force_login(user)

    html = client.get(_url(standard.event)).content.decode()

    assert 'value="Camille Durand"' in html
    assert 'value="camille@example.com"' in html


def test_register_free_ticket_confirms_and_shows_the_order(client, standard):
    response = _post(client, standard.event, _form(standard))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("attendees:order", kwargs={"token": order.access_token})
    assert (order.status, order.buyer_name, order.buyer_email, order.user) == (
        Order.Status.CONFIRMED,
        "Alex Martin",
        "alex@example.com",
        None,
    )
    assert list(order.tickets.values_list("holder_name", "holder_email", "ticket_type")) == [
        ("Alex Martin", "alex@example.com", standard.pk)
    ]
    assert (order.marketing_consent, order.marketing_consent_at) == (False, None)
    assert_counters_match(standard.event)


def test_register_signed_in_fan_order_is_attached(client, standard):
    user = UserFactory()
    client.force_login(user)

    _post(client, standard.event, _form(standard))

    assert Order.objects.get().user == user


def test_register_marketing_consent_is_stored_with_its_time(client, standard):
    before = timezone.now()

    _post(client, standard.event, _form(standard, marketing_consent="on"))

    order = Order.objects.get()
    assert order.marketing_consent is True
    assert before <= order.marketing_consent_at <= timezone.now()


def test_register_several_tickets_with_holders(client, standard):
    data = _form(
        standard,
        quantity=3,
        holder_1_name="Sam Durand",
        holder_1_email="sam@example.com",
        holder_2_name="Lou Petit",
        holder_2_email="",
    )

    _post(client, standard.event, data)

    order = Order.objects.get()
    assert list(order.tickets.order_by("pk").values_list("holder_name", "holder_email")) == [
        ("Alex Martin", "alex@example.com"),
        ("Sam Durand", "sam@example.com"),
        ("Lou Petit", "alex@example.com"),
    ]
    assert_counters_match(standard.event)


def test_register_more_tickets_than_holders_shown_asks_for_the_names_without_js(client, standard):
    response = _post(client, standard.event, _form(standard, quantity=2))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Now give the name of each ticket holder, then confirm." in html
    assert '<fieldset class="card fan-section fan-holder" data-holder="1">' in html
    assert 'data-holder="2"' not in html  # only the blocks shown are rendered
    assert '<fieldset class="card fan-section fan-holder" data-holder="__index__" hidden disabled>' in html
    assert 'value="Alex Martin"' in html
    assert "This field is required" not in html
    assert Order.objects.count() == 0


def test_register_holder_block_shown_but_left_empty_is_an_error(client, standard):
    response = _post(client, standard.event, _form(standard, quantity=2, holder_1_name=" ", holder_1_email=""))

    html = response.content.decode()
    assert response.status_code == 400
    assert "You are not registered yet." in html
    assert "This field is required." in html
    assert Order.objects.count() == 0


def test_register_paid_ticket_goes_to_stripe_checkout(client, event, fake_stripe):
    paid = TicketTypeFactory(event=event, name="Supporter", price=Decimal("12.50"), quantity=10)

    response = _post(client, event, _form(paid))

    order = Order.objects.get()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert response.status_code == 302
    assert response["Location"] == order.stripe_checkout_url
    assert response["Location"].startswith(fake_stripe.base_url + "/pay/cs_")
    assert_counters_match(event)


def test_register_paid_ticket_without_stripe_keys_says_payments_are_not_set_up(client, event, settings):
    settings.STRIPE_SECRET_KEY = ""
    paid = TicketTypeFactory(event=event, price=Decimal("12.50"), quantity=10)

    response = _post(client, event, _form(paid))

    assert response.status_code == 409
    assert "Payments are not set up for this event yet." in response.content.decode()
    assert Order.objects.count() == 0


def test_register_saves_answers_with_the_order(client, standard):
    diet = Question.objects.create(
        event=standard.event, label="Diet", kind=Question.Kind.SINGLE_CHOICE, choices="None\nVegan", required=True
    )
    coc = Question.objects.create(
        event=standard.event, label="I accept the code of conduct", kind=Question.Kind.REQUIRED_CHECKBOX, required=True
    )
    company = Question.objects.create(event=standard.event, label="Company", per_ticket=True)
    data = _form(
        standard,
        quantity=2,
        holder_1_name="Sam Durand",
        **{
            f"question_{diet.pk}": "Vegan",
            f"question_{coc.pk}": "on",
            f"question_{company.pk}_0": "Acme",
            f"question_{company.pk}_1": "Globex",
        },
    )

    _post(client, standard.event, data)

    order = Order.objects.get()
    tickets = list(order.tickets.order_by("pk"))
    assert sorted(Answer.objects.filter(order=order).values_list("question__label", "ticket", "value")) == [
        ("Company", tickets[0].pk, "Acme"),
        ("Company", tickets[1].pk, "Globex"),
        ("Diet", None, "Vegan"),
        ("I accept the code of conduct", None, "yes"),
    ]


def test_register_page_renders_the_questions(client, standard):
    Question.objects.create(event=standard.event, label="Diet", kind=Question.Kind.SINGLE_CHOICE, choices="A\nB")
    Question.objects.create(
        event=standard.event, label="Code of conduct", kind=Question.Kind.REQUIRED_CHECKBOX, required=True
    )
    Question.objects.create(event=standard.event, label="Company", per_ticket=True, help_text="Where you work")

    html = client.get(_url(standard.event)).content.decode()

    assert "A few questions" in html
    assert "Diet" in html and '<option value="A">A</option>' in html
    assert "Code of conduct" in html
    assert html.count("Where you work") == 2  # the buyer's block, and the prototype the script copies
    assert 'name="question_' in html and '___index__"' in html


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (Question.Kind.REQUIRED_CHECKBOX, None, "This field is required."),
        (Question.Kind.SHORT_TEXT, "", "This field is required."),
        (Question.Kind.SINGLE_CHOICE, "Not a choice", "Select a valid choice."),
    ],
)
def test_register_missing_or_bad_answer_is_refused(client, standard, kind, value, message):
    question = Question.objects.create(event=standard.event, label="Q", kind=kind, choices="A\nB", required=True)
    data = _form(standard)
    if value is not None:
        data[f"question_{question.pk}"] = value

    response = _post(client, standard.event, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Order.objects.count() == 0
    assert_counters_match(standard.event)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Choose at least one ticket."),
        ("11", "Select a valid choice. 11 is not one of the available choices."),
        ("-1", "Select a valid choice."),
        ("two", "Select a valid choice."),
        ("", "This field is required."),
    ],
)
def test_register_bad_quantities_are_refused(client, standard, quantity, message):
    response = _post(client, standard.event, _form(standard, quantity=quantity))

    assert response.status_code in (400, 409)
    assert message in response.content.decode()
    assert Order.objects.count() == 0


def test_register_more_than_the_limit_across_types_is_refused(client, standard):
    other = TicketTypeFactory(event=standard.event, name="Other", quantity=20)
    data = _form(standard, quantity=6, **{f"quantity_{other.pk}": "6"})
    data.update({f"holder_{i}_name": f"Holder {i}" for i in range(1, 12)})

    response = _post(client, standard.event, data)

    assert response.status_code == 409
    assert "You can take at most 10 tickets at once." in response.content.decode()
    assert Order.objects.count() == 0


def test_register_more_than_left_is_refused(client, standard):
    standard.event.capacity = 2
    standard.event.save()
    data = _form(standard, quantity=3, holder_1_name="B", holder_2_name="C")

    response = _post(client, standard.event, data)

    assert response.status_code == 400
    assert "Select a valid choice. 3 is not one of the available choices." in response.content.decode()
    assert Order.objects.count() == 0


def test_register_malformed_email_is_refused(client, standard):
    response = _post(client, standard.event, _form(standard, buyer_email="alex@"))

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert Order.objects.count() == 0


def test_register_twice_with_the_same_email_is_refused(client, standard):
    _post(client, standard.event, _form(standard))

    response = _post(client, standard.event, _form(standard))

    assert response.status_code == 409
    assert "This e-mail address is already registered for this event." in response.content.decode()
    assert Order.objects.count() == 1
    assert_counters_match(standard.event)


def test_register_ticket_type_of_another_event_is_ignored_and_refused(client, standard):
    foreign = TicketTypeFactory(name="Elsewhere")
    data = {**_form(standard, quantity=0), f"quantity_{foreign.pk}": "1"}

    response = _post(client, standard.event, data)

    assert response.status_code == 409
    assert "Choose at least one ticket." in response.content.decode()
    assert Order.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_register_closed_event_shows_why_and_refuses_posts(client, standard):
    standard.event.registration_closes_at = timezone.now() - dt.timedelta(hours=1)
    standard.event.save()

    page = client.get(_url(standard.event))
    posted = _post(client, standard.event, _form(standard))

    assert "Registration for this event is closed." in page.content.decode()
    assert "Registration for this event is closed." in posted.content.decode()
    assert "<form" not in page.content.decode().split("<main")[1]
    assert Order.objects.count() == 0


def test_register_cancelled_event_shows_why(client, standard):
    standard.event.status = "cancelled"
    standard.event.save()

    response = _post(client, standard.event, _form(standard))

    assert "This event has been cancelled." in response.content.decode()
    assert Order.objects.count() == 0


def test_register_sold_out_event_offers_the_waiting_list(client, standard):
    standard.event.capacity = 1
    standard.event.save()
    OrderFactory(event=standard.event)
    standard.event.seats_taken = 1
    standard.event.save()

    html = client.get(_url(standard.event)).content.decode()

    assert "This event is sold out." in html
    assert reverse("attendees:waitinglist_join", kwargs={"community": "lyon-rust", "event": "rust-pizza"}) in html


def test_register_draft_or_unknown_event_is_404(client, standard):
    standard.event.status = "draft"
    standard.event.save()

    assert client.get(_url(standard.event)).status_code == 404
    assert client.get(reverse("attendees:register", kwargs={"community": "x", "event": "y"})).status_code == 404


def test_register_put_is_not_allowed(client, standard):
    assert client.put(_url(standard.event)).status_code == 405


def test_event_page_links_to_registration_when_open(client, standard):
    html = client.get(standard.event.get_absolute_url()).content.decode()

    assert f'href="{_url(standard.event)}">Get tickets</a>' in html


def test_event_page_offers_the_waiting_list_when_sold_out(client, standard):
    standard.event.capacity = 1
    standard.event.seats_taken = 1
    standard.event.save()

    html = client.get(standard.event.get_absolute_url()).content.decode()

    assert ">Join the waiting list</a>" in html
    assert _url(standard.event) not in html


# Quantity choices and the waiting list as the event's settings say


def _options(html: str, name: str) -> list[str]:
    import re

    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, f"no select {name}"
    return re.findall(r'<option value="(\d+)"', select.group(1))


def _take(ticket_type, count, email="taken@example.com"):
    from attendees.services import place_order

    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: count},
        holders=[(f"Taken {i}", email) for i in range(count)],
        buyer_name="Taken",
        buyer_email=email,
    )


@pytest.mark.parametrize("most", [1, 3, 25])
def test_register_page_quantity_choices_follow_the_events_ticket_limit(client, db, most):
    event = EventFactory(capacity=40, max_tickets_per_order=most)
    ticket_type = TicketTypeFactory(event=event, quantity=40)

    html = client.get(_url(event)).content.decode()

    assert _options(html, f"quantity_{ticket_type.pk}") == [str(n) for n in range(most + 1)]
    # No extra block is rendered; the script copies the prototype when more tickets are picked.
    assert html.count('class="card fan-section fan-holder"') == (1 if most > 1 else 0)
    assert ("<template data-holder-template>" in html) == (most > 1)


def test_register_page_quantity_choices_stop_at_the_places_left(client, standard):
    standard.event.capacity, standard.event.max_tickets_per_order = 5, 10
    standard.event.save()
    _take(standard, 3)

    html = client.get(_url(standard.event)).content.decode()

    assert _options(html, f"quantity_{standard.pk}") == ["0", "1", "2"]


def test_register_page_quantity_choices_stop_at_the_ticket_types_quantity_left(client, standard):
    small = TicketTypeFactory(event=standard.event, name="Front row", quantity=4)
    _take(small, 2)

    html = client.get(_url(standard.event)).content.decode()

    assert _options(html, f"quantity_{small.pk}") == ["0", "1", "2"]
    assert _options(html, f"quantity_{standard.pk}") == [str(n) for n in range(11)]


def test_register_sold_out_without_waiting_list_just_says_sold_out(client, standard):
    standard.event.capacity, standard.event.waiting_list_enabled = 1, False
    standard.event.save()
    _take(standard, 1)

    html = client.get(_url(standard.event)).content.decode()

    assert "This event is sold out." in html
    assert "waiting" not in html.lower()
    assert 'name="buyer_email"' not in html


def test_event_page_sold_out_without_waiting_list_offers_nothing(client, standard):
    standard.event.capacity, standard.event.waiting_list_enabled = 1, False
    standard.event.save()
    _take(standard, 1)

    html = client.get(standard.event.get_absolute_url()).content.decode()

    assert "<strong>Sold out.</strong> Every place has been taken." in html
    assert "Join the waiting list" not in html
    assert reverse("attendees:waitinglist_join", kwargs={"community": "lyon-rust", "event": "rust-pizza"}) not in html
    assert _url(standard.event) not in html


@pytest.mark.parametrize("waiting_list", [True, False])
def test_register_every_ticket_type_sold_out_is_sold_out_even_without_event_capacity(client, standard, waiting_list):
    standard.event.capacity, standard.event.waiting_list_enabled = None, waiting_list
    standard.event.save()
    standard.quantity = 1
    standard.save()
    _take(standard, 1)

    html = client.get(_url(standard.event)).content.decode()

    join_url = reverse("attendees:waitinglist_join", kwargs={"community": "lyon-rust", "event": "rust-pizza"})
    assert "This event is sold out." in html
    assert (join_url in html) is waiting_list
    assert 'name="buyer_email"' not in html
    response = _post(client, standard.event, _form(standard))
    assert "This event is sold out." in response.content.decode()
    assert Order.objects.count() == 1


# The closed page from the page cache (most buyers of a sale burst get it)


def _sold_out(standard):
    standard.event.capacity, standard.event.waiting_list_enabled = 1, False
    standard.event.save()
    return _take(standard, 1)


def test_register_sold_out_page_second_anonymous_visit_costs_one_query(client, standard, django_assert_num_queries):
    from events.pagecache import CACHE_HEADER

    _sold_out(standard)
    first = client.get(_url(standard.event))

    with django_assert_num_queries(1):
        second = client.get(_url(standard.event))

    assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("miss", "hit")
    assert second.content == first.content
    assert "This event is sold out." in second.content.decode()
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_register_sold_out_page_shows_the_form_again_once_a_place_frees_up(client, standard):
    from attendees.services import cancel_order
    from events.pagecache import CACHE_HEADER

    order = _sold_out(standard)
    client.get(_url(standard.event))
    cancel_order(order=order)

    response = client.get(_url(standard.event))

    assert response[CACHE_HEADER] == "miss"
    assert 'name="buyer_email"' in response.content.decode()
    assert "This event is sold out." not in response.content.decode()


def test_register_form_page_is_never_kept_in_the_page_cache(client, standard):
    from events.pagecache import CACHE_HEADER

    first = client.get(_url(standard.event))
    second = client.get(_url(standard.event))

    assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("miss", "miss")
    assert "csrfmiddlewaretoken" in second.content.decode()


def test_register_sold_out_page_is_not_shared_with_a_signed_in_fan(client, standard):
    from events.pagecache import CACHE_HEADER

    _sold_out(standard)
    client.get(_url(standard.event))
    client.force_login(UserFactory())

    response = client.get(_url(standard.event))

    assert CACHE_HEADER not in response
    assert "This event is sold out." in response.content.decode()


def test_register_cached_sold_out_page_of_a_draft_is_404(client, standard):
    _sold_out(standard)
    client.get(_url(standard.event))
    standard.event.status = "draft"
    standard.event.save()

    assert client.get(_url(standard.event)).status_code == 404


# Holder blocks: only those shown are rendered; the script copies the prototype, the server asks without JS


def test_register_page_renders_one_holder_prototype_and_no_hidden_blocks(client, standard):
    html = client.get(_url(standard.event)).content.decode()

    assert 'data-holder="1"' not in html
    template = html.split("<template data-holder-template>")[1].split("</template>")[0]
    assert '<fieldset class="card fan-section fan-holder" data-holder="__index__" hidden disabled>' in template
    assert '<legend class="fan-holder__title">Ticket __number__</legend>' in template
    assert 'name="holder___index___name"' in template and 'id="id_holder___index___name"' in template
    assert 'name="holder___index___email"' in template
    assert "Leave empty to get this ticket yourself." in template
    assert html.count("<template data-holder-template>") == 1


def test_register_without_js_second_submit_with_the_names_confirms_the_order(client, standard):
    first = _post(client, standard.event, _form(standard, quantity=3))
    assert '<fieldset class="card fan-section fan-holder" data-holder="2">' in first.content.decode()
    assert 'data-holder="3"' not in first.content.decode()

    response = _post(
        client,
        standard.event,
        _form(standard, quantity=3, holder_1_name="Sam Durand", holder_2_name="Lou Petit", holder_2_email="lou@x.org"),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert sorted(order.tickets.values_list("holder_name", "holder_email")) == [
        ("Alex Martin", "alex@example.com"),
        ("Lou Petit", "lou@x.org"),
        ("Sam Durand", "alex@example.com"),
    ]


def test_register_posted_page_keeps_the_prototype_until_the_limit(client, standard):
    standard.event.max_tickets_per_order = 2
    standard.event.save()

    html = _post(client, standard.event, _form(standard, quantity=2)).content.decode()

    assert '<fieldset class="card fan-section fan-holder" data-holder="1">' in html
    assert "<template data-holder-template>" not in html  # every block the limit allows is already there


# What a buyer costs (the sale burst: every buyer GETs the open form, then POSTs it)


@pytest.mark.parametrize("types", [1, 3])
def test_register_open_form_anonymous_get_costs_four_queries(client, event, types, django_assert_num_queries):
    for position in range(types):
        TicketTypeFactory(event=event, name=f"Type {position}", quantity=20, position=position)

    # The page's version (the cache's key), the event with its community and venue, the ticket types, the questions.
    with django_assert_num_queries(4):
        response = client.get(_url(event))

    assert response.content.decode().count('data-quantity=""') == types
    assert 'name="holder_1_name"' not in response.content.decode()


@pytest.mark.parametrize("types", [1, 3])
def test_register_post_one_ticket_costs_eighteen_queries(client, event, types, django_assert_num_queries):
    ticket_types = [
        TicketTypeFactory(event=event, name=f"Type {position}", quantity=20, position=position)
        for position in range(types)
    ]

    # The event's questions are read once, by the page, and handed to place_order.
    with django_assert_num_queries(18):  # 17, and whether the community flagged this person
        response = _post(client, event, _form(ticket_types[0], **{f"quantity_{t.pk}": "0" for t in ticket_types[1:]}))

    order = Order.objects.get()
    assert response["Location"] == reverse("attendees:order", kwargs={"token": order.access_token})
    assert Ticket.objects.filter(order=order).count() == 1

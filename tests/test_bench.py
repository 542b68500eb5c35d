"""The benchmarks' own helpers: percentiles, tables, and the sale bench reading and sending the registration form."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from attendees.models import Order
from attendees.services import place_order
from bench import common, sale
from tests.factories import EventFactory, TicketTypeFactory


def test_percentile_of_values_interpolates_between_neighbours():
    values = [float(n) for n in range(1, 101)]

    assert common.percentile(values, 50) == 50.5
    assert common.percentile(values, 99) == pytest.approx(99.01)


@pytest.mark.parametrize(("values", "expected"), [([], 0.0), ([0.25], 0.25)])
def test_percentile_of_fewer_than_two_values_is_the_value_or_zero(values, expected):
    assert common.percentile(values, 99) == expected


def test_table_as_text_pads_each_column_to_its_widest_cell():
    columns = [("run", "<"), ("sold", ">"), ("p99 ms", ">")]

    text = common.table(columns, [["free", "300", "12"], ["paid", "3", "1250"]])

    assert text == "run  sold p99 ms\nfree  300     12\npaid    3   1250"


def test_table_as_markdown_aligns_right_columns_right():
    columns = [("run", "<"), ("sold", ">")]

    text = common.table(columns, [["free", "300"]], markdown=True)

    assert text == "| run | sold |\n| --- | ---: |\n| free | 300 |"


PAGE = """
<form method="post" action="/search/"><input name="q" value="ignored"></form>
<form method="post" class="form" data-register>
  <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
  <select name="quantity_7"><option value="0">0</option><option value="1" selected>1</option></select>
  <select name="choice"><option>First</option><option>Second</option></select>
  <input type="text" name="buyer_name" required>
  <input type="email" name="buyer_email">
  <textarea name="comment">
Hello</textarea>
  <fieldset hidden disabled>
    <input name="holder_1_name" value="x"><select name="holder_1_pick"><option>a</option></select>
  </fieldset>
  <input type="text" name="switched_off" value="x" disabled>
  <input type="checkbox" name="marketing_consent">
  <input type="checkbox" name="coc" value="yes" checked>
  <button type="submit">Register</button>
</form>
"""


def test_form_fields_are_what_a_browser_submits_from_the_registration_form():
    fields = sale.form_fields(PAGE)

    assert fields == [
        ("csrfmiddlewaretoken", "tok&en"),
        ("quantity_7", "1"),
        ("choice", "First"),
        ("buyer_name", ""),
        ("buyer_email", ""),
        ("comment", "Hello"),
        ("coc", "yes"),
    ]


def test_form_fields_of_a_page_without_the_registration_form_is_none():
    assert sale.form_fields("<p>This event is sold out.</p><form><input name='q'></form>") is None


def test_fill_in_types_the_buyer_in_and_keeps_the_rest():
    fields = [("csrfmiddlewaretoken", "t"), ("quantity_7", "1"), ("buyer_name", ""), ("buyer_email", "")]

    filled = sale.fill_in(fields, name="Buyer 3", email="buyer3@bench.example")

    expected = [("csrfmiddlewaretoken", "t"), ("quantity_7", "1")]
    assert filled == [*expected, ("buyer_name", "Buyer 3"), ("buyer_email", "buyer3@bench.example")]


@pytest.mark.parametrize(
    "fields",
    [
        [("quantity_7", "1"), ("buyer_name", ""), ("buyer_email", "")],
        [("csrfmiddlewaretoken", "t"), ("quantity_7", "0"), ("buyer_name", ""), ("buyer_email", "")],
        [
            ("csrfmiddlewaretoken", "t"),
            ("quantity_7", "1"),
            ("quantity_8", "1"),
            ("buyer_name", ""),
            ("buyer_email", ""),
        ],
        [("csrfmiddlewaretoken", "t"), ("quantity_7", "1"), ("buyer_name", "")],
    ],
)
def test_fill_in_of_another_form_than_expected_is_none(fields):
    assert sale.fill_in(fields, name="B", email="b@bench.example") is None


@pytest.mark.django_db
def test_sale_buyer_form_read_from_the_real_page_registers_with_csrf_checks():
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    event = ticket_type.event
    path = reverse("attendees:register", kwargs={"community": event.community.slug, "event": event.slug})
    browser = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})

    fields = sale.form_fields(browser.get(path).content.decode())
    filled = sale.fill_in(fields, name="Buyer 1", email="buyer1@bench.example")
    response = browser.post(path, urlencode(filled), content_type="application/x-www-form-urlencoded")

    order = Order.objects.get(event=event)
    assert (order.buyer_name, order.buyer_email, order.status) == ("Buyer 1", "buyer1@bench.example", "confirmed")
    assert list(order.tickets.values_list("ticket_type", flat=True)) == [ticket_type.pk]
    assert response.status_code == 302
    assert response["Location"] == reverse("attendees:order", kwargs={"token": order.access_token})


@pytest.mark.django_db
def test_sale_sold_out_answers_carry_the_marker_the_bench_counts_as_refusals():
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1), quantity=1)
    event = ticket_type.event
    path = reverse("attendees:register", kwargs={"community": event.community.slug, "event": event.slug})
    browser = Client(headers={"Accept-Language": "en"})
    filled = sale.fill_in(sale.form_fields(browser.get(path).content.decode()), name="Late", email="late@bench.example")
    place_order(
        event=event, quantities={ticket_type.pk: 1}, holders=[("First", "first@bench.example")],
        buyer_name="First", buyer_email="first@bench.example",
    )  # fmt: skip

    posted = browser.post(path, urlencode(filled), content_type="application/x-www-form-urlencoded")
    page = browser.get(path)

    assert sale.SOLD_OUT in posted.content
    assert sale.SOLD_OUT in page.content
    assert sale.form_fields(page.content.decode()) is None
    assert list(Order.objects.values_list("buyer_email", flat=True)) == ["first@bench.example"]


def test_cpu_used_counts_a_process_that_started_in_between_from_zero():
    before = ({10: 1.0}, {20: 5.0}, 2.0, (100.0, 400.0))
    after = ({10: 1.5, 11: 0.25}, {20: 5.5}, 2.75, (101.0, 402.0))

    used = common.cpu_used(before, after)

    assert (used.server, used.database, used.this_process) == (0.75, 0.5, 0.75)
    assert (used.machine_busy, used.machine_total, used.busy_share) == (1.0, 2.0, 0.5)


def test_cpu_used_without_processes_or_machine_figures_says_none_and_sums_stay_none():
    used = common.cpu_used(({}, {}, 0.0, None), ({}, {}, 1.0, None))

    assert (used.server, used.database, used.machine_busy, used.busy_share) == (None, None, None, None)
    total = common.CpuUse() + used
    assert (total.server, total.this_process) == (None, 1.0)
    assert (common.CpuUse() + common.CpuUse(server=2.0)).server == 2.0

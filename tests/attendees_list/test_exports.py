"""The CSV export (formula injection, non-ASCII, a round trip through Python's csv module) and the door list."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from attendees.exports import BOM, neutralise
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.attendees_list.conftest import EVERYONE
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def url(event, name, query=""):
    address = reverse(f"attendees_list:{name}", kwargs={"community": event.community.slug, "event": event.slug})
    return f"{address}?{query}" if query else address


def download(client, event, query="") -> tuple[object, str]:
    response = client.get(url(event, "export", query))
    return response, b"".join(response.streaming_content).decode("utf-8")


def parse(body: str) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :])))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ada = fine", "Ada = fine"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise(value, cell):
    assert neutralise(value) == cell


def test_export_is_a_streamed_utf8_csv_with_bom_that_round_trips(organiser_client, crowd):
    response, body = download(organiser_client, crowd.event)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{crowd.event.slug}-attendees.csv"'
    rows = parse(body)
    assert rows[0] == [
        "Name",
        "E-mail",
        "Ticket type",
        "Status",
        "Registered at",
        "Checked in at",
        "Door",
        "Agrees to news of future events",
        "Tags",
        "Note",
        "Reference",
        "T-shirt size",
        "Diet",
        "Code of conduct",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == EVERYONE
    ada = by_name["Ada Lovelace"]
    assert ada[:4] + ada[6:] == [
        "Ada Lovelace",
        "ada@acme.com",
        "Standard",
        "Confirmed",
        "Main door",
        "Yes",
        "speaker",
        "Gives the opening talk",
        crowd.tickets["ada"].order.reference,
        "M",
        "Vegan, No nuts",
        "Yes",
    ]
    assert by_name["Carl Cox"][1] == "'=carl@d.com"  # formula neutralised
    assert by_name["Wendy Waits"][2:5] == ["", "Waiting list", by_name["Wendy Waits"][4]]
    assert by_name["Zoé Zhang"][8] == "sponsor"


def test_export_times_are_in_the_event_time_zone(organiser_client, crowd):
    _response, body = download(organiser_client, crowd.event, "q=ada")

    checked_in = crowd.tickets["ada"].checked_in_at
    assert parse(body)[1][5] == checked_in.astimezone(ZoneInfo(crowd.event.time_zone)).strftime("%Y-%m-%d %H:%M")


def test_export_follows_the_filters_and_sort(organiser_client, crowd):
    _response, body = download(organiser_client, crowd.event, "status=confirmed&status=waiting&sort=-name")

    assert [row[0] for row in parse(body)[1:]] == ["Wendy Waits", "Olga Offered", "Ivan Ivanov", "Ada Lovelace"]


def test_export_neutralises_formulas_in_every_cell_organisers_and_fans_type(organiser_client, community):
    event = EventFactory(community=community)
    ticket_type = TicketTypeFactory(event=event, name="@VIP")
    evil = ['=cmd|"/c calc"!A1', "+1+1", "-1-1", "@A1", "\t=1", "\r=1"]
    for value in evil:
        TicketFactory(order=OrderFactory(event=event), ticket_type=ticket_type, holder_name=value, holder_email="x@y.z")

    _response, body = download(organiser_client, event)

    rows = parse(body)[1:]
    assert sorted(row[0] for row in rows) == sorted("'" + value for value in evil)
    assert {row[2] for row in rows} == {"'@VIP"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_export_keeps_non_ascii_names_whole(organiser_client, community):
    event = EventFactory(community=community)
    names = ["Łukasz Żółć", "Ærøskøbing Ødegård", "Дмитрий Иванов", "李小龍", 'Zoë "the" O\'Neil, Jr.']
    for name in names:
        TicketFactory(order=OrderFactory(event=event), holder_name=name, holder_email="p@example.com")

    raw = b"".join(organiser_client.get(url(event, "export")).streaming_content)

    assert raw.startswith(b"\xef\xbb\xbf")
    assert sorted(row[0] for row in parse(raw.decode("utf-8"))[1:]) == sorted(names)


def test_export_headers_in_the_organisers_language_even_after_the_request(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event, "export"), HTTP_ACCEPT_LANGUAGE="fr")
    translation.activate("en")  # the rows are written later, perhaps in another language's context

    header = parse(b"".join(response.streaming_content).decode())[0]

    # (words already in the French catalogue; the new ones follow once the catalogue is merged)
    assert header[:3] == ["Nom", "E-mail", "Type de billet"]


def test_door_list_is_sorted_by_name_with_confirmed_people_by_default(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event, "door_list", "sort=-registered"))

    content = response.content.decode()
    assert [row.name for row in response.context["rows"]] == ["Ada Lovelace", "Ivan Ivanov"]
    assert "@page { size: A4" in open_static("attendees/door-list.css")
    assert content.count('class="dl-box dl-box--ticked"') == 2
    assert "2 people · Confirmed · 2 already checked in" in " ".join(content.split())


def test_door_list_follows_the_filters(organiser_client, crowd):
    response = organiser_client.get(url(crowd.event, "door_list", "status=pending_approval&status=waiting"))

    assert [row.name for row in response.context["rows"]] == ["Olga Offered", "Wendy Waits", "Zoé Zhang"]
    assert response.content.decode().count('class="dl-box"') == 3


def open_static(path: str) -> str:
    with open(finders.find(path), encoding="utf-8") as file:
        return file.read()

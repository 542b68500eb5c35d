"""Tests for events.dataversion: every committed write moves the version on, however it is made; reads never do."""

import threading

import pytest
from django.apps import apps
from django.db import connection, connections, transaction

from attendees.models import Fan, Tag, Ticket
from events import dataversion
from events.models import Community
from tests.attendees.factories import TicketFactory
from tests.factories import CommunityFactory


@pytest.fixture
def fan(db):
    return Fan.objects.create(community=CommunityFactory(), email="camille@example.com", name="Camille")


def triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [dataversion.TRIGGER],
            )
            return {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        names = set(cursor.fetchall())
    # SQLite: one trigger for each of insert, update and delete.
    kinds = ("insert", "update", "delete")
    return {table for table, _n in names if all((table, f"{dataversion.TRIGGER}_{table}_{k}") in names for k in kinds)}


def test_every_table_a_page_can_show_has_the_trigger(db):
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in dataversion.UNWATCHED_APPS
    }

    assert {"attendees_ticket", "attendees_fan_tags", "checkin_checkin", "auth_user"} <= tables
    assert tables <= triggered_tables()
    assert "django_session" not in triggered_tables()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda fan: Fan.objects.filter(pk=fan.pk).update(note="Brings stickers"), id="update"),
        pytest.param(lambda fan: fan.save(), id="save"),
        pytest.param(lambda fan: fan.tags.add(Tag.objects.create(community=fan.community, name="speaker")), id="m2m"),
        pytest.param(lambda fan: Fan.objects.filter(pk=fan.pk).delete(), id="delete"),
        pytest.param(
            lambda fan: Fan.objects.bulk_create(Fan(community=fan.community, email=f"{i}@a.org") for i in range(3)),
            id="bulk insert",
        ),
        pytest.param(
            lambda fan: connection.cursor().execute("UPDATE attendees_fan SET name = %s", ["Raw"]), id="raw SQL"
        ),
    ],
)
def test_a_write_of_any_kind_moves_the_version_on(fan, write):
    before = dataversion.current()

    write(fan)

    assert dataversion.current() > before


def test_reads_and_rolled_back_writes_leave_it_alone(fan):
    before = dataversion.current()

    list(Fan.objects.all())
    Community.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Fan.objects.update(note="never kept")
        raise RuntimeError

    assert dataversion.current() == before


def test_ticket_changes_through_a_relation_count_too(db):
    ticket = TicketFactory()
    before = dataversion.current()

    Ticket.objects.filter(order__event=ticket.order.event).update(holder_name="Renamed")

    assert dataversion.current() > before


def test_installing_again_keeps_one_trigger_a_table(db):
    community = CommunityFactory()
    dataversion.install_triggers()
    dataversion.install_triggers()
    before = dataversion.current()

    Fan.objects.create(community=community, email="once@example.com")

    assert dataversion.current() == before + 1


def test_a_table_that_lost_its_trigger_gets_it_back_at_the_next_migrate(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {dataversion.TRIGGER} ON attendees_tag")
        else:
            for kind in ("insert", "update", "delete"):
                cursor.execute(f'DROP TRIGGER "{dataversion.TRIGGER}_attendees_tag_{kind}"')
    assert "attendees_tag" not in triggered_tables()

    dataversion.install_triggers()

    assert "attendees_tag" in triggered_tables()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
@pytest.mark.django_db(transaction=True)
def test_writers_never_wait_for_each_other_and_each_commit_counts():
    community = CommunityFactory()
    before = dataversion.current()
    first_wrote, second_done = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                Fan.objects.create(community=community, email="first@example.com")
                first_wrote.set()
                # Still holding its count's row: the second writer must not wait for it.
                if not second_done.wait(timeout=10):
                    errors.append("the second writer waited for the first")
        finally:
            connections.close_all()

    def second():
        try:
            first_wrote.wait(timeout=10)
            with transaction.atomic():
                Fan.objects.create(community=community, email="second@example.com")
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert dataversion.current() == before + 2

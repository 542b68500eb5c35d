"""Load (or refresh) the demo: communities, events and logins, then registrations, then door check-ins; safe to
run again.

It lives in checkin, the highest app that knows all three steps, so that events and attendees never import the
apps above them.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from attendees import demo as attendees_demo
from attendees.services import fans
from checkin import demo as checkin_demo
from events.demo import load_demo
from events.models import Event


class Command(BaseCommand):
    help = (
        "Load a believable demo: two communities, venues, a monthly series, events, tickets, registrations, "
        "door check-ins and two logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=settings.SITE_URL,
            help="Where the site is served, printed at the end (default: SITE_URL).",
        )

    def handle(self, *args, url, **options):
        result = load_demo()
        registrations = attendees_demo.load(communities=result.communities)
        checkins = checkin_demo.load(communities=result.communities)
        # The people pages read fans: link the demo's registrations (past ones are written without the services,
        # which would link them from a task) and count their attendance now, not when a worker gets to it.
        people = sum(fans.link_community(community_id=community.pk) for community in result.communities)
        url = url.rstrip("/") + "/"
        events = Event.objects.filter(community__in=result.communities)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(result.communities)} communities, {events.count()} events "
                f"({result.created} rows created, {result.updated} updated, {result.unchanged} unchanged)."
            )
        )
        self.stdout.write(
            f"Registrations: {registrations.created} created ({registrations.cancelled} cancelled, "
            f"{registrations.waiting} on a waiting list), {registrations.unchanged} unchanged."
        )
        self.stdout.write(
            f"Door check-ins at {checkins.events} past events: {checkins.created} scans created, "
            f"{checkins.updated} updated, {checkins.unchanged} unchanged."
        )
        self.stdout.write(f"People across the communities' events: {people}.")
        for community in result.communities:
            self.stdout.write(f"  {community.name}: {url}{community.get_absolute_url().lstrip('/')}")
        self.stdout.write("")
        self.stdout.write(f"Open {url} and log in ({url}accounts/login/) with:")
        width = max(len(login.email) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<{width}}  password: {login.password}")

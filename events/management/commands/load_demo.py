"""Load (or refresh) the demo communities, events and logins; safe to run again."""

from django.conf import settings
from django.core.management.base import BaseCommand

from events.demo import load_demo
from events.models import Event


class Command(BaseCommand):
    help = "Load a believable demo: two communities, venues, a monthly series, events, tickets and two logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=settings.SITE_URL,
            help="Where the site is served, printed at the end (default: SITE_URL).",
        )

    def handle(self, *args, url, **options):
        result = load_demo()
        url = url.rstrip("/") + "/"
        events = Event.objects.filter(community__in=result.communities)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(result.communities)} communities, {events.count()} events "
                f"({result.created} rows created, {result.updated} updated, {result.unchanged} unchanged)."
            )
        )
        for community in result.communities:
            self.stdout.write(f"  {community.name}: {url}{community.get_absolute_url().lstrip('/')}")
        self.stdout.write("")
        self.stdout.write(f"Open {url} and log in ({url}accounts/login/) with:")
        width = max(len(login.email) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<{width}}  password: {login.password}")

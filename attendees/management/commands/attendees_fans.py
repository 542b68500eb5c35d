"""Link every existing ticket, order and waiting-list entry to the community's fans and recount them all: once after
upgrading to a version with the people pages, or whenever the counters are in doubt. Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from attendees.services import fans
from events.models import Community


class Command(BaseCommand):
    help = "Link existing registrations to the communities' fans and recount their events (all communities, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--community", help="the community's short name in links (default: every community)")

    def handle(self, *args, **options):
        communities = Community.objects.order_by("pk")
        if options["community"]:
            communities = communities.filter(slug=options["community"])
            if not communities.exists():
                raise CommandError(f"No community with the short name {options['community']!r}.")
        for community in communities:
            count = fans.link_community(community_id=community.pk)
            self.stdout.write(f"{community.slug}: {count} people")

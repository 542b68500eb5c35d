from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_data_version_triggers(sender, using, **kwargs):
    from events import dataversion

    dataversion.install_triggers(using=using)


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        # After every migrate (all apps' tables exist by then), so a table added later gets its trigger too.
        post_migrate.connect(_install_data_version_triggers, sender=self, dispatch_uid="events.data_version")

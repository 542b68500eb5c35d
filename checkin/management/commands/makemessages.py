"""Django's makemessages, also reading `_plural("one", "other")`: the door page's pairs of sentences.

checkin.views_door hands the door page both forms of a plural sentence (the script picks one with
Intl.PluralRules), through a helper xgettext would not know without this keyword.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_plural:1,2"]

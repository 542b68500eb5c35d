"""The French catalogue: complete, placeholders intact, compiled .mo in step with the .po, and French on the pages."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import EventFactory, TicketTypeFactory

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
NBSP = "\u00a0"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?(?P<conversion>[diouxXeEfFgGcrsa%])"
)
_BRACE_FORMAT = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda match: _ESCAPES[match.group(1)], text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (header included, obsolete `#~` entries left out), as plain dicts."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
        else:
            keyword, value = line.split(" ", 1)
            index = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if index:
                key = ("msgstr", int(index.group(1)) if index.group(1) else None)
                entry["msgstr"][key[1]] = _unquote(value)
            else:
                key = (keyword, None)
                entry[keyword] = _unquote(value)
    return [entry for entry in entries if entry["msgid"] is not None]


def _messages() -> list[dict]:
    return [entry for entry in parse_po(LC_MESSAGES / "django.po") if entry["msgid"] != ""]


def _label(entry: dict) -> str:
    return f"{entry['msgctxt']}|{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]


def _python_placeholders(text: str) -> list[tuple[str, str]]:
    found = [(match["name"] or "", match["conversion"]) for match in _PYTHON_FORMAT.finditer(text)]
    return sorted(item for item in found if item[1] != "%")


def _brace_placeholders(text: str) -> list[str]:
    return sorted(_BRACE_FORMAT.findall(text))


def test_french_catalogue_has_hundreds_of_messages():
    assert len(_messages()) >= 600


def test_french_catalogue_has_no_untranslated_entry():
    untranslated = [_label(entry) for entry in _messages() if any(not text for text in entry["msgstr"].values())]

    assert untranslated == []


def test_french_catalogue_has_no_fuzzy_entry():
    header = parse_po(LC_MESSAGES / "django.po")[0]

    fuzzy = [_label(entry) for entry in _messages() if "fuzzy" in entry["flags"]]

    assert (fuzzy, "fuzzy" in header["flags"]) == ([], False)


def test_french_catalogue_plurals_have_both_forms():
    plurals = [entry for entry in _messages() if entry["msgid_plural"] is not None]

    assert plurals
    assert [_label(entry) for entry in plurals if sorted(entry["msgstr"]) != [0, 1]] == []


def test_french_catalogue_keeps_python_format_placeholders():
    mismatched = []
    for entry in _messages():
        if "python-format" not in entry["flags"]:
            continue
        if entry["msgid_plural"] is None:
            pairs = [(entry["msgid"], entry["msgstr"][None])]
        else:
            # French msgstr[0] serves 0 and 1 as the English singular does; msgstr[1] serves the plural.
            pairs = [(entry["msgid"], entry["msgstr"].get(0, "")), (entry["msgid_plural"], entry["msgstr"].get(1, ""))]
        mismatched += [
            (_label(entry), translation)
            for source, translation in pairs
            if _python_placeholders(source) != _python_placeholders(translation)
        ]

    assert mismatched == []


def test_french_catalogue_keeps_python_brace_format_placeholders():
    mismatched = [
        (_label(entry), translation)
        for entry in _messages()
        if "python-brace-format" in entry["flags"]
        for translation in entry["msgstr"].values()
        if _brace_placeholders(entry["msgid"]) != _brace_placeholders(translation)
    ]

    assert mismatched == []


def test_french_catalogue_keeps_html_tags():
    # Same tags, same attributes (the links' %(url)s included), in any order French needs.
    mismatched = [
        (_label(entry), translation)
        for entry in _messages()
        for translation in entry["msgstr"].values()
        if sorted(_HTML_TAG.findall(entry["msgid"])) != sorted(_HTML_TAG.findall(translation))
    ]

    assert mismatched == []


def test_french_catalogue_uses_french_typography():
    # A plain space before : ; ! ? would let the sign wrap alone onto the next line.
    loose = [
        (_label(entry), translation)
        for entry in _messages()
        for translation in entry["msgstr"].values()
        if re.search(r" [:;!?»]|« ", translation) or '"' in _HTML_TAG.sub("", translation)
    ]

    assert loose == []


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo must be compiled from the committed .po: run compilemessages after editing the .po."""
    with (LC_MESSAGES / "django.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    expected = {}
    for entry in _messages():
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]
        if entry["msgid_plural"] is None:
            expected[key] = entry["msgstr"][None]
        else:
            expected.update({(key, index): text for index, text in entry["msgstr"].items()})

    # The stdlib keeps the whole catalogue in `_catalog`; "" is the header, which is not a message.
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}

    assert actual == expected
    assert compiled.info()["plural-forms"] == "nplurals=2; plural=(n > 1);"


def test_compiled_catalogue_chooses_french_plural_forms():
    with (LC_MESSAGES / "django.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)

    forms = [compiled.ngettext("%(count)s place left", "%(count)s places left", n) % {"count": n} for n in (0, 1, 2)]

    assert forms == ["0 place restante", "1 place restante", "2 places restantes"]


@pytest.fixture
def meetup(community):
    event = EventFactory(community=community, title="Apéro Python", slug="apero-python", capacity=40)
    TicketTypeFactory(event=event, name="Entrée libre", quantity=40)
    return event


def _page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


# Each page: what a French visitor reads, and the English it replaces (the other way round for English visitors).
PAGES = {
    "home": (
        lambda meetup: reverse("events:home"),
        ["Trouvez votre prochain meetup", "Sujet, ville, communauté…", "40 places restantes", "Créer un compte"],
        ["Find your next meetup", "Topic, city, community…", "40 places left", "Sign up"],
    ),
    "community": (
        lambda meetup: meetup.community.get_absolute_url(),
        ["Ne ratez plus un meetup", "S’abonner à l’agenda", f"Ou copiez l’adresse du flux (https){NBSP}:"],
        ["Never miss a meetup", "Subscribe to the calendar", "Or copy the feed address (https):"],
    ),
    "event": (
        lambda meetup: meetup.get_absolute_url(),
        ["Infos pratiques", "À propos de cet événement", "Ajouter à l’agenda", "Copier le lien"],
        ["Practical details", "About this event", "Add to calendar", "Copy link"],
    ),
    "login": (
        lambda meetup: reverse("account_login"),
        [f"Pas encore de compte{NBSP}?", "Ou avec un code par e-mail", "Recevoir un code par e-mail"],
        ["New here?", "Or with a code by e-mail", "E-mail me a code"],
    ),
    "signup": (
        lambda meetup: reverse("account_signup"),
        ["Créez votre compte", f"Vous avez déjà un compte{NBSP}?", "Nous vous enverrons un code par e-mail"],
        ["Create your account", "Already have an account?", "We will e-mail you a code"],
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_public_page_speaks_french_to_a_french_browser(client, meetup, name):
    url, french, english = PAGES[name]

    html = _page(client, url(meetup), "fr")

    assert '<html lang="fr">' in html
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []


@pytest.mark.parametrize("name", PAGES)
def test_public_page_stays_english_for_an_english_browser(client, meetup, name):
    url, french, english = PAGES[name]

    html = _page(client, url(meetup), "en")

    assert '<html lang="en">' in html
    assert [text for text in english if text not in html] == []
    assert [text for text in french if text in html] == []


def test_organiser_dashboard_speaks_french(organiser_client, meetup):
    html = _page(organiser_client, reverse("manage:community", kwargs={"community": meetup.community.slug}), "fr")

    french = ["Espace organisation", "+ Nouvel événement", "Accès rapides", "Mes communautés", "Apéro Python"]
    english = ["Organiser pages", "New event", "Quick links", "My communities"]
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []


def test_organiser_event_form_speaks_french(organiser_client, meetup):
    url = reverse("manage:event_edit", kwargs={"community": meetup.community.slug, "event": meetup.slug})

    html = _page(organiser_client, url, "fr")

    french = [f"Modifier «{NBSP}Apéro Python{NBSP}»", "Fuseau horaire", "Image de couverture", ">facultatif</span>"]
    english = ["Edit “Apéro Python”", "Time zone", "Cover image", ">optional</span>"]
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []


def test_organiser_form_errors_are_french(organiser_client, meetup):
    url = reverse("manage:event_edit", kwargs={"community": meetup.community.slug, "event": meetup.slug})

    response = organiser_client.post(url, {"title": ""}, headers={"accept-language": "fr"})

    html = response.content.decode()
    assert (response.status_code, "Corrigez les champs signalés ci-dessous." in html) == (200, True)
    assert "Please correct the fields marked below." not in html


def test_registration_page_speaks_french(client, meetup):
    url = reverse("attendees:register", kwargs={"community": meetup.community.slug, "event": meetup.slug})

    html = _page(client, url, "fr")

    french = ["Vos coordonnées", "Pas besoin de compte", "Entrée libre"]
    english = ["Your details", "No account needed", "Register"]
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []


def test_organiser_registrations_page_speaks_french(organiser_client, meetup):
    url = reverse("attendees_manage:registrations", kwargs={"community": meetup.community.slug, "event": meetup.slug})

    html = _page(organiser_client, url, "fr")

    french = [">Inscriptions</h1>", ">Questions</a>"]
    english = ["Registrations", "Registered on", "Waiting list"]
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []


def test_organiser_question_form_speaks_french(organiser_client, meetup):
    url = reverse("attendees_manage:question_create", kwargs={"community": meetup.community.slug, "event": meetup.slug})

    html = _page(organiser_client, url, "fr")

    french = ["Ajouter une question", "Type de réponse", "Qui répond", "Afficher la réponse à l’entrée"]
    english = ["Add a question", "Kind of answer", "Who answers", "Show the answer at the door"]
    assert [text for text in french if text not in html] == []
    assert [text for text in english if text in html] == []

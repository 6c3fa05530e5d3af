"""The shipped translations (de, nl, it): every catalogue entry translated and not fuzzy,
placeholders and HTML tags kept, the committed .mo files in step with the .po files, and
pages that really come out in German.

The .po files are read with a small parser of our own so the tests need no extra package.
"""

from __future__ import annotations

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import wagtail_tickets
from tests.factories import TicketTypeFactory, UserFactory, grant, make_agent, make_ticket
from wagtail_tickets.models import TypePermission

LOCALE_DIR = Path(wagtail_tickets.__file__).resolve().parent / "locale"
LANGUAGES = ("de", "nl", "it")

# %(name)s, %s, %d ... (not "%%"), {MESSAGE}, {contact:first_name}, and HTML tags.
PERCENT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdiferxXcu%]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_:]*\}")
TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass
class Entry:
    """One catalogue entry; ``msgstr`` maps the plural index (0 without plural) to text."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current.msgid or current.msgstr:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if current.msgid or current.msgstr:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = None, line
        text = ast.literal_eval(rest)
        if keyword is None:
            if target is None:
                raise AssertionError(f"{path}:{number}: continuation without a keyword")
        elif keyword == "msgctxt":
            if current.msgid or current.msgstr:
                finish()
            target = ("msgctxt", None)
            current.msgctxt = ""
        elif keyword == "msgid":
            if current.msgstr:
                finish()
            target = ("msgid", None)
            current.line = number
        elif keyword == "msgid_plural":
            target = ("msgid_plural", None)
            current.msgid_plural = ""
        elif keyword == "msgstr":
            target = ("msgstr", 0)
            current.msgstr[0] = ""
        elif keyword.startswith("msgstr["):
            index = int(keyword[len("msgstr[") : -1])
            target = ("msgstr", index)
            current.msgstr[index] = ""
        else:
            raise AssertionError(f"{path}:{number}: unknown keyword {keyword!r}")
        name, index = target
        if name == "msgstr":
            current.msgstr[index] += text
        else:
            setattr(current, name, (getattr(current, name) or "") + text)
    finish()
    return [entry for entry in entries if entry.msgid]


def catalogue(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def markers(text: str) -> Counter:
    """Everything a translation must carry over unchanged: placeholders and HTML tags."""
    found = PERCENT.findall(text) + BRACES.findall(text) + TAG.findall(text)
    return Counter(found)


def describe(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid[:70]!r}"


# The parser itself ------------------------------------------------------------------------


def test_parser_reads_flags_plurals_context_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "Old"\nmsgid "New %(n)s"\n'
        'msgstr "Alt %(n)s"\n\n'
        'msgctxt "verb"\nmsgid ""\n"Long "\n"text"\nmsgstr "Langer \\"Text\\""\n\n'
        'msgid "One"\nmsgid_plural "%(count)d items"\nmsgstr[0] "Eins"\n'
        'msgstr[1] "%(count)d Dinge"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    fuzzy, context, plural = parse_po(po)
    assert fuzzy.flags == {"fuzzy", "python-format"} and fuzzy.msgstr == {0: "Alt %(n)s"}
    assert (context.msgctxt, context.msgid, context.msgstr[0]) == (
        "verb",
        "Long text",
        'Langer "Text"',
    )
    assert plural.msgid_plural == "%(count)d items"
    assert plural.msgstr == {0: "Eins", 1: "%(count)d Dinge"}


def test_markers_see_placeholders_and_tags_but_not_percent_signs():
    assert markers("%(number)s of {LINK} in <strong>%s</strong>, 100%% sure") == Counter(
        ["%(number)s", "%s", "%%", "{LINK}", "<strong>", "</strong>"]
    )
    assert markers("{contact:first_name}") != markers("{contact:name}")


# The catalogues ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language):
    entries = parse_po(catalogue(language))
    assert len(entries) > 400  # the whole product, not only the customer area
    untranslated = [describe(e) for e in entries if not all(e.msgstr.values())]
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{language}: untranslated entries: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy entries: {fuzzy}"
    header = catalogue(language).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header  # a fuzzy header makes msgfmt drop the plural rule
    assert f'"Language: {language}\\n"' in header


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_html_tags(language):
    wrong = []
    for entry in parse_po(catalogue(language)):
        if entry.msgid_plural is None:
            expected = {0: markers(entry.msgid)}
        else:
            expected = {0: markers(entry.msgid), 1: markers(entry.msgid_plural)}
            if set(entry.msgstr) != {0, 1}:
                wrong.append(f"{describe(entry)} has plural forms {sorted(entry.msgstr)}")
                continue
        for index, text in entry.msgstr.items():
            if markers(text) != expected[index]:
                wrong.append(f"{describe(entry)} [{index}] {text!r}")
    assert not wrong, f"{language}: placeholders or tags differ: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    """The .mo files are committed (no build step at install): they must say the same."""
    mo = catalogue(language).with_suffix(".mo")
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(catalogue(language)):
        msgid = entry.msgid if entry.msgctxt is None else None
        if entry.msgid_plural is None:
            got = (
                compiled.gettext(msgid)
                if msgid is not None
                else compiled.pgettext(entry.msgctxt, entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(describe(entry))
        else:
            for count, index in ((1, 0), (2, 1)):
                if compiled.ngettext(entry.msgid, entry.msgid_plural, count) != entry.msgstr[index]:
                    stale.append(describe(entry))
    assert not stale, f"{language}: run compilemessages; stale entries: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_formal(language):
    """Customers and agents are addressed formally: Sie, u, Lei."""
    informal = {
        "de": re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner)\b", re.I),
        "nl": re.compile(r"\b(je|jij|jou|jouw)\b", re.I),
        "it": re.compile(r"\b(tu|ti|tuo|tua|tuoi|tue|sei|hai|puoi|vuoi|devi)\b", re.I),
    }[language]
    found = [
        f"{describe(e)} {text!r}"
        for e in parse_po(catalogue(language))
        for text in e.msgstr.values()
        if informal.search(text)
    ]
    assert not found, f"{language}: informal wording: {found}"


# Pages in German ---------------------------------------------------------------------------


@pytest.fixture
def german():
    yield "de"
    translation.activate("en")  # the locale middleware leaves its language active


@pytest.mark.django_db
def test_customer_new_ticket_page_in_german(german):
    support = TicketTypeFactory(name="Support")
    user = UserFactory(username="kunde")
    grant(user, support, TypePermission.Level.WRITE, group_name="Customers")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("wagtail_tickets:create"), headers={"accept-language": german})
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Neues Ticket", "Betreff", "Nachricht", "Ticket eröffnen", "Typ wählen…"):
        assert text in html
    assert "Open ticket" not in html and "Subject" not in html


@pytest.mark.django_db
def test_admin_workspace_in_german(german):
    from wagtail.users.models import UserProfile

    hardware = TicketTypeFactory(name="Hardware")
    customer = UserFactory(username="carol")
    grant(customer, hardware, TypePermission.Level.WRITE, group_name="Customers")
    ticket = make_ticket(customer, hardware, subject="Drucker brennt")
    agent = make_agent(hardware, username="anna")
    profile = UserProfile.get_for_user(agent)
    profile.preferred_language = german
    profile.save()
    client = Client()
    client.force_login(agent)
    response = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Ticketdetails", "Übernehmen", "Ticketfelder", "Änderungen speichern"):
        assert text in html
    for text in ("Ticket details", "Save changes", "Ticket fields"):
        assert text not in html


# Shipped email templates ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_default_email_templates_exist_with_the_english_variables(language):
    from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES

    for kind, texts in DEFAULT_TEMPLATES.items():
        assert language in texts, f"no {language} template for {kind}"
        for english, translated in zip(texts["en"], texts[language], strict=True):
            assert markers(translated) == markers(english), (kind, language)
            assert bool(translated) == bool(english), (kind, language)


def test_dutch_default_email_text_starts_with_a_capital_after_the_salutation():
    """Dutch letters start the text after the salutation ("Beste ...," or the greeting
    ``{GREETING}`` puts there) with a capital letter."""
    from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES

    checked = 0
    for kind, texts in DEFAULT_TEMPLATES.items():
        _, body = texts["nl"]
        if body.startswith(("Beste ", "{GREETING}")):
            first = body.split("\n\n", 1)[1]
            assert first[0] == "{" or first[0].isupper(), (kind, first[:30])
            checked += 1
    assert checked >= 5  # every automatic mail to customers and the assignment greet


@pytest.mark.django_db
def test_admin_labels_wagtail_fixes_at_import_follow_the_user_language(german):
    """Wagtail translates some default labels once at import (in English); ours are lazy."""
    from wagtail.users.models import UserProfile

    hardware = TicketTypeFactory(name="Hardware")
    admin = make_agent(hardware, username="admin", is_superuser=True)
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = german
    profile.save()
    client = Client()
    client.force_login(admin)
    html = client.get(reverse("wagtail_tickets_email_templates:index")).content.decode()
    assert "Aktualisiert" in html and ">Updated<" not in html
    chooser = client.get(reverse("wagtail_tickets_inbox:add")).content.decode()
    assert "Anfragenden wählen" in chooser
    edit_link = re.search(r"<a data-chooser-edit-link.*?</a>", chooser, re.S).group(0)
    assert "Bearbeiten" in edit_link and "Edit" not in edit_link


# Wagtail's own words ----------------------------------------------------------------------

# The app comes before Wagtail in INSTALLED_APPS, so for the same msgid our translation is
# the one Wagtail's buttons and fields show: these must keep Wagtail's meaning.
WAGTAIL_WORDS = ("Create", "Delete", "Edit", "Save", "Cancel", "From", "To", "Preview", "Back")


@pytest.mark.parametrize("language", LANGUAGES)
def test_shared_msgids_keep_wagtails_meaning(language):
    import wagtail

    wagtail_dir = Path(wagtail.__file__).resolve().parent
    theirs: dict[str, set[str]] = {}
    for po in wagtail_dir.glob(f"**/locale/{language}/LC_MESSAGES/django.po"):
        for entry in parse_po(po):
            if entry.msgctxt is None and entry.msgid in WAGTAIL_WORDS and entry.msgstr.get(0):
                theirs.setdefault(entry.msgid, set()).add(entry.msgstr[0])
    assert "Create" in theirs and "To" in theirs  # Wagtail ships these catalogues
    ours = {
        e.msgid: e.msgstr[0]
        for e in parse_po(catalogue(language))
        if e.msgctxt is None and e.msgid in WAGTAIL_WORDS
    }
    changed = {m: (t, sorted(theirs[m])) for m, t in ours.items() if t not in theirs.get(m, {t})}
    assert not changed, f"{language}: Wagtail's words translated differently: {changed}"
    with translation.override(language):
        assert translation.pgettext("period", "To") != translation.gettext("To")

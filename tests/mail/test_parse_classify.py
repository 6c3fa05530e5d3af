"""Parsing, classifying and subject rules, without a server."""

from __future__ import annotations

import pytest

from tests.mail import corpus
from wagtail_tickets.mail.classify import AUTO_REPLY, BOUNCE, LOOP, PERSON, classify
from wagtail_tickets.mail.parse import ParseError, message_ids, parse_message
from wagtail_tickets.mail.thread import strip_reply_prefixes


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Re: AW: Fwd: Printer", "Printer"),
        ("SV: Re[2]: WG: hello", "hello"),
        ("RE: Antw: VS: TR: x", "x"),
        ("Re: [ts #260001] Printer on fire", "Printer on fire"),
        ("[ts #5] Re: x", "x"),
        ("Réunion annuelle", "Réunion annuelle"),
        ("Rechnung", "Rechnung"),
        ("Aware: Re-install", "Aware: Re-install"),
    ],
)
def test_reply_prefixes_are_stripped_from_new_subjects(subject, expected):
    assert strip_reply_prefixes(subject) == expected


def test_message_ids():
    assert message_ids("<a@b> <c@d>\r\n\t<e@f>") == ["a@b", "c@d", "e@f"]
    assert message_ids("bare@id.example") == ["bare@id.example"]
    assert message_ids("") == []
    assert len(message_ids(" ".join(f"<{n}@x>" for n in range(500)))) == 50


def test_thread_ids_put_in_reply_to_first():
    parsed = parse_message(corpus.plain(in_reply_to="<direct@x>", references="<root@x> <mid@x>"))
    assert parsed.thread_ids == ["direct@x", "mid@x", "root@x"]


def test_empty_and_senderless_messages_raise():
    with pytest.raises(ParseError):
        parse_message(b"")
    with pytest.raises(ParseError):
        parse_message(corpus.no_sender())
    with pytest.raises(ParseError):
        parse_message(corpus.plain(sender="not an address"))


def test_sender_address_is_normalised():
    parsed = parse_message(corpus.plain(sender='"Doe, Jane" <Jane.Doe@Customer.EXAMPLE>'))
    assert parsed.sender_email == "jane.doe@customer.example"
    assert parsed.sender_name == "Doe, Jane"


def test_each_header_of_a_message_is_parsed_once():
    """Reading a header again returns the header already parsed (the parser reads
    Content-Type some twenty times); another message has its own."""
    first = parse_message(corpus.multipart_with_attachments())
    second = parse_message(corpus.plain())
    assert first.headers["Subject"] is first.headers["Subject"]
    assert first.headers["Content-Type"] is first.headers["Content-Type"]
    assert first.headers.policy is not second.headers.policy
    assert second.headers["Subject"] == "Printer on fire"
    assert [a.filename for a in first.attachments]  # the MIME tree is read as before


def test_html_quote_is_moved_into_a_closing_blockquote():
    raw = corpus._join(
        "From: a@customer.example",
        "Subject: x",
        "Content-Type: text/html; charset=utf-8",
        "",
        '<div>New answer</div><div class="gmail_quote"><div>On Mon wrote:</div>'
        "<blockquote>old text</blockquote></div>",
    )
    body = parse_message(raw).body_html()
    assert body.startswith("<div>New answer</div>")
    assert body.endswith("</blockquote>") and "old text" in body


def test_quoted_history_in_odd_markup_is_kept():
    """The quote is judged blank or not by its sanitised text: an element named like a
    MathML one hides nothing (the plain-text reading would drop its text)."""
    raw = corpus._join(
        "From: a@customer.example",
        "Subject: x",
        "Content-Type: text/html; charset=utf-8",
        "",
        '<div>New answer</div><div class="gmail_quote"><mrow>old text</mrow></div>',
    )
    body = parse_message(raw).body_html()
    assert body.startswith("<div>New answer</div>")
    assert body.endswith("</blockquote>") and "old text" in body


def test_text_quote_without_attribution_line():
    raw = corpus.plain(body="Yes please.\r\n\r\n> Shall we?\r\n> Regards\r\n")
    body = parse_message(raw).body_html()
    assert body.startswith("<p>Yes please.</p><blockquote>")
    assert "Shall we?" in body


def test_message_that_is_only_a_quote_is_kept_whole():
    raw = corpus.plain(body="> only quoted\r\n> text\r\n")
    assert "only quoted" in parse_message(raw).body_html()


def test_empty_body_gets_a_placeholder():
    assert "no text" in parse_message(corpus.plain(body="")).body_html()


def test_attachment_names_are_cleaned():
    parsed = parse_message(corpus.multipart_with_attachments())
    names = [a.filename for a in parsed.attachments]
    assert "setup.exe" in names  # no path left
    assert all("/" not in name and "\\" not in name for name in names)
    inline = [a for a in parsed.attachments if a.inline]
    assert [a.content_id for a in inline] == ["logo123@customer.example"]


def test_content_hash_ignores_added_trace_headers():
    raw = corpus.plain(message_id="<h@x>")
    relayed = b"Received: from somewhere\r\n" + raw
    assert parse_message(raw).content_hash == parse_message(relayed).content_hash


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: your ticket",
        "Automatic reply: hello",
        "Abwesenheitsnotiz: Ihr Ticket",
        "Automatische Antwort: Ihr Ticket",
        "Afwezigheidsbericht: uw ticket",
        "Automatisch antwoord: uw ticket",
        "Risposta automatica: il tuo ticket",
        "Fuori sede: il tuo ticket",
        "Re: Out of office",
    ],
)
def test_out_of_office_subjects(subject):
    verdict = classify(parse_message(corpus.ooo_subject(subject)))
    assert verdict.kind == AUTO_REPLY


@pytest.mark.parametrize(
    "subject", ["Office printer out of paper", "Autoresponder setup question", "Absent data"]
)
def test_ordinary_subjects_are_from_people(subject):
    assert classify(parse_message(corpus.ooo_subject(subject))).kind == PERSON


def test_auto_submitted_no_is_a_person():
    raw = corpus.plain(extra_headers=("Auto-Submitted: no",))
    assert classify(parse_message(raw)).is_person


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example", "postmaster@mx.example"])
def test_mail_system_senders_are_bounces(sender):
    assert classify(parse_message(corpus.plain(sender=sender))).kind == BOUNCE


def test_bounce_and_loop_rules():
    assert classify(parse_message(corpus.bounce())).kind == BOUNCE
    parsed = parse_message(corpus.plain(sender="support@tickets.example"))
    assert classify(parsed, own_addresses=["Support@Tickets.example"]).kind == LOOP
    mine = parse_message(corpus.plain(message_id="<ours@x>"))
    assert classify(mine, is_own_message_id=lambda mid: mid == "ours@x").kind == LOOP


def test_each_header_class_is_made_once():
    """The standard header registry makes a new class for every header it parses."""
    first, second = parse_message(corpus.plain()), parse_message(corpus.plain())
    assert type(first.headers["From"]) is type(second.headers["From"])
    assert first.headers["From"].addresses[0].addr_spec == "carla@customer.example"


def _html_reply(new_text: str) -> bytes:
    html = (
        f"<div>{new_text}</div>"
        '<div class="gmail_quote"><blockquote class="gmail_quote">'
        "<p>Please restart the printer.</p></blockquote></div>"
    )
    return corpus.plain(
        body=html,
        extra_headers=(),
    ).replace(b"Content-Type: text/plain", b"Content-Type: text/html")


def test_an_html_reply_is_sanitised_in_parts_and_then_whole_only(monkeypatch):
    """New text, quoted history, then both together: not first the whole body as well."""
    from wagtail_tickets import sanitize

    cleaned: list[str] = []
    real = sanitize._cleaner()

    class Counted:
        def clean(self, value):
            cleaned.append(value)
            return real.clean(value)

    monkeypatch.setattr(sanitize, "_cleaner", Counted)
    body = parse_message(_html_reply("It works again.")).body_html()
    assert body.startswith("<div>It works again.</div>")
    assert body.endswith("</blockquote>") and "Please restart the printer." in body
    assert len(cleaned) == 3


def test_an_html_reply_without_text_of_its_own_is_not_folded():
    body = parse_message(_html_reply(" ")).body_html()
    assert body.startswith("<div") and "Please restart the printer." in body
    assert "</blockquote></blockquote>" not in body

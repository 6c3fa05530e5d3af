"""Inbound mail for the import benchmark: about 20 KB each, a text part and an HTML
alternative, the way mail clients send it. Made from a fixed seed, so every run imports the
same mix."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from django.utils import timezone

WORDS = (
    "printer invoice account password login screen error update order delivery server "
    "mail backup network license report export import customer contract payment "
    "because since after before still again already cannot should would could please "
    "yesterday today morning afternoon office colleague team manager system version "
    "shows stops crashes loads waits opens closes sends receives works fails hangs "
    "größe straße café über naïve déjà résumé"
).split()
TARGET_BYTES = 20_000


@dataclass(frozen=True)
class Reply:
    """An answer to an existing ticket: by ``[ts #number]`` in the subject, or by our
    signed Message-ID in ``In-Reply-To`` when ``reference`` is given."""

    number: str
    subject: str
    sender: str
    reference: str = ""


def _sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def _paragraphs(rnd: random.Random, size: int) -> list[str]:
    found: list[str] = []
    total = 0
    while total < size:
        paragraph = " ".join(_sentence(rnd) for _ in range(rnd.randint(2, 6)))
        found.append(paragraph)
        total += len(paragraph) + 2
    return found


def _html(paragraphs: list[str], quoted: list[str]) -> str:
    body = "".join(
        f'<p style="margin:0 0 12px 0;font-family:Calibri,Arial,sans-serif;font-size:11pt">'
        f"{escape(p)}</p>\n"
        for p in paragraphs
    )
    quote = ""
    if quoted:
        inner = "".join(f"<p>{escape(p)}</p>\n" for p in quoted)
        quote = (
            '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Support '
            f'wrote:<br></div><blockquote class="gmail_quote">{inner}</blockquote></div>'
        )
    return (
        '<html><head><meta charset="utf-8"><style>p{margin:0}</style></head>'
        f'<body><div dir="ltr">{body}<p>Kind regards</p></div>{quote}</body></html>'
    )


def message(
    rnd: random.Random,
    *,
    sender: str,
    to: str,
    subject: str,
    in_reply_to: str = "",
) -> bytes:
    """One ~20 KB message; a reply quotes some history below its new text."""
    quoted = _paragraphs(rnd, 2_500) if in_reply_to else []
    # the text and HTML parts carry the same words; with the markup and the transfer
    # encoding the words come to about 0.37 of the message
    paragraphs = _paragraphs(rnd, TARGET_BYTES * 37 // 100 - len("".join(quoted)))
    text = "\n\n".join(paragraphs) + "\n\nKind regards\n"
    if quoted:
        text += "\nOn Mon, Support wrote:\n" + "\n".join("> " + q for q in quoted) + "\n"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(domain="mail.customer.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["X-Mailer"] = "Benchmark Mail 1.0"
    msg.set_content(text)
    msg.add_alternative(_html(paragraphs, quoted), subtype="html")
    return msg.as_bytes()


def corpus(
    count: int,
    *,
    to: str,
    customers: list[str],
    replies: list[Reply],
    unknown_share: float = 0.1,
    seed: int = 20_000,
) -> tuple[list[bytes], dict[str, int]]:
    """``count`` messages: the ``replies`` (at most a fifth), then new tickets from the
    known ``customers`` and, ``unknown_share`` of them, from addresses nobody registered;
    shuffled. Returns the messages and how many of each kind there are."""
    rnd = random.Random(seed)
    replies = replies[: count // 5]
    found: list[bytes] = []
    for reply in replies:
        subject = reply.subject if reply.reference else f"Re: [ts #{reply.number}] {reply.subject}"
        found.append(
            message(rnd, sender=reply.sender, to=to, subject=subject, in_reply_to=reply.reference)
        )
    unknown = 0
    for index in range(count - len(replies)):
        if not customers or rnd.random() < unknown_share:
            sender = f"Visitor {index} <visitor{index}.{seed}@mail.example>"
            unknown += 1
        else:
            sender = rnd.choice(customers)
        subject = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 7))).capitalize()
        found.append(message(rnd, sender=sender, to=to, subject=subject))
    rnd.shuffle(found)
    kinds = {"replies": len(replies), "new_known": count - len(replies) - unknown}
    kinds["new_unknown"] = unknown
    return found, kinds

"""Our own corpus of odd inbound messages, written for these tests (no third-party mail).

Each function returns the raw bytes a mail server would hold. Most are written by hand as
bytes on purpose: the point is mail as it arrives, including what a well-behaved library
would never produce (lying charsets, broken MIME, raw 8-bit headers).
"""

from __future__ import annotations

import base64
import itertools

_counter = itertools.count(1)

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _mid(tag: str = "c") -> str:
    return f"<{tag}{next(_counter)}.corpus@customer.example>"


def _join(*lines: str | bytes) -> bytes:
    return b"\r\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines)


def plain(
    *,
    sender: str = "Carla Customer <carla@customer.example>",
    to: str = "support@tickets.example",
    subject: str = "Printer on fire",
    body: str = "Hello,\r\n\r\nthe printer is on fire.\r\n\r\nCarla",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    extra_headers: tuple[str, ...] = (),
    cc: str = "",
) -> bytes:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        "Date: Tue, 03 Nov 2026 10:00:00 +0100",
        f"Message-ID: {message_id or _mid()}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if cc:
        headers.append(f"Cc: {cc}")
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    headers.extend(extra_headers)
    return _join(*headers, "", body, "")


def html_only() -> bytes:
    return _join(
        "From: Hanna <hanna@customer.example>",
        "To: support@tickets.example",
        "Subject: =?utf-8?q?HTML_only_=E2=80=93_Gr=C3=BC=C3=9Fe?=",
        f"Message-ID: {_mid('html')}",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>",
        '<p onclick="alert(1)">Our <b>invoice</b> is <a href="javascript:alert(1)">wrong</a>'
        ' and <a href="https://shop.example/i/7">here</a>.</p>',
        '<iframe src="https://evil.example"></iframe><svg><script>alert(2)</script></svg>',
        "</body></html>",
        "",
    )


def multipart_with_attachments() -> bytes:
    png = base64.encodebytes(PNG_1PX).decode().strip()
    pdf = base64.encodebytes(b"%PDF-1.4 fake pdf for tests\n").decode().strip()
    exe = base64.encodebytes(b"MZ not really a program").decode().strip()
    return _join(
        "From: Otto <otto@customer.example>",
        "To: support@tickets.example",
        "Subject: Screenshot and invoice",
        f"Message-ID: {_mid('att')}",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="outer"',
        "",
        "--outer",
        'Content-Type: multipart/alternative; boundary="alt"',
        "",
        "--alt",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "See the screenshot [logo] and the invoice.",
        "--alt",
        'Content-Type: multipart/related; boundary="rel"',
        "",
        "--rel",
        "Content-Type: text/html; charset=us-ascii",
        "",
        '<p>See the screenshot <img src="cid:logo123@customer.example" alt="x"> and the'
        " invoice.</p>",
        "--rel",
        "Content-Type: image/png",
        "Content-Transfer-Encoding: base64",
        "Content-ID: <logo123@customer.example>",
        'Content-Disposition: inline; filename="screen shot.png"',
        "",
        png,
        "--rel--",
        "--alt--",
        "--outer",
        'Content-Type: application/pdf; name="=?utf-8?q?Rechnung_M=C3=A4rz.pdf?="',
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf",
        "",
        pdf,
        "--outer",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="../../setup.exe"',
        "",
        exe,
        "--outer--",
        "",
    )


def latin1_8bit() -> bytes:
    """8-bit Latin-1 body and an unencoded 8-bit Latin-1 subject (both are seen)."""
    return b"\r\n".join(
        [
            b"From: =?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@customer.example>",
            b"To: support@tickets.example",
            b"Subject: Gr\xfc\xdfe aus K\xf6ln",
            b"Message-ID: " + _mid("latin").encode(),
            b"MIME-Version: 1.0",
            b"Content-Type: text/plain; charset=iso-8859-1",
            b"Content-Transfer-Encoding: 8bit",
            b"",
            b"Sch\xf6ne Gr\xfc\xdfe, die Stra\xdfe ist gesperrt.",
            b"",
        ]
    )


def unknown_charset() -> bytes:
    """A charset nobody knows, declared on bytes that are really Windows-1252."""
    return b"\r\n".join(
        [
            b"From: Zoe <zoe@customer.example>",
            b"To: support@tickets.example",
            b"Subject: =?x-klingon-42?q?Qapla=92?=",
            b"Message-ID: " + _mid("charset").encode(),
            b"MIME-Version: 1.0",
            b"Content-Type: text/plain; charset=x-klingon-42",
            b"Content-Transfer-Encoding: 8bit",
            b"",
            b"It\x92s broken \x96 caf\xe9.",
            b"",
        ]
    )


def lying_utf8() -> bytes:
    """Declared UTF-8, really Latin-1."""
    return b"\r\n".join(
        [
            b"From: Luc <luc@customer.example>",
            b"To: support@tickets.example",
            b"Subject: lying charset",
            b"Message-ID: " + _mid("lie").encode(),
            b"Content-Type: text/plain; charset=utf-8",
            b"",
            b"D\xe9j\xe0 vu",
            b"",
        ]
    )


def broken_mime() -> bytes:
    """A multipart whose boundary never closes, garbage headers and a subject with an
    encoded CR/LF (header injection attempt)."""
    return _join(
        "From: Bob <bob@customer.example>",
        "To: support@tickets.example",
        "Subject: =?utf-8?q?Broken=0D=0ABcc:_victim@example.org?=",
        f"Message-ID: {_mid('broken')}",
        "X-Garbage: =?utf-8?b?!!!not-base64?= =?=?=",
        "Content-Disposition: ;;;=",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="never-closed"',
        "",
        "preamble",
        "--never-closed",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "The body survives =E2=9C=93 even so=",
        " and goes on.",
        "",
    )


def no_sender() -> bytes:
    return _join(
        "To: support@tickets.example",
        "Subject: who am I",
        f"Message-ID: {_mid('nosender')}",
        "",
        "Nobody sent this.",
        "",
    )


def auto_reply(kind: str = "auto-submitted") -> bytes:
    extra = {
        "auto-submitted": ("Auto-Submitted: auto-replied",),
        "precedence": ("Precedence: bulk",),
        "x-autoreply": ("X-Autoreply: yes",),
        "x-autorespond": ("X-Autorespond: on",),
        "suppress": ("X-Auto-Response-Suppress: All",),
        "list": ("List-Id: <customers.lists.example>",),
        "subject": (),
    }[kind]
    subject = "Abwesenheitsnotiz: Re: [ts #1] test" if kind == "subject" else "Re: hello"
    return plain(sender="Robot <robot@customer.example>", subject=subject, extra_headers=extra)


def ooo_subject(subject: str) -> bytes:
    return plain(sender="Away <away@customer.example>", subject=subject)


def bounce() -> bytes:
    return _join(
        "Return-Path: <>",
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>",
        "To: support@tickets.example",
        "Subject: Undelivered Mail Returned to Sender",
        f"Message-ID: {_mid('bounce')}",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "--b1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.customer.example",
        "",
        "Final-Recipient: rfc822; gone@customer.example",
        "Action: failed",
        "Status: 5.1.1",
        "--b1--",
        "",
    )


def returned_notification(signed_message_id: str) -> bytes:
    """One of our own notifications, delivered back into the mailbox (e.g. a CC address
    that forwards to it)."""
    return _join(
        "From: Support <support@tickets.example>",
        "To: carla@customer.example",
        "Subject: [ts #1] Printer on fire",
        f"Message-ID: {signed_message_id}",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "An agent answered your ticket.",
        "",
    )


def quoted_reply(in_reply_to: str) -> bytes:
    return plain(
        sender="Carla Customer <carla@customer.example>",
        subject="Re: [ts #1] Printer on fire",
        in_reply_to=in_reply_to,
        references=in_reply_to,
        body=(
            "Thanks, it works again.\r\n\r\n"
            "On Tue, 3 Nov 2026 at 10:00, Support <support@tickets.example> wrote:\r\n"
            "> Please restart the printer.\r\n"
            "> Kind regards\r\n"
        ),
    )


def oversized(size: int) -> bytes:
    head = plain(subject="Huge", body="")
    return head + (b"x" * 76 + b"\r\n") * (size // 78 + 1)

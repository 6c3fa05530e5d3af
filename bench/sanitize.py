"""Sanitiser benchmark: cleaning hostile HTML against cleaning a realistic mail body.

A realistic body is a long reply thread as Outlook writes it (about 100 KB: styles in the
head, conditional comments, paragraphs of spans, lists, links, a signature table and the
quoted history of earlier messages). Each hostile input is about as long and built to make
a sanitiser slow: runs that made regular expressions quadratic, deep nesting, many
elements, misnested formatting the parser re-opens again and again, floods of character
references, text that made the linkifier backtrack, and inputs that stay just within
``MAX_HTML_DEPTH`` and ``MAX_HTML_ELEMENTS``. Inbound mail goes through ``clean_html``
(past the limits it keeps the text), plain text through ``text_to_html``.

Budget: no hostile input takes more than 3 times the realistic body with the default
backend, bleach (the median of a few rounds; each round times every input right after the
realistic body, each the shorter of two runs, and takes their ratio, so a slow moment of a
shared machine falls on both or is left out). The same yardstick holds for the nh3
backend: it cleans the realistic body several times faster, so its own ratios are reported
beside. Ratios, not milliseconds, so the budget holds on any machine; ``bench/run``
(``--smoke`` included) fails when one is over.

``python -m bench.sanitize [ROUNDS]`` runs it alone (no database needed) and prints every
input's time.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.results import Result

BUDGET = 3.0  # hostile time / realistic time
DEFAULT_BACKEND = "bleach"  # the SANITIZER option's default
BACKENDS = ("bleach", "nh3")
SIZE = 100_000
ROUNDS = 7
SMOKE_ROUNDS = 5

WORDS = (
    "printer invoice account password login screen error update order delivery server "
    "mail backup network license report export import customer contract payment because "
    "since after before still again already cannot should would could please yesterday "
    "today morning afternoon office colleague team manager system version shows stops "
    "crashes loads waits opens closes sends receives works fails hangs größe straße café"
).split()

OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word" '
    'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
    'xmlns="http://www.w3.org/TR/REC-html40"><head>'
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">'
    "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);} "
    "o\\:* {behavior:url(#default#VML);}</style><![endif]-->"
    '<style><!-- /* Font Definitions */ @font-face {font-family:"Cambria Math"; '
    "panose-1:2 4 5 3 5 4 6 3 2 4;} @font-face {font-family:Calibri; "
    "panose-1:2 15 5 2 2 2 4 3 2 4;} p.MsoNormal, li.MsoNormal, div.MsoNormal "
    '{margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;} '
    "a:link, span.MsoHyperlink {mso-style-priority:99; color:#0563C1; "
    "text-decoration:underline;} p.MsoListParagraph {margin-top:0cm; margin-right:0cm; "
    "margin-bottom:0cm; margin-left:36.0pt;} span.E-MailFormatvorlage18 "
    '{mso-style-type:personal-reply; font-family:"Calibri",sans-serif; color:windowtext;} '
    ".MsoChpDefault {mso-style-type:export-only; font-size:10.0pt;} @page WordSection1 "
    "{size:612.0pt 792.0pt; margin:70.85pt 70.85pt 2.0cm 70.85pt;} div.WordSection1 "
    "{page:WordSection1;} --></style><!--[if gte mso 9]><xml><o:shapedefaults "
    'v:ext="edit" spidmax="1026" /></xml><![endif]--><!--[if gte mso 9]><xml>'
    '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1" /></o:shapelayout>'
    "</xml><![endif]--></head>"
    '<body lang="DE" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">'
    '<div class="WordSection1">'
)
SPAN = '<span lang="EN-US" style="font-size:11.0pt;color:#1F3864">'
EMPTY_PARAGRAPH = '<p class="MsoNormal"><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>\n'


def _sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def _paragraph(rnd: random.Random) -> str:
    sentences = [_sentence(rnd) for _ in range(rnd.randint(1, 4))]
    if rnd.random() < 0.3:
        number = rnd.randint(1000, 9999)
        sentences.append(
            f'See <a href="https://portal.example.com/orders/{number}?tab=items&amp;page=2">'
            f"https://portal.example.com/orders/{number}</a>."
        )
    if rnd.random() < 0.2:
        sentences.insert(0, f"<b>{SPAN}Order {rnd.randint(1000, 9999)}:</span></b>")
    return f'<p class="MsoNormal">{SPAN}{" ".join(sentences)}<o:p></o:p></span></p>\n'


def _list(rnd: random.Random) -> str:
    items = "".join(
        '<li class="MsoListParagraph" style="margin-left:0cm;mso-list:l0 level1 lfo1">'
        f"{SPAN}{_sentence(rnd)}<o:p></o:p></span></li>\n"
        for _ in range(rnd.randint(2, 5))
    )
    return f'<ul style="margin-top:0cm" type="disc">\n{items}</ul>\n'


def _signature(name: str) -> str:
    return (
        f'<p class="MsoNormal"><span style="font-size:10.0pt;color:#1F3864">Kind regards<br>'
        f"{name}<br>Head of IT | Example GmbH<br>Phone +49 30 1234567 | "
        '<a href="mailto:it@example.com"><span style="color:#0563C1">it@example.com</span>'
        "</a><o:p></o:p></span></p>\n"
        '<table class="MsoNormalTable" border="0" cellspacing="0" cellpadding="0">'
        '<tr><td style="padding:0cm 0cm 0cm 0cm"><p class="MsoNormal">'
        '<img width="120" height="40" style="width:1.25in;height:.4166in" '
        'src="cid:image001.png@01D98C3A.5E2B1F60" alt="Example GmbH"></p></td></tr></table>\n'
    )


def _history_header(rnd: random.Random, number: int) -> str:
    return (
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal"><b><span lang="DE">Von:</span></b><span lang="DE"> Support '
        "&lt;support@example.com&gt; <br><b>Gesendet:</b> Montag, "
        f"{rnd.randint(1, 28)}. März 2025 09:{rnd.randint(10, 59)}<br><b>An:</b> Jane Doe "
        f"&lt;jane@example.com&gt;<br><b>Betreff:</b> AW: [ts #{number}] Printer in room "
        "2.14<o:p></o:p></span></p></div>\n" + EMPTY_PARAGRAPH
    )


def realistic_mail(size: int = SIZE, seed: int = 100) -> str:
    """An Outlook reply thread of about ``size`` characters: each earlier message quoted
    below a header block, as Outlook quotes (flat, not nested)."""
    rnd = random.Random(seed)
    parts = [OUTLOOK_HEAD]
    total = len(OUTLOOK_HEAD)
    number = rnd.randint(250000, 259999)
    message = 0
    while True:
        if message:
            block = _history_header(rnd, number)
        else:
            block = f'<p class="MsoNormal">{SPAN}Hello support team,<o:p></o:p></span></p>\n'
        block += EMPTY_PARAGRAPH
        for _ in range(rnd.randint(3, 8)):
            block += _list(rnd) if rnd.random() < 0.15 else _paragraph(rnd)
            if rnd.random() < 0.3:
                block += EMPTY_PARAGRAPH
        block += _signature(rnd.choice(["Jane Doe", "Support Team", "Tom Berger"]))
        if total + len(block) > size - 25:
            break
        parts.append(block)
        total += len(block)
        message += 1
    parts.append("</div></body></html>")
    return "".join(parts)


# Hostile inputs ------------------------------------------------------------------------


def _run(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _padded(body: str, size: int = SIZE) -> str:
    """``body`` and a paragraph of text up to ``size`` characters."""
    return body + "<p>" + "z" * max(0, size - len(body) - 7) + "</p>"


def _limits() -> tuple[int, int]:
    from wagtail_tickets.conf import app_settings

    return app_settings.MAX_HTML_DEPTH, app_settings.MAX_HTML_ELEMENTS


def _numbered(template: str, size: int = SIZE) -> str:
    parts, total, index = [], 0, 0
    while total < size:
        part = template.format(index)
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts)[:size]


FORMATTING = ["b", "i", "u", "s", "strong", "em", "code", "strike"]


def _hostile() -> dict[str, Callable[[], str]]:
    depth, elements = _limits()
    return {
        # runs that made a regular expression rescan the rest of the input
        "runs of <!--": lambda: _run("<!--"),
        "runs of <!": lambda: _run("<!"),
        "runs of <": lambda: _run("<"),
        "runs of <a ": lambda: _run("<a "),
        'runs of <a href="': lambda: _run('<a href="'),
        "an unterminated comment": lambda: "<p>x</p><!--" + _run("<p>x</p>"),
        "runs of <![CDATA[": lambda: _run("<![CDATA["),
        "runs of <?": lambda: _run("<?"),
        "an attribute quote never closed": lambda: '<p title="' + _run("<div>x"),
        "runs of <script>": lambda: _run("<script>"),
        "runs of <script ": lambda: _run("<script "),
        'runs of <x" y (bleach re-reads)': lambda: _run('<x" y '),
        "one tag, thousands of attributes": lambda: "<p " + _run('a="b" ') + ">x</p>",
        # nesting and element count
        "20,000 nested <div>": lambda: _run("<div>"),
        "nested <blockquote>": lambda: _run("<blockquote>"),
        "nested <ul><li>": lambda: _run("<ul><li>"),
        "nested tables": lambda: _run("<table><tr><td>"),
        "nested <span>": lambda: _run("<span>"),
        "unclosed <b>": lambda: _run("<b>"),
        "unclosed <b> with distinct attributes": lambda: _numbered("<b x{}>"),
        "12,500 sibling paragraphs": lambda: _run("<p>x</p>"),
        "25,000 <br>": lambda: _run("<br>"),
        # formatting the parser re-opens or re-parents
        "formatting re-opened in every block": lambda: _numbered("<div><b x{}></div>"),
        "24 formatting elements re-opened": lambda: (
            "<div>" + "".join(f"<{t}>" for t in FORMATTING * 3) + "</div>" + _run("<div>t</div>")
        ),
        "misnested <b><div></b>": lambda: _run("<b><div></b>"),
        "<a> inside <a>": lambda: _run("<a href=x><div>"),
        "paragraphs inside <b>": lambda: _run("<b><p>x"),
        # character references
        "&amp; flood": lambda: "<p>" + _run("&amp;") + "</p>",
        "runs of &#": lambda: "<p>" + _run("&#") + "</p>",
        "one reference with 100,000 digits": lambda: "<p>&#" + _run("1", SIZE - 12) + ";</p>",
        "a link with a 100,000-digit reference": lambda: (
            '<a href="&#x' + _run("0", SIZE - 20) + ';">x</a>'
        ),
        # the linkifier's URL search and trimming
        "a-a-a-… then a.b": lambda: "<p>" + _run("a-", SIZE - 12) + " a.b</p>",
        "a-a.a-a.… (no TLD)": lambda: "<p>" + _run("a-a.", SIZE - 7) + "</p>",
        "((((… before a URL": lambda: "<p>" + _run("(", SIZE - 12) + "a.com</p>",
        "http:http:http:… then a.b": lambda: "<p>" + _run("http:", SIZE - 12) + " a.b</p>",
        "a URL ending in ,,,,…": lambda: "<p>http://a.com/" + _run(",", SIZE - 24) + "</p>",
        "text full of addresses": lambda: "<p>" + _run("see a-b.example.com/x, ", SIZE) + "</p>",
        # as much as stays just within the limits
        "elements just within the limit": lambda: _within("", "<p>xxxxxxxxxxxx</p>"),
        "depth just within, then elements": lambda: _within(
            "<span>" * (depth - 1), "<p>xxxxxxxxxx</p>"
        ),
        "list items just within": lambda: _within("<div>" * (depth - 2) + "<ul>", "<li>xxxxxxx"),
        "references just within": lambda: _within("<p>", "&amp;xxxxxxxxxx"),
        "links just within": lambda: _within("<p>", '<a href="https://example.com/x">x</a>'),
        "addresses just within": lambda: _within("<p>", "see a.example.com "),
        "siblings with children just within": lambda: _within("<div>", "<p><span>x</span></p>"),
        "misnesting just within": lambda: _within("", "<b><p>x</b>yy"),
    }


def _within(head: str, unit: str) -> str:
    """``head`` and as many ``unit`` as stay within the limits, padded with text to about
    100 KB: the most work the sanitiser accepts in that shape."""
    from wagtail_tickets.sanitize import _prepare

    low, high = 0, SIZE // len(unit) + 1
    while low < high:  # the largest count within the limits
        middle = (low + high + 1) // 2
        if _prepare(_padded(head + unit * middle)).over:
            high = middle - 1
        else:
            low = middle
    return _padded(head + unit * low)


def _plain_hostile() -> dict[str, Callable[[], str]]:
    return {
        "plain text: runs of <": lambda: _run("< "),
        "plain text: & and quotes": lambda: _run("a & 'b' \"c\" "),
        "plain text full of addresses": lambda: _run("see www.example.com/path?x=1 and "),
    }


@dataclass
class Timing:
    name: str
    median_ms: float
    ratio: float  # to the realistic body with the default backend


@dataclass
class Comparison:
    backend: str
    realistic_ms: float  # the realistic body with this backend
    yardstick_ms: float  # the realistic body with the default backend
    timings: list[Timing]

    @property
    def worst(self) -> Timing:
        return max(self.timings, key=lambda timing: timing.ratio)

    @property
    def over(self) -> list[Timing]:
        return [timing for timing in self.timings if timing.ratio > BUDGET]


def _time(backend: str, function: Callable[[str], str], value: str) -> float:
    """The shorter of two runs (ms): a moment the machine was busy falls on one of them."""
    from django.conf import settings
    from django.test import override_settings

    options = {**getattr(settings, "WAGTAIL_TICKETS", {}), "SANITIZER": backend}
    durations = []
    with override_settings(WAGTAIL_TICKETS=options):
        for _run_twice in range(2):
            started = time.perf_counter()
            function(value)
            durations.append((time.perf_counter() - started) * 1000)
    return min(durations)


def compare(backend: str, rounds: int = ROUNDS) -> Comparison:
    """Every hostile input's median time with ``backend``, against the realistic body's
    with the default backend: what a mail costs in a default installation is the
    yardstick for both backends. Each round times every input once, the realistic body
    between any two, so a slow moment of the machine falls on all of them."""
    from wagtail_tickets.sanitize import clean_html, text_to_html

    realistic = realistic_mail()
    cases: list[tuple[str, Callable[[str], str], str]] = [
        (name, clean_html, build()) for name, build in _hostile().items()
    ]
    cases += [(name, text_to_html, build()) for name, build in _plain_hostile().items()]
    _time(backend, clean_html, realistic)  # warm caches and imports
    times: dict[str, list[float]] = {name: [] for name, _function, _value in cases}
    ratios: dict[str, list[float]] = {name: [] for name, _function, _value in cases}
    yardstick: list[float] = []
    own: list[float] = []
    for _round in range(rounds):
        for name, function, value in cases:
            yardstick.append(_time(DEFAULT_BACKEND, clean_html, realistic))
            if backend != DEFAULT_BACKEND:
                own.append(_time(backend, clean_html, realistic))
            times[name].append(_time(backend, function, value))
            # against the realistic body timed just before: the machine's pace moves
            ratios[name].append(times[name][-1] / yardstick[-1])
    timings = [
        Timing(name, statistics.median(times[name]), statistics.median(ratios[name]))
        for name, _function, _value in cases
    ]
    yardstick_ms = statistics.median(yardstick)
    own_ms = statistics.median(own) if own else yardstick_ms
    return Comparison(backend, own_ms, yardstick_ms, timings)


def _result(comparison: Comparison) -> Result:
    worst, backend = comparison.worst, comparison.backend
    own_worst = worst.median_ms / comparison.realistic_ms
    notes = (
        f"realistic body {comparison.yardstick_ms:.1f} ms with {DEFAULT_BACKEND}"
        + (
            ""
            if backend == DEFAULT_BACKEND
            else f", {comparison.realistic_ms:.1f} ms with {backend} (worst {own_worst:.2f}x that)"
        )
        + f"; {len(comparison.timings)} hostile inputs of about 100 KB, median "
        f"{statistics.median(t.ratio for t in comparison.timings):.2f}x"
    )
    return Result(
        scenario=f"Sanitising hostile HTML ({backend}), against a 100 KB mail",
        budget=f"<= {BUDGET:g}x the realistic body",
        measured=f"worst {worst.ratio:.2f}x ({worst.name}, {worst.median_ms:.1f} ms)",
        ok=not comparison.over,
        notes=notes,
        errors=[f"{t.name}: {t.ratio:.1f}x the realistic body" for t in comparison.over],
    )


def measure(manifest: dict | None = None, limit: int | None = None) -> list[Result]:
    """One result per sanitiser backend; ``limit`` (the smoke run's cap) means fewer
    rounds. Needs no database."""
    rounds = SMOKE_ROUNDS if limit else ROUNDS
    return [_result(compare(backend, rounds)) for backend in BACKENDS]


def _configure() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False, WAGTAIL_TICKETS={})


def main(argv: list[str] | None = None) -> int:
    _configure()
    args = sys.argv[1:] if argv is None else argv
    rounds = int(args[0]) if args else ROUNDS
    failed = False
    for backend in BACKENDS:
        comparison = compare(backend, rounds)
        print(
            f"\n{backend}: the realistic Outlook thread of 100 KB takes "
            f"{comparison.realistic_ms:.1f} ms ({comparison.yardstick_ms:.1f} ms with "
            f"{DEFAULT_BACKEND}, the yardstick)"
        )
        for timing in sorted(comparison.timings, key=lambda t: -t.ratio):
            flag = "  OVER" if timing.ratio > BUDGET else ""
            print(f"  {timing.ratio:5.2f}x {timing.median_ms:8.1f} ms  {timing.name}{flag}")
        failed = failed or bool(comparison.over)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

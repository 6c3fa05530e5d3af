"""Mail-like text for the benchmark data, made fast enough for millions of messages.

Words follow Zipf frequencies over a fixed vocabulary (support-desk English, product names,
then a long tail of made-up words), so full-text search meets both very common and rare
terms. One corpus of sentences is built once; each message body is a run of whole sentences
cut from it, which costs a slice instead of a word-by-word build.
"""

from __future__ import annotations

import bisect
import itertools
import random

WORDS = """
the to and a i we is it you of for on in this not our that with can be have please are
printer error after update again but was when my what no at do from new there all
server if could one access us just login password install still now working will
would your since screen today should as same network thanks problem any account they
also page see did mail file email customer laptop help thank issue order invoice data
backup an how need works shows connection license version user users other only here
yesterday office monday team about attached log setting settings message window version
more works know yes get back so time been check then phone restart firmware driver
cable port client system device report week morning afternoon sent before fixed change
changed open closed again price contract renew disk full slow fast update updated
please ticket support colleague colleagues manager site website browser chrome firefox
export import sync synchronise folder share shared drive calendar meeting room wifi vpn
certificate expired expire renewal payment paid twice refund credit card reminder due
monitor keyboard mouse dock charger battery power adapter scanner toner paper tray jam
queue job print prints printed scan scanned copy copies upgrade downgrade reinstall
remove removed delete deleted missing lost found restore restored crash crashes crashed
freeze frozen hangs error-code warning message popup dialog button click clicked menu
""".split()

PRODUCTS = """
kestrel orbix vantera lumio quillpad stratos nimbra helix corvida tessaline ardent
pylon maestra fjordnet solace brixo
""".split()

# made-up words for the long tail; the syllables never spell RARE_WORD
SYLLABLES = "ka lo mi ne ru ta vi so pe du ga fo".split()

COMMON_WORD = "printer"
RARE_WORD = "quokkazine"
ZIPF_EXPONENT = 1.05
CORPUS_WORDS = 1_000_000


def vocabulary() -> list[str]:
    """Words by rank: support vocabulary with product names spread from rank 20 on, then
    the made-up tail."""
    words = list(dict.fromkeys(WORDS))
    for index, product in enumerate(PRODUCTS):
        words.insert(20 + index * 9, product)
    tail = ("".join(parts) for parts in itertools.product(SYLLABLES, repeat=3))
    words.extend(itertools.islice(tail, 1500))
    return words


def zipf_cum_weights(count: int) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(count)))


class Corpus:
    """Sentences kept as two long strings: the plain text (paragraphs split by an escaped
    newline, ready for COPY's text format) and the HTML (paragraphs split by ``</p><p>``),
    with each sentence's bounds in both."""

    def __init__(self, rng: random.Random, words: int = CORPUS_WORDS):
        self.rng = rng
        self.vocabulary = vocabulary()
        self.cum_weights = zipf_cum_weights(len(self.vocabulary))
        tokens = rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=words)
        text_parts: list[str] = []
        html_parts: list[str] = []
        self.text_bounds: list[tuple[int, int]] = []
        self.html_bounds: list[tuple[int, int]] = []
        self.cum_length: list[int] = []
        text_at = html_at = total = 0
        position = 0
        while position < words - 20:
            size = rng.randint(5, 18)
            chunk = tokens[position : position + size]
            position += size
            sentence = " ".join(chunk).capitalize() + "."
            if rng.random() < 0.25:
                text_sep, html_sep = "\\n", "</p><p>"
            else:
                text_sep = html_sep = " "
            self.text_bounds.append((text_at, text_at + len(sentence)))
            self.html_bounds.append((html_at, html_at + len(sentence)))
            text_parts += (sentence, text_sep)
            html_parts += (sentence, html_sep)
            text_at += len(sentence) + len(text_sep)
            html_at += len(sentence) + len(html_sep)
            total += len(sentence) + 1
            self.cum_length.append(total)
        self.text = "".join(text_parts)
        self.html = "".join(html_parts)
        self.sentences = len(self.text_bounds)

    def body(self, length: int) -> tuple[str, str]:
        """About ``length`` characters of whole sentences: (escaped text, HTML)."""
        first = int(self.rng.random() * (self.sentences // 2))
        start_total = self.cum_length[first - 1] if first else 0
        last = bisect.bisect_left(self.cum_length, start_total + length, first)
        text = self.text[self.text_bounds[first][0] : self.text_bounds[last][1]]
        html = self.html[self.html_bounds[first][0] : self.html_bounds[last][1]]
        return text, "<p>" + html + "</p>"

    def subject(self) -> str:
        words = self.rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=6)
        del words[self.rng.randint(3, 6) :]
        if self.rng.random() < 0.5:
            product = self.rng.choice(PRODUCTS).capitalize()
            return f"{product}: {' '.join(words)}"
        return " ".join(words).capitalize()

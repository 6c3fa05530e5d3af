"""THE HTML policy: one allowlist for web input and inbound mail alike.

Only simple formatting survives: paragraphs, line breaks, bold, italic, underline, strike,
lists, links (http, https, mailto), headings, blockquote and code. Everything else, svg,
math, style, iframe, forms, event handlers and ``javascript:``/``data:`` links included, is
removed. The backend is bleach; ``WAGTAIL_TICKETS["SANITIZER"] = "nh3"`` uses nh3 with the
same allowlist. The plain-text version (``html_to_text``) always uses nh3: on sanitised HTML
it reads the same as bleach, many times faster.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache, partial

import bleach
import nh3
from bleach.linkifier import URL_RE, LinkifyFilter

from .conf import app_settings

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "div", "span",
        "strong", "b", "em", "i", "u", "s", "strike", "del",
        "ul", "ol", "li",
        "a",
        "h1", "h2", "h3", "h4",
        "blockquote", "code", "pre",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

# Elements whose content is never text for the reader: dropped whole, not unwrapped.
_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|template|noscript|iframe|object|embed|svg|math|title|head|textarea|select)"
    r"\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


# Every URL bleach's linkifier finds has a dot between a word character (or "-") and the
# first letter of its top-level domain: text without such a dot holds none.
_MAY_HOLD_URL = re.compile(r"[\w-]\.\w")


class _LinkPattern:
    """bleach's URL pattern, tried only on text that can hold a URL. Its search is the
    slowest step of sanitising a long mail; most text (sentences end in ". ") skips it,
    and what it finds is unchanged."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern = pattern

    def finditer(self, text: str):
        if not _MAY_HOLD_URL.search(text):
            return iter(())
        return self.pattern.finditer(text)


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_set_rel],
                skip_tags={"pre", "code"},
                url_re=_LinkPattern(URL_RE),
            )
        ],
    )


# Characters a reader cannot see; a link scheme is judged with them removed, so
# ``java\u200bscript:`` counts as ``javascript:`` and is refused.
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def _allowed_url(value: str) -> bool:
    """Relative URLs and the allowed protocols pass; any other scheme is dropped."""
    squeezed = _INVISIBLE.sub("", html.unescape(value)).lower()
    scheme, colon, _rest = squeezed.partition(":")
    if not colon or any(ch in scheme for ch in "/?#"):
        return True
    return scheme in ALLOWED_PROTOCOLS


def _nh3_attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not _allowed_url(value):
        return None
    return value


def _clean_nh3(value: str) -> str:
    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_nh3_attribute_filter,
        url_schemes=set(ALLOWED_PROTOCOLS),
        link_rel=LINK_REL,
        strip_comments=True,
    )


class CleanHTML(str):
    """HTML as ``clean_html`` returned it. Cleaning it again returns it unchanged, so the
    actions, which clean every body they store, do not sanitise a mail body the importer
    already sanitised (milliseconds for 20 KB). Only ``clean_html`` makes one; slicing or
    joining gives a plain ``str`` again, which is cleaned like any other input."""

    __slots__ = ()


def clean_html(value: str) -> CleanHTML:
    """Sanitise untrusted HTML to the allowlist. Safe to render with ``|safe``."""
    if isinstance(value, CleanHTML):
        return value
    if not value:
        return CleanHTML("")
    value = _DROP_WITH_CONTENT.sub("", str(value))
    if app_settings.SANITIZER == "nh3":
        return CleanHTML(_clean_nh3(value).strip())
    return CleanHTML(_cleaner().clean(value).strip())


_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|blockquote|pre|ul|ol)\s*>|<br\s*/?>", re.I)
# Bounded, and never across another "<": hostile mail full of unclosed "<li " must not make
# these searches quadratic.
_LIST_ITEM = re.compile(r"<li\b[^<>]{0,1000}>", re.I)
# A block's start tag begins a new line, as a browser shows it (and as bleach wrote it).
_BLOCK_START = re.compile(
    r"<(?:address|article|aside|blockquote|details|dialog|dd|div|dl|dt|fieldset|figcaption"
    r"|figure|footer|form|h[1-6]|header|hgroup|hr|main|nav|ol|p|pre|section|table|ul)"
    r"\b[^<>]{0,1000}>",
    re.I,
)


def html_to_text(value: str) -> str:
    """A plain-text version of sanitised HTML (for mail, search and previews). The tags
    are removed by nh3's HTML parser (a regular expression would misread a ``>`` in an
    attribute); it is many times faster than bleach here, which matters because every
    stored message and every blank check comes through this."""
    marked = _BLOCK_END.sub("\n", value or "")
    marked = _LIST_ITEM.sub("- ", marked)
    marked = _BLOCK_START.sub("\n", marked)
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(value: str) -> str:
    """Turn plain text (a textarea without JavaScript, a text mail) into safe HTML."""
    paragraphs = re.split(r"\n\s*\n", (value or "").replace("\r\n", "\n").strip())
    parts = ["<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs if p]
    return clean_html("".join(parts))


# A whole tag or comment: "<p>", "</div>", "<a href=...>", "<!-- -->". Plain text such as
# "a <b" or "x < y" has none, so it keeps its line breaks.
_TAG = re.compile(r"<(?:/?[a-zA-Z][^<>]*|!--.*?--)>", re.DOTALL)


def clean_user_input(value: str) -> str:
    """Web form input: HTML from the editor, or plain text when JavaScript was off."""
    if _TAG.search(value or ""):
        return clean_html(value)
    return text_to_html(value)


def is_blank(cleaned_html: str) -> bool:
    return not html_to_text(cleaned_html).strip()


def clean_subject(value: str, max_length: int = 255) -> str:
    """One line of plain text: control characters (CR/LF header injection included) become
    spaces, runs of white space fold, length is bounded."""
    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(value or ""))
    return re.sub(r"\s+", " ", value).strip()[:max_length]


_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ()+]", re.UNICODE)


def clean_filename(name: str, max_length: int = 120) -> str:
    """A display name for an uploaded file: no path, no control or zero-width characters,
    no leading dots, bounded length. The stored file gets a generated name anyway."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    if not name:
        name = "file"
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: max_length - len(ext) - 1] + "." + ext
        else:
            name = name[:max_length]
    return name


_BLOCKQUOTE_OPEN = re.compile(r"<blockquote\b[^>]*>", re.I)
_BLOCKQUOTE_CLOSE = re.compile(r"</blockquote\s*>", re.I)


def split_quoted_history(cleaned_html: str) -> tuple[str, str]:
    """``(new text, quoted history)`` of sanitised mail HTML whose quoted history is the
    closing blockquote (as the mail parser stores it); ``(html, "")`` when there is none or
    nothing else. Displays fold the history away; the stored text stays whole."""
    value = (cleaned_html or "").rstrip()
    if not _BLOCKQUOTE_CLOSE.search(value[-16:]):
        return cleaned_html, ""
    for match in _BLOCKQUOTE_OPEN.finditer(value):
        tail = value[match.start() :]
        if len(_BLOCKQUOTE_OPEN.findall(tail)) == len(_BLOCKQUOTE_CLOSE.findall(tail)):
            head = value[: match.start()]
            if is_blank(head):
                return cleaned_html, ""
            return head, tail
    return cleaned_html, ""

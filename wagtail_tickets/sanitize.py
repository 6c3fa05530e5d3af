"""THE HTML policy: one allowlist for web input and inbound mail alike.

Only simple formatting survives: paragraphs, line breaks, bold, italic, underline, strike,
lists, links (http, https, mailto), headings, blockquote and code. Everything else, svg,
math, style, iframe, forms, event handlers and ``javascript:``/``data:`` links included, is
removed. The backend is bleach; ``WAGTAIL_TICKETS["SANITIZER"] = "nh3"`` uses nh3 with the
same allowlist. The plain-text version (``html_to_text``) always uses nh3: on sanitised HTML
it reads the same as bleach, many times faster.

Cleaning takes time in proportion to its input, whatever the input. Before a backend parses
anything, one pass over the text (``_prepare``) drops comments, the elements whose content
is never text and every tag and attribute the allowlist refuses, and follows the tree the
parser will build from what is left. HTML nested deeper than ``MAX_HTML_DEPTH`` or with more
than ``MAX_HTML_ELEMENTS`` elements never reaches the parser: a web form refuses it
(``HTMLTooComplex``), inbound mail keeps its text without the formatting.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, partial

import bleach
import nh3
from bleach.html5lib_shim import HTML_TAGS_BLOCK_LEVEL, allowed_protocols
from bleach.linkifier import TLDS, LinkifyFilter
from django.utils.translation import gettext

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
_DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "svg",
        "math", "title", "head", "textarea", "select",
    }
)  # fmt: skip


class HTMLTooComplex(ValueError):
    """HTML nested deeper than ``MAX_HTML_DEPTH`` levels, or with more than
    ``MAX_HTML_ELEMENTS`` elements: parsing it could hold a worker for seconds. ``message``
    is the form error for the person who sent it, ``code`` its form error code."""

    def __init__(self, reason: str) -> None:
        if reason == "depth":
            self.code = "html_depth"
            self.message = gettext(
                "The formatting of this message is nested too deeply (more than %(limit)d "
                "levels of lists, quotes and the like). Please simplify it, or paste it as "
                "plain text."
            ) % {"limit": app_settings.MAX_HTML_DEPTH}
        else:
            self.code = "html_elements"
            self.message = gettext(
                "This message contains too much formatting (more than %(limit)d paragraphs, "
                "links, bold words and the like). Please simplify it, or paste it as plain "
                "text."
            ) % {"limit": app_settings.MAX_HTML_ELEMENTS}
        super().__init__(self.message)


# The tree bleach's parser builds -----------------------------------------------------
#
# Only allowed tags reach the parser (bleach's tokenizer turns every other tag into text,
# and ``_prepare`` removes them first), so these are all the rules of html5lib's tree
# builder that can apply: the categories of the HTML standard's "in body" insertion mode.

(
    _RULE_BLOCK,
    _RULE_HEADING,
    _RULE_LIST_ITEM,
    _RULE_ANCHOR,
    _RULE_FORMATTING,
    _RULE_VOID,
    _RULE_OTHER,
) = range(7)
_TREE_RULES = {
    **dict.fromkeys(("p", "div", "ul", "ol", "blockquote", "pre"), _RULE_BLOCK),
    **dict.fromkeys(("h1", "h2", "h3", "h4"), _RULE_HEADING),
    "li": _RULE_LIST_ITEM,
    "a": _RULE_ANCHOR,
    **dict.fromkeys(("b", "strong", "em", "i", "u", "s", "strike", "code"), _RULE_FORMATTING),
    "br": _RULE_VOID,
    "span": _RULE_OTHER,
    "del": _RULE_OTHER,
}
# the "special" elements among them (and the fragment's root)
_SPECIAL = frozenset(
    {"html", "blockquote", "br", "div", "li", "ol", "p", "pre", "ul", "h1", "h2", "h3", "h4"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_IMPLIED_END = frozenset({"li", "p"})
# nodes html5lib passes while walking its stack of open elements, per unit of work (an
# element costs it about as much as a walk past a hundred and more nodes)
_WALK_UNIT = 64
# an end tag that re-parents misnested formatting costs html5lib about as much as this many
# elements, besides those it creates
_ADOPTION_UNITS = 5
# a link costs about twice an element (its address is checked, its "rel" added)
_LINK_UNITS = 2


# pairs of an element with element children and a sibling, per unit of work: html5lib's
# tree walker finds an element among its siblings (``list(parent).count(node)``) each time
# it leaves the element's children
_SIBLING_UNIT = 1024


class _Node:
    __slots__ = ("name", "key", "open", "listed", "parent", "children", "nested")

    def __init__(self, name: str, key: tuple = (), parent: _Node | None = None) -> None:
        self.name = name
        self.key = key
        self.open = False  # on the stack of open elements
        self.listed = False  # in the list of active formatting elements
        self.parent = parent
        self.children = 0  # element children
        self.nested = 0  # element children that have element children themselves


class _Shape:
    """The tree html5lib builds from prepared HTML, followed only as far as its size: the
    stack of open elements and the list of active formatting elements, changed by the
    same rules. ``units`` approximates the parser's work (bleach's, from tokens to the
    serialised output): one for each element it creates (including those it adds by
    itself, such as formatting re-opened after a block) and for each character reference,
    more for links and misnested end tags, and a share for the walks down the stack
    (``_WALK_UNIT``) and the tree walker's sibling searches (``_SIBLING_UNIT``)."""

    def __init__(self) -> None:
        root = _Node("html")
        root.open = True
        self.stack = [root]
        self.active: list[_Node] = []
        self.counts: dict[str, int] = {}
        self.created = 0  # elements, character references, ...
        self.walked = 0  # nodes passed walking the stack
        self.pairs = 0  # elements with children, times their siblings
        self.depth = 0  # the deepest the stack was

    @property
    def units(self) -> int:
        return self.created + self.walked // _WALK_UNIT + self.pairs // _SIBLING_UNIT

    def exceeded(self, max_depth: int, max_units: int) -> str:
        """The limit passed so far: "depth", "elements" or ""."""
        if self.depth > max_depth:
            return "depth"
        return "elements" if self.units > max_units else ""

    def charge(self, units: int) -> None:
        self.created += units

    def _walked(self, nodes: int) -> None:
        self.walked += nodes

    def _adopt(self, parent: _Node) -> None:
        """``parent`` gets one more element child."""
        parent.children += 1
        self.pairs += parent.nested
        grandparent = parent.parent
        if parent.children == 1 and grandparent is not None:
            grandparent.nested += 1
            self.pairs += grandparent.children

    def _push(self, name: str, key: tuple = ()) -> _Node:
        parent = self.stack[-1]
        self._adopt(parent)
        node = _Node(name, key, parent)
        node.open = True
        self.stack.append(node)
        self.counts[name] = self.counts.get(name, 0) + 1
        self.created += 1
        if len(self.stack) > self.depth + 1:
            self.depth = len(self.stack) - 1
        return node

    def _pop(self) -> _Node:
        node = self.stack.pop()
        node.open = False
        self.counts[node.name] -= 1
        return node

    def _remove(self, node: _Node) -> None:
        self.stack.remove(node)
        node.open = False
        self.counts[node.name] -= 1

    def _in_scope(self, name: str) -> bool:
        # no allowed element bounds a scope: only the root does
        return self.counts.get(name, 0) > 0

    def _implied_ends(self, exclude: str = "") -> None:
        while self.stack[-1].name in _IMPLIED_END and self.stack[-1].name != exclude:
            self._pop()

    def _close_p(self) -> None:
        self._implied_ends("p")
        while self._pop().name != "p":
            pass

    def _last_listed(self, name: str) -> _Node | None:
        for node in reversed(self.active):
            if node.name == name:
                return node
        return None

    def _unlist(self, node: _Node) -> None:
        self.active.remove(node)
        node.listed = False

    def _add_formatting(self, node: _Node) -> None:
        # at most three equal entries (the "Noah's Ark" clause)
        equal = 0
        for index in range(len(self.active) - 1, -1, -1):
            entry = self.active[index]
            if entry.name == node.name and entry.key == node.key:
                equal += 1
                if equal == 3:
                    del self.active[index]
                    entry.listed = False
                    break
        self.active.append(node)
        node.listed = True

    def reconstruct(self) -> None:
        """Re-open the formatting elements a block closed before their end tag."""
        active = self.active
        if not active or active[-1].open:
            return
        first = len(active) - 1
        while first > 0 and not active[first - 1].open:
            first -= 1
        for index in range(first, len(active)):
            entry = active[index]
            clone = self._push(entry.name, entry.key)
            clone.listed = True
            entry.listed = False
            active[index] = clone

    def text(self) -> None:
        self.reconstruct()

    def start(self, name: str, key: tuple = ()) -> None:
        rule = _TREE_RULES[name]
        if rule in (_RULE_BLOCK, _RULE_HEADING, _RULE_LIST_ITEM):
            self._walked(len(self.stack))  # html5lib looks for a "p" to close down the stack
        if rule == _RULE_BLOCK or rule == _RULE_HEADING:
            if self._in_scope("p"):
                self._close_p()
            if rule == _RULE_HEADING and self.stack[-1].name in _HEADINGS:
                self._pop()
            self._push(name)
        elif rule == _RULE_LIST_ITEM:
            walked = 0
            for node in reversed(self.stack):
                walked += 1
                if node.name == "li":
                    self._implied_ends("li")
                    while self._pop().name != "li":
                        pass
                    break
                if node.name in _SPECIAL and node.name not in ("div", "p"):
                    break
            self._walked(walked)
            if self._in_scope("p"):
                self._close_p()
            self._push(name)
        elif rule == _RULE_ANCHOR or rule == _RULE_FORMATTING:
            if rule == _RULE_ANCHOR:
                self.charge(_LINK_UNITS - 1)
                existing = self._last_listed("a")
                if existing is not None:
                    self.end_formatting("a")
                    if existing.open:
                        self._remove(existing)
                    if existing.listed:
                        self._unlist(existing)
            self.reconstruct()
            self._add_formatting(self._push(name, key))
        else:
            self.reconstruct()
            self._push(name)
            if rule == _RULE_VOID:
                self._pop()

    def end(self, name: str) -> bool:
        """Apply an end tag; ``False`` when the parser ignores it (nothing changes)."""
        rule = _TREE_RULES[name]
        if rule == _RULE_BLOCK:
            self._walked(len(self.stack))  # html5lib looks for the element down the stack
        elif rule == _RULE_HEADING:
            self._walked(len(_HEADINGS) * len(self.stack))  # once for each heading level
        if name == "p":
            if not self._in_scope("p"):
                self._push("p")
            self._close_p()
            return True
        if rule == _RULE_BLOCK:
            if not self._in_scope(name):
                return False
            self._implied_ends()
            while self._pop().name != name:
                pass
            return True
        if rule == _RULE_HEADING:
            if not any(self._in_scope(heading) for heading in _HEADINGS):
                return False
            self._implied_ends()
            while self._pop().name not in _HEADINGS:
                pass
            return True
        if rule == _RULE_LIST_ITEM:
            walked, found = 0, False
            for node in reversed(self.stack):
                walked += 1
                if node.name == "li":
                    found = True
                    break
                if node.name in ("ol", "ul", "html"):
                    break
            self._walked(walked)
            if not found:
                return False
            self._implied_ends("li")
            while self._pop().name != "li":
                pass
            return True
        if rule == _RULE_VOID:  # "</br>" is read as "<br>"
            self.reconstruct()
            self._push(name)
            self._pop()
            return True
        if rule == _RULE_ANCHOR or rule == _RULE_FORMATTING:
            return self.end_formatting(name)
        return self._end_other(name)

    def _end_other(self, name: str) -> bool:
        walked = 0
        for index in range(len(self.stack) - 1, -1, -1):
            node = self.stack[index]
            walked += 1
            if node.name == name:
                self._walked(walked)
                self._implied_ends(name)
                while self._pop() is not node:
                    pass
                return True
            if node.name in _SPECIAL:
                break
        self._walked(walked)
        return False

    def _clone(self, node: _Node) -> _Node:
        clone = _Node(node.name, node.key, node.parent)
        clone.open = clone.listed = True
        self.charge(1)
        return clone

    def end_formatting(self, name: str) -> bool:
        """The adoption agency algorithm, as html5lib runs it."""
        changed = False
        stack, active = self.stack, self.active
        for _outer in range(8):
            element = self._last_listed(name)
            if element is None:
                return self._end_other(name) or changed
            if not element.open:
                self._unlist(element)
                return True
            element_index = stack.index(element)
            furthest = None
            for index in range(element_index, len(stack)):
                if stack[index].name in _SPECIAL:
                    furthest = stack[index]
                    break
            self._walked(len(stack) - element_index)
            if furthest is None:
                while self._pop() is not element:
                    pass
                self._unlist(element)
                return True
            self.charge(_ADOPTION_UNITS)
            bookmark = active.index(element)
            last = node = furthest
            index = stack.index(node)
            for _inner in range(3):
                index -= 1
                node = stack[index]
                if not node.listed:
                    self._remove(node)
                    continue
                if node is element:
                    break
                if last is furthest:
                    bookmark = active.index(node) + 1
                clone = self._clone(node)
                active[active.index(node)] = clone
                stack[stack.index(node)] = clone
                node.open = node.listed = False
                last = clone
            # the furthest block's children move under a new formatting element, its only
            # child; the misnested part, which holds the block, under the element below
            clone = self._clone(element)
            clone.parent = furthest
            clone.children, clone.nested = furthest.children, furthest.nested
            furthest.children, furthest.nested = 1, int(clone.children > 0)
            common = stack[element_index - 1]
            last.parent = common
            self._adopt(common)
            common.nested += 1
            self.pairs += common.children
            self._unlist(element)
            active.insert(bookmark, clone)
            self._remove(element)
            stack.insert(stack.index(furthest) + 1, clone)
            self.counts[name] += 1
            changed = True
        return changed


# One pass over the markup --------------------------------------------------------------
#
# The states of html5lib's tokenizer (the HTML standard's) that bleach reaches: text, tags
# with their attributes, comments, bogus comments and doctypes. bleach never switches the
# tokenizer to raw text: the elements that would (script, style, ...) are not allowed.
# Every step consumes what it looks at, so the pass is linear in the input.

_TEXT, _RAW, _START, _END = range(4)
_LETTERS = frozenset(string.ascii_letters)
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_COMMENT_END = re.compile(r"--!?>")
# A whole tag in one step, read as html5lib's tokenizer reads it: the name, then attributes
# (a name, and after "=" a quoted or unquoted value), white space and "/" between them. The
# quantifiers never give back what they took, so a try costs no more than what it reads;
# it fails only where the input ends inside the tag.
_SPACE = r"[\t\n\x0c ]"


def _attribute_pattern(group: str) -> str:
    """An attribute; ``group`` opens its name and each kind of value ("(" to capture)."""
    return (
        rf"{group}[^\t\n\x0c />][^\t\n\x0c />=]*+)"
        rf"(?:(?={_SPACE}*+=){_SPACE}*+={_SPACE}*+"
        rf"(?:\"{group}[^\"]*+)\"|'{group}[^']*+)'|(?![\"']){group}[^\t\n\x0c >]*+))"
        rf"|(?!{_SPACE}*+=))"
    )


_TAG = re.compile(
    rf"<(/?)([a-zA-Z][^\t\n\x0c />]*+)"
    rf"((?:{_SPACE}++|/(?!>)|{_attribute_pattern('(?:')})*+)/?>"
)
_ATTRIBUTE = re.compile(_attribute_pattern("("))
# A tag the input ends inside, as far as it goes; the groups keep the last white space,
# "/", attribute, attribute value and unquoted value read. (Nothing follows the repetition,
# so it never gives back; it is not possessive because the re module mistakes the spans
# of groups inside a possessive repetition.)
_UNFINISHED_TAG = re.compile(
    rf"</?[a-zA-Z][^\t\n\x0c />]*+"
    rf"(?:({_SPACE}++)|(/)(?!>)|([^\t\n\x0c />][^\t\n\x0c />=]*+"
    rf"(?:(?={_SPACE}*+=)({_SPACE}*+={_SPACE}*+"
    rf"(?:\"[^\"]*+\"|'[^']*+'|(?![\"'])([^\t\n\x0c >]*+)))|(?!{_SPACE}*+=))))*"
)


def _shown_at_end(s: str, lt: int) -> bool:
    """For a tag the input ends inside (html5lib drops it): whether bleach shows it as
    text, which it does when the input ends in the tag's name, an attribute's name, the
    white space after one, or an unquoted value."""
    found = _UNFINISHED_TAG.match(s, lt)
    n = len(s)
    if found.end() < n:  # a quoted value never closed
        return False
    space, slash, attribute = found.span(1), found.span(2), found.span(3)
    value, unquoted = found.span(4), found.span(5)
    if attribute[1] == n:
        if value[1] != n:
            return True  # in the name
        return unquoted[1] == n and unquoted[0] < n  # in an unquoted value
    if space[1] == n:
        return attribute[1] == space[0] and value[1] != attribute[1]
    return slash[1] != n  # in the tag's name


# where markup may begin; any other "<" is text
_MARKUP = re.compile(r"<[a-zA-Z/!?]")


@cache
def _closing_tag(name: str) -> re.Pattern:
    return re.compile(rf"</{name}\s*>", re.IGNORECASE)


def _attributes(text: str) -> list[tuple[str, str]]:
    """The attributes of a tag ``_TAG`` read, names in lower case."""
    return [
        (found.group(1).translate(_LOWER), next((v for v in found.group(2, 3, 4) if v), ""))
        for found in _ATTRIBUTE.finditer(text)
    ]


def _tokens(s: str, keep_attributes: frozenset[str]) -> Iterator[tuple]:
    """``(_TEXT, text)`` (text may hold a "<" that begins no markup), ``(_RAW, markup
    read as text)``, ``(_START, name, attributes)`` (attributes only for names in
    ``keep_attributes``) and ``(_END, name)``, in order. Comments, doctypes and the
    elements of ``_DROP_WITH_CONTENT`` give nothing."""
    n = len(s)
    pos = 0
    without_close: set[str] = set()  # elements with no closing tag after the last search
    while pos < n:
        markup = _MARKUP.search(s, pos)
        if markup is None:
            yield _TEXT, s[pos:]
            return
        lt = markup.start()
        if lt > pos:
            yield _TEXT, s[pos:lt]
        tag = _TAG.match(s, lt)
        if tag is None:
            raw, pos = _other_markup(s, lt)
            if raw:
                yield _RAW, raw
            continue
        pos = tag.end()
        name = tag.group(2).translate(_LOWER)
        if tag.group(1):
            yield _END, name
            continue
        if name in _DROP_WITH_CONTENT and name not in without_close:
            close = _closing_tag(name).search(s, pos)
            if close is not None:
                pos = close.end()
                continue
            without_close.add(name)  # none later either: not searched again
        attributes = _attributes(tag.group(3)) if name in keep_attributes else None
        yield _START, name, attributes


def _other_markup(s: str, lt: int) -> tuple[str, int]:
    """For markup at ``lt`` that is no whole tag: ``(what bleach shows of it as text, where
    reading goes on)``. A tag the input ends inside runs to the end."""
    first, second = s[lt + 1], s[lt + 2 : lt + 3]
    if first in _LETTERS or first == "/" and second and second in _LETTERS:
        return (s[lt:] if _shown_at_end(s, lt) else ""), len(s)
    pos = _skip_markup(s, lt, first, second)
    if pos < 0:  # markup read as text
        return s[lt:-pos], -pos
    return "", pos


def _skip_markup(s: str, lt: int, first: str, second: str) -> int:
    """For a ``<`` that begins no tag: where reading goes on after what html5lib skips
    (comments, doctypes, bogus comments), or minus the end of what it reads as text."""
    n = len(s)
    if first == "/":
        if second == ">":
            return lt + 3
        if not second:
            return -n
        # a bogus comment: bleach shows it as the text it is, unless it reads like an
        # allowed tag's name
        close = s.find(">", lt + 2)
        stop = n if close < 0 else close + 1
        if s[lt + 2 : stop].rstrip(">").lower().strip() not in ALLOWED_TAGS:
            return -stop
        return stop
    if first == "!" and s.startswith("--", lt + 2):
        start = lt + 4
        if s.startswith(">", start):
            return start + 1
        if s.startswith("->", start):
            return start + 2
        end_match = _COMMENT_END.search(s, start)
        return n if end_match is None else end_match.end()
    # doctype, CDATA outside SVG and MathML, bogus comment: up to the next ">"
    close = s.find(">", lt + 2)
    return n if close < 0 else close + 1


# Numeric character references with very long digit runs: bleach reads them one digit at a
# time from the front of a list (quadratic), and Python refuses to convert more than a few
# thousand digits. The same character is written with its shortest digits.
_LONG_REFERENCE = re.compile(r"&#([xX][0-9a-fA-F]{9,}|[0-9]{9,})(;?)")


def _short_reference(match: re.Match) -> str:
    digits, semicolon = match.group(1), match.group(2)
    if not semicolon:  # bleach reads no reference without ";": it is text
        return "&amp;" + match.group(0)[1:]
    hexadecimal = digits[0] in "xX"
    significant = (digits[1:] if hexadecimal else digits).lstrip("0")
    if len(significant) > (6 if hexadecimal else 7):
        value = 0
    else:
        value = int(significant or "0", 16 if hexadecimal else 10)
    if not 0 < value <= 0x10FFFF:
        return "&#xFFFD;"
    return f"&#{value};"


def _short_references(text: str) -> str:
    return _LONG_REFERENCE.sub(_short_reference, text) if "&#" in text else text


def _normalised(value: str) -> str:
    """Line ends as html5lib's input stream reads them."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _text_units(text: str) -> int:
    """Work the sanitiser does for text: each character reference is a token of its own,
    and each place that may hold an address is searched and may become a link."""
    units = text.count("&")
    if "." in text:
        units += len(_MAY_HOLD_URL.findall(text))
    return units


@dataclass
class _Prepared:
    """``html`` is what a backend parses: allowed tags and attributes only, every end tag
    one that changes the tree. ``over`` names the limit the input passed ("" for none)."""

    html: str
    over: str
    depth: int
    elements: int
    text: str = ""  # past a limit, and asked for: the text a reader sees, unformatted


_KEEP_ATTRIBUTES = frozenset(ALLOWED_ATTRIBUTES)


def _kept_attributes(name: str, attributes: list) -> list[tuple[str, str]]:
    """The allowed attributes, in their order; the first of duplicates counts, as in
    html5lib."""
    allowed, kept, seen = ALLOWED_ATTRIBUTES.get(name, ()), [], set()
    for attribute, value in attributes:
        if attribute in allowed and attribute not in seen:
            seen.add(attribute)
            kept.append((attribute, _short_references(value.replace("\x00", "\ufffd"))))
    return kept


# Where a browser starts a new line (or paragraph) of text.
_LINE_BREAKS = frozenset({"br", "li", "tr", "dt", "dd", "hr", "table"} | HTML_TAGS_BLOCK_LEVEL)
_PARAGRAPH_BREAKS = frozenset({"p", "div", "blockquote", "table"})


def _prepare(value: str, keep_text: bool = False) -> _Prepared:
    """One pass: the input for a backend, and whether it stays within the limits. Stops at
    the first limit passed; with ``keep_text`` the input's text comes with it then."""
    max_depth, max_units = app_settings.MAX_HTML_DEPTH, app_settings.MAX_HTML_ELEMENTS
    shape = _Shape()
    out: list[str] = []
    seen_tag = False  # bleach writes a dropped block-level start tag as a line break after one
    fresh_pre = False  # a "pre" just opened: html5lib drops a line break that starts it
    for token in _tokens(_normalised(value), _KEEP_ATTRIBUTES):
        kind = token[0]
        if kind == _TEXT or kind == _RAW:
            # html5lib drops null characters from text
            text = _short_references(token[1].replace("\x00", "")).replace("<", "&lt;")
            if text:
                if shape.active and not shape.active[-1].open:
                    shape.reconstruct()
                shape.created += _text_units(text)
                out.append(text)
                fresh_pre = False
        elif kind == _START:
            name = token[1]
            if name in _TREE_RULES:
                attributes = _kept_attributes(name, token[2] or ())
                for _attribute, attribute_value in attributes:
                    shape.charge(attribute_value.count("&"))
                shape.start(name, tuple(sorted(attributes)))
                out.append(
                    "<"
                    + name
                    + "".join(
                        f' {attribute}="{attribute_value.replace(chr(34), "&quot;")}"'
                        for attribute, attribute_value in attributes
                    )
                    + ">"
                )
                fresh_pre = name == "pre"
            elif seen_tag and name in HTML_TAGS_BLOCK_LEVEL:
                # bleach's line break is text of its own, which html5lib never drops
                shape.text()
                out.append("\n\n" if fresh_pre else "\n")
                fresh_pre = False
            seen_tag = True
        else:
            name = token[1]
            if name in _TREE_RULES and shape.end(name):
                out.append("<br>" if name == "br" else f"</{name}>")
                fresh_pre = False
            seen_tag = True
        over = shape.exceeded(max_depth, max_units)
        if over:
            text = _visible_text(value) if keep_text else ""
            return _Prepared("", over, shape.depth, shape.units, text)
    return _Prepared("".join(out), "", shape.depth, shape.units)


def _visible_text(value: str) -> str:
    """The text a reader sees in ``value``, unformatted: ``_tokens`` without the tokens,
    for HTML past the limits, where every tag is read however many there are."""
    s = _normalised(value)
    n, pos, parts = len(s), 0, []
    without_close: set[str] = set()
    while pos < n:
        markup = _MARKUP.search(s, pos)
        if markup is None:
            parts.append(s[pos:])
            break
        lt = markup.start()
        parts.append(s[pos:lt])
        tag = _TAG.match(s, lt)
        if tag is None:
            raw, pos = _other_markup(s, lt)
            parts.append(raw)
            continue
        pos = tag.end()
        name = tag.group(2).translate(_LOWER)
        if name in _LINE_BREAKS:
            parts.append("\n\n" if name in _PARAGRAPH_BREAKS else "\n")
        elif name in _DROP_WITH_CONTENT and not tag.group(1) and name not in without_close:
            close = _closing_tag(name).search(s, pos)
            if close is None:
                without_close.add(name)
            else:
                pos = close.end()
    return html.unescape(_short_references("".join(parts).replace("\x00", "")))


# Links in text ---------------------------------------------------------------------------
#
# bleach's linkifier finds addresses with its ``URL_RE``, which backtracks: on a long run
# such as "a-a-a-a…" it tries every word start and rescans the rest, quadratic in the run.
# ``_find_urls`` returns exactly the matches of ``URL_RE.finditer`` in one pass:
#
#   \(* \b(?<![@.]) (?:(?:PROTOCOL):/{0,3}(?:(?:\w+:)?\w+@)?)?
#   ([\w-]+\.)+ (?:TLD) (?:\:[0-9]+)? (?!\.\w)\b (?:[/?][^\s{}|\\^`<>"]*)?
#
# Its domain part from a position is the rest of that label and whole labels after it,
# each followed by a dot, then a top-level domain; the greedy repetition takes the last
# dot after which a TLD ends at a word boundary. Whether a TLD fits after a dot does not
# depend on where the match began, so when no TLD fits after any dot that follows a start,
# none fits for a later start in the same chain of labels: the chain is searched once.

_TLD = re.compile("|".join(sorted(TLDS)), re.IGNORECASE)
_TLD_LONGEST = max(len(tld) for tld in TLDS)
_PROTOCOL = re.compile("|".join(sorted(allowed_protocols)), re.IGNORECASE)
_PROTOCOL_LONGEST = max(len(protocol) for protocol in allowed_protocols)
_URL_START = re.compile(r"\(+|(?<![@.])\b[\w-]")
_WORD = re.compile(r"\w*")
_LABEL = re.compile(r"[\w-]*")
_PORT = re.compile(r"[0-9]*")
_USERINFO = re.compile(r"(?:\w+:)?\w+@")
_USERINFO_RUN = re.compile(r"\w*(?::\w*)?")
_URL_PATH = re.compile(r"""[/?][^\s{}|\\^`<>"]*""")
_WORD_CHARACTER = re.compile(r"\w")


class _Found:
    """What ``LinkifyFilter`` reads of a match."""

    __slots__ = ("_text", "_start", "_end")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, index: int = 0) -> str:
        return self._text[self._start : self._end]


class _UrlSearch:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.dead = (0, 0)  # a chain of labels in which no domain ends

    def _is_word(self, index: int) -> bool:
        return (
            0 <= index < self.n and _WORD_CHARACTER.match(self.text, index, index + 1) is not None
        )

    def _boundary(self, index: int) -> bool:
        # (?!\.\w)\b
        if self._is_word(index - 1) == self._is_word(index):
            return False
        return not (index < self.n and self.text[index] == "." and self._is_word(index + 1))

    def _tld_end(self, start: int) -> int | None:
        text = self.text
        end = _WORD.match(text, start).end()
        if end == start or end - start > _TLD_LONGEST or not _TLD.fullmatch(text, start, end):
            return None
        if end < self.n and text[end] == ":":
            port = _PORT.match(text, end + 1).end()
            if port > end + 1 and self._boundary(port):
                return port
        return end if self._boundary(end) else None

    def _domain_end(self, start: int) -> int | None:
        if self.dead[0] <= start < self.dead[1]:
            return None
        text, pos, dots = self.text, start, []
        while True:
            label_end = _LABEL.match(text, pos).end()
            if label_end == pos:
                break
            if label_end < self.n and text[label_end] == ".":
                dots.append(label_end + 1)
                pos = label_end + 1
            else:
                pos = label_end
                break
        for dot in reversed(dots):
            end = self._tld_end(dot)
            if end is not None:
                if text[end : end + 1] in ("/", "?"):
                    end = _URL_PATH.match(text, end).end()
                return end
        self.dead = (start, max(pos, start + 1))
        return None

    def _end(self, start: int) -> int | None:
        text = self.text
        word_end = _WORD.match(text, start).end()
        if (
            start < word_end < self.n
            and word_end - start <= _PROTOCOL_LONGEST
            and text[word_end] == ":"
            and _PROTOCOL.fullmatch(text, start, word_end)
        ):
            after = word_end + 1
            slashes = 0
            while slashes < 3 and after < self.n and text[after] == "/":
                after += 1
                slashes += 1
            # "user:password@" lies within a word, a ":" and a word: read no further
            run_end = _USERINFO_RUN.match(text, after).end()
            userinfo = _USERINFO.match(text, after, min(run_end + 1, self.n))
            if userinfo is not None:
                end = self._domain_end(userinfo.end())
                if end is not None:
                    return end
            # no domain begins at the scheme itself: its word ends at ":", not at a dot
            return self._domain_end(after)
        return self._domain_end(start)

    def __iter__(self) -> Iterator[_Found]:
        text, pos = self.text, 0
        while pos < self.n:
            candidate = _URL_START.search(text, pos)
            if candidate is None:
                return
            start = candidate.start()
            if text[start] == "(":
                after = candidate.end()
                end = self._end(after) if self._is_word(after) else None
                if end is None:
                    pos = after
                    continue
            else:
                end = self._end(start)
                if end is None:
                    pos = start + 1
                    continue
            yield _Found(text, start, end)
            pos = end


def _find_urls(text: str) -> Iterator[_Found]:
    """The matches of bleach's ``URL_RE.finditer(text)``, found in linear time."""
    return iter(_UrlSearch(text))


# Every URL bleach's linkifier finds has a dot between a word character (or "-") and the
# first letter of its top-level domain: text without such a dot holds none.
_MAY_HOLD_URL = re.compile(r"[\w-]\.\w")


class _LinkPattern:
    """The URL search bleach's linkifier calls (``url_re.finditer``), tried only on text
    that can hold a URL. Most text (sentences end in ". ") skips it."""

    def finditer(self, text: str) -> Iterator[_Found]:
        if not _MAY_HOLD_URL.search(text):
            return iter(())
        return _find_urls(text)


class _LinkifyFilter(LinkifyFilter):
    """bleach's linkifier with its trimming of a found address in one pass (bleach's own
    slices the text once per parenthesis, comma or dot it trims)."""

    def strip_non_url_bits(self, fragment: str) -> tuple[str, str, str]:
        start, end, opened = 0, len(fragment), 0
        trimmed: list[str] = []  # from the end, in the order they come off
        last_open: int | None = None
        while start < end:
            if fragment[start] == "(":
                start += 1
                opened += 1
                if start < end and fragment[end - 1] == ")":
                    end -= 1
                    trimmed.append(")")
                continue
            last = fragment[end - 1]
            if last == ")":
                if last_open is None or last_open >= end:
                    last_open = fragment.rfind("(", start, end)
                if last_open >= 0:
                    break
            elif last != "," and last != ".":
                break
            end -= 1
            trimmed.append(last)
        return fragment[start:end], "(" * opened, "".join(reversed(trimmed))


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


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
                _LinkifyFilter,
                callbacks=[_set_rel],
                skip_tags={"pre", "code"},
                url_re=_LinkPattern(),
            )
        ],
    )


# Characters a reader cannot see; a link scheme is judged with them removed, so
# ``java\u200bscript:`` counts as ``javascript:`` and is refused.
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def _allowed_url(value: str) -> bool:
    """Relative URLs and the allowed protocols pass; any other scheme is dropped."""
    try:
        unescaped = html.unescape(value)
    except ValueError:  # a reference with more digits than Python converts
        return False
    squeezed = _INVISIBLE.sub("", unescaped).lower()
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
    already sanitised (cheap even for a long mail). Only ``clean_html`` makes one; slicing or
    joining gives a plain ``str`` again, which is cleaned like any other input."""

    __slots__ = ()


def _sanitised(prepared_html: str) -> CleanHTML:
    if app_settings.SANITIZER == "nh3":
        return CleanHTML(_clean_nh3(prepared_html).strip())
    return CleanHTML(_cleaner().clean(prepared_html).strip())


def clean_html(value: str) -> CleanHTML:
    """Sanitise untrusted HTML to the allowlist. Safe to render with ``|safe``. HTML past
    ``MAX_HTML_DEPTH`` or ``MAX_HTML_ELEMENTS`` comes back as its text in paragraphs."""
    if isinstance(value, CleanHTML):
        return value
    if not value:
        return CleanHTML("")
    prepared = _prepare(str(value), keep_text=True)
    if prepared.over:  # its text: nothing is lost but the formatting
        return text_to_html(prepared.text)
    return _sanitised(prepared.html)


def check_html(value: str) -> None:
    """Raise ``HTMLTooComplex`` for HTML a form should refuse (linear; parses nothing)."""
    prepared = _prepare(str(value or ""))
    if prepared.over:
        raise HTMLTooComplex(prepared.over)


_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|blockquote|pre|ul|ol)\s*>|<br\s*/?>", re.I)
# Bounded, and never across another "<": hostile mail full of unclosed "<li " must not make
# these searches quadratic.
_LIST_ITEM_TAG = re.compile(r"<li\b[^<>]{0,1000}>", re.I)
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
    marked = _LIST_ITEM_TAG.sub("- ", marked)
    marked = _BLOCK_START.sub("\n", marked)
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# a blank line; "\s*" can only run on through white space that begins with a line break,
# so each try ends where the run of white space does
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def text_to_html(value: str) -> CleanHTML:
    """Turn plain text (a textarea without JavaScript, a text mail) into safe HTML, with
    its addresses as links. Text too long to search for addresses stays as it is: escaped,
    it is safe without the sanitiser."""
    paragraphs = _PARAGRAPH_BREAK.split((value or "").replace("\r\n", "\n").strip())
    parts = ["<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs if p]
    escaped = "".join(parts)
    if not escaped:
        return CleanHTML("")
    # what ``_prepare`` would count for paragraphs of escaped text, counted directly: a
    # paragraph and its line breaks are elements, the rest is text
    units = len(parts) + escaped.count("<br>") + _text_units(escaped) + len(parts) // 16
    if units > app_settings.MAX_HTML_ELEMENTS:
        return CleanHTML(escaped.replace("\x00", ""))
    return _sanitised(escaped)


# A whole tag: "<p>", "</div>", "<a href=...>". Plain text such as "a <b" or "x < y" has
# none, so it keeps its line breaks. Never across another "<", so each try ends at the next.
_WHOLE_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def _looks_like_html(value: str) -> bool:
    """Whether ``value`` holds a whole tag or comment (``<!-- ... -->``)."""
    if _WHOLE_TAG.search(value):
        return True
    start = value.find("<!--")
    return start >= 0 and value.find("-->", start + 4) >= 0


def clean_user_input(value: str, *, strict: bool = False) -> CleanHTML:
    """Web form input: HTML from the editor, or plain text when JavaScript was off.
    ``strict`` (forms) raises ``HTMLTooComplex`` for HTML past the limits, before any
    parser runs; otherwise such HTML becomes its text."""
    value = value or ""
    if not _looks_like_html(value):
        return text_to_html(value)
    prepared = _prepare(value, keep_text=not strict)
    if prepared.over:
        if strict:
            raise HTMLTooComplex(prepared.over)
        return text_to_html(prepared.text)
    return _sanitised(prepared.html)


def is_blank(cleaned_html: str) -> bool:
    return not html_to_text(cleaned_html).strip()


def clean_subject(value: str, max_length: int = 255) -> str:
    """One line of plain text: control characters (CR/LF header injection included) become
    spaces, runs of white space fold, length is bounded."""
    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(value or ""))
    return re.sub(r"\s+", " ", value).strip()[:max_length]


def clean_plain_text(value: str, max_length: int) -> str:
    """Several lines of plain text (a rating's comment): line breaks stay, every other
    control or format character (bidirectional overrides, zero-width ones) goes, runs of
    blank lines fold to one, length is bounded. Never HTML: pages and mail escape it."""
    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch if ch == "\n" else (" " if ch in "\t\v\f" else ch)
        for ch in value
        if ch in "\n\t\v\f" or unicodedata.category(ch)[0] != "C"
    )
    lines = [re.sub(r"[ \u00a0]+", " ", line).strip() for line in kept.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:max_length].strip()


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


_BLOCKQUOTE_OPEN = re.compile(r"<blockquote\b[^<>]*>", re.I)
_BLOCKQUOTE_CLOSE = re.compile(r"</blockquote\s*>", re.I)


def split_quoted_history(cleaned_html: str) -> tuple[str, str]:
    """``(new text, quoted history)`` of sanitised mail HTML whose quoted history is the
    closing blockquote (as the mail parser stores it); ``(html, "")`` when there is none or
    nothing else. Displays fold the history away; the stored text stays whole."""
    value = (cleaned_html or "").rstrip()
    if not _BLOCKQUOTE_CLOSE.search(value[-16:]):
        return cleaned_html, ""
    opens = [match.start() for match in _BLOCKQUOTE_OPEN.finditer(value)]
    closes = [match.start() for match in _BLOCKQUOTE_CLOSE.finditer(value)]
    # the first blockquote after which as many close as open is where the history begins
    for index, start in enumerate(opens):
        if len(opens) - index == len(closes) - bisect_left(closes, start):
            head = value[:start]
            if is_blank(head):
                return cleaned_html, ""
            return head, value[start:]
    return cleaned_html, ""


# Links in mail text ----------------------------------------------------------------------
#
# The HTML part of a mail is made from plain text (the template and its values); its
# addresses become links here. Only ``http://`` and ``https://`` addresses are linked, so no
# other scheme (``javascript:``, ``data:``) ever becomes one. One pass over the text: a
# literal search for the scheme, one run of URL characters after it, trailing punctuation
# trimmed from the end; no pattern that can backtrack.

_LINK_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_LINK_RUN = re.compile(r"""[^\s<>"'`{}|\\^\x00-\x1f\x7f]*""")
_LINK_TRAILING = frozenset(".,;:!?'")
# longer addresses stay text (no mail client shows them usefully), and a text with
# thousands of addresses is linked only up to this many
MAX_LINK_LENGTH = 2_048
MAX_LINKS = 200


def _link_end(text: str, start: int, end: int) -> int:
    """``end`` without the punctuation a sentence puts after an address: a final dot or
    comma, and a closing parenthesis the address did not open."""
    opened = text.count("(", start, end)
    closed = text.count(")", start, end)
    while end > start:
        last = text[end - 1]
        if last in _LINK_TRAILING:
            end -= 1
        elif last == ")" and closed > opened:
            end -= 1
            closed -= 1
        else:
            break
    return end


def linkify_text(text: str) -> str:
    """Plain text as HTML-escaped text in which every ``http(s)://`` address is a link.
    Linear in the text; addresses longer than ``MAX_LINK_LENGTH`` and those after the first
    ``MAX_LINKS`` stay plain (escaped) text."""
    text = text or ""
    pieces: list[str] = []
    position = links = 0
    search_from = 0
    while links < MAX_LINKS:
        match = _LINK_SCHEME.search(text, search_from)
        if match is None:
            break
        start = match.start()
        run_end = _LINK_RUN.match(text, match.end()).end()
        search_from = max(run_end, match.end())
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # "xhttp://" is part of a word
        end = _link_end(text, start, run_end)
        if end <= match.end() or text[match.end()] in "/?#":
            continue  # no host
        if end - start > MAX_LINK_LENGTH:
            continue
        url = text[start:end]
        if not _allowed_url(url):
            continue
        pieces.append(html.escape(text[position:start]))
        escaped = html.escape(url)
        pieces.append(f'<a href="{escaped}">{escaped}</a>')
        position = end
        links += 1
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)

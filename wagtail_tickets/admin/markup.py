"""Markup the admin writes in Python, escaped by construction.

The inbox writes its rows and filter widgets in Python rather than through templates (its
pages show hundreds of cells and options). Every piece of that markup is an ``Html``
template: literal markup with ``{name}`` holes, and a value put in a hole is escaped
unless it is markup already (``SafeString``, or anything with ``__html__``), exactly as
Django's ``conditional_escape`` decides. No value reaches the page any other way, so an
edit that forgets an ``escape`` call is not possible: there is none to forget.

``format_html`` does the same, but checks every argument for lazy translations first;
these templates take the plain strings the callers already have.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from html import escape

from django.utils.safestring import SafeString

__all__ = ["EMPTY", "Html", "attrs", "conditional", "join"]

EMPTY = SafeString("")


def conditional(value) -> str:
    """``value`` as markup: itself when it is markup already, else its text escaped
    (``&``, ``<``, ``>``, ``"`` and ``'``). ``None`` is empty. The same result as
    ``django.utils.html.conditional_escape``."""
    # the common cases first, without an attribute look-up
    if type(value) is str:
        return escape(value)
    if type(value) is SafeString:
        return value
    if value is None:
        return ""
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return escape(str(value))


class Html:
    """A template of markup with named holes: ``Html('<td>{name}</td>')(name=value)``.

    Only plain ``{name}`` holes are accepted (no attribute or index look-ups, conversions
    or format specs, which would act on the escaped text), and every hole must be given.
    """

    __slots__ = ("names", "template")

    def __init__(self, template: str):
        names = []
        for _literal, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise ValueError(f"only plain {{name}} holes are allowed, not {{{name}}}")
            names.append(name)
        self.template = template
        self.names = frozenset(names)

    def __call__(self, **values) -> SafeString:
        return SafeString(
            self.template.format_map({name: conditional(values[name]) for name in self.names})
        )

    def __repr__(self) -> str:
        return f"Html({self.template!r})"


def join(parts: Iterable) -> SafeString:
    """Pieces of markup (each escaped unless it is markup) one after the other."""
    return SafeString("".join(conditional(part) for part in parts))


_ATTR = Html(' {name}="{value}"')
_BARE_ATTR = Html(" {name}")


def attrs(values: Mapping) -> SafeString:
    """HTML attributes: ``True`` gives a bare name, ``False`` and ``None`` nothing, anything
    else ``name="value"`` (both escaped)."""
    return join(
        _BARE_ATTR(name=name) if value is True else _ATTR(name=name, value=value)
        for name, value in values.items()
        if value is not False and value is not None
    )

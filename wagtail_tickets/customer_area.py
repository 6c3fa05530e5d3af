"""The menu of the site's protected customer area.

Apps register items with the ``register_customer_area_menu_item`` hook (a function returning
a ``MenuItem``); ``construct_customer_area_menu`` hooks get ``(request, items)`` and may
reorder, remove or add items. Links are computed per request, so they follow the language
prefix and the host's URL configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from wagtail import hooks

UrlSource = str | Callable[[HttpRequest], str]


@dataclass
class MenuItem:
    label: str
    url: UrlSource
    name: str = ""
    order: int = 1000
    icon: str = ""
    active_prefix: UrlSource | None = None
    is_shown: Callable[[HttpRequest], bool] = field(
        default=lambda request: request.user.is_authenticated
    )


@dataclass
class BoundMenuItem:
    label: str
    url: str
    name: str
    icon: str
    active: bool


def _resolve(source: UrlSource | None, request: HttpRequest) -> str:
    if source is None:
        return ""
    return source(request) if callable(source) else source


def build_menu(request: HttpRequest) -> list[BoundMenuItem]:
    items = [fn() for fn in hooks.get_hooks("register_customer_area_menu_item")]
    items = [item for item in items if item is not None and item.is_shown(request)]
    for fn in hooks.get_hooks("construct_customer_area_menu"):
        fn(request, items)
    bound = []
    for item in sorted(items, key=lambda i: i.order):
        url = _resolve(item.url, request)
        prefix = _resolve(item.active_prefix, request) or url
        bound.append(
            BoundMenuItem(
                label=str(item.label),
                url=url,
                name=item.name,
                icon=item.icon,
                active=bool(prefix) and request.path.startswith(prefix),
            )
        )
    return bound

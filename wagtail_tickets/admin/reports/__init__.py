"""The ticket reports, in one place: ``queries`` computes the numbers in the database,
``charts`` lays out the inline SVG charts, ``views`` holds the page, the period form and
the time-spent CSV. ``hooks`` mounts them through ``get_urls`` and ``menu_item``."""

from .views import get_urls, menu_item

__all__ = ["get_urls", "menu_item"]

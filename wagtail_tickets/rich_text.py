"""Rich text of the admin editor in Wagtail's database format: which entities it may hold.

The editor of replies and response templates offers links only (``REPLY_FEATURES``): to
web addresses (``<a href="...">``, checked by the sanitizer like any link) and to pages
(``<a linktype="page" id="3">``, which ``expand_db_html`` turns into the page's address).
A forged editor payload can put anything into an entity: an id past 64 bits (an
``OverflowError`` inside Wagtail's ``id__in`` on SQLite), a word, no id at all, a
document, an image or an embed. ``validate_entities`` refuses all of these, and page links
to pages a customer cannot open (not live, or private), before anything expands them.

It reads the text with Wagtail's own patterns, so it sees the entities ``expand_db_html``
would see. They are linear on what the editor's converter writes (text is escaped there,
so every ``<a`` and ``<embed`` is a real tag): call it on that, never on raw input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

from .ids import parse_id

# more links to pages than any answer needs; each is looked up
MAX_PAGE_LINKS = 50


def page_link_ids(html: str) -> set[int]:
    """The pages ``html`` (database format from the editor) links to; ``ValidationError``
    for an entity other than a link to a page or a web address, or a page link without a
    usable id."""
    if FIND_EMBED_TAG.search(html):
        raise ValidationError(
            _("Images, documents and embedded media cannot be inserted here."), code="entity"
        )
    ids: set[int] = set()
    for match in FIND_A_TAG.finditer(html):
        attrs = extract_attrs(match.group(1))
        if "linktype" not in attrs:
            continue  # a link to a web address: the sanitizer decides about it
        if attrs["linktype"] != "page":
            raise ValidationError(
                _("Only links to web addresses and to pages can be inserted here."),
                code="entity",
            )
        page_id = parse_id(attrs.get("id"))
        if page_id is None:
            raise ValidationError(_("A link points to a page that does not exist."), code="page")
        ids.add(page_id)
    return ids


def validate_entities(html: str) -> None:
    """Refuse (``ValidationError``) rich text whose entities ``expand_db_html`` should not
    expand: see the module's docstring. At most one query, none without page links."""
    ids = page_link_ids(html)
    if not ids:
        return
    if len(ids) > MAX_PAGE_LINKS:
        raise ValidationError(
            ngettext(
                "Link to at most %(count)d page.",
                "Link to at most %(count)d pages.",
                MAX_PAGE_LINKS,
            )
            % {"count": MAX_PAGE_LINKS},
            code="page",
        )
    found = set(Page.objects.live().public().filter(id__in=ids).values_list("id", flat=True))
    if ids - found:
        raise ValidationError(
            _("A link points to a page that does not exist or is not published for everyone."),
            code="page",
        )

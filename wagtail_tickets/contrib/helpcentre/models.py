"""Help centre pages (an index, its categories, the articles) and the daily counts of what
readers said about the articles.

The counts live in their own table, not on the pages: publishing a revision writes a
page's fields back from the revision, which would undo counts kept there.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Locale, Orderable, Page
from wagtail.search import index

from wagtail_tickets.conf import app_settings

from .search import SUGGESTIONS, clean_query, locales_to_search

ARTICLE = "wagtail_tickets_helpcentre.HelpArticlePage"
CATEGORY = "wagtail_tickets_helpcentre.HelpCategoryPage"
INDEX = "wagtail_tickets_helpcentre.HelpCentrePage"

TEXT_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link", "code"]


class HelpPage(Page):
    """What every help centre page shares: the frame of the customer area."""

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["wagtail_tickets_base_template"] = app_settings.CUSTOMER_BASE_TEMPLATE
        return context


class HelpCentrePage(HelpPage):
    """The help centre's start page: a search box and the categories."""

    intro = RichTextField(_("introduction"), blank=True, features=TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    subpage_types = [CATEGORY, ARTICLE]
    template = "wagtail_tickets/helpcentre/index.html"

    class Meta:
        verbose_name = _("help centre")
        verbose_name_plural = _("help centres")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "")
        context["categories"] = HelpCategoryPage.objects.child_of(self).live().public()
        context["uncategorised"] = (
            HelpArticlePage.objects.child_of(self).live().public().order_by("title")
        )
        context["query"] = query[:200]
        context["results"] = search_articles(query, locale=self.locale, limit=20, within=self)
        return context


class HelpCategoryPage(HelpPage):
    """A group of articles; its articles are its child pages."""

    description = models.TextField(_("description"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("description")]
    search_fields = [*Page.search_fields, index.SearchField("description")]
    parent_page_types = [INDEX]
    subpage_types = [ARTICLE]
    template = "wagtail_tickets/helpcentre/category.html"

    class Meta:
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            HelpArticlePage.objects.child_of(self).live().public().order_by("title")
        )
        return context


class ArticleBody(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES)
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, form_classname="title")
    steps = blocks.ListBlock(
        blocks.RichTextBlock(features=["bold", "italic", "link", "code"]), label=_("Steps")
    )
    note = blocks.RichTextBlock(label=_("Note"), features=["bold", "italic", "link"])


class HelpArticlePage(HelpPage):
    """One answer. Readers vote "was this helpful?"; the ticket forms suggest it."""

    summary = models.TextField(
        _("summary"),
        blank=True,
        max_length=300,
        help_text=_("One or two sentences shown in search results and suggestions."),
    )
    body = StreamField(ArticleBody(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("related_links", label=_("Related articles")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = [INDEX, CATEGORY]
    subpage_types: list[str] = []
    template = "wagtail_tickets/helpcentre/article.html"

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related"] = self.related_articles()
        context["voted"] = request.GET.get("voted", "") in ("yes", "no")
        context["category"] = self.get_parent().specific_deferred
        return context

    def related_articles(self):
        """The live, public related articles, in the editor's order (one query)."""
        ids = list(self.related_links.values_list("related_id", flat=True))
        pages = HelpArticlePage.objects.filter(id__in=ids).live().public().in_bulk()
        return [pages[i] for i in ids if i in pages]


class RelatedArticle(Orderable):
    article = ParentalKey(HelpArticlePage, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(
        HelpArticlePage,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("article"),
    )

    panels = [PageChooserPanel("related", page_type=ARTICLE)]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")


class Source(models.TextChoices):
    ARTICLE = "article", _("Article page")
    CUSTOMER = "customer", _("New-ticket form")
    EXTERNAL = "external", _("External page")


class ArticleFeedback(models.Model):
    """What readers said about one article on one day, from one place: "was this
    helpful?" votes, and "this answered my question" beside a ticket form (a ticket
    that was not opened)."""

    article = models.ForeignKey(
        HelpArticlePage,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("article"),
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("where"), max_length=16, choices=Source.choices)
    helpful = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful = models.PositiveIntegerField(_("not helpful"), default=0)
    deflected = models.PositiveIntegerField(_("answered the question"), default=0)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "day", "source"], name="wt_helpcentre_feedback_day"
            )
        ]
        indexes = [models.Index(fields=["day"], name="wt_helpcentre_feedback_by_day")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day} {self.source}"


class SuggestionWord(models.Model):
    """One word of a live article's title or summary, for the suggestions beside the ticket
    forms (``suggestions.py`` keeps these rows and reads them). A lookup by (language,
    word) is an index range on every database, whatever the number of articles."""

    article = models.ForeignKey(
        HelpArticlePage,
        on_delete=models.CASCADE,
        related_name="suggestion_words",
        verbose_name=_("article"),
    )
    locale = models.ForeignKey(Locale, on_delete=models.CASCADE, verbose_name=_("language"))
    word = models.CharField(_("word"), max_length=64)
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        verbose_name = _("suggestion word")
        verbose_name_plural = _("suggestion words")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "word"], name="wt_helpcentre_suggestion_word"
            )
        ]
        indexes = [
            models.Index(
                fields=["locale", "word", "article", "weight"],
                name="wt_helpcentre_suggest_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.word}"


def search_articles(
    raw_query: object,
    *,
    locale: Locale | None = None,
    limit: int = SUGGESTIONS,
    within: Page | None = None,
) -> list[HelpArticlePage]:
    """The live, public articles best matching ``raw_query`` in ``locale`` (the active
    language by default), falling back to the default language when that has none."""
    query = clean_query(raw_query)
    if not query:
        return []
    for candidate in locales_to_search(locale):
        articles = HelpArticlePage.objects.live().public().filter(locale=candidate)
        if within is not None:
            articles = articles.descendant_of(within)
        found = list(articles.search(query, operator="or")[:limit])
        if found:
            return found
    return []

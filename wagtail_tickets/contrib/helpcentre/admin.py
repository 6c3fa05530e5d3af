"""The help centre's admin screens: an answer turned into a draft article, and the
report of what the articles did (tickets not opened, votes)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from wagtail_tickets import permissions
from wagtail_tickets.admin.reports.views import PeriodForm
from wagtail_tickets.ids import parse_id
from wagtail_tickets.models import Message, Ticket
from wagtail_tickets.sanitize import split_quoted_history

from . import feedback
from .models import HelpArticlePage, HelpCategoryPage, HelpCentrePage, Source

MAX_PARENTS = 200


def addable_parents(user) -> list[Page]:
    """Help centres and categories where ``user`` may add an article (bounded)."""
    pages = (
        Page.objects.type(HelpCentrePage, HelpCategoryPage)
        .select_related("locale")
        .order_by("path")[:MAX_PARENTS]
    )
    return [p for p in pages if p.permissions_for_user(user).can_add_subpage()]


class ArticleFromMessageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    parent = forms.TypedChoiceField(label=_("Put it in"), coerce=int)

    def __init__(self, *args, parents: list[Page], **kwargs):
        super().__init__(*args, **kwargs)
        self.parents = {page.pk: page for page in parents}
        self.fields["parent"].choices = [
            (page.pk, f"{page.title} ({page.locale.language_code})") for page in parents
        ]


class ArticleFromMessageView(WagtailAdminTemplateMixin, FormView):
    """Turns a message of a ticket into a draft article that an editor then polishes
    (the customer's words and names must be taken out before it is published)."""

    template_name = "wagtail_tickets/helpcentre/admin/article_from_message.html"
    form_class = ArticleFromMessageForm
    page_title = _("New help article from an answer")
    header_icon = "help"

    def dispatch(self, request: HttpRequest, message_id: str, *args, **kwargs) -> HttpResponse:
        pk = parse_id(message_id)
        message = Message.objects.select_related("ticket").filter(pk=pk).first() if pk else None
        if message is None or not permissions.can_manage(request.user, message.ticket):
            raise Http404("No such message.")
        if not permissions.visible_messages(request.user, message.ticket).filter(pk=pk).exists():
            raise Http404("No such message.")
        self.message = message
        self.ticket: Ticket = message.ticket
        self.parents = addable_parents(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parents": self.parents}

    def get_initial(self):
        return {"title": self.ticket.subject}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(message=self.message, ticket=self.ticket, parents=self.parents)
        return context

    def form_valid(self, form):
        parent = form.parents[form.cleaned_data["parent"]].specific
        if not parent.permissions_for_user(self.request.user).can_add_subpage():
            raise PermissionDenied
        text, _quoted = split_quoted_history(self.message.body_html or "")
        article = HelpArticlePage(
            title=form.cleaned_data["title"],
            body=[("paragraph", text or "<p></p>")],
            live=False,
            owner=self.request.user,
            locale=parent.locale,
        )
        parent.add_child(instance=article)
        article.save_revision(user=self.request.user, log_action=True)
        messages.success(
            self.request,
            _("Draft article “%(title)s” created. Take out anything personal before publishing.")
            % {"title": article.title},
        )
        return redirect("wagtailadmin_pages:edit", article.pk)


def article_link(request: HttpRequest, page_id: str) -> JsonResponse:
    """The title and full address of a published article, for a link in a reply (the
    workspace's "Insert help article"): only agents, only live public articles."""
    if not permissions.is_agent(request.user):
        raise PermissionDenied
    pk = parse_id(page_id)
    article = HelpArticlePage.objects.live().public().filter(pk=pk).first() if pk else None
    if article is None:
        raise Http404("No such article.")
    return JsonResponse({"title": article.title, "url": article.get_full_url(request=request)})


class HelpCentreReportView(WagtailAdminTemplateMixin, TemplateView):
    """Tickets not opened because an article answered, and the articles' votes."""

    template_name = "wagtail_tickets/helpcentre/admin/report.html"
    page_title = _("Help centre")
    header_icon = "help"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        keys = ("period", "start", "end")
        data = {key: request.GET[key] for key in keys if key in request.GET}
        self.form = PeriodForm(data or None, initial={"period": "30d"})
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.form.get_period(timezone.localdate())
        sums = feedback.totals(period.first, period.last)
        by_source = feedback.deflections_by_source(period.first, period.last)
        opened = Ticket.objects.filter(
            created_at__gte=period.start, created_at__lt=period.end
        ).count()
        asked = sums["deflected"] + opened
        context.update(
            form=self.form,
            period=period,
            sums=sums,
            opened=opened,
            deflection_share=round(100 * sums["deflected"] / asked) if asked else None,
            by_source=[(Source(key).label, by_source.get(key, 0)) for key in Source.values[1:]],
            articles=feedback.top_articles(period.first, period.last),
            article_count=HelpArticlePage.objects.live().count(),
        )
        return context


def report_menu_item() -> MenuItem:
    return MenuItem(
        _("Help centre"),
        reverse("wagtail_tickets_helpcentre_admin:report"),
        name="help-centre-report",
        icon_name="help",
        order=1010,
    )


def get_urls() -> list:
    """Admin URLs, namespace ``wagtail_tickets_helpcentre_admin``."""
    patterns = [
        path(
            "article-from-message/<str:message_id>/",
            ArticleFromMessageView.as_view(),
            name="article_from_message",
        ),
        path("article-link/<str:page_id>/", article_link, name="article_link"),
        path("report/", HelpCentreReportView.as_view(), name="report"),
    ]
    return [path("help-centre/", include((patterns, "wagtail_tickets_helpcentre_admin")))]

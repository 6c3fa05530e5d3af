"""The help centre of the demo (``tickets_demo``): a help centre page with three
categories and a few published articles, made once under the default site's home page."""

from __future__ import annotations

from wagtail.models import Page, Site

from .models import HelpArticlePage, HelpCategoryPage, HelpCentrePage, RelatedArticle

SLUG = "help"

ARTICLES = {
    ("Getting started", "Where to start: opening and following tickets."): [
        (
            "Open a ticket",
            "How to ask us for help from your account.",
            [
                (
                    "paragraph",
                    "<p>Log in and open <b>My Tickets</b>, then press <b>New ticket</b>.</p>",
                ),
                (
                    "steps",
                    [
                        "<p>Choose the type that fits your question.</p>",
                        "<p>Write a short subject: we suggest articles while you type.</p>",
                        "<p>Describe what happened and add screenshots.</p>",
                    ],
                ),
                ("note", "<p>No account? Use the contact form: you get a private link.</p>"),
            ],
        ),
        (
            "Follow the answers to your ticket",
            "Every answer arrives by mail and in My Tickets.",
            [
                (
                    "paragraph",
                    (
                        "<p>Answer the mail or reply on the ticket's page; "
                        "both land in the same conversation.</p>"
                    ),
                )
            ],
        ),
    ],
    ("Billing", "Invoices, payments and refunds."): [
        (
            "Download an invoice",
            "Where to find your invoices as PDF.",
            [
                ("paragraph", "<p>Every invoice is kept in your account for ten years.</p>"),
                (
                    "steps",
                    [
                        "<p>Open <b>Billing</b> in your account.</p>",
                        "<p>Choose <b>Invoices</b>.</p>",
                        "<p>Press <b>Download PDF</b> next to the invoice.</p>",
                    ],
                ),
            ],
        ),
        (
            "Ask for a refund",
            "Refunds are paid within five working days.",
            [
                (
                    "paragraph",
                    (
                        "<p>Open a ticket of the type <b>Billing</b> with the invoice number. "
                        "We pay the refund to the card or account you paid with.</p>"
                    ),
                )
            ],
        ),
        (
            "Change the payment method",
            "Pay by card, bank transfer or direct debit.",
            [
                (
                    "paragraph",
                    (
                        "<p>Open <b>Billing</b>, then <b>Payment method</b>. "
                        "The change applies from the next invoice.</p>"
                    ),
                )
            ],
        ),
    ],
    ("Your account", "Passwords, logins and your profile."): [
        (
            "Reset your password",
            "Forgot your password? Reset it by mail in a minute.",
            [
                (
                    "steps",
                    [
                        "<p>Press <b>Forgot password?</b> on the login page.</p>",
                        "<p>Enter your email address.</p>",
                        "<p>Follow the link in the mail within an hour.</p>",
                    ],
                ),
                ("note", "<p>No mail? Look in your spam folder before you open a ticket.</p>"),
            ],
        ),
        (
            "Change your display name",
            "The name the support team sees on your tickets.",
            [
                (
                    "paragraph",
                    (
                        "<p>Open <b>Your account</b> and change the display name. "
                        "Earlier tickets show the new name too.</p>"
                    ),
                )
            ],
        ),
    ],
}

RELATED = {
    "Download an invoice": ["Ask for a refund", "Change the payment method"],
    "Reset your password": ["Change your display name"],
    "Open a ticket": ["Follow the answers to your ticket"],
}


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_help_centre() -> str:
    """Make the demo's help centre unless it exists; a line for the demo's summary."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page if site else Page.objects.filter(depth=2).first()
    if home is None:
        return ""
    existing = HelpCentrePage.objects.child_of(home).filter(slug=SLUG).first()
    if existing is not None:
        return f"Help centre: {existing.url} (already there)."
    centre = _publish(
        home,
        HelpCentrePage(
            title="Help centre",
            slug=SLUG,
            intro="<p>Answers to the questions we hear most. Search, or pick a category.</p>",
        ),
    )
    by_title: dict[str, HelpArticlePage] = {}
    for (category_title, description), articles in ARTICLES.items():
        category = _publish(centre, HelpCategoryPage(title=category_title, description=description))
        for title, summary, body in articles:
            by_title[title] = _publish(
                category, HelpArticlePage(title=title, summary=summary, body=body)
            )
    for title, related in RELATED.items():
        for order, other in enumerate(related):
            RelatedArticle.objects.create(
                article=by_title[title], related=by_title[other], sort_order=order
            )
    return f"Help centre: {centre.url} with {len(by_title)} articles."

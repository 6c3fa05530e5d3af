"""anymail's webhook URLs with clear answers for bad posts:
``path("anymail/", include("wagtail_tickets.anymail_urls"))`` in place of
``include("anymail.urls")``. Same paths, same names (namespace ``anymail``), same views and
signature checks; a bad signature answers 403, an unreadable payload 400 and a body over
the limit 413 (see ``wagtail_tickets.mail.webhooks``)."""

import copy

from django.core.exceptions import ImproperlyConfigured

from .mail import webhooks

try:
    from anymail import urls as anymail_urls
except ImportError:
    raise ImproperlyConfigured(webhooks.missing_message()) from None


def _guard(pattern):
    guarded = copy.copy(pattern)
    guarded.callback = webhooks.guarded(pattern.callback)
    return guarded


app_name = "anymail"
urlpatterns = [_guard(pattern) for pattern in anymail_urls.urlpatterns]

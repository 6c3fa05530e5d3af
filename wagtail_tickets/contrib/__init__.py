"""Optional integrations of wagtail-tickets with other Wagtail add-ons; each is a sub-app
to add to ``INSTALLED_APPS`` (and usually an extra to install)."""

"""Public URLs of the help centre:
``path("help-centre/", include("wagtail_tickets.contrib.helpcentre.urls"))``
(namespace ``wagtail_tickets_helpcentre``). The pages themselves are Wagtail pages."""

from django.urls import path

from . import views

app_name = "wagtail_tickets_helpcentre"

urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("answered/", views.answered, name="answered"),
    path("vote/", views.vote, name="vote"),
]

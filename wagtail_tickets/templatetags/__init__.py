"""Template tag libraries: ``{% load wagtail_tickets_tags %}``."""

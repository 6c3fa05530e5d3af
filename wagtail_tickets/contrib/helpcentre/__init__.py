"""The help centre: Wagtail pages of help articles, article suggestions beside the
new-ticket forms, and the agents' article tools. An optional app of its own
(``wagtail_tickets.contrib.helpcentre``); the package works without it."""

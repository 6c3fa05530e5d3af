"""Names of the tables the database machinery works on (Django's default table names of
the app's models, and the daily totals' own tables, which Django does not manage)."""

TICKET = "wagtail_tickets_ticket"
STATUS = "wagtail_tickets_status"
COUNTER = "wagtail_tickets_ticketcounter"
MESSAGE = "wagtail_tickets_message"

# daily report totals (PostgreSQL), see ``daily_totals``
OPENED = "wagtail_tickets_openedday"
CLOSED = "wagtail_tickets_closedday"
HOURS = "wagtail_tickets_hoursday"

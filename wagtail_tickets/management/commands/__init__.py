"""One module per ``manage.py`` command: mail import, auto-close, schedules, email
templates and the demo data."""

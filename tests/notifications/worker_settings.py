"""Settings of the worker processes the queue tests start: the test project, with its own
database file, a real SMTP port and a real django-q2 broker (ORM or Redis), all from the
environment the test sets."""

import os

import dj_database_url

from tests.settings import *  # noqa: F403

DATABASES = {"default": dj_database_url.parse(os.environ["WT_WORKER_DATABASE_URL"])}
DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("WT_SMTP_PORT", "25"))
EMAIL_TIMEOUT = 10

Q_CLUSTER = {
    "name": os.environ.get("WT_Q_NAME", "wt-worker"),
    "workers": 1,
    "timeout": 30,
    "retry": 60,
    "poll": 0.2,
    "catch_up": False,
    "sync": False,
}
if os.environ.get("WT_Q_BROKER") == "redis":
    Q_CLUSTER["redis"] = {"host": "127.0.0.1", "port": 6379, "db": 0}
else:
    Q_CLUSTER["orm"] = "default"

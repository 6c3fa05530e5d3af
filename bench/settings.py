"""The example site pointed at the benchmark database, with debug off and the timing
middleware that reports each request's server time and queries to ``bench/run``.

``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/wagtail_tickets_bench``)
names the database; ``bench/generate.py`` creates and fills it.
"""

import os

import dj_database_url

os.environ.setdefault("DJANGO_DEBUG", "0")

from example_site.settings import *  # noqa: E402,F403
from example_site.settings import INSTALLED_APPS, MIDDLEWARE  # noqa: E402

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wagtail_tickets_bench"
)
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=600)}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MIDDLEWARE = ["bench.middleware.ServerTimingMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
# the REST API is measured too (its URLs: bench/urls.py)
# the API sub-app for its scenarios (the example site may serve it already)
API_APPS = ("wagtail_tickets.contrib.api", "rest_framework")
INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in API_APPS if app not in INSTALLED_APPS)]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {"name": "bench", "workers": 1, "timeout": 90, "retry": 120, "orm": "default"}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

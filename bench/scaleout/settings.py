"""``bench.settings`` for the scale-out run: the Redis broker, attachments on the S3 server,
mail out to the SMTP sink, mailboxes on loopback allowed. Every address comes from the
environment ``bench.scaleout`` sets for its processes."""

import os

from bench.settings import *  # noqa: F403
from bench.settings import WAGTAIL_TICKETS

Q_CLUSTER = {
    "name": "scaleout",
    "workers": 2,
    "timeout": 60,
    "retry": 90,
    "redis": os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "log_level": "WARNING",
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "tickets": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("SCALEOUT_BUCKET", "scaleout-tickets"),
            "endpoint_url": os.environ.get("SCALEOUT_S3_URL", "http://127.0.0.1:5000"),
            "access_key": "scaleout",
            "secret_key": "scaleout",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    },
}
WAGTAIL_TICKETS = {
    **WAGTAIL_TICKETS,
    "ATTACHMENT_STORAGE": "tickets",
    "MAIL_ALLOWED_PRIVATE_NETWORKS": ("127.0.0.1",),
    "CC_NEW_ADDRESSES_RATE": (0, 1),
    # a worker is killed on purpose: what it held is taken over within the run
    "MAIL_SENDING_TIMEOUT": 60,
    "MAIL_IMPORT_LOCK_SECONDS": 60,
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("SCALEOUT_SMTP_PORT", "25"))

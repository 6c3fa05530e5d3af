"""Input rules for CC addresses and uploads (validators.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wagtail_tickets.validators import parse_cc_addresses, validate_uploads


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", []),
        ("   \n  ", []),
        (None, []),
        ("a@example.com", ["a@example.com"]),
        ("a@example.com, b@example.com", ["a@example.com", "b@example.com"]),
        ("a@example.com;b@example.com", ["a@example.com", "b@example.com"]),
        ("a@example.com\nb@example.com\r\nc@example.com", [
            "a@example.com", "b@example.com", "c@example.com"
        ]),
        ("a@example.com,,\n\n, b@example.com ,", ["a@example.com", "b@example.com"]),
        ("A@Example.com, a@example.COM", ["A@Example.com"]),
        ("first.last+tag@sub.example.co.uk", ["first.last+tag@sub.example.co.uk"]),
    ],
)  # fmt: skip
def test_cc_addresses_accepted(raw, expected):
    assert parse_cc_addresses(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "not an address",
        "nobody",
        "@example.com",
        "a@",
        "a@@example.com",
        "a@b@example.com",
        "a@example.com b@example.com",
        "Boss <boss@example.com>",
        '"boss@example.com" <evil@example.com>',
        "a@example.com\rBcc: victim@example.com",
        "a@example.com\r",
        "a@exa\rmple.com",
        "a@example.com\x00",
        "a@example.com\tb@example.com",
        "(comment)a@example.com",
        "a@[127.0.0.1]",
        "a@example.com\\b@example.com",
        "x" * 250 + "@example.com",
        "javascript:alert(1)@example.com",
        "a@example..com",
    ],
)
def test_cc_addresses_refused(raw):
    with pytest.raises(ValidationError):
        parse_cc_addresses(raw)


def test_cc_error_names_the_entry():
    with pytest.raises(ValidationError) as caught:
        parse_cc_addresses("ok@example.com, Boss <boss@example.com>")
    assert "Boss <boss@example.com>" in caught.value.messages[0]


def test_cc_maximum(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAX_CC": 3}
    three = ", ".join(f"u{i}@example.com" for i in range(3))
    assert len(parse_cc_addresses(three)) == 3
    with pytest.raises(ValidationError, match="At most 3"):
        parse_cc_addresses(three + ", u3@example.com")
    # duplicates do not count twice
    assert len(parse_cc_addresses(three + ", U0@example.com")) == 3


class MetadataOnlyUpload(SimpleUploadedFile):
    """Fails if anyone reads its content: limits must be checked from metadata alone."""

    def __init__(self, name, size):
        super().__init__(name, b"", content_type="application/octet-stream")
        self.size = size

    def read(self, *args, **kwargs):
        raise AssertionError("content was read")

    def chunks(self, *args, **kwargs):
        raise AssertionError("content was read")


def files(*specs):
    return [MetadataOnlyUpload(name, size) for name, size in specs]


@pytest.fixture
def limits(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_ATTACHMENTS": 3,
        "MAX_ATTACHMENT_SIZE": 1000,
    }


def test_uploads_within_limits(limits):
    validate_uploads(files(("a.pdf", 1000), ("b.png", 1), ("c", 10)))
    validate_uploads([])


def test_too_many_uploads(limits):
    with pytest.raises(ValidationError, match="at most 3 files"):
        validate_uploads(files(*[(f"{i}.txt", 1) for i in range(4)]))


def test_too_large_upload_names_the_file(limits):
    with pytest.raises(ValidationError) as caught:
        validate_uploads(files(("big.iso", 1001)))
    assert "big.iso" in caught.value.messages[0]
    assert "1000" in caught.value.messages[0] or "KB" in caught.value.messages[0]


def test_unknown_size_is_refused(limits):
    with pytest.raises(ValidationError):
        validate_uploads(files(("unknown.bin", None)))


def test_empty_upload_is_refused(limits):
    with pytest.raises(ValidationError, match="empty"):
        validate_uploads(files(("empty.txt", 0)))


@pytest.mark.parametrize(
    "name", ["setup.exe", "RUN.BAT", "x.cmd", "script.js", "macro.vbs", "a.tar.ps1", "a.exe."]
)
def test_blocked_extensions(limits, name):
    with pytest.raises(ValidationError, match="cannot be attached"):
        validate_uploads(files((name, 10)))


def test_blocked_extension_hidden_by_path_or_controls(limits):
    with pytest.raises(ValidationError):
        validate_uploads(files(("../../setup\u200b.exe", 10)))


@pytest.mark.parametrize("name", ["exe", "report.exe.pdf", "my.js.txt", "notes"])
def test_extension_only_counts_at_the_end(limits, name):
    validate_uploads(files((name, 10)))


def test_every_bad_file_is_reported(limits):
    with pytest.raises(ValidationError) as caught:
        validate_uploads(files(("big.bin", 5000), ("empty.txt", 0), ("x.exe", 5)))
    assert len(caught.value.messages) == 3


def test_hostile_name_in_error_is_cleaned(limits):
    with pytest.raises(ValidationError) as caught:
        validate_uploads(files(("<script>alert(1)</script>\r\n.exe", 5)))
    message = caught.value.messages[0]
    assert "<" not in message and "\n" not in message

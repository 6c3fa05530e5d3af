"""Client addresses behind proxies, and rate limits on the cache (also on a real Redis)."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from wagtail_tickets.external import throttle

rf = RequestFactory()


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_forwarded_header_is_ignored_without_trusted_proxies(settings):
    assert throttle.client_address(request_from("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


def test_trusted_proxy_reveals_the_client(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_TRUSTED_PROXIES": ("10.0.0.0/8", "192.0.2.1"),
    }
    # a client that forges the header only adds entries to the left of the real one
    request = request_from("10.1.1.1", "6.6.6.6, 198.51.100.7, 192.0.2.1")
    assert throttle.client_address(request) == "198.51.100.7"
    assert throttle.client_address(request_from("10.1.1.1", "garbage")) == "10.1.1.1"
    assert throttle.client_address(request_from("10.1.1.1")) == "10.1.1.1"
    # from an untrusted address the header means nothing
    assert throttle.client_address(request_from("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


def test_custom_header(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_TRUSTED_PROXIES": ("127.0.0.1",),
        "EXTERNAL_CLIENT_ADDRESS_HEADER": "HTTP_X_REAL_IP",
    }
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="2001:db8::1")
    assert throttle.client_address(request) == "2001:db8::1"


def test_hits_within_the_limit(settings):
    caches["default"].clear()
    value = f"test-{uuid.uuid4()}"
    assert [throttle.hit("t", value, (3, 60)) for _ in range(5)] == [True, True, True, False, False]
    assert throttle.exceeded("t", value, (3, 60))
    assert throttle.hit("t", "other", (3, 60))
    assert all(throttle.hit("t", value, (0, 60)) for _ in range(3))  # 0: no limit


@pytest.fixture
def redis_cache(settings):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"wt-test-{uuid.uuid4().hex}",
        }
    }
    yield caches["default"]


def test_limits_are_shared_through_redis(redis_cache):
    """Two processes share a Redis cache: increments are atomic there, so the limit holds
    across them. Threads with their own connections stand in for the processes."""
    from concurrent.futures import ThreadPoolExecutor

    value = f"shared-{uuid.uuid4()}"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _n: throttle.hit("address", value, (10, 60)), range(40)))
    assert results.count(True) == 10
    assert throttle.exceeded("address", value, (10, 60))

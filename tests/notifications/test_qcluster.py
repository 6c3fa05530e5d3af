"""A real ``qcluster`` worker process delivers the queued mail, with the ORM broker and
with the Redis broker (127.0.0.1:6379).

The worker needs a database it shares with the process that queues the mail, so these
tests migrate their own SQLite file and drive everything through subprocesses with
``tests.notifications.worker_settings``; this process only runs the SMTP server and checks
what arrives.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# migrates a fresh database and starts qcluster worker processes
pytestmark = pytest.mark.slow

SCENARIO = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail_tickets import actions
from wagtail_tickets.models import TicketType, TypePermission

User = get_user_model()
support = TicketType.objects.create(name="Support", email_to="team@example.com")
customer = User.objects.create_user("carla", "carla@example.com", "x", first_name="Carla")
agent = User.objects.create_user("anna", "anna@example.com", "x", first_name="Anna")
for user, level in ((customer, TypePermission.Level.WRITE), (agent, TypePermission.Level.MANAGE)):
    group = Group.objects.create(name=f"{user.username} group")
    TypePermission.objects.create(group=group, ticket_type=support, level=level)
    user.groups.add(group)
ticket = actions.open_ticket(
    ticket_type=support, subject="Queued", body_html="<p>Hi</p>", actor=customer,
    requester=customer, cc=["boss@example.com"],
)
actions.add_reply(ticket, actor=agent, body_html="<p>Answer from the agent</p>")
print("TICKET", ticket.number)
"""


def _env(db_path: Path, smtp_port: int, broker: str, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        WT_WORKER_DATABASE_URL=f"sqlite:///{db_path}",
        WT_SMTP_PORT=str(smtp_port),
        WT_Q_BROKER=broker,
        WT_Q_NAME=name,
        PYTHONPATH=str(ROOT),
        TEST_MEDIA_ROOT=str(db_path.parent / "media"),
    )
    return env


def _django(args: list[str], env: dict[str, str], timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("worker-db") / "migrated.sqlite3"
    _django(["migrate", "--noinput"], _env(path, 25, "orm", "migrate"))
    return path


def _run_worker_scenario(migrated_database: Path, tmp_path: Path, smtp_server, broker: str):
    db_path = tmp_path / "worker.sqlite3"
    shutil.copy(migrated_database, db_path)
    name = f"wt-test-{uuid.uuid4().hex[:8]}"
    env = _env(db_path, smtp_server.port, broker, name)
    output = _django(["shell", "-c", SCENARIO], env)
    assert "TICKET" in output
    # Queued, not sent: the actions never talk to SMTP themselves.
    time.sleep(0.5)
    assert smtp_server.received == []

    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(smtp_server.received) < 4 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
            time.sleep(0.2)
        time.sleep(2)  # anything sent twice would arrive now
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        worker.stderr.close()
    ids = Counter(message["Message-ID"] for message in smtp_server.messages)
    # the auto reply quoting Carla's message to her, the one without it to the CC address,
    # the mail to the team and the answer
    assert len(ids) == 4 and set(ids.values()) == {1}, ids
    assert len(smtp_server.to("carla@example.com")) == 2  # auto reply and the answer
    assert len(smtp_server.to("boss@example.com")) == 2
    assert len(smtp_server.to("team@example.com")) == 1
    with sqlite3.connect(db_path) as connection:
        states = connection.execute(
            "select state, count(*) from wagtail_tickets_outgoingmail group by state"
        ).fetchall()
    assert states == [("sent", 4)]


def test_qcluster_worker_with_the_orm_broker(migrated_database, tmp_path, smtp_server):
    _run_worker_scenario(migrated_database, tmp_path, smtp_server, "orm")


def test_qcluster_worker_with_the_redis_broker(migrated_database, tmp_path, smtp_server):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 for this test")
    _run_worker_scenario(migrated_database, tmp_path, smtp_server, "redis")

"""dev.py, the README's two commands: the virtualenv install is skipped when nothing changed,
redone when pyproject.toml or the Wagtail pin changes, and "no tests collected" fails."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# two of these tests run pytest in a subprocess
pytestmark = pytest.mark.slow


@pytest.fixture
def dev(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("DEV_VENV", str(tmp_path / "venv"))
    monkeypatch.delenv("DEV_WAGTAIL", raising=False)
    return module


def fake_venv(dev, extras: list[str], digest: str) -> Path:
    """A virtualenv folder whose python cannot run: any install attempt fails loudly."""
    path = dev.venv_dir()
    python = dev.venv_python(path)
    python.parent.mkdir(parents=True)
    python.write_text("not a python\n")
    (path / dev.STAMP_NAME).write_text(json.dumps({"hash": digest, "extras": extras}))
    return python


def test_install_is_skipped_when_nothing_changed(dev):
    python = fake_venv(dev, ["demo", "test"], dev.install_hash(""))
    assert dev.ensure_venv(["test"]) == python
    assert dev.ensure_venv(["demo"]) == python


@pytest.mark.parametrize(
    "stamp_extras, pin, wanted",
    [
        (["test"], "", ["demo"]),  # another extra is needed
        (["test"], "wagtail==7.0.*", ["test"]),  # another Wagtail pin
    ],
)
def test_install_runs_when_something_changed(dev, monkeypatch, stamp_extras, pin, wanted):
    fake_venv(dev, stamp_extras, dev.install_hash(""))
    monkeypatch.setenv("DEV_WAGTAIL", pin)
    with pytest.raises((subprocess.CalledProcessError, OSError)):
        dev.ensure_venv(wanted)


def test_hash_follows_pyproject_and_pin(dev):
    assert dev.install_hash("") != dev.install_hash("wagtail==7.0.*")
    assert dev.install_hash("") == dev.install_hash("")


def test_no_tests_collected_is_a_failure(dev):
    code = dev.run_tests(
        Path(sys.executable),
        ["-q", "-p", "no:randomly", "-k", "no_test_is_called_like_this", "tests/test_docs.py"],
    )
    assert code == 1


def test_a_failing_run_keeps_its_exit_code(dev):
    assert dev.run_tests(Path(sys.executable), ["-q", "tests/no_such_file.py"]) == 4

"""The accessibility test's axe-core: a missing install skips locally and fails in CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_accessibility_browser import AXE, require_axe

ROOT = Path(__file__).resolve().parents[1]


def test_missing_axe_skips_locally(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="npm ci"):
        require_axe(tmp_path / "axe.min.js")


def test_missing_axe_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        require_axe(tmp_path / "axe.min.js")


def test_present_axe_neither_skips_nor_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    script = tmp_path / "axe.min.js"
    script.write_text("/* axe */")
    require_axe(script)


def test_axe_core_is_pinned_to_one_version():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = package["devDependencies"]["axe-core"]
    assert version[0].isdigit(), "an exact version, not a range"
    assert lock["packages"]["node_modules/axe-core"]["version"] == version
    assert AXE.relative_to(ROOT).as_posix() == "node_modules/axe-core/axe.min.js"

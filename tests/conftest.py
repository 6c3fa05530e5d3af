"""Shared fixtures (append new ones; keep existing ones stable)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test stores files in its own temporary media folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT

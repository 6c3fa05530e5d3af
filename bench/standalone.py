"""Running one benchmark module alone (``python -m bench.autoclose``): Django set up with
the benchmark settings, and the manifest the generator wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent / ".data.json"


def setup() -> dict:
    """Set Django up on ``bench.settings`` and return the manifest (empty if none yet)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    path = Path(os.environ.get("BENCH_MANIFEST", MANIFEST))
    return json.loads(path.read_text()) if path.exists() else {}

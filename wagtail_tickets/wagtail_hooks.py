"""Wagtail loads only modules named ``wagtail_hooks``; every hook of the package lives in
``hooks.py``, which this module imports."""

from .hooks import *  # noqa: F401,F403

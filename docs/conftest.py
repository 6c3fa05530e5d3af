"""The screenshot scripts here run under pytest with the test project's settings: they
open their pages in headless Chromium through the tests' browser fixtures."""

from tests.conftest import browser_page, chromium  # noqa: F401

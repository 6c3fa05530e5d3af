"""The README and docs stay true: the options table matches conf.py, the public contract
names every URL, signal and command the package has, the quick start is two commands, and
every local link or image exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from django.dispatch import Signal

from wagtail_tickets import signals, urls

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))


def load_options_table():
    spec = importlib.util.spec_from_file_location("options_table", ROOT / "docs/options_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_options_table_is_generated_from_conf():
    module = load_options_table()
    current, wanted = module.rendered_readme()
    assert current == wanted, "run: .venv/bin/python docs/options_table.py"
    names = [name for name, _default, _doc in module.options()]
    assert "PAGE_SIZE" in names and "CUSTOMER_BASE_TEMPLATE" in names
    for name in names:
        assert f"| `{name}` |" in README


def test_quick_start_is_exactly_two_commands():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]


def test_readme_names_every_url_of_the_package():
    names = [pattern.name for pattern in urls.urlpatterns if pattern.name]
    assert {"my_tickets", "create", "detail", "reply", "close", "delete", "profile"} <= set(names)
    undocumented = [name for name in names if f"`{name}`" not in README]
    # downloads of the external page are linked from its pages only
    assert set(undocumented) <= {"external_attachment"}, undocumented


def test_readme_names_every_signal_and_command():
    for name, value in vars(signals).items():
        if isinstance(value, Signal):
            assert f"`{name}`" in README, name
    commands = ROOT / "wagtail_tickets" / "management" / "commands"
    for path in commands.glob("*.py"):
        if path.stem != "__init__":
            assert f"`{path.stem}`" in README, path.stem


@pytest.mark.parametrize("document", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_local_links_and_images_exist(document):
    text = document.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"^[a-z]+:", t)]
    missing = [t for t in local if not (document.parent / t).exists()]
    assert not missing, f"{document.name} links to missing files: {missing}"

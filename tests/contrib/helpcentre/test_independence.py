"""The package works without the help centre: it never imports the sub-app, and its pages
render nothing for the insertion hooks when no app registers them. The demo's articles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from wagtail import hooks

import wagtail_tickets
from wagtail_tickets.contrib.helpcentre.demo import ensure_help_centre
from wagtail_tickets.contrib.helpcentre.models import HelpArticlePage, RelatedArticle

PACKAGE = Path(wagtail_tickets.__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_package_outside_the_sub_app_never_imports_it():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "contrib" not in path.relative_to(PACKAGE).parts
        and any("helpcentre" in name for name in imported_modules(path))
    ]
    assert offenders == []


def test_the_scan_sees_an_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from wagtail_tickets.contrib.helpcentre import models\n")
    assert "wagtail_tickets.contrib.helpcentre" in imported_modules(module)


@pytest.mark.parametrize(
    ("hook", "tag"),
    [
        ("insert_ticket_form_html", '{% ticket_form_extras "external" %}'),
        ("insert_workspace_reply_html", "{% workspace_reply_extras ticket %}"),
        (
            "register_workspace_message_buttons",
            "{% workspace_message_buttons ticket message as b %}{{ b|length }}",
        ),
    ],
)
def test_the_tags_render_nothing_without_a_registered_hook(monkeypatch, hook, tag):
    registered = dict(hooks._hooks)
    registered.pop(hook, None)
    monkeypatch.setattr(hooks, "_hooks", registered)
    request = RequestFactory().get("/")
    html = Template("{% load wagtail_tickets_tags %}" + tag).render(
        Context({"request": request, "ticket": None, "message": None})
    )
    assert html.strip() in ("", "0")


def test_an_unknown_form_place_is_a_programming_error():
    from wagtail_tickets.insertions import ticket_form_html

    with pytest.raises(ValueError):
        ticket_form_html(RequestFactory().get("/"), "elsewhere")


@pytest.mark.django_db
def test_the_demo_publishes_a_help_centre_once():
    assert any(fn.__name__ == "demo_help_centre" for fn in hooks.get_hooks("tickets_demo_data"))
    line = ensure_help_centre()
    assert "7 articles" in line
    assert HelpArticlePage.objects.live().count() == 7
    assert RelatedArticle.objects.count() == 4
    assert "already there" in ensure_help_centre()
    assert HelpArticlePage.objects.count() == 7
    article = HelpArticlePage.objects.get(title="Reset your password")
    assert [b.block_type for b in article.body] == ["steps", "note"]

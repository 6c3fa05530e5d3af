"""The reports page in German at a laptop's width: every filter select is as wide as its
text, nothing clipped."""

from __future__ import annotations

import pytest
from wagtail.users.models import UserProfile

from tests.factories import TicketTypeFactory, make_agent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# for each select of the filter: the width its chosen text and arrow need, and its width
CLIPPED = """() => [...document.querySelectorAll('.wt-reports__fields select')].map(select => {
    const probe = document.createElement('span');
    const style = getComputedStyle(select);
    probe.style.font = style.font;
    probe.style.whiteSpace = 'nowrap';
    probe.style.position = 'absolute';
    probe.textContent = select.options[select.selectedIndex].text;
    document.body.appendChild(probe);
    const needed = probe.getBoundingClientRect().width
        + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    probe.remove();
    return [select.name, Math.ceil(needed), select.clientWidth];
})"""


@pytest.mark.parametrize("language", ["de", "en"])
def test_report_filters_are_not_clipped(live_server, browser_page, screenshot, language):
    agent = make_agent(TicketTypeFactory(name="Drucker"), username="anna")
    profile = UserProfile.get_for_user(agent)
    profile.preferred_language = language
    profile.save()
    page = browser_page(agent, viewport=(1366, 800))
    page.goto(live_server.url + "/admin/ticket-reports/?granularity=auto")
    selects = page.evaluate(CLIPPED)
    assert {name for name, _needed, _width in selects} >= {"period", "granularity"}
    for name, needed, width in selects:
        assert needed <= width, (name, needed, width)
    screenshot(page, f"reports-{language}.png", min_bytes=10_000)

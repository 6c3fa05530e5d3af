"""``bench/run``'s report: the table of scenarios, the summary, and the admin frame's
time beside them as the floor of every admin page."""

from __future__ import annotations

from bench.results import Result
from bench.runner import FRAME, write_report

MANIFEST = {"tickets": 1_000_000, "messages": 5_000_000}


def results() -> list[Result]:
    return [
        Result("a page", "<= 50 ms", "40.0 ms (p95 45.0)", True, 10, 12, 1.0, 40.0),
        Result("a slow page", "<= 20 ms", "30.0 ms (p95 35.0)", False, 14, 18, 0.5, 60.0),
    ]


def test_the_report_names_what_is_over_budget_and_the_frame_beside_it(tmp_path):
    frame = Result(FRAME.scenario, "", "15.2 ms (p95 17.0)", True, 9, 12)
    path = tmp_path / "PERFORMANCE.md"
    write_report(path, results(), MANIFEST, "Python 3", "41 to 47 ms", frame)
    text = path.read_text()
    row = "| a slow page | <= 20 ms | 30.0 ms (p95 35.0) | 14 (18) | 0.5 ms | 60.0 (over 3) |"
    assert row in text
    assert "Within their time or throughput budget: 1 of 2 scenarios." in text
    assert "Over budget: a slow page." in text
    assert "For reference, Wagtail's admin frame alone (sidebar and header" in text
    assert "took 15.2 ms (p95 17.0) in this run, with 9 queries" in text


def test_without_the_frame_the_report_says_nothing_of_it(tmp_path):
    path = tmp_path / "PERFORMANCE.md"
    failed = Result(FRAME.scenario, "", "error", False, errors=["HTTP 500"])
    write_report(path, results(), MANIFEST, "Python 3", "41 to 47 ms", failed)
    assert "For reference" not in path.read_text()
    write_report(path, results(), MANIFEST, "Python 3", "41 to 47 ms")
    assert "For reference" not in path.read_text()

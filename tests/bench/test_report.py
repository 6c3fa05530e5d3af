"""``bench/run``'s report and budgets: the table of scenarios, times scaled to the reference
CPU, the relative budgets (main query for slow queries, the admin frame for admin pages),
and the admin frame's time beside them."""

from __future__ import annotations

import pytest

from bench import budgets
from bench.results import Result
from bench.runner import FRAME, PAGES, write_report

MANIFEST = {"tickets": 1_000_000, "messages": 5_000_000}


def page(name, median, budget, main, in_frame=False, errors=None) -> Result:
    return Result(
        name,
        f"<= {budget:g} ms",
        f"{median:.1f} ms (p95 {median + 5:.1f})",
        True,
        10,
        12,
        main,
        errors=errors or [],
        median_ms=median,
        budget_ms=budget,
        in_frame=in_frame,
    )


def test_times_are_scaled_to_the_reference_loop():
    # a machine whose loop took 90 ms is half as fast as the reference (45 ms)
    result = budgets.judge(page("p", 80.0, 50, 1.0), loop_ms=90.0, frame_ms=None, full=True)
    assert result.scaled_ms == pytest.approx(40.0)
    assert result.ok
    slow = budgets.judge(page("p", 80.0, 50, 1.0), loop_ms=45.0, frame_ms=None, full=True)
    assert slow.scaled_ms == pytest.approx(80.0) and not slow.ok


def test_main_query_ratio_only_from_five_milliseconds():
    report = budgets.judge(
        page("reports", 200.0, 500, 50.0, in_frame=True), loop_ms=45, frame_ms=30.0, full=True
    )
    assert report.relative.startswith("4.0 × main query") and report.relative_ok is False
    assert not report.ok
    fast_query = budgets.judge(page("api", 30.0, 50, 0.2), loop_ms=45, frame_ms=30.0, full=True)
    assert fast_query.relative == "" and fast_query.ok  # no relative rule outside the admin


def test_admin_pages_at_most_twice_the_frame():
    inside = budgets.judge(
        page("inbox", 55.0, 60, 0.6, in_frame=True), loop_ms=45, frame_ms=30.0, full=True
    )
    assert inside.relative.startswith("1.8 × admin frame") and inside.ok
    over = budgets.judge(
        page("inbox", 65.0, 80, 0.6, in_frame=True), loop_ms=45, frame_ms=30.0, full=True
    )
    assert over.relative_ok is False and not over.ok


def test_the_frame_timed_beside_the_page_counts_over_the_run_start():
    # the machine slowed down after the run's first frame: the page's own frame says so
    result = page("inbox", 65.0, 80, 0.6, in_frame=True)
    result.frame_ms = 40.0
    judged = budgets.judge(result, loop_ms=45, frame_ms=30.0, full=True)
    assert judged.relative.startswith("1.6 × admin frame of 40.0 ms") and judged.ok


def test_time_budgets_count_only_at_full_scale_errors_always():
    small = budgets.judge(page("p", 500.0, 50, 1.0), loop_ms=45, frame_ms=None, full=False)
    assert small.ok
    broken = budgets.judge(
        page("p", 5.0, 50, 1.0, errors=["HTTP 500"]), loop_ms=45, frame_ms=None, full=False
    )
    assert not broken.ok


def test_whole_admin_pages_are_marked_and_the_number_search_judged_by_its_refresh():
    by_name = {p.scenario: p for p in PAGES}
    assert by_name["agent inbox, first page, default view with status counters"].in_frame
    assert by_name["reports, last 30 days"].in_frame
    assert not by_name["inbox search by ticket number, live refresh of the listing"].in_frame
    assert not by_name["My Tickets for a customer with 10,000 tickets"].in_frame
    assert by_name["inbox search by ticket number, live refresh of the listing"].budget_ms == 20


def test_the_report_names_what_is_over_budget_and_the_frame_beside_it(tmp_path):
    frame = Result(FRAME.scenario, "", "15.2 ms (p95 17.0)", True, 9, 12, median_ms=15.2)
    results = [
        budgets.judge(page("a page", 40.0, 50, 1.0), loop_ms=45, frame_ms=15.2, full=True),
        budgets.judge(
            page("a slow page", 40.0, 50, 0.5, in_frame=True), loop_ms=60, frame_ms=15.2, full=True
        ),
    ]
    path = tmp_path / "PERFORMANCE.md"
    write_report(path, results, MANIFEST, "Python 3", "41 to 47 ms", frame)
    text = path.read_text()
    row = (
        "| a slow page | <= 50 ms | 40.0 ms (p95 45.0) | 30.0 ms | 10 (12) | 0.5 ms "
        "| 2.6 × admin frame of 15.2 ms (≤ 2) **over** | **no** |"
    )
    assert row in text
    assert "Within their budgets: 1 of 2 scenarios." in text
    assert "Over budget: a slow page." in text
    assert "time × 45 ms / the" in text
    assert "took 15.2 ms (p95 17.0) in this run, with 9 queries" in text


def test_without_the_frame_the_report_says_nothing_of_it(tmp_path):
    path = tmp_path / "PERFORMANCE.md"
    results = [budgets.judge(page("a", 4.0, 50, 1.0), loop_ms=45, frame_ms=None, full=True)]
    failed = Result(FRAME.scenario, "", "error", False, errors=["HTTP 500"])
    write_report(path, results, MANIFEST, "Python 3", "41 to 47 ms", failed)
    assert "For reference" not in path.read_text()
    write_report(path, results, MANIFEST, "Python 3", "41 to 47 ms")
    assert "For reference" not in path.read_text()


def test_sections_of_other_runs_are_kept_and_replaced_in_place(tmp_path):
    from bench import sections

    path = tmp_path / "PERFORMANCE.md"
    results = [budgets.judge(page("a", 4.0, 50, 1.0), loop_ms=45, frame_ms=None, full=True)]
    write_report(path, results, MANIFEST, "Python 3", "41 to 47 ms")
    sections.replace(path, "scale-out", "## Scale-out load run\n\nfirst run")
    write_report(path, results, MANIFEST, "Python 3", "41 to 47 ms")  # bench/run again
    text = path.read_text()
    assert text.count("## Scale-out load run") == 1 and "first run" in text
    assert text.index("| a |") < text.index("## Scale-out load run")
    sections.replace(path, "scale-out", "## Scale-out load run\n\nsecond run")
    text = path.read_text()
    assert "first run" not in text and text.count("second run") == 1


def test_throughput_is_scaled_the_other_way():
    imported = Result("mail import", ">= 100 msg/s", "60 msg/s", True, rate=60.0, rate_budget=100.0)
    # a machine twice as slow as the reference (loop 90 ms) would do 120/s at full speed
    assert budgets.judge_rate(imported, loop_ms=90.0, full=True).ok
    assert imported.scaled_rate == pytest.approx(120.0)
    slow = Result("mail import", ">= 100 msg/s", "60 msg/s", True, rate=60.0, rate_budget=100.0)
    assert not budgets.judge_rate(slow, loop_ms=45.0, full=True).ok

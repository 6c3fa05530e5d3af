"""The budgets a measured page must meet, in one place (``bench/run`` and its report).

- **Time**: the page's median server time, scaled to the reference CPU, within the page's
  budget. The machine's speed moves (a shared machine, another core busy), so each run
  times a fixed Python loop before every page and scales every time by
  ``REFERENCE_LOOP_MS / the loop's median in that run``; the raw figure stays in the table.
- **Throughput** (mail import): the rate scaled the other way, ``rate × the loop's median /
  REFERENCE_LOOP_MS``, at least its budget.
- **Relative to its floor**, which holds on any machine:
  - a page whose main query takes ``RATIO_FLOOR_MS`` or more (the reports) may take at most
    ``RATIO_BUDGET`` times that query;
  - an admin page with a faster main query may cost at most as much as Wagtail's admin frame
    alone, timed in turns with the page (``bench.runner.measure_page``): the page at most
    ``FRAME_BUDGET`` times the frame;
  - other pages (customer area, API) with a fast main query have the time budget only.
"""

from __future__ import annotations

from bench.results import Result

REFERENCE_LOOP_MS = 45.0
RATIO_BUDGET = 3.0
RATIO_FLOOR_MS = 5.0
FRAME_BUDGET = 2.0


def scaled(ms: float, loop_ms: float) -> float:
    """``ms`` as it would be on the reference CPU."""
    return ms * REFERENCE_LOOP_MS / loop_ms if loop_ms > 0 else ms


def judge(result: Result, *, loop_ms: float, frame_ms: float | None, full: bool) -> Result:
    """Fill in a page result's scaled time, relative budget and verdict. Time budgets count
    only at full scale; errors (HTTP errors, queries over budget) fail at any scale."""
    if result.median_ms is None:
        result.ok = False
        return result
    result.scaled_ms = scaled(result.median_ms, loop_ms)
    time_ok = result.budget_ms is None or result.scaled_ms <= result.budget_ms
    main = result.main_query_ms
    relative_ok = True
    if main is not None and main == main and main >= RATIO_FLOOR_MS:
        ratio = result.median_ms / main
        relative_ok = ratio <= RATIO_BUDGET
        result.relative = f"{ratio:.1f} × main query (≤ {RATIO_BUDGET:g})"
    elif result.in_frame and (result.frame_ms or frame_ms):
        frame = result.frame_ms or frame_ms
        ratio = result.median_ms / frame
        relative_ok = ratio <= FRAME_BUDGET
        result.relative = f"{ratio:.1f} × admin frame of {frame:.1f} ms (≤ {FRAME_BUDGET:g})"
    result.relative_ok = relative_ok
    result.ok = not result.errors and (not full or (time_ok and relative_ok))
    return result


def judge_rate(result: Result, *, loop_ms: float, full: bool) -> Result:
    """Fill in a throughput result's rate on the reference CPU and its verdict."""
    if result.rate is None or result.rate_budget is None:
        return result
    result.scaled_rate = result.rate * loop_ms / REFERENCE_LOOP_MS if loop_ms > 0 else result.rate
    result.ok = not result.errors and (not full or result.scaled_rate >= result.rate_budget)
    return result

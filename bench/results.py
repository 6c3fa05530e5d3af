"""One measured scenario, as ``bench/run`` writes it into docs/PERFORMANCE.md."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    """A scenario's figures. ``ok`` says whether the budget was met; ``errors`` lists what
    went wrong (an error fails the run at any scale, a missed time budget only at full
    scale). Pages also carry their raw median (``median_ms``), the time budget in ms and
    whether they are drawn inside Wagtail's admin frame; ``bench.budgets.judge`` adds the
    scaled time and the relative budget."""

    scenario: str
    budget: str
    measured: str
    ok: bool
    queries: int | None = None
    query_budget: int | None = None
    main_query_ms: float | None = None
    ratio: float | None = None
    notes: str = ""
    errors: list[str] = field(default_factory=list)
    median_ms: float | None = None
    budget_ms: float | None = None
    in_frame: bool = False
    # the admin frame alone, timed alternately with an in-frame page
    frame_ms: float | None = None
    scaled_ms: float | None = None
    relative: str = ""
    relative_ok: bool | None = None
    # a throughput (per second) and its floor, judged on the reference CPU too
    rate: float | None = None
    rate_budget: float | None = None
    scaled_rate: float | None = None

"""Performance scenarios and their data generator (see docs/PERFORMANCE.md)."""

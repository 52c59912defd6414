"""``percentile_cont`` on SQLite (PostgreSQL has it built in as an ordered-set aggregate): registered
on the connection so the metrics queries run unchanged apart from the call syntax."""

from __future__ import annotations

import math


class _SqlitePercentileCont:
    """percentile_cont(value, fraction) with PostgreSQL's definition: linear interpolation between
    the two nearest ranks of the sorted non-NULL values (position fraction * (n - 1))."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction: float | None = None

    def step(self, value, fraction) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile_cont(self.values, self.fraction or 0.0)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def register_sqlite_percentile(connection) -> None:
    connection.ensure_connection()
    # Idempotent: registering again replaces the same definition.
    connection.connection.create_aggregate("percentile_cont", 2, _SqlitePercentileCont)

"""The one shape of "the studies" the engine pools: canonical numeric columns, one study label per row, and the
values of grouping columns (for one meta-analysis per group)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Studies:
    """Rows of studies. `columns` holds the canonical numeric columns a measure reads (events_t, n_t, ... or yi,
    vi), `study` one label per row, `groups` the values of each grouping column, and `lines` where each row came
    from (a file's line numbers, for messages; empty when the rows were not read from a file)."""

    columns: dict[str, np.ndarray]
    study: tuple[str, ...]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lines: tuple[int, ...] = ()

    @property
    def n(self) -> int:
        """The number of rows (studies).

        Returns
        -------
        int
        """
        return len(self.study)

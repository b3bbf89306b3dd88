"""Turn one submission's data into observations through its form version's mapping.

(Placeholder signature, filled in by the forms work.)
"""

from __future__ import annotations

from typing import Any


def observations_for(mapping: dict[str, Any], data: dict[str, Any],
                     avg_household_size: float | None) -> list[dict[str, Any]]:
    """Rows with the Observation columns other than version, operation, round and type."""
    return []

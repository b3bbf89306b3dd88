"""Tables of flow monitoring: points, daily counts (FMR) and surveys (FMS) (issue 8)."""

from __future__ import annotations

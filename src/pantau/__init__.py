"""pantau — an open, self-hostable Displacement Tracking Matrix.

The public Python API lives in a few façade modules re-exported here; everything
else is internal and free to change.
"""

from pantau.config import Settings
from pantau.errors import ImportFailed, PantauError, Problem
from pantau.workspace import Workspace

__all__ = ["ImportFailed", "PantauError", "Problem", "Settings", "Workspace"]
__version__ = "0.1.0"

"""`pantau demo`: a whole operation to look at — Central Sulawesi, 28 September 2018.

    from pantau.demo import build
    result = build(Settings.load(workspace="pantau-demo"))

The gazetteer holds the real admin 1–2 P-codes of Sulawesi Tengah with APPROXIMATE demo
boundaries (not official ones); the master list of about 300 sites, its four rounds and their
site assessments (written as KoboToolbox exports, with the slips real exports have) are
invented, deterministic, and imported through the same importers a user runs.
"""

from pantau.demo.build import DemoResult, Imported, Reporter, build
from pantau.demo.guard import MARKER, NOTICE, is_demo
from pantau.demo.scenario import SLUG

__all__ = ["MARKER", "NOTICE", "SLUG", "DemoResult", "Imported", "Reporter", "build", "is_demo"]

"""Data quality: the form's own rules, DTM logic, outliers across rounds and duplicates.

    result = ws.quality.check("idn-sulteng", form="dtm_sa", round=3)   # → CheckResult
    ws.quality.flags("idn-sulteng", severity="error")                  # → [FlagInfo]

Settings come from `quality.yaml`-style files (see config.py): passed as `config=`, else
`<workspace>/quality/<operation>.yaml` when it exists, else the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantau.quality.cleaning import CleanResult
from pantau.quality.config import CHECKS, QualityConfig, defaults, load_config, parse_config
from pantau.quality.flags import FlagInfo, list_flags
from pantau.quality.run import CheckResult, Progress, run_checks

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["CHECKS", "CheckResult", "CleanResult", "FlagInfo", "Quality", "QualityConfig",
           "load_config"]


class Quality:
    """`ws.quality`: run the checks, read the flags."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def config_for(self, operation: str,
                   config: str | Path | dict[str, Any] | QualityConfig | None = None
                   ) -> QualityConfig:
        """The settings a check of `operation` uses (see the module docstring)."""
        if isinstance(config, QualityConfig):
            return config
        if isinstance(config, dict):
            return parse_config(config, "settings")
        if config is not None:
            return load_config(config)
        default = self.ws.path / "quality" / f"{operation}.yaml"
        return load_config(default) if default.exists() else defaults()

    def check(self, operation: str, form: str | None = None, round: int | None = None,  # noqa: A002
              version_ids: list[int] | None = None,
              config: str | Path | dict[str, Any] | QualityConfig | None = None,
              progress: Progress | None = None) -> CheckResult:
        """Check the current versions of the operation's submissions (of one form, in one
        round, or exactly `version_ids`) and replace their flags, in one transaction."""
        settings = self.config_for(operation, config)
        with self.ws.session() as s:
            return run_checks(s, operation, settings, form, round, version_ids, progress)

    def clean_export(self, operation: str, out: str | Path, form: str | None = None,
                     flagged: bool = False) -> int:
        """Write a cleaning log to edit offline (CSV or XLSX by suffix); returns its rows."""
        from pantau.quality.cleaning import export_log

        with self.ws.session() as s:
            return export_log(s, operation, Path(out), form, flagged)

    def clean_apply(self, operation: str, path: str | Path, by: str | None = None,
                    form: str | None = None,
                    config: str | Path | dict[str, Any] | QualityConfig | None = None,
                    progress: Progress | None = None) -> CleanResult:
        """Apply an edited cleaning log: every row checked first, then all applied as new
        versions (or soft deletions) in one transaction, or nothing."""
        from pantau.quality.cleaning import apply_log
        from pantau.review import default_user

        settings = self.config_for(operation, config)
        with self.ws.session() as s:
            return apply_log(s, operation, Path(path), by or default_user(), form, settings,
                             progress)

    def flags(self, operation: str, form: str | None = None, round: int | None = None,  # noqa: A002
              check: str | None = None, severity: str | None = None,
              limit: int | None = None) -> list[FlagInfo]:
        """Flags on the current versions, oldest submission first."""
        with self.ws.session() as s:
            return list_flags(s, operation, form, round, check, severity, limit=limit)

"""Forms: XLSForm versions, their fields and how HXL tags map fields to observations.

    info = ws.forms.import_xlsform("idn-sulteng", "dtm_sa.xlsx")   # → FormInfo
    ws.forms.inspect("idn-sulteng", "dtm_sa")   # per field: role and dimensions; unmapped
    ws.forms.xform("idn-sulteng", "dtm_sa")     # the XForm XML the OpenRosa server serves
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantau.errors import ImportFailed
from pantau.forms.importer import FormInfo, info, prepare, read_and_map, store
from pantau.forms.mapping import describe
from pantau.forms.store import forms_of, get_form, get_version, versions_of
from pantau.operations import get_operation

if TYPE_CHECKING:
    from pantau.workspace import Workspace

__all__ = ["FormInfo", "FormVersionInfo", "Forms"]


@dataclass(frozen=True)
class FormVersionInfo:
    version: str
    sha256: str
    current: bool
    file_name: str
    created_at: dt.datetime
    fields: int


class Forms:
    """`ws.forms`: import XLSForms, look at their versions and mappings."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def import_xlsform(self, operation: str, path: str | Path,
                       assessment_type: str | None = None,
                       mapping: str | Path | dict[str, Any] | None = None) -> FormInfo:
        """Import an XLSForm as the current version of its form (by settings `form_id`).

        The same file again changes nothing; any problem (not an XLSForm, pyxform's error,
        a tag that does not parse, a mapping file naming missing fields) stores nothing."""
        path = Path(path)
        with self.ws.session() as s:
            prepared = prepare(s, path, assessment_type, mapping)
            return store(s, operation, path, prepared, mapping is not None,
                         assessment_type is not None)

    def list(self, operation: str) -> list[FormInfo]:
        with self.ws.session() as s:
            op = get_operation(s, operation)
            return [info(s, operation, f) for f in forms_of(s, op.id)]

    def get(self, operation: str, form_id: str) -> FormInfo:
        with self.ws.session() as s:
            return info(s, operation, get_form(s, operation, form_id))

    def versions(self, operation: str, form_id: str) -> list[FormVersionInfo]:
        with self.ws.session() as s:
            form = get_form(s, operation, form_id)
            return [FormVersionInfo(v.version, v.sha256, v.current, v.xlsform_name,
                                    v.created_at, len(v.fields)) for v in versions_of(s, form)]

    def inspect(self, operation: str, form_id: str, version: str | None = None
                ) -> dict[str, Any]:
        """The mapping per field (type, tag, role, dimensions) and the unmapped fields."""
        with self.ws.session() as s:
            form = get_form(s, operation, form_id)
            v = get_version(s, form, version)
            out = describe(v.fields, v.mapping or {})
            out.update(form_id=form.xml_form_id, title=form.title, version=v.version,
                       assessment_type=form.assessment_type, warnings=[])
            return out

    def inspect_file(self, path: str | Path,
                     mapping: str | Path | dict[str, Any] | None = None) -> dict[str, Any]:
        """`inspect` for a file that is not imported (needs no workspace)."""
        return inspect_file(path, mapping)

    def xform(self, operation: str, form_id: str, version: str | None = None) -> str:
        with self.ws.session() as s:
            return get_version(s, get_form(s, operation, form_id), version).xform

    def xlsform(self, operation: str, form_id: str, version: str | None = None
                ) -> tuple[str, bytes]:
        """The uploaded file of a version, as it was: (file name, bytes)."""
        with self.ws.session() as s:
            v = get_version(s, get_form(s, operation, form_id), version)
            return v.xlsform_name, v.xlsform

    def library(self) -> list[dict[str, str]]:
        from pantau.forms.library import shipped

        return shipped()

    def export_library(self, folder: str | Path) -> list[Path]:
        from pantau.forms.library import export

        return export(Path(folder))


def inspect_file(path: str | Path,
                 mapping: str | Path | dict[str, Any] | None = None) -> dict[str, Any]:
    """Read and map an XLSForm file without storing it; ImportFailed if it has problems."""
    path = Path(path)
    form, built, warnings, problems = read_and_map(path, mapping)
    if any(p.severity == "error" for p in problems):
        raise ImportFailed(path.name, problems)
    out = describe(form.fields, built)
    out.update(form_id=form.form_id, title=form.title, version=form.version,
               assessment_type=form.settings.get("assessment_type") or None, warnings=warnings)
    return out

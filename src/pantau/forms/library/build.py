"""Generate the shipped DTM XLSForms (BA, SA, ETT) as .xlsx files next to this script.

    python -m pantau.forms.library.build

The .xlsx files are committed; edit this script, run it and commit both. Raise VERSION with
every change: KoboToolbox, ODK Central and pantau tell form versions apart by it.
Only XLSForm features both KoboToolbox and ODK Central support are used.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from pantau.forms.library.flow_specs import FLOW_CHOICES, FMR, FMS
from pantau.forms.library.parts import CHOICES, FormSpec
from pantau.forms.library.specs import BA, ETT, SA

HERE = Path(__file__).resolve().parent
EN, ID = "English (en)", "Bahasa Indonesia (id)"
SURVEY_COLUMNS = ["type", "name", f"label::{EN}", f"label::{ID}", f"hint::{EN}", f"hint::{ID}",
                  "required", "relevant", "constraint", f"constraint_message::{EN}",
                  f"constraint_message::{ID}", "appearance", "hxl"]
FORMS = (BA, SA, ETT, FMR, FMS)


def workbook(spec: FormSpec) -> Workbook:
    """One XLSForm: survey, choices (only the lists the form uses) and settings."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    used: list[str] = []
    for row in spec.rows:
        survey.append([row.get(c, "") for c in SURVEY_COLUMNS])
        parts = row["type"].split()
        if parts[0] in ("select_one", "select_multiple") and parts[1] not in used:
            used.append(parts[1])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", f"label::{EN}", f"label::{ID}"])
    for name in used:
        for value, en, id_ in {**CHOICES, **FLOW_CHOICES}[name]:
            choices.append([name, value, en, id_])
    settings = wb.create_sheet("settings")
    columns = ["form_id", "version", "form_title", "default_language", *spec.extra_settings]
    settings.append(columns)
    settings.append([spec.form_id, spec.version, spec.title, EN,
                     *spec.extra_settings.values()])
    for sheet in (survey, choices, settings):
        sheet.freeze_panes = "A2"
    return wb


def build(folder: Path = HERE) -> list[Path]:
    out = []
    for spec in FORMS:
        path = folder / spec.file
        workbook(spec).save(path)
        out.append(path)
    return out


if __name__ == "__main__":
    for p in build():
        print(f"wrote {p}")

"""Write small XLSForms for tests, as a user would make them in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HEADER = ["type", "name", "label", "hxl", "constraint"]


def write_xlsform(path: Path, rows: list[list[str]], settings: dict[str, str] | None = None,
                  choices: list[list[str]] | None = None,
                  header: list[str] | None = None) -> Path:
    """rows follow HEADER (type, name, label, hxl, constraint) unless `header` is given."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(header or HEADER)
    for r in rows:
        survey.append(r)
    if choices:
        sheet = wb.create_sheet("choices")
        sheet.append(["list_name", "name", "label"])
        for c in choices:
            sheet.append(c)
    if settings is not None:
        sheet = wb.create_sheet("settings")
        sheet.append(list(settings))
        sheet.append(list(settings.values()))
    wb.save(path)
    return path


def site_form(path: Path, version: str = "1", form_id: str = "idn_sa",
              extra: list[list[str]] | None = None) -> Path:
    """A small HXL-tagged site assessment with a sex-and-age breakdown and a repeat."""
    rows = [
        ["date", "visit_date", "Date", "#date+assessment", ""],
        ["text", "site_id", "Site", "#loc+code", ""],
        ["begin_group", "place", "Place", "", ""],
        ["text", "adm1", "Province", "#adm1+code", ""],
        ["text", "adm2", "Regency", "#adm2+code", ""],
        ["end_group", "", "", "", ""],
        ["select_one reasons", "why", "Reason", "#cause+type", ""],
        ["integer", "idp_hh", "IDP households", "#affected+idps+hh", ". >= 0"],
        ["integer", "idp_ind", "IDP individuals", "#affected+idps+ind", ". >= ${idp_hh}"],
        ["integer", "girls", "IDP girls", "#affected+idps+ind+f+children", ". >= 0"],
        ["select_multiple sectors", "needs", "Needs", "#need+priority", ""],
        *(extra or []),
    ]
    choices = [["reasons", "earthquake", "Earthquake"], ["reasons", "flood", "Flood"],
               ["sectors", "shelter", "Shelter"], ["sectors", "wash", "WASH"],
               ["sectors", "food", "Food"]]
    return write_xlsform(path, rows, {"form_id": form_id, "version": version,
                                      "form_title": "Site assessment"}, choices)

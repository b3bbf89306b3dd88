"""An HDX-ready package of one operation: the public tables as files, and the dataset
metadata HDX asks for, built with hdx-python-api so that what is checked offline is what
HDX receives.

Everything here works without the network (nothing downloads at run time): hdx-python-api
is configured read-only and never asked for its online look-ups (approved tags, resource
formats, locations). Instead

- tags are checked against `TAGS`, a small list vetted by hand from HDX's approved
  vocabulary ("Topics"); it is the set IOM's own DTM datasets on HDX carry (OCHA-DAP's
  hdx-scraper-iom-dtm configuration: displacement, hxl, internally displaced persons-idp …);
- formats are the HDX names of the two formats written (csv, xlsx), handed to
  hdx-python-api as its format mapping instead of the list it would download;
- the location is the operation's country as HDX names its country groups (lower-case ISO3).

Only when uploading (`key` given) does pantau talk to HDX (or the CKAN site given), and
then only to the site it uploads to: the id of the approved vocabulary is read there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hdx.api.configuration import Configuration
from hdx.data.dataset import Dataset
from hdx.data.hdxobject import HDXError
from hdx.data.resource import Resource
from hdx.data.vocabulary import Vocabulary

from pantau import __version__
from pantau.errors import PantauError

if TYPE_CHECKING:
    from pantau.workspace import Workspace

HDX_URL = "https://data.humdata.org"
# Vetted by hand against HDX's approved "Topics" vocabulary; the tags IOM's DTM datasets on
# HDX carry (hdx-scraper-iom-dtm, OCHA-DAP). Add a tag only after checking it is approved.
TAGS = ("conflict-violence", "displacement", "forced displacement", "hxl",
        "internally displaced persons-idp", "natural disasters", "returnees",
        "sex and age disaggregated data-sadd")
DEFAULT_TAGS = ("displacement", "hxl", "internally displaced persons-idp")
# HDX's licence ids (the licence choices of HDX's dataset form).
LICENCES = ("cc-by", "cc-by-igo", "cc-by-sa", "cc-by-nc", "odc-by", "odc-odbl", "odc-pddl",
            "cc0", "hdx-pddl", "hdx-other")
# Approved, aggregated tables only: people per admin area, never records or sites.
RESOURCES = {
    "current": "People present per admin area (levels 0–3) and population group in the "
               "latest round of each assessment type: individuals, households, females, males",
    "area_totals": "People present per admin area (levels 0–3) and population group in every "
                   "round",
    "displacement": "People present per round, admin area, population group, reason of "
                    "displacement and origin (admin 1): the figures of the DTM API",
}
FORMATS = {"csv": "csv", "xlsx": "xlsx"}  # HDX's format names (lower-case)
_SLUG = re.compile(r"^[a-z0-9_-]{2,100}$")


def _config(url: str, key: str | None) -> Configuration:
    """hdx-python-api's configuration for `url`, read-only without a key; nothing is
    fetched (the session is set up only to upload)."""
    conf = Configuration(hdx_url=url, user_agent=f"pantau/{__version__}",
                         hdx_read_only=key is None, hdx_key=key)
    if key is not None:
        conf.setup_session_remoteckan()
    return conf


def build(ws: Workspace, operation: str, out: Path, *, org: str, maintainer: str,
          name: str | None = None, licence: str = "cc-by", frequency: str = "As needed",
          tags: Sequence[str] = DEFAULT_TAGS, caveats: str | None = None,
          key: str | None = None, url: str = HDX_URL, suppress_below: int | None = None,
          suppressed: dict[str, int] | None = None) -> tuple[Dataset, list[Path]]:
    """The dataset metadata and the files of `operation`, checked offline: a problem is a
    PantauError naming the field, and nothing is written before the metadata is valid.
    Small cells are always suppressed (threshold `suppress_below`, default the operation's
    min_cell); `suppressed`, when given, receives the cells suppressed per file."""
    op = ws.operations.get(operation)
    threshold = ws.publish.policy(operation).min_cell if suppress_below is None \
        else suppress_below
    name = name or f"{op.slug}-displacement-tracking-matrix"
    problems = []
    if not _SLUG.match(name):
        problems.append(f"name '{name}': HDX names are 2–100 characters of lower-case "
                        "letters, digits, - and _")
    if licence not in LICENCES:
        problems.append(f"licence '{licence}': use one of {', '.join(LICENCES)}")
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        problems.append(f"tags {', '.join(unknown)}: not in the vetted HDX vocabulary "
                        f"({', '.join(TAGS)})")
    if Dataset.transform_update_frequency(frequency) is None:
        problems.append(f"update frequency '{frequency}': use one of "
                        f"{', '.join(Dataset.list_valid_update_frequencies())}")
    rounds = ws.operations.rounds(operation)
    dates = [d for r in rounds for d in (r.period_start, r.reporting_date, r.period_end) if d]
    if not dates:
        problems.append("time period: the operation has no round with dates")
    for what, value in (("organisation (--org)", org), ("maintainer (--maintainer)",
                                                         maintainer)):
        if not value.strip():
            problems.append(f"{what} is required by HDX")
    if threshold < 1:
        problems.append(f"--suppress-below {threshold}: a public dataset suppresses small "
                        "cells (1 or more)")
    if problems:
        raise PantauError("invalid", message="HDX metadata: " + "; ".join(problems))
    if ws.analytics.refreshed_at(operation) is None:
        raise PantauError("invalid", message=f"the analytics tables of '{operation}' are not "
                          f"built yet: run `pantau refresh {operation}` first")

    dataset = Dataset({
        "name": name, "title": f"{op.name}: Displacement Tracking Matrix",
        "notes": _notes(op.name, op.description, rounds),
        "dataset_source": f"{op.name} (pantau Displacement Tracking Matrix)",
        "owner_org": org, "maintainer": maintainer, "private": False,
        "license_id": licence, "methodology": "Other",
        "methodology_other": _methodology(ws, rounds),
        "caveats": caveats or _CAVEATS.format(threshold=threshold),
        "groups": [{"name": op.country_iso3.lower()}],
        "tags": [{"name": t} for t in tags],
    }, configuration=_config(url, key))
    first, last = (dt.datetime.combine(d, dt.time(), dt.UTC) for d in (min(dates), max(dates)))
    dataset.set_time_period(first, last)
    dataset.set_expected_update_frequency(frequency)
    _check(dataset)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for table, suffix in ((t, f) for t in RESOURCES for f in FORMATS):
        path = out / f"{op.slug}_{table}.{suffix}"
        done = ws.publish.export(operation, table, path, suppress_below=threshold)
        if suppressed is not None:
            suppressed[path.name] = done.suppressed
        files.append(path)
        resource = Resource({
            "name": path.name, "format": FORMATS[path.suffix[1:]],
            "description": f"{RESOURCES[table]}. HXL-tagged: the second row holds the "
                           "hashtags.",
        }, configuration=dataset.configuration)
        resource.set_file_to_upload(str(path))
        resource.set_types()
        dataset.add_update_resource(resource)
    _check(dataset)
    return dataset, files


def _check(dataset: Dataset) -> None:
    """hdx-python-api's own checks of required fields, the dataset's and each resource's."""
    try:
        dataset.check_required_fields(allow_no_resources=not dataset.get_resources())
        for resource in dataset.get_resources():
            resource.check_required_fields(ignore_fields=["package_id"])
    except HDXError as exc:
        raise PantauError("invalid", message=f"HDX metadata: {exc}") from None


_CAVEATS = ("Figures are aggregates per admin area of approved assessments only; an empty "
            "cell is not reported, never zero. Figures of different assessment types "
            "(baseline, site assessment, flow monitoring) are never added together. Cells of "
            "fewer than {threshold} people are suppressed (left empty, named in the "
            "'suppressed' column), and so are the cells that would give them back through "
            "totals.")


def _notes(name: str, description: str, rounds: list[Any]) -> str:
    types = sorted({r.assessment_type for r in rounds})
    return (f"Displacement figures of {name}: people present per admin area (levels 0–3), "
            f"population group and round ({', '.join(types)} assessments), the current "
            "round, and displacement by reason and origin. "
            + (description.strip() + " " if description.strip() else "")
            + "Every file is HXL-tagged.")


def _methodology(ws: Workspace, rounds: list[Any]) -> str:
    from pantau.analytics import COUNTING_RULE

    names = {t["code"]: t["name"] for t in ws.operations.vocabularies().get(
        "assessment_types", []) if isinstance(t, dict) and "code" in t and "name" in t}
    lines = []
    for r in sorted(rounds, key=lambda r: (r.assessment_type, r.number)):
        period = " to ".join(str(d) for d in (r.period_start, r.period_end) if d)
        lines.append(f"{names.get(r.assessment_type, r.assessment_type)} round {r.number}"
                     + (f" ({period})" if period else ""))
    return ("Displacement Tracking Matrix assessments collected with pantau: "
            + "; ".join(lines) + f". Figures count an assessment when: {COUNTING_RULE}. "
            "Areas are rolled up through the gazetteer (COD-AB) version of each round.")


def write(dataset: Dataset, out: Path) -> Path:
    """dataset.json: the metadata with its resources, as hdx-python-api would send them."""
    path = out / "dataset.json"
    data = dataset.get_dataset_dict()
    for resource in data.get("resources", []):
        resource.pop("url", None)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
    return path


def upload(dataset: Dataset) -> dict[str, Any]:
    """Create or update the dataset on the site of its configuration, uploading the files.

    hdx-python-api would download two lists first (file formats from GitHub, tag mappings
    from a Google sheet); it is given pantau's instead (process-wide settings of the
    library): the two formats written, and `TAGS` as tags to keep as they are. The site's
    approved vocabulary is read from the site itself, and a tag it lacks stops the upload
    (hdx-python-api would silently drop it). The dataset's configuration is also made
    hdx-python-api's global one: its package_revise step reads the global."""
    conf = dataset.configuration
    Configuration.setup(configuration=conf)
    Resource.set_formatsdict({**FORMATS, **{f".{k}": v for k, v in FORMATS.items()}})
    Vocabulary.set_tagsdict({t: {"Action to Take": "ok", "New Tag(s)": None} for t in TAGS})
    try:
        approved = set(Vocabulary.approved_tags(configuration=conf))
        missing = [t["name"] for t in dataset["tags"] if t["name"] not in approved]
        if missing:
            raise PantauError("invalid", message="HDX: tags not in the site's approved "
                              f"vocabulary: {', '.join(missing)}")
        return dataset.create_in_hdx(hxl_update=False, updated_by_script=
                                     f"pantau {__version__} ({dt.date.today()})")
    except HDXError as exc:
        raise PantauError("invalid", message=f"HDX upload failed: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = str(exc)
    cause = exc.__cause__
    if cause is not None:
        text += f" ({cause})"
    return text[:500]

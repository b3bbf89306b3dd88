"""Look forms up (shared by ingest, the OpenRosa receiver and the CLI)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pantau.errors import PantauError
from pantau.operations import get_operation
from pantau.store.models import Form, FormVersion


def get_form(s: Session, operation_slug: str, xml_form_id: str) -> Form:
    op = get_operation(s, operation_slug)
    form = s.scalar(select(Form).where(Form.operation_id == op.id,
                                       Form.xml_form_id == xml_form_id))
    if form is None:
        raise PantauError("not_found", what=f"form in {operation_slug}", key=xml_form_id)
    return form


def current_version(s: Session, form: Form) -> FormVersion:
    version = s.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                                 FormVersion.current.is_(True))
                       .order_by(FormVersion.id.desc()))
    if version is None:
        raise PantauError("not_found", what=f"version of form {form.xml_form_id}", key="current")
    return version


def find_form(s: Session, operation_id: int, xml_form_id: str) -> Form | None:
    return s.scalar(select(Form).where(Form.operation_id == operation_id,
                                       Form.xml_form_id == xml_form_id))


def find_version(s: Session, form: Form, version: str) -> FormVersion | None:
    return s.scalar(select(FormVersion).where(FormVersion.form_id == form.id,
                                              FormVersion.version == version))


def get_version(s: Session, form: Form, version: str | None) -> FormVersion:
    """The named version, or the current one."""
    if version is None:
        return current_version(s, form)
    found = find_version(s, form, version)
    if found is None:
        raise PantauError("not_found", what=f"version of form {form.xml_form_id}", key=version)
    return found


def versions_of(s: Session, form: Form) -> list[FormVersion]:
    return list(s.scalars(select(FormVersion).where(FormVersion.form_id == form.id)
                          .order_by(FormVersion.id)))


def forms_of(s: Session, operation_id: int) -> list[Form]:
    return list(s.scalars(select(Form).where(Form.operation_id == operation_id)
                          .order_by(Form.xml_form_id)))

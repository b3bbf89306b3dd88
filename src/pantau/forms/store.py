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

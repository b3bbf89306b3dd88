"""Languages of the pages: labels from web/locales/<lang>.json, numbers and dates per locale.

The language is the `lang` cookie (set by /lang/<code>, so the choice survives navigation and
works without JavaScript), else `?lang=` on the request, else English. Numbers and dates are
formatted here, on the server, so a page reads the same whether or not its scripts run:
English 12,345 and "8 Oct 2018"; Bahasa Indonesia 12.345 and "8 Okt 2018". A label missing
from a locale falls back to English, then to the key itself, so a missing translation
shows, it never breaks a page.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.requests import Request

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = {"en": "English", "id": "Bahasa Indonesia"}
DEFAULT = "en"
COOKIE = "lang"
MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
}
# (thousands separator, decimal mark)
MARKS = {"en": (",", "."), "id": (".", ",")}
INTL = {"en": "en-GB", "id": "id-ID"}  # the same formats in the browser (Intl.NumberFormat)


@cache
def labels(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def language(request: Request | None) -> str:
    """The page's language: `?lang=`, else the cookie, else English."""
    if request is None:
        return DEFAULT
    for value in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return DEFAULT


def translate(lang: str, key: str, **values: Any) -> str:
    text = labels(lang).get(key) or labels(DEFAULT).get(key) or key
    return text.format(**values) if values else text


# A suppressed cell on a page (docs/data-protection.md); the labels live here, not in the
# locale files, so the mark can never fall back to a bare key.
HIDDEN_LABEL = {"en": "suppressed", "id": "disembunyikan"}
HIDDEN_NOTE = {
    "en": "Suppressed: fewer than {n} people, or hidden so that a total does not give such a "
          "cell away. The published files hide the same cells.",
    "id": "Disembunyikan: kurang dari {n} orang, atau disembunyikan agar total tidak "
          "mengungkap sel tersebut. Berkas yang diterbitkan menyembunyikan sel yang sama.",
}
MARK = "suppressed"  # the field listing a row's hidden cells (pantau.analytics.views)
# The parts of a view's dict that pages show as tables or figures (not the map's data).
_MARKED = ("tables", "headline", "idps", "change", "rounds")


class Hidden(str):
    """A suppressed cell on a page: not None (which reads "not reported"), rendered by the
    number filters as a marked "suppressed" with the reason as its title."""

    threshold: int
    __slots__ = ("threshold",)

    def __new__(cls, threshold: int) -> Hidden:
        obj = super().__new__(cls, "suppressed")
        obj.threshold = threshold
        return obj

    def html(self, lang: str) -> Markup:
        note = HIDDEN_NOTE.get(lang, HIDDEN_NOTE[DEFAULT]).format(n=self.threshold)
        label = HIDDEN_LABEL.get(lang, HIDDEN_LABEL[DEFAULT])
        return Markup('<abbr class="suppressed" data-suppressed title="{}">{}</abbr>'
                      ).format(note, label)


def mark_hidden(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of a view's dict for a page: each hidden cell (listed in its row's
    `suppressed`) becomes a `Hidden` mark, the `suppressed` column leaves the tables (the
    marks say it), and `disclosure.legend` holds the note for the page."""
    info = data.get("disclosure") or {}
    if not info.get("applied"):
        return data
    threshold = info["threshold"]

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if "columns" in value and "rows" in value:
                return {**value, "columns": [c for c in value["columns"] if c != MARK],
                        "rows": [walk(r) for r in value["rows"]]}
            hidden = set(value.get(MARK) or ()) if isinstance(value.get(MARK), list) else set()
            return {k: Hidden(threshold) if k in hidden else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    legend = HIDDEN_NOTE.get(lang, HIDDEN_NOTE[DEFAULT]).format(n=threshold)
    return {**data, **{k: walk(data[k]) for k in _MARKED if k in data},
            "disclosure": {**info, "legend": legend}}


def number(value: Any, lang: str, digits: int = 0) -> str:
    """12345 → '12,345' (en) or '12.345' (id); None → '—' (not reported, never 0); a
    suppressed cell → its mark."""
    if isinstance(value, Hidden):
        return value.html(lang)
    if value is None or value == "":
        return "—"
    thousands, decimal = MARKS.get(lang, MARKS[DEFAULT])
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def signed(value: Any, lang: str) -> str:
    """A change: '+1,234', '−56' (a real minus sign), '0'."""
    if isinstance(value, Hidden):
        return value.html(lang)
    if value is None:
        return "—"
    text = number(abs(value), lang)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def percent(value: Any, lang: str) -> str:
    """0.4444 → '44%' (en) / '44%' (id); one decimal under 10%."""
    if isinstance(value, Hidden):
        return value.html(lang)
    if value is None:
        return "—"
    share = 100 * float(value)
    return number(share, lang, 1 if 0 < share < 10 else 0) + "%"


def day(value: Any, lang: str) -> str:
    """'2018-10-08' → '8 Oct 2018' (en) / '8 Okt 2018' (id): unambiguous in every locale."""
    if not value:
        return "—"
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{d.day} {MONTHS.get(lang, MONTHS[DEFAULT])[d.month - 1]} {d.year}"


def _lang(ctx: Any) -> str:
    return ctx.get("lang") or language(ctx.get("request"))


def install(env: jinja2.Environment) -> None:
    """Add `t()`, `lang_links()` and the locale-aware filters to the app's Jinja environment;
    every template (home, login, the dashboards) can then use them."""

    @jinja2.pass_context
    def t(ctx: Any, key: str, **values: Any) -> str:
        return translate(_lang(ctx), key, **values)

    @jinja2.pass_context
    def current_lang(ctx: Any) -> str:
        return _lang(ctx)

    def ctx_filter(fn: Any) -> Any:
        @jinja2.pass_context
        def apply(ctx: Any, value: Any, *args: Any) -> str:
            return fn(value, _lang(ctx), *args)
        return apply

    env.globals.update(t=t, current_lang=current_lang, languages=LANGUAGES, intl=INTL)
    env.filters.update(num=ctx_filter(number), signed=ctx_filter(signed),
                       pct=ctx_filter(percent), ldate=ctx_filter(day))

"""The words of the field app: Vietnamese by default, English on request; dates read dd/mm/yyyy.

The words are keys (`tr("login.title")`) of the one gettext catalogue shared with the server (shared/i18n.py,
shared/locale; docs/i18n.md says how to add one). A missing key falls back to Vietnamese and then to the key itself, so
a forgotten translation shows up on screen instead of crashing in a resident's doorway. A key built at run time
(`tr(f"pin.error.{problem}")`) is listed in DYNAMIC_KEYS so that `make messages` keeps it.
"""
from datetime import date, datetime

from shared import vocab
from shared.i18n import N_, catalogue, translate

LANGUAGES = ("vi", "en")
_lang = "vi"


def set_language(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGUAGES else "vi"


def language() -> str:
    return _lang


def tr(key: str, **values) -> str:
    """The text of `key` in the current language, with {placeholders} filled from `values`."""
    return translate(_lang, key, **values)


def label(kind: str, key: str) -> str:
    """A label of the shared vocabularies: kind is topic, outcome, status, sex or role."""
    table = {"topic": vocab.TOPICS, "outcome": vocab.OUTCOMES, "status": vocab.VISIT_STATUSES,
             "sex": vocab.SEXES, "role": vocab.ROLES}[kind]
    return vocab.label(table, key, _lang)


def field_label(name) -> str:
    """What a record's field is called on screen: the catalog's form label, else the sync problems' word."""
    from .store.problems import FIELD_LABELS  # plain data; the store package does not import kivy
    text = catalogue(_lang).get(f"field.{name}")
    return text or (translate(_lang, FIELD_LABELS[name]) if name in FIELD_LABELS else str(name))


def date_text(value) -> str:
    """dd/mm/yyyy, whatever the language: that is how dates are read in Vietnam."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%d/%m/%Y")


def time_text(value) -> str:
    """dd/mm/yyyy HH:MM in local time."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%d/%m/%Y %H:%M")


def parse_date(text: str) -> date | None:
    """A date typed as d/m/yyyy (or with dots or dashes); None when it is not one."""
    parts = text.strip().replace(".", "/").replace("-", "/").split("/")
    if len(parts) != 3:
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return date(year if year > 99 else 2000 + year, month, day)
    except ValueError:
        return None

"""The one translation catalogue of Doorstep (the dashboard's and the tablet's words) and Vietnamese number/date forms.

The catalogue is gettext: shared/locale/messages.pot (extracted by `make messages`, see babel.cfg and docs/i18n.md)
and one shared/locale/<lang>/LC_MESSAGES/messages.po per language. The server's msgids are the English text itself
(`_("Log out")`); the tablet's are keys (`tr("login.title")`), so en/messages.po holds the tablet's English. The .po
files are read at run time with Babel (no compiled .mo: nothing to build on a tablet, nothing rewritten by tests).
Placeholders are Python's `{name}`, filled after translation. Pure Python: the tablet imports it (no flask).
"""
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def N_(msgid: str) -> str:
    """Marks a text for extraction where it is defined (a table of messages); it is translated where it is shown."""
    return msgid


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation of `lang`; empty and fuzzy entries are left out (they fall back to the msgid)."""
    with open(po_path(lang), "rb") as fh:
        po = read_po(fh, locale=lang)
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def translate(lang: str, msgid: str, **values) -> str:
    """`msgid` in `lang` (else the Vietnamese, else the msgid), with `{name}` placeholders filled from `values`."""
    lang = lang if lang in LANGUAGES else DEFAULT
    text = catalogue(lang).get(msgid)
    if text is None and (lang == DEFAULT or _is_key(msgid)):  # an English msgid is its own English
        text = catalogue(DEFAULT).get(msgid)
    text = text or msgid
    return text.format(**values) if values else text


def _is_key(msgid: str) -> bool:
    """A tablet key (`login.title`) rather than English text (`Log out`)."""
    return "." in msgid and " " not in msgid and msgid == msgid.lower() and not msgid.endswith(".")


def number(value, lang: str = DEFAULT, digits: int | None = None) -> str:
    """1.234 and 12,5 in Vietnamese, 1,234 and 12.5 in English; `digits` fixes the decimals."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") if digits is not None else None
    return format_decimal(value, format=pattern, locale=lang if lang in LANGUAGES else DEFAULT)


def percent(value, lang: str = DEFAULT, digits: int = 1) -> str:
    """A value already in percent (12.5) as "12,5 %" (Vietnamese, a no-break space) or "12.5%" (English)."""
    if value is None:
        return "–"
    return number(value, lang, digits) + ("\u00a0%" if lang != "en" else "%")


def day_month(value, lang: str = DEFAULT) -> str:
    """dd/mm (a chart's axis): 05/10 for 5 October, whatever the language, as dates are read in Vietnam."""
    return format_date(value, "dd/MM", locale=lang if lang in LANGUAGES else DEFAULT)


def day(value, lang: str = DEFAULT) -> str:
    """dd/mm/yyyy."""
    return format_date(value, "dd/MM/yyyy", locale=lang if lang in LANGUAGES else DEFAULT) if value else ""

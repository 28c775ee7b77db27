"""The dashboard's two languages: Vietnamese by default, English on request (a `lang` cookie).

Templates and views write English text inside `_()` (or `i18n.gettext`); its Vietnamese is in the one gettext
catalogue shared with the tablet, shared/locale/vi/LC_MESSAGES/messages.po (shared/i18n.py reads it). To add a text:
docs/i18n.md (wrap it, `make messages`, translate it in the .po). Numbers and dates go through `number`, `percent`
and `day_month` so that Vietnamese pages read 1.234, 12,5 % and 05/10.
"""
from flask import request

from shared import i18n as catalogue, vocab

LANGUAGES = catalogue.LANGUAGES
COOKIE = "lang"


class _Vietnamese(dict):
    """msgid -> Vietnamese, read from the catalogue the first time it is asked (`text in VI`, `VI[text]`)."""

    def _load(self):
        if not dict.__len__(self):
            self.update(catalogue.catalogue("vi"))

    def __contains__(self, key):
        self._load()
        return dict.__contains__(self, key)

    def __getitem__(self, key):
        self._load()
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._load()
        return dict.get(self, key, default)

    def __iter__(self):
        self._load()
        return dict.__iter__(self)

    def __len__(self):
        self._load()
        return dict.__len__(self)


VI = _Vietnamese()
"""The Vietnamese of every msgid, for the few places that need it whatever the page's language (exports, the CLI)."""


def current() -> str:
    lang = request.cookies.get(COOKIE, "vi")
    return lang if lang in LANGUAGES else "vi"


def gettext(text: str, **values) -> str:
    """`text` in the current language, with `{name}` placeholders filled from `values`."""
    return catalogue.translate(current(), text, **values)


def number(value, digits: int | None = None) -> str:
    return catalogue.number(value, current(), digits)


def percent(value, digits: int = 1) -> str:
    return catalogue.percent(value, current(), digits)


def day_month(value) -> str:
    return catalogue.day_month(value, current())


def topic_label(topic: str) -> str:
    return vocab.label(vocab.TOPICS, topic, current())


def role_label(role: str) -> str:
    return vocab.label(vocab.ROLES, role, current())


def outcome_label(outcome: str) -> str:
    return vocab.label(vocab.OUTCOMES, outcome, current())


def status_label(status: str) -> str:
    return vocab.label(vocab.VISIT_STATUSES, status, current())

"""Warnings about what a note must not hold: personal data the campaign must not collect.

We collect no national ID numbers, passwords or one-time codes. Officials type free notes while helping someone set
up VNeID or a bank app, so a number or a password can slip in; `notes_warning` spots the likely cases so the screen
can ask the official to remove them before saving. It warns, it never blocks: a false alarm must not lose a visit.
Terms:
- CCCD: the 12-digit citizen identity card number; CMND: the old 9-digit identity card number;
- OTP: a one-time code, usually 6 digits, sent by SMS to confirm an account.
"""
import re

from shared.i18n import N_, translate
from shared.text import fold

# Digits possibly split by spaces, dots or dashes, as people type them ("0792 0300 1234").
_NUMBER = re.compile(r"\d(?:[\s.-]?\d)+")
# Matched against the folded note, so "Mật khẩu", "mat khau" and "MẬT KHẨU" are one case.
_PASSWORD = re.compile(r"\b(?:mat khau|pass(?:word)?|pwd)\b|\bmk\s*[:=]")
_OTP = re.compile(r"\b(otp|ma xac thuc|ma xac nhan|ma otp)\b")

MESSAGES = {
    "id_number": N_("privacy.id_number"), "password": N_("privacy.password"), "otp": N_("privacy.otp"),
}


def notes_kind(text: str | None) -> str | None:
    """What the note seems to hold: "id_number", "password", "otp", or None when it looks fine."""
    folded = fold(text)
    if not folded:
        return None
    if _PASSWORD.search(folded):
        return "password"
    if _OTP.search(folded):
        return "otp"
    for match in _NUMBER.finditer(folded):
        count = sum(ch.isdigit() for ch in match.group())
        # A phone number has 10 digits (or 11 with the +84 prefix), so it is never taken for one of these.
        if count in (9, 12):
            return "id_number"
        if count == 6:
            return "otp"
    return None


def notes_warning(text: str | None, lang: str = "vi") -> str | None:
    """A plain-words warning in `lang` (vi or en) when the note looks like an ID number, a password or a code."""
    kind = notes_kind(text)
    return translate(lang, MESSAGES[kind]) if kind else None


"""Vocabularies of the campaign: topics, outcomes, visit statuses and roles, each with its label: an English msgid of
the one catalogue (shared/locale, docs/i18n.md), whose Vietnamese is in shared/locale/vi/LC_MESSAGES/messages.po."""
from .i18n import N_, translate

TOPICS = {
    "vneid_account": N_("VNeID account"),
    "vneid_level2": N_("VNeID level 2"),
    "cashless_payment": N_("Cashless payment"),
    "public_services": N_("Online public services"),
    "digital_skills": N_("Basic digital skills"),
    "scam_awareness": N_("Scam awareness"),
}

OUTCOMES = {
    "done": N_("Done"),
    "already_had": N_("Already had it"),
    "partial": N_("Partly done"),
    "follow_up": N_("Follow up"),
    "declined": N_("Declined"),
    "not_applicable": N_("Not applicable"),
}
"""What came of one topic for one resident in a visit. `already_had`: the resident had it before this visit (it counts
as having it, not as the official's work); `not_applicable`: it cannot apply to this resident (no phone for a
cashless payment, say): the resident leaves that topic's indicator. Older apps send only the other four; their
visits mean what they meant. The order is the tablet's row of chips: "already had" sits next to "done"."""

HAS_IT = ("done", "already_had")
"""The outcomes after which a resident *has* the topic (coverage counts them)."""

MIN_AGE = {
    "vneid_account": 14,
    "vneid_level2": 14,
    "cashless_payment": 15,
    "public_services": 18,
    "digital_skills": 12,
    "scam_awareness": 12,
}
"""The default minimum age of each topic's indicator (an admin may change them: the server's topic_rules table).
Why these (docs/indicators.md says more): a citizen applies for a VNeID account and for level-2 identification on
their own from 14 (Decree 69/2024/ND-CP; a younger child's account is made through a guardian, so it is the
guardian's work and does not show whether the child uses it); from 15 one may open a payment account of one's own
(Civil Code art. 21, SBV Circular 17/2024/TT-NHNN); online public services are filed by adults (18); digital skills
and scam awareness are taught from lower secondary school, when most children first use a phone alone (12)."""
MIN_AGE_RANGE = (0, 120)

# A visit where nobody opened the door is logged as not_home, with no assists.
VISIT_STATUSES = {
    "met": N_("Met"),
    "not_home": N_("Not home"),
}

ROLES = {
    "official": N_("Official"),
    "leader": N_("Commune leader"),
    "admin": N_("Administrator"),
}

SEXES = {
    "f": N_("Female"),
    "m": N_("Male"),
    "x": N_("Other"),
}

AREA_LEVELS = ("province", "commune", "village")

TABLES = ("areas", "households", "residents", "visits")
"""Tables a device pulls. It pushes only the last three; areas are managed on the server."""

PUSH_TABLES = ("households", "residents", "visits")

REJECT_CODES = {
    "invalid": N_("Invalid data"),
    "not_found": N_("A record it refers to is not on the server"),
    "outside_scope": N_("Outside your villages"),
    "deleted": N_("The record was deleted on the server"),
    "version_ahead": N_("Newer than the server's version"),
    "not_owner": N_("Only its official or a leader may void it"),
    "id_taken": N_("This id is already used by another visit"),
}
"""Why the server answered a pushed record `rejected` or `conflict`: the result's `code`, one of these keys. The
tablet shows the label; the result's `errors` name the fields, with a message for developers."""


def label(vocab: dict, key: str, lang: str = "vi") -> str:
    """The label of `key` in `lang`, falling back to Vietnamese, then to the key itself."""
    msgid = vocab.get(key)
    return key if msgid is None else translate(lang, msgid)

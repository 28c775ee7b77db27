"""The filters of a view, read from and written back to the URL, so that a filtered view can be shared."""
from dataclasses import asdict, dataclass, field
from datetime import date

from shared.i18n import N_
from shared.vocab import TOPICS

NAMES = ("from", "to", "village", "topic", "official")
"""The filters' names in the URL."""
LABELS = {"from": N_("From"), "to": N_("To"), "village": N_("Village"), "topic": N_("Topic"), "official": N_("Official")}
"""What the page calls each filter (a bad one is named in the reader's language, not by its URL name)."""


@dataclass
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    village_id: int | None = None
    topic: str | None = None
    official_id: int | None = None
    invalid: list[str] = field(default_factory=list)
    dates_reversed: bool = False
    """The from-day is after the to-day: nothing can be counted, and the page says so instead of showing 0%."""

    @classmethod
    def parse(cls, args, villages: set[int], officials: set[int]) -> "Filters":
        """Read the filters; a value that makes no sense here is dropped and named in `invalid`."""
        found = cls()
        found.date_from = _date(args, "from", found.invalid)
        found.date_to = _date(args, "to", found.invalid)
        found.dates_reversed = bool(found.date_from and found.date_to and found.date_from > found.date_to)
        found.village_id = _choice(args, "village", villages, found.invalid)
        found.official_id = _choice(args, "official", officials, found.invalid)
        topic = args.get("topic") or None
        if topic is not None and topic not in TOPICS:
            found.invalid.append("topic")
            topic = None
        found.topic = topic
        return found

    def coverage_args(self) -> dict:
        """Keyword arguments of stats.service.coverage."""
        values = asdict(self)
        del values["invalid"], values["dates_reversed"]
        return values

    def query(self) -> dict:
        """The URL arguments that reproduce these filters."""
        pairs = {"from": self.date_from, "to": self.date_to, "village": self.village_id, "topic": self.topic,
                 "official": self.official_id}
        return {k: str(v) for k, v in pairs.items() if v is not None}

    @property
    def active(self) -> bool:
        return bool(self.query())


def _date(args, name: str, invalid: list) -> date | None:
    raw = args.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        invalid.append(name)
        return None


def _choice(args, name: str, allowed: set[int], invalid: list) -> int | None:
    raw = args.get(name) or ""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) in allowed:  # "²".isdigit() too, but int() refuses it
        return int(raw)
    invalid.append(name)
    return None

"""The minimum age of each topic's indicator: the defaults of shared.vocab.MIN_AGE, changed by an admin in
`topic_rules`. Changing one makes every household's facts out of date (the basis of facts.py changes), so the next
reader of the figures rebuilds them.
"""
from sqlalchemy import select

from shared.vocab import MIN_AGE, MIN_AGE_RANGE, TOPICS

from .. import audit
from ..extensions import db
from ..models import TopicRule


class Invalid(ValueError):
    """A rule the campaign cannot have; `fields` names the field and says why."""

    def __init__(self, fields: dict):
        super().__init__("Invalid input.")
        self.fields = fields


def min_ages() -> dict[str, int]:
    """Every topic's minimum age, in the order of the topics."""
    stored = dict(db.session.execute(select(TopicRule.topic, TopicRule.min_age)).all())
    return {topic: int(stored.get(topic, MIN_AGE[topic])) for topic in TOPICS}


def set_min_age(topic: str, age, by_user_id: int | None = None, commit: bool = True) -> dict[str, int]:
    """Set a topic's minimum age (None: back to the default); returns every topic's."""
    if topic not in TOPICS:
        raise Invalid({"topic": ["Unknown topic."]})
    low, high = MIN_AGE_RANGE
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not low <= age <= high):
        raise Invalid({"min_age": [f"Must be a whole number from {low} to {high}."]})
    row = db.session.get(TopicRule, topic)
    if age is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(TopicRule(topic=topic, min_age=age))
    else:
        row.min_age = age
    audit.record("set_min_age", by_user_id=by_user_id, topic=topic, min_age=age)
    db.session.flush()
    if commit:
        db.session.commit()
    return min_ages()


def basis_text(year: int, ages: dict[str, int]) -> str:
    """How the facts' basis is stored: the year and the ages, in a text that changes with any of them."""
    return f"{year}:" + ",".join(f"{topic}={ages[topic]}" for topic in TOPICS)

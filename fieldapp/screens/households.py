"""Households of my villages: search as you type (diacritics ignored), filters, and coverage marks per row.

The list is a RecycleView, so 10,000 households cost only the rows on screen. Typing re-queries after a short
pause: the store's search is one indexed query on folded text, quick enough for the UI thread.
"""
from kivy.clock import Clock
from kivy.properties import ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from shared.vocab import TOPICS

from ..i18n import date_text, tr
from . import BaseScreen
from .theme import DONE, NONE

TYPING_PAUSE = 0.15
MAX_ROWS = 20000  # a commune's worth; the RecycleView draws only what is on screen


def topic_marks(topics_done) -> list:
    """One colour per topic, in vocabulary order: green where the household has it done."""
    done = set(topics_done)
    return [DONE if topic in done else NONE for topic in TOPICS]


class HouseholdRow(ButtonBehavior, BoxLayout):
    household_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    marks = ListProperty([NONE] * len(TOPICS))

    def on_release(self):
        from kivy.app import App
        App.get_running_app().go("household", household_id=self.household_id)


class HouseholdsScreen(BaseScreen):
    count_text = StringProperty("")
    village_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.village_id = None
        self.topic = None
        self._query = Clock.create_trigger(lambda _dt: self.refresh(), TYPING_PAUSE)

    def show(self, **params):
        self.villages = list(self.core.store.villages())
        self._village_label()
        self.refresh()

    def on_search(self, _text):
        self._query()

    def next_village(self):
        """Cycle through all villages, then each of mine: one tap each, no dropdown to aim at."""
        ids = [None] + [v["id"] for v in self.villages]
        self.village_id = ids[(ids.index(self.village_id) + 1) % len(ids)] if self.village_id in ids else None
        self._village_label()
        self.ids.village.state = "down" if self.village_id else "normal"
        self.refresh()

    def next_topic(self):
        keys = [None] + list(TOPICS)
        self.topic = keys[(keys.index(self.topic) + 1) % len(keys)]
        self.ids.topic.text = tr("households.topic_not_done", topic=self._topic_name())
        self.ids.topic.state = "down" if self.topic else "normal"
        self.refresh()

    def _topic_name(self):
        from ..i18n import label
        return label("topic", self.topic) if self.topic else tr("households.any_topic")

    def _village_label(self):
        names = {v["id"]: v["name"] for v in self.villages}
        self.village_text = names.get(self.village_id) or tr("households.all_villages")

    def refresh(self):
        if self.core.store is None:  # a search typed just before the lock: the list stays as it was
            return
        ids = self.ids
        rows = self.core.store.households(query=ids.search.text, village_id=self.village_id,
                                          not_reached=ids.not_reached.state == "down",
                                          needs_follow_up=ids.follow_up.state == "down",
                                          topic_not_done=self.topic, limit=MAX_ROWS)
        ids.list.data = [self._row(h) for h in rows]
        self.count_text = tr("households.count", n=len(rows))

    @staticmethod
    def _row(h):
        follow = h["follow_up_on"]
        extra = tr("households.follow_up_on", date=date_text(follow)) if follow else (
            "" if h["reached"] else tr("households.not_reached"))
        subtitle = h["address"] + (f"  ·  {h['phone']}" if h["phone"] else "") + (f"  ·  {extra}" if extra else "")
        return {"household_id": h["id"], "title": h["head_name"], "subtitle": subtitle,
                "marks": topic_marks(h["topics_done"])}

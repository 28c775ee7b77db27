"""Households of my villages: search as you type (diacritics ignored), filters, and coverage marks per row.

The list is a RecycleView, so 10,000 households cost only the rows on screen. Typing re-queries after a short
pause: the store's search is one indexed query on folded text, quick enough for the UI thread.
"""
from kivy.clock import Clock
from kivy.properties import ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from shared.vocab import TOPICS

from ..i18n import date_text, label, tr
from . import BaseScreen
from .theme import DONE, NONE
from .widgets import Chip, Sheet

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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.village_id = None
        self.topic = None
        self._query = Clock.create_trigger(lambda _dt: self.refresh(), TYPING_PAUSE)

    def show(self, **params):
        self.villages = list(self.core.store.villages())
        self.names = {v["id"]: v["name"] for v in self.villages}
        self._village_chips()
        self._topic_label()
        self.refresh()

    def on_search(self, _text):
        self._query()

    # Filters are labelled toggles (villages) and a small sheet (topics), never buttons that cycle.
    def _village_chips(self):
        box = self.ids.villages
        box.clear_widgets()
        for vid, name in [(None, tr("households.all_villages"))] + list(self.names.items()):
            chip = Chip(text=name, value=vid, group="households-village", allow_no_selection=False,
                        state="down" if vid == self.village_id else "normal")
            chip.bind(on_release=lambda c: self.choose_village(c.value))
            box.add_widget(chip)

    def choose_village(self, village_id):
        self.village_id = village_id
        self.refresh()

    def pick_topic(self):
        """The sheet of topics, by their full names: one tap keeps the households that do not have it yet."""
        sheet = Sheet(title=tr("households.topic_pick"))
        for key in [None, *TOPICS]:
            chip = Chip(text=label("topic", key) if key else tr("households.any_topic"), value=key,
                        group="households-topic", allow_no_selection=False,
                        state="down" if key == self.topic else "normal")
            chip.bind(on_release=lambda c: (sheet.dismiss(animation=False), self.choose_topic(c.value)))
            sheet.ids.sbuttons.add_widget(chip)
        sheet.open(animation=False)
        return sheet

    def choose_topic(self, topic):
        self.topic = topic
        self._topic_label()
        self.refresh()

    def _topic_label(self):
        name = label("topic", self.topic) if self.topic else tr("households.any_topic")
        self.ids.topic.text = tr("households.topic_not_done", topic=name)
        self.ids.topic.state = "down" if self.topic else "normal"

    def refresh(self):
        if self.core.store is None:  # a search typed just before the lock: the list stays as it was
            return
        ids = self.ids
        rows = self.core.store.households(query=ids.search.text, village_id=self.village_id,
                                          not_reached=ids.not_reached.state == "down",
                                          needs_follow_up=ids.follow_up.state == "down",
                                          topic_not_done=self.topic, limit=MAX_ROWS)
        ids.list.data = [self._row(h, self.names.get(h["village_id"], "")) for h in rows]
        self.count_text = tr("households.count", n=len(rows))

    @staticmethod
    def _row(h, village=""):
        follow = h["follow_up_on"]
        extra = tr("households.follow_up_on", date=date_text(follow)) if follow else (
            "" if h["reached"] else tr("households.not_reached"))
        subtitle = "  ·  ".join(p for p in (village, h["address"], h["phone"], extra) if p)
        return {"household_id": h["id"], "title": h["head_name"], "subtitle": subtitle,
                "marks": topic_marks(h["topics_done"])}

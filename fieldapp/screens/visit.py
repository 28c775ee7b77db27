"""Log a visit: a not-home shortcut, an outcome per resident and topic, notes, follow-up, duration, location.

Each topic's row holds one chip per outcome in the order of shared.vocab.OUTCOMES: "already had it" sits next to
"done", so that logging a resident who had VNeID before is one tap, as fast as logging one helped now.

Saving is one tap and purely local (the store writes the visit and its outbox entry together); the sync takes it to
the server later. A correction is a new visit that replaces the old one, as the sync contract wants.
"""
from datetime import date, timedelta

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from shared.vocab import OUTCOMES, TOPICS

from .. import location, privacy
from ..errlog import log
from ..i18n import date_text, field_label, label, language, parse_date, tr
from ..store import InvalidData
from . import BaseScreen, theme
from .widgets import Chip, Confirm

FOLLOW_UP_DAYS = (None, 3, 7, 14)
DURATIONS = (10, 20, 30, 45, 60)
HOUSEHOLD = ""  # the key of assists given to the household as a whole (resident_id None)


class TopicRow(BoxLayout):
    """A topic and its outcome chips; at most one chip is down."""


class VisitScreen(BaseScreen):
    warning = StringProperty("")
    location_text = StringProperty("")
    who_text = StringProperty("")
    saving = BooleanProperty(False)

    def __init__(self, **kwargs):
        self.topic_chips: dict[str, dict[str, Chip]] = {}  # set before super(): on_kv_post fills it
        self.locator = None
        super().__init__(**kwargs)

    def on_kv_post(self, _base):
        for topic in TOPICS:
            row = TopicRow()
            row.add_widget(Label(text=label("topic", topic), color=(0.1, 0.1, 0.12, 1), halign="left",
                                 valign="middle", size_hint_x=1.4, text_size=(None, None)))
            row.children[0].bind(size=lambda w, s: setattr(w, "text_size", s))
            self.topic_chips[topic] = {}
            for outcome in OUTCOMES:
                chip = Chip(text=tr(f"visit.chip.{outcome}"), value=outcome, group=f"topic-{topic}",
                            font_size=theme.SMALL)
                chip.bind(on_release=lambda c, t=topic: self.choose(t, c.value if c.state == "down" else None))
                row.add_widget(chip)
                self.topic_chips[topic][outcome] = chip
            self.ids.topics.add_widget(row)
        for days in FOLLOW_UP_DAYS:
            text = tr("visit.no_follow_up") if days is None else tr("visit.in_days", n=days)
            chip = Chip(text=text, value=days, group="follow-up", allow_no_selection=False)
            chip.bind(on_release=lambda c: self.follow_up_in(c.value))
            self.ids.follow_up_chips.add_widget(chip)
        for minutes in DURATIONS:
            chip = Chip(text=tr("visit.minutes", n=minutes), value=minutes, group="duration")
            self.ids.durations.add_widget(chip)

    # --- showing ---
    def show(self, household_id=None, replaces_id=None, fixing=False, **params):
        """Log a visit, or correct `replaces_id`; `fixing`: a visit the server refused, sent again once saved."""
        self.household = self.core.store.household(household_id)
        self.replaces_id = replaces_id
        self.to_top()
        self.outcomes: dict[str, dict[str, str]] = {}
        self.ids.notes.text = ""
        self.ids.follow_up.text = ""
        self.saving = False
        for chip in self.ids.durations.children:
            chip.state = "normal"
        for chip in self.ids.follow_up_chips.children:
            chip.state = "down" if chip.value is None else "normal"
        store = self.core.store
        original = (fixing and store.refused_visit(replaces_id)) or (store.visit(replaces_id) if replaces_id else None)
        if original:
            self._prefill(original)
        self.ids.bar.title = (tr("visit.correct_title", name=self.household["head_name"]) if replaces_id
                               else tr("visit.title", name=self.household["head_name"]))
        self.ids.not_home.disabled = bool(replaces_id) and not fixing
        self._residents()
        self.pick(HOUSEHOLD if not self.household["residents"] else self.household["residents"][0]["id"])
        self.location = None
        self.ids.locate.state = "normal"
        self.location_text = tr("visit.location_off")
        self._ask_location()

    def _ask_location(self):
        """With the official's consent (asked once, kept in the store) the form records a fix by itself."""
        allowed = location.consent(self.core.store)
        if allowed:
            self.ids.locate.state = "down"
            self.toggle_location(True)
        elif allowed is None:
            def answer(yes):
                location.set_consent(self.core.store, yes)
                if yes and self.app.current == self.name:
                    self.ids.locate.state = "down"
                    self.toggle_location(True)
            Confirm(question=tr("visit.location_ask"), yes_text=tr("visit.location_allow"),
                    no_text=tr("visit.location_deny"), if_yes=lambda: answer(True),
                    on_dismiss=lambda *_: location.consent(self.core.store) is None and location.set_consent(
                        self.core.store, False)).open(animation=False)

    def _prefill(self, visit):
        for a in visit["assists"]:
            self.outcomes.setdefault(a["resident_id"] or HOUSEHOLD, {})[a["topic"]] = a["outcome"]
        self.ids.notes.text = visit["notes"] or ""
        if visit["follow_up_on"]:
            self.ids.follow_up.text = date_text(visit["follow_up_on"])
            for chip in self.ids.follow_up_chips.children:
                chip.state = "normal"
        for chip in self.ids.durations.children:
            chip.state = "down" if chip.value == visit["duration_min"] else "normal"

    def _residents(self):
        box = self.ids.who
        box.clear_widgets()
        people = [(r["id"], r["full_name"]) for r in self.household["residents"]] + [
            (HOUSEHOLD, tr("visit.whole_household"))]
        for rid, name in people:
            chip = Chip(text=name, value=rid, group="who", allow_no_selection=False)
            chip.bind(on_release=lambda c: self.pick(c.value))
            box.add_widget(chip)

    def pick(self, resident_key):
        """Show the outcomes of one resident (or of the household as a whole)."""
        self.resident_key = resident_key
        chosen = self.outcomes.get(resident_key, {})
        for chip in self.ids.who.children:
            chip.state = "down" if chip.value == resident_key else "normal"
            done = len(self.outcomes.get(chip.value, {}))
            base = chip.text.split("  (")[0]
            chip.text = f"{base}  ({done})" if done else base
        for topic, chips in self.topic_chips.items():
            for outcome, chip in chips.items():
                chip.state = "down" if chosen.get(topic) == outcome else "normal"
        name = next((c.text.split("  (")[0] for c in self.ids.who.children if c.value == resident_key), "")
        self.who_text = tr("visit.outcomes_for", name=name)

    def choose(self, topic, outcome):
        slot = self.outcomes.setdefault(self.resident_key, {})
        if outcome:
            slot[topic] = outcome
        else:
            slot.pop(topic, None)
        self.pick(self.resident_key)

    # --- details ---
    def on_notes(self, text):
        self.warning = privacy.notes_warning(text, language()) or ""

    def follow_up_in(self, days):
        self.ids.follow_up.text = "" if days is None else date_text(date.today() + timedelta(days=days))

    def toggle_location(self, on):
        if not on:
            if self.locator:
                self.locator.stop()
            self.location = None
            self.location_text = tr("visit.location_off")
            return
        self.locator = self.locator or location.Locator(self.app.post, self._fix, source=self.app.location_source())
        if self.locator.start():
            self.location_text = tr("visit.location_waiting")
        else:
            self.ids.locate.state = "normal"
            self.location_text = tr("visit.location_unavailable")

    def _fix(self, fix):
        if self.ids.locate.state == "down":
            self.location = fix
            self.location_text = tr("visit.location_recorded", accuracy=round(fix.get("accuracy_m") or 0))

    # --- saving ---
    def not_home(self):
        """The shortcut: nobody opened the door; one tap logs it."""
        self._save(status="not_home", assists=[])

    def save(self):
        assists = [{"resident_id": key or None, "topic": topic, "outcome": outcome}
                   for key, topics in self.outcomes.items() for topic, outcome in topics.items()]
        self._save(status="met", assists=assists)

    def _save(self, status, assists):
        follow_text = self.ids.follow_up.text.strip()
        follow_up_on = parse_date(follow_text) if follow_text else None
        if follow_text and follow_up_on is None:
            self.warning = tr("visit.bad_date")
            return
        duration = next((c.value for c in self.ids.durations.children if c.state == "down"), None)
        self.saving = True
        try:
            visit_id = self.core.log_visit(self.household["id"], status=status, assists=assists,
                                notes=self.ids.notes.text.strip(), follow_up_on=follow_up_on,
                                duration_min=duration, location=self.location, replaces_id=self.replaces_id)
        except InvalidData as err:  # the server would refuse it; say which field
            self.saving = False
            self.warning = tr("visit.invalid", fields=", ".join(field_label(name) for name in err.errors))
            return
        except Exception as exc:  # a bug: a sentence for the official, the details for the error log
            log.error("saving a visit failed", exc_info=exc)
            self.saving = False
            self.warning = tr("save.failed")
            return
        if self.locator:
            self.locator.stop()
        self.app.back()
        if status == "not_home" and not self.replaces_id:
            self.app.toast(tr("save.saved_not_home"), tr("save.undo"), lambda: self._undo(visit_id))
        else:
            self.app.toast(tr("save.saved"))

    def _undo(self, visit_id):
        """The Undo of "Vắng nhà": removed if not sent yet, voided through the normal path if it was."""
        self.core.undo_visit(visit_id)
        screen = self.app.manager.current_screen
        screen.refresh()
        self.app.toast(tr("save.undone"))

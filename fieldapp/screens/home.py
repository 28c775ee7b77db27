"""Home, the first screen after login: the day's summary, then today's work list (worklist.py), then today's visits.

The work list shows PAGE rows at a time ("Show more" adds a page): a commune's worth of households as widgets would
take seconds to draw, and the official works from the top. A village pinned for the day (store meta
`pinned_village`, {day, id}) keeps only that village's households until the day ends.
"""
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from shared.worklist import FOLLOW_UP, NEVER_MET

from .. import phone, summary
from ..i18n import date_text, label, time_text, tr
from ..store.reads import today
from . import BaseScreen
from .tell import sync_details
from .theme import DANGER, FOLLOW_UP as FOLLOW_UP_COLOR, NONE, PARTIAL, PRIMARY
from .widgets import Caption, Chip, ListRow, Sheet

PAGE = 30


class WorkRow(ButtonBehavior, BoxLayout):
    """One household of the work list: head, village and address, what is left, and a call button."""
    household_id = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    todo = StringProperty("")
    phone = StringProperty("")
    stripe = (0, 0, 0, 0)

    def on_release(self):
        from kivy.app import App
        App.get_running_app().go("household", household_id=self.household_id, from_work=True)

    def call(self):
        from kivy.app import App
        if not phone.dial(self.phone):
            App.get_running_app().toast(tr("home.call_number", phone=self.phone))


class HomeScreen(BaseScreen):
    sync_text = StringProperty("")
    problems_text = StringProperty("")
    clock_text = StringProperty("")
    summary_text = StringProperty("")
    work_text = StringProperty("")
    more_text = StringProperty("")
    progress = NumericProperty(0)
    syncing = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows: list[dict] = []
        self.shown = PAGE

    def refresh(self):
        core = self.core
        account = core.store.account()
        user = account.get("user") or {}
        self.ids.bar.title = tr("home.title", name=user.get("full_name") or account.get("username") or "")
        self._show_status(core.status())
        self.summary_text = summary_line(summary.of_store(core.store))
        self._villages()
        self.shown = PAGE
        self.rows = core.work_list().rows(village_id=self.pinned())
        self._fill_work()
        self._fill(self.ids.today, core.store.today_visits(), self._visit_row, tr("home.no_visits"))

    # --- the work list ---
    def pinned(self):
        pin = self.core.store.get_meta("pinned_village") or {}
        return pin.get("id") if pin.get("day") == today().isoformat() else None

    def pin(self, village_id):
        """Pin a village for the day (None: every village of mine)."""
        self.core.store.set_meta(pinned_village={"day": today().isoformat(), "id": village_id} if village_id else None)
        self.refresh()

    def _villages(self):
        box = self.ids.villages
        box.clear_widgets()
        pinned = self.pinned()
        for vid, name in [(None, tr("home.all_villages"))] + [(v["id"], v["name"]) for v in self.core.store.villages()]:
            chip = Chip(text=name, value=vid, group="pin", allow_no_selection=False,
                        state="down" if vid == pinned else "normal")
            chip.bind(on_release=lambda c: self.pin(c.value))
            box.add_widget(chip)

    def _fill_work(self):
        box = self.ids.work
        box.clear_widgets()
        for item in self.rows[:self.shown]:
            box.add_widget(self._work_row(item))
        if not self.rows:
            box.add_widget(Caption(text=tr("home.work_done")))
        self.work_text = tr("home.work_count", n=len(self.rows))
        left = len(self.rows) - self.shown
        self.more_text = tr("home.more", n=min(PAGE, left)) if left > 0 else ""

    def show_more(self):
        self.shown += PAGE
        self._fill_work()

    def _work_row(self, item):
        row = WorkRow(household_id=item["id"], title=item["head_name"] or "-", phone=item.get("phone") or "",
                      subtitle=f"{item['village_name']}  ·  {item['address']}", todo=todo_text(item))
        row.stripe = {FOLLOW_UP: DANGER if (item["follow_up_on"] or "") < today().isoformat() else FOLLOW_UP_COLOR,
                      NEVER_MET: PRIMARY}.get(item["tier"], PARTIAL)
        return row

    # --- the summary, on demand ---
    def open_summary(self):
        day = summary.of_store(self.core.store)
        Sheet(title=tr("summary.title"), text=summary_lines(day)).open(animation=False)

    # --- sync ---
    def on_sync_status(self, status):
        self.syncing = status["syncing"]
        if self.app.current == self.name:
            self._show_status(status)

    def _show_status(self, status):
        self.sync_text = sync_details({**status, "problems": 0})
        problems = status.get("problems", 0)
        self.problems_text = tr("home.problems", n=problems) if problems else ""
        self.clock_text = clock_warning(status.get("clock_off"))

    def _fill(self, box, items, make_row, empty_text):
        box.clear_widgets()
        for item in items:
            box.add_widget(make_row(item))
        if not items:
            box.add_widget(Caption(text=empty_text))

    def _visit_row(self, visit):
        hid = visit["household_id"]
        village = self.core.store.area_name(visit.get("village_id"))
        return ListRow(title=visit.get("head_name") or "", stripe=NONE,
                       subtitle="  ·  ".join(p for p in (time_text(visit['started_at'])[-5:], village,
                                                         visit.get('address') or '', label('status', visit['status']))
                                             if p),
                       on_tap=lambda: self.app.go("household", household_id=hid))

    # Sync: the core works in its thread and reports here through the clock (see DoorstepApp._status).
    def sync(self):
        self.syncing = True
        self.progress = 0
        self.core.sync_now()

    def on_sync_progress(self, phase, done, total):
        # Pushing fills the first half of the bar; pulling, whose total the server does not tell, the second.
        if phase == "push":
            self.progress = 0.5 * (done / total if total else 1)
        else:
            self.progress = 0.5 + 0.5 * (1 - 1 / (1 + done / 500))

    def on_sync_done(self, outcome):
        self.syncing = False
        if outcome["ok"]:
            self.progress = 1
        if self.app.current == self.name:
            self.refresh()


def todo_text(item) -> str:
    """What is left to do at a household of the work list, in words."""
    parts = []
    if item["tier"] == FOLLOW_UP:
        due = item["follow_up_on"]
        parts.append(tr("home.overdue", date=date_text(due)) if due < today().isoformat() else tr("home.due_today"))
    elif item["tier"] == NEVER_MET:
        parts.append(tr("home.never_met"))
    if item.get("missing"):
        parts.append(tr("home.topics_left", topics=", ".join(label("topic", t) for t in item["missing"])))
    return "  ·  ".join(parts)


def summary_line(day) -> str:
    """The summary at the top of Home, in two lines."""
    done = sum(t["done"] for t in day["topics"].values())
    had = sum(t["already_had"] for t in day["topics"].values())
    return tr("summary.line", visits=day["visits"], met=day["met"], done=done, had=had, follow_ups=day["follow_ups"],
              pending=day["pending"])


def summary_lines(day) -> str:
    """The summary on demand: the counts, then each topic's done and already had."""
    lines = [tr("summary.visits", n=day["visits"], met=day["met"], not_home=day["not_home"])]
    for topic, counts in day["topics"].items():
        lines.append(tr("summary.topic", topic=label("topic", topic), done=counts["done"], had=counts["already_had"]))
    if not day["topics"]:
        lines.append(tr("summary.no_topics"))
    lines.append(tr("summary.follow_ups", n=day["follow_ups"]))
    lines.append(tr("summary.pending", n=day["pending"]) if day["pending"] else tr("summary.all_sent"))
    return "\n".join(lines)


def clock_warning(clock_off) -> str:
    """The banner for a tablet clock that is `clock_off` seconds behind the server (negative: ahead), or ""."""
    if not clock_off:
        return ""
    minutes = round(abs(clock_off) / 60)
    if minutes < 120:
        amount = tr("home.minutes", n=minutes)
    elif minutes < 48 * 60:
        amount = tr("home.hours", n=round(minutes / 60))
    else:
        amount = tr("home.days", n=round(minutes / 1440))
    return tr("home.clock", direction=tr("home.clock_behind") if clock_off > 0 else tr("home.clock_ahead"), amount=amount)

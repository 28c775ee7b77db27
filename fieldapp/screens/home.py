"""Home: today's visits, open and overdue follow-ups in my villages, and the sync state with its button."""
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from ..i18n import date_text, time_text, tr
from . import BaseScreen
from .theme import DANGER, FOLLOW_UP, NONE
from .widgets import Caption, ListRow


class HomeScreen(BaseScreen):
    sync_text = StringProperty("")
    problems_text = StringProperty("")
    clock_text = StringProperty("")
    progress = NumericProperty(0)
    syncing = BooleanProperty(False)

    def refresh(self):
        core = self.core
        account = core.store.account()
        user = account.get("user") or {}
        self.ids.bar.title = tr("home.title", name=user.get("full_name") or account.get("username") or "")
        self._show_status(core.status())
        self._fill(self.ids.today, core.store.today_visits(), self._visit_row, tr("home.no_visits"))
        self._fill(self.ids.follow_ups, core.store.follow_ups(), self._follow_up_row, tr("home.no_follow_ups"))

    def on_sync_status(self, status):
        self.syncing = status["syncing"]
        if self.app.current == self.name:
            self._show_status(status)

    def _show_status(self, status):
        last = status.get("last_sync_at")
        lines = [tr("home.last_sync", when=time_text(last)) if last else tr("home.never_synced"),
                 tr("home.pending", n=status.get("pending", 0))]
        if status.get("error"):
            lines.append(tr(f"sync.error.{status['error']}"))
        self.sync_text = "\n".join(lines)
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
        return ListRow(title=visit.get("head_name") or "", stripe=NONE,
                       subtitle=f"{time_text(visit['started_at'])[-5:]}  ·  {visit.get('address') or ''}  ·  "
                                f"{tr('status.' + visit['status'])}",
                       on_tap=lambda: self.app.go("household", household_id=hid))

    def _follow_up_row(self, item):
        hid = item["id"]
        due, overdue = item["follow_up_on"], item["overdue"]
        when = tr("home.overdue", date=date_text(due)) if overdue else tr("home.due", date=date_text(due))
        return ListRow(title=item.get("head_name") or "", stripe=DANGER if overdue else FOLLOW_UP,
                       subtitle=f"{when}  ·  {item.get('address') or ''}",
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

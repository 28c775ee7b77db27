"""One household: who lives there, what is done per topic per resident, and every visit by anyone."""
from kivy.properties import DictProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from ..i18n import label, time_text, tr
from . import BaseScreen
from .theme import NONE, OUTCOME_COLORS
from .widgets import Caption, ListRow


class OutcomeGrid(BoxLayout):
    """One resident's row: the name, then a cell per topic coloured by its status (the latest outcome)."""
    name = StringProperty("")
    outcomes = DictProperty({})


class HouseholdScreen(BaseScreen):
    head = StringProperty("")
    details = StringProperty("")
    call_text = StringProperty("")
    next_text = StringProperty("")
    """Opened from the work list: the next household on it after this one (a button), else ""."""

    def show(self, household_id=None, from_work=False, **params):
        if household_id != getattr(self, "household_id", None):
            self.to_top()
        self.household_id = household_id
        self.from_work = from_work
        self.refresh()

    def _next(self):
        """The household after this one on the work list Home showed (skipping those that have left it since), or
        the first other one on the list as it is now; None when not opened from the work list."""
        if not self.from_work:
            return None
        home = self.app.screen("home")
        rows = self.core.work_list().rows(village_id=home.pinned())
        shown = [r["id"] for r in home.rows]
        if self.household_id in shown:
            live = {r["id"]: r for r in rows}
            for hid in shown[shown.index(self.household_id) + 1:]:
                if hid in live:
                    return live[hid]
        return next((r for r in rows if r["id"] != self.household_id), None)

    def go_next(self):
        following = self._next()
        if following:
            self.app.history.pop()
            self.app.go("household", household_id=following["id"], from_work=True)

    def call(self):
        from .. import phone
        if not phone.dial(self.household["phone"]):
            self.app.toast(tr("home.call_number", phone=self.household["phone"]))

    def refresh(self):
        h = self.core.store.household(self.household_id)
        if h is None:
            return
        self.household = h
        village = self.core.store.area_name(h["village_id"])
        self.head = h["head_name"]
        parts = [h["address"], village, h["phone"]]
        self.details = "  ·  ".join(p for p in parts if p) + (f"\n{h['note']}" if h["note"] else "")
        self.ids.bar.title = h["head_name"]
        self.call_text = tr("household.call", phone=h["phone"]) if h["phone"] else ""
        following = self._next()
        self.next_text = tr("household.next", name=following["head_name"], address=following["address"]) \
            if following else ""
        self._residents(h)
        self._visits(h)

    def _residents(self, h):
        box = self.ids.residents
        box.clear_widgets()
        best = h["status"]
        if best.get(""):
            box.add_widget(OutcomeGrid(name=tr("visit.whole_household"), outcomes=best[""]))
        for r in h["residents"]:
            born = f" ({r['birth_year']})" if r["birth_year"] else ""
            box.add_widget(OutcomeGrid(name=r["full_name"] + born, outcomes=best.get(r["id"], {})))
        if not h["residents"]:
            box.add_widget(Caption(text=tr("household.no_residents")))

    def _visits(self, h):
        box = self.ids.visits
        box.clear_widgets()
        me = (self.core.store.account().get("user") or {}).get("id")
        names = {r["id"]: r["full_name"] for r in h["residents"]}
        replaced = {v["replaces_id"] for v in h["visits"] if v["replaces_id"]}
        for v in h["visits"]:
            if v["voided"] or v["id"] in replaced:
                continue  # a corrected visit shows once, as its replacement
            who = tr("household.by_me") if v["official_id"] in (me, None) else tr("household.by_other")
            title = f"{time_text(v['started_at'])}  ·  {label('status', v['status'])}  ·  {who}"
            lines = [f"{names.get(a['resident_id'], tr('visit.whole_household'))}: {label('topic', a['topic'])} "
                     f"- {label('outcome', a['outcome'])}" for a in v["assists"]]
            if v["notes"]:
                lines.append(v["notes"])
            if v["pending"]:
                lines.append(tr("household.not_synced"))
            if v["replaces_id"]:
                lines.append(tr("household.corrected"))
            row = ListRow(title=title, subtitle="\n".join(lines), stripe=OUTCOME_COLORS.get(
                "done" if v["assists"] else None, NONE))
            row.on_tap = (lambda vid=v["id"]: self.correct(vid))
            box.add_widget(row)
        if not box.children:
            box.add_widget(Caption(text=tr("household.no_visits")))

    def log_visit(self):
        self.app.go("visit", household_id=self.household_id)

    def correct(self, visit_id):
        self.app.go("visit", household_id=self.household_id, replaces_id=visit_id)

    def edit(self):
        self.app.go("household_edit", household_id=self.household_id)

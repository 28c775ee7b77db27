"""Sync problems: each record the server refused, in plain words, with its two ways out: fix it and send it again,
or discard the change on purpose (after a question). Nothing here sends: the fix is an ordinary save (store/edits.py
takes the refused fields along), which the next sync delivers."""
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup

from ..i18n import language, time_text, tr
from . import BaseScreen
from .theme import DANGER, FOLLOW_UP
from .widgets import Caption, Confirm


class ProblemRow(BoxLayout):
    """One problem: what, why, what to do, and its two buttons (looks in kv/problems.kv)."""
    title = StringProperty("")
    text = StringProperty("")
    stripe = ObjectProperty(DANGER)
    can_fix = BooleanProperty(True)
    problem = ObjectProperty(None)


class ProblemsScreen(BaseScreen):
    shown = None  # what the rows show, so that a sync that changed nothing does not rebuild them under a finger

    def refresh(self, problems=None):
        problems = self.core.store.problems(language()) if problems is None else problems
        self.shown = [(p["id"], p["message"], p["can_fix"]) for p in problems]
        box = self.ids.problems
        box.clear_widgets()
        for p in problems:
            box.add_widget(ProblemRow(
                title=escape_markup(p["label"]), problem=p, can_fix=p["can_fix"],
                stripe=FOLLOW_UP if p["status"] == "conflict" else DANGER,
                text=f"{escape_markup(p['message'])}\n[b]{tr('problems.what_to_do')}[/b] {p['action']}\n"
                     f"{time_text(p['at'])}"))
        if not problems:
            box.add_widget(Caption(text=tr("problems.none")))

    def on_sync_done(self, outcome):
        if self.app.current == self.name:
            problems = self.core.store.problems(language())
            if [(p["id"], p["message"], p["can_fix"]) for p in problems] != self.shown:
                self.refresh(problems)

    def fix(self, problem):
        """Open the record as the official knows it; saving it there sends the correction."""
        hid = problem["household_id"]
        if problem["table"] == "visits":
            self.app.go("visit", household_id=hid, replaces_id=problem["row_id"], fixing=True)
        elif problem["table"] == "residents":
            self.app.go("household_edit", household_id=hid, resident_id=problem["row_id"])
        else:
            self.app.go("household_edit", household_id=hid)

    def discard(self, problem):
        def really():
            self.core.discard_problem(problem["id"])
            self.refresh()
        Confirm(question=f"{problem['label']}\n{tr('problems.discard_question')}", danger=True,
                yes_text=tr("problems.discard_yes"), if_yes=really).open()

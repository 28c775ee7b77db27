"""Sync problems: each record the server refused or found conflicting, in plain words, with what to do."""
from ..i18n import language, time_text, tr
from . import BaseScreen
from .theme import DANGER, FOLLOW_UP
from .widgets import Caption, ListRow


class ProblemsScreen(BaseScreen):
    def refresh(self):
        box = self.ids.problems
        box.clear_widgets()
        problems = self.core.store.problems(language())
        for p in problems:
            row = ListRow(title=p["label"], stripe=FOLLOW_UP if p["status"] == "conflict" else DANGER,
                          subtitle=f"{p['message']}\n[b]{tr('problems.what_to_do')}[/b] {p['action']}\n"
                                   f"{time_text(p['at'])}  ·  {tr('problems.tap_to_dismiss')}")
            row.on_tap = (lambda pid=p["id"]: self.dismiss(pid))
            box.add_widget(row)
        if not problems:
            box.add_widget(Caption(text=tr("problems.none")))

    def dismiss(self, problem_id):
        from .widgets import Confirm

        def done():
            self.core.store.dismiss_problem(problem_id)
            self.refresh()
        Confirm(question=tr("problems.dismiss_question"), yes_text=tr("problems.dismiss"), if_yes=done).open()

"""The screens of the field app. Each is a thin Screen subclass in its own module with its own kv/<name>.kv; the
work is done by the core (app.core). The app builds a screen, and loads its kv, the first time it is shown.
"""
import os

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView

KV_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "kv")


def load_kv(name: str) -> None:
    path = os.path.join(KV_DIR, f"{name}.kv")
    if path not in Builder.files:
        Builder.load_file(path)


class BaseScreen(Screen):
    """A screen: `show(**params)` is called each time it comes to the front; `refresh()` redraws its data."""

    @property
    def app(self):
        return App.get_running_app()

    @property
    def core(self):
        return self.app.core

    def show(self, **params):
        self.refresh()

    def refresh(self):
        pass

    def to_top(self):
        """Scroll back to the top: a screen reused for another record must not open where the last one was left."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, ScrollView):
                widget.scroll_y = 1

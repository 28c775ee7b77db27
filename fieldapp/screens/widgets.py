"""Widgets every screen uses; their looks are in kv/widgets.kv."""
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton


class BigButton(Button):
    """A main action: full colour, 56 dp high."""


class FlatButton(Button):
    """A secondary action: grey, same size."""


class DangerButton(Button):
    """An action that loses something."""


class Chip(ToggleButton):
    """One choice among a few; `value` is what it stands for."""
    value = ObjectProperty(None, allownone=True)


class Field(TextInput):
    """A one-line input sized for a finger and read at arm's length."""


class Body(Label):
    """Wrapped body text."""


class Caption(Label):
    """Smaller, greyer text."""


class Heading(Label):
    """A section title."""


class Card(BoxLayout):
    """A white panel on the grey background."""


class TopBar(BoxLayout):
    """The screen's title, Back, and the sync badge (app.badge_text), which opens the sync details."""
    title = StringProperty("")
    show_back = BooleanProperty(True)


class Toast(BoxLayout):
    """A short message over the bottom of the screen ("Đã lưu"), with an optional action (Undo) while it shows."""
    text = StringProperty("")
    action_text = StringProperty("")
    action = ObjectProperty(None, allownone=True)

    def act(self):
        action, self.action = self.action, None
        from kivy.app import App
        App.get_running_app().hide_toast()
        if action:
            action()


class Sheet(ModalView):
    """A panel over the screen with a title, lines of text, and buttons [(text, callback)] under them (plus Close)."""
    title = StringProperty("")
    text = StringProperty("")


class NavBar(BoxLayout):
    """The four places an official goes back to: home, households, sync problems, settings."""
    current = StringProperty("")


class ListRow(ButtonBehavior, BoxLayout):
    """A tappable row of a list: a title, a line under it, and an optional colour stripe."""
    title = StringProperty("")
    subtitle = StringProperty("")
    stripe = ListProperty([0, 0, 0, 0])
    on_tap = ObjectProperty(None, allownone=True)

    def on_release(self):
        if self.on_tap:
            self.on_tap()


class Confirm(ModalView):
    """A yes/no question; `if_yes` runs only after the yes button is tapped.

    Not `on_yes`: Kivy takes any on_* keyword of a widget's constructor as an event binding, so the callback would
    never have been stored and every "yes" would have done nothing."""
    question = StringProperty("")
    yes_text = StringProperty("")
    no_text = StringProperty("")
    danger = BooleanProperty(False)
    if_yes = ObjectProperty(None, allownone=True)

    def answer(self, yes: bool):
        # At once, without the fade: a second question may follow and must be the only one on screen.
        self.dismiss(animation=False)
        if yes and self.if_yes:
            self.if_yes()

"""What the console commands print for the operator: each line in Vietnamese, then in English, as the configuration
check does, and their --help likewise (`command`, `group`, `option`: click's, with the help translated when shown).
Messages are English msgids of the one catalogue (docs/i18n.md), marked N_() where they are written; the commands'
help texts are their docstrings and `help=`, marked in shared/i18n_marks.py (tests/server/test_cli.py checks that
every one has its Vietnamese)."""
import functools
import inspect
from contextlib import contextmanager

import click

from shared.i18n import N_  # noqa: F401 (re-exported: the commands mark their messages with it)


def text(message: str, /, **values) -> str:
    """The message in Vietnamese, then on an indented line in English (config.bilingual), its {placeholders}
    filled; English alone where the catalogue has no Vietnamese for it."""
    from .config import bilingual
    from .dashboard.i18n import VI
    return bilingual(message, values) if message in VI else message.format(**values)


def inline(message: str, /, **values) -> str:
    """The message's two languages on one line, for a cell of a listing: "Vietnamese / English"."""
    return text(message, **values).replace("\n  ", " / ")


def say(message: str, /, err: bool = False, **values) -> None:
    click.echo(text(message, **values), err=err)


def refusal(message: str, /, **values) -> click.ClickException:
    """A ClickException (exit code 1) that says `message` in both languages."""
    return click.ClickException(text(message, **values))


def _helped(help_text: str | None) -> str | None:
    """A command's or option's help (its English msgid) as --help shows it: the Vietnamese, then the English."""
    if not help_text:
        return help_text
    from .dashboard.i18n import VI
    english = " ".join(inspect.cleandoc(help_text).split())  # a docstring's line breaks: click wraps it again
    vietnamese = VI.get(english)
    return f"{vietnamese}\n\n{english}" if vietnamese else english


class Bilingual:
    """For a click command or group: its help shown in Vietnamese, then in English, translated only when --help is
    asked, so that a serving process never reads the catalogue for it."""

    def format_help_text(self, ctx, formatter):
        with _shown(self, _helped(self.help)):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _shown(self, _helped(self.help).split("\n\n")[0] if self.help else self.help):
            return super().get_short_help_str(limit)


class Command(Bilingual, click.Command):
    """A console command (`doorstep init-db`)."""


class Group(Bilingual, click.Group):
    """A group of commands (`doorstep areas ...`)."""


class Option(click.Option):
    """click's option, its help shown as "Vietnamese (English)"."""

    def get_help_record(self, ctx):
        help_text = _helped(self.help)
        with _shown(self, help_text.replace("\n\n", " (") + ")" if help_text and "\n\n" in help_text else help_text):
            return super().get_help_record(ctx)


@contextmanager
def _shown(item, help_text):
    saved, item.help = item.help, help_text
    try:
        yield
    finally:
        item.help = saved


command = functools.partial(click.command, cls=Command)
group = functools.partial(click.group, cls=Group)
option = functools.partial(click.option, cls=Option)

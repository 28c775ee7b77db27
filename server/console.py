"""What the console commands print for the operator: each line in Vietnamese, then in English, as the configuration
check does. Messages are English msgids of the one catalogue (docs/i18n.md), marked N_() where they are written."""
import click

from shared.i18n import N_  # noqa: F401 (re-exported: the commands mark their messages with it)


def text(message: str, /, **values) -> str:
    """The message in Vietnamese, then on an indented line in English, its {placeholders} filled."""
    from .dashboard.i18n import VI
    english = message.format(**values) if values else message
    vietnamese = VI.get(message)
    if not vietnamese:
        return english
    return f"{vietnamese.format(**values) if values else vietnamese}\n  {english}"


def say(message: str, /, err: bool = False, **values) -> None:
    click.echo(text(message, **values), err=err)


def refusal(message: str, /, **values) -> click.ClickException:
    """A ClickException (exit code 1) that says `message` in both languages."""
    return click.ClickException(text(message, **values))

"""The strength rule for every password a person sets: the dashboard's reset and new official, the CLI's
create-user. The demo's seeded passwords are made by the seeder, not here: they are printed for anyone to use.

A password is accepted when it has at least PASSWORD_MIN_LENGTH characters, does not hold the username, and zxcvbn
(the maintained port of Dropbox's estimator) scores it at least MIN_SCORE out of 4, counting the username, the
person's name and the project's own words as guessable. Each refusal is one of the English messages below, which the
dashboard's catalogue translates; zxcvbn's own feedback is English only, so it is not shown.
"""
from flask import current_app

MIN_SCORE = 3
"""zxcvbn's "safely unguessable": about 10^8 guesses or more, well beyond an online attack's reach."""
SCORED_CHARACTERS = 100
"""zxcvbn's time grows with the length: only the first 100 characters are scored (the rest only add strength)."""
PROJECT_WORDS = ("doorstep", "vneid", "canbo", "lanhdao", "quantri", "admin", "password", "matkhau", "mật khẩu")

TOO_SHORT = "The password needs at least {length} characters."
HOLDS_USERNAME = "The password must not contain the username."
TOO_EASY = ("This password is too easy to guess: use three or four words that others would not guess, with a "
            "number or a sign.")


class PasswordRefused(ValueError):
    """The password breaks the rule: `message` is one of the messages above, `values` fill its placeholders."""

    def __init__(self, message: str, **values):
        super().__init__(message.format(**values))
        self.message, self.values = message, values


def check(password: str, username: str = "", full_name: str = "") -> None:
    """Raise PasswordRefused when `password` may not be set for this user."""
    length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password.strip()) < length:
        raise PasswordRefused(TOO_SHORT, length=length)
    if username and username.strip().lower() in password.lower():
        raise PasswordRefused(HOLDS_USERNAME)
    guessable = [username, *full_name.split(), *PROJECT_WORDS]
    from zxcvbn import zxcvbn  # 12 MB of word lists: loaded by the process that sets a password, not by every worker
    if zxcvbn(password[:SCORED_CHARACTERS], user_inputs=[w for w in guessable if w])["score"] < MIN_SCORE:
        raise PasswordRefused(TOO_EASY)

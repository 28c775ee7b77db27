"""Text folding for diacritic-insensitive search of Vietnamese names and addresses."""
import re
import unicodedata

# đ/Đ is a letter of its own, not d plus a combining mark, so NFD does not split it.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case `text`, strip its diacritics and collapse its spaces: "Nguyễn Văn Ánh" -> "nguyen van anh"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()


def digits(text: str | None) -> str:
    """Only the digits of `text`: phone numbers match whatever spaces or dots were typed."""
    return "".join(ch for ch in text or "" if ch.isdigit())

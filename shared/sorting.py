"""Vietnamese alphabetical order and natural address order: one sort key for the server and the tablet.

Terms:
- letter order: the Vietnamese alphabet, where ă, â, đ, ê, ô, ơ and ư are letters of their own
  (a < ă < â < b < c < d < đ < e < ê < ...), not a with a mark; Latin f, j, w and z sit where English puts them.
- tone: the mark of a syllable (none, huyền, hỏi, ngã, sắc, nặng, in the order dictionaries use); tones decide only
  between texts whose letters are equal ("Ba" < "Bà" < "Bả" < "Bã" < "Bá" < "Bạ").
- natural order: a run of digits compares as a number, so "Số 9" < "Số 18" and "Kiệt 2/18" < "Kiệt 11/14".
- name order: a Vietnamese full name sorts by the given name (its last word) first, then from the family name on,
  as the lists of a commune office do: "Trần Văn An" < "Nguyễn Thị Bình".
"""
import functools
import re
import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Marks that make a letter of its own (after NFD): breve, circumflex, horn.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# Tone marks, in dictionary order after the level tone (0).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_TOKENS = re.compile(r"\d+|[^\W\d_]+")


@functools.lru_cache(maxsize=16384)  # a commune's names and addresses reuse a few thousand words: 5x faster
def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The letter ranks and the tones of one word of letters."""
    ranks: list[int] = []
    tones: list[int] = []
    for cluster in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFD", word.casefold())):
        base, marks = cluster[0], cluster[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        if letter not in _RANK:
            letter = unicodedata.normalize("NFC", base)
        ranks.append(_RANK.get(letter, len(_ALPHABET) + ord(base)))
        tones.extend(_TONES[m] for m in marks if m in _TONES)
    return tuple(ranks), tuple(tones)


@functools.lru_cache(maxsize=4096)  # villages and given names recur on every row of a list: 4x faster, a few MB
def vi_key(text: str | None) -> tuple:
    """Sort key of `text` in Vietnamese alphabetical and natural order (spaces and punctuation separate words)."""
    primary: list[tuple] = []
    tones: list[tuple[int, ...]] = []
    for token in _TOKENS.findall(text or ""):
        if token.isdecimal():
            primary.append((0, int(token)))
        else:
            ranks, marks = _letters(token)
            primary.append((1, ranks))
            tones.append(marks)
    # The text itself last, so that two different texts never compare equal and the order is total.
    return tuple(primary), tuple(tones), (text or "").casefold(), text or ""


def address_key(address: str | None) -> tuple:
    """Sort key of an address in street order: numbers as numbers ("Số 9, tổ 1" before "Số 18, tổ 1")."""
    return vi_key(address)


def name_key(full_name: str | None) -> tuple:
    """Sort key of a person's full name: the given name first, then the name from the family name on."""
    words = (full_name or "").split()
    given = words[-1] if words else ""
    return vi_key(given), vi_key(" ".join(words))


def walk_key(village_name: str | None, address: str | None, head_name: str | None = None) -> tuple:
    """Sort key of a household on a walk: village by village, then in street order, then by the head's name.

    The dashboard's printed walk list and the tablet's work list both order their households with it."""
    return vi_key(village_name), address_key(address), name_key(head_name)


def key_bytes(key) -> bytes:
    """`key` (any of the keys above) as bytes that compare, byte by byte, in the key's own order.

    For a database to sort by: a column of these bytes under SQLite's default BINARY order (a memcmp) lists rows as
    sorted() with the key would, in C and with an index. Encoding, each part self-delimiting: a number n >= 0 is its
    length in bytes then its big-endian bytes (a longer number is a larger one); a text is its UTF-8 (code point
    order, as Python compares str) then 0; a tuple is each item after a 1, then 0 (so a prefix sorts first)."""
    out = bytearray()
    _encode(key, out)
    return bytes(out)


def _encode(value, out: bytearray) -> None:
    if isinstance(value, tuple):
        for item in value:
            out.append(1)
            _encode(item, out)
        out.append(0)
    elif isinstance(value, int):
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        out.append(min(len(raw), 255))  # 255 bytes: a number of 600 digits, longer than any field holds
        out += raw[:255]
    else:
        out += value.replace("\0", "").encode("utf-8", "surrogatepass")  # NUL: never in a stored field
        out.append(0)

"""Babel extractor of the tablet's .kv files (babel.cfg): every `tr("key")` with a literal key.

Kv rules are not Python modules (Babel's Python extractor trips on their layout), so a pattern finds the calls. A key
built at run time (`tr('pin.title.' + root.mode)`) is not one: list its keys in shared/i18n_marks.py.
"""
import re

CALL = re.compile(r"""\btr\(\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*[,)]""")


def extract_kv(fileobj, keywords, comment_tags, options):
    """Babel's extractor protocol: (line number, function name, message, comments) per message."""
    for lineno, line in enumerate(fileobj.read().decode(options.get("encoding", "utf-8")).splitlines(), 1):
        for match in CALL.finditer(line):
            yield lineno, "tr", match.group(1) if match.group(1) is not None else match.group(2), []

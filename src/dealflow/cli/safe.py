r"""User text as people see it: on one line, every character visible for what it is.

Anything recorded (a note, an account, an actor, an imported cell) may hold characters that a terminal
obeys instead of showing: a line break would print what looks like another, genuine row of `history`;
ESC and OSC sequences recolour the screen or retitle the window; a bidirectional override reverses
what follows it; a zero-width space makes "an\u200ba" look like the actor "ana". Every such character
is shown as an escape instead: `\n`, `\r`, `\t`, `\xHH`, `\uHHHH` or `\UHHHHHHHH` (Python's spelling).

Escaped: the control characters (C0 with tab, line feed and carriage return; DEL; C1, with NEL \x85),
the line and paragraph separators U+2028/U+2029, every invisible format character (Unicode category
Cf: the bidirectional controls U+061C, U+200E/U+200F, U+202A-U+202E and U+2066-U+2069, the zero-width
space, joiners and no-break U+200B-U+200D, U+2060, U+FEFF, the soft hyphen, the tag characters...) and
lone surrogates (which a terminal could not even be sent). The zero-width joiner is escaped too,
though emoji sequences and some scripts use it: between two letters it hides, and an audit trail
must never show two different names alike. The exact text is in `--json` and the exports.

A backslash is doubled only where it could be read as the start of an escape: before n, r, t, x, u, U,
another backslash or an escaped character. So C:\data\exports stays as typed, while the two
characters `\` `n` show as `\\n` and a line break as `\n`: two different texts never show alike.
"""

from __future__ import annotations

import re
import unicodedata

# Cc, Zl, Zp, Cf and Cs as of Unicode 15 (Python 3.12); the unit tests check that the running
# Python's unicodedata knows none that this misses. Built once: scanning unicodedata at each
# start would cost more than the command.
_INVISIBLE = (
    "\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_ESCAPED = re.compile(f"\\\\(?=[\\\\nrtxuU{_INVISIBLE}])|[{_INVISIBLE}]")
_INVISIBLE_ONLY = re.compile(f"[{_INVISIBLE}]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
ELLIPSIS = "…"


def shown(text: str, *, quoted: bool = False) -> str:
    """`text` on one line, each character that a terminal would obey or hide escaped.

    `quoted`: a message whose values are quoted with repr(), which has escaped them and doubled their
    backslashes already: its backslashes are left alone (`'D-1\\x1b'`, not `'D-1\\\\x1b'`), and only what
    a value put in unquoted is escaped."""
    if text.isascii() and text.isprintable() and "\\" not in text:  # most text: 5x faster than the regex
        return text
    return (_INVISIBLE_ONLY if quoted else _ESCAPED).sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def display_width(text: str) -> int:
    """How many terminal columns `text` (already shown) takes: East Asian wide and full-width
    characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(_columns_of(char) for char in text)


def _columns_of(char: str) -> int:
    if unicodedata.east_asian_width(char) in "WF":
        return 2
    return 0 if unicodedata.category(char) in ("Mn", "Me") else 1


def fit(text: str, limit: int) -> tuple[str, int]:
    """`text` (already shown) in at most `limit` columns, ending in an ellipsis when cut short, and
    the columns it then takes: a table measures each cell once."""
    if text.isascii():
        return (text, len(text)) if len(text) <= limit else (text[: limit - 1] + ELLIPSIS, limit)
    width = display_width(text)
    if width <= limit:
        return text, width
    used, kept = 0, []
    for char in text:
        size = _columns_of(char)
        if used + size > limit - 1:
            break
        used += size
        kept.append(char)
    return "".join(kept) + ELLIPSIS, used + 1


def cut(text: str, limit: int) -> str:
    """`text` (already shown) in at most `limit` columns, ending in an ellipsis when cut short."""
    return fit(text, limit)[0]

"""What a name in an evidence base may be: ids that become file names, and text that reaches a report.

Analysis and claim ids become folder names under the build (figures/<id>/forest.svg) and anchors in the report,
so they are names, never paths: letters, digits, '_' and '-', starting with a letter or digit, at most 64
characters. Text fields have length limits so that one absurd cell cannot make a run take minutes or a report
megabytes, and may not hold control characters or bidirectional overrides (they corrupt terminals, XML and
what a reader sees).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import UNSAFE_CHARS

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,63}")
MAX_LABEL = 200  # a study label, a trial key, an arm, an outcome: shown in figures and tables
MAX_TEXT = 2000  # notes, derived, outcome_detail, a claim's text, a title


def id_problem(value: object) -> str | None:
    """Why `value` is not a valid analysis or claim id, or None.

    Parameters
    ----------
    value : object
        The id (anything that is not a str is invalid).

    Returns
    -------
    str or None
        Why it is invalid, for a message; None when it is valid.
    """
    if not isinstance(value, str) or not ID.fullmatch(value):
        return (f"{value!r} is not a valid id: use letters, digits, '_' and '-' (at most 64, starting with a letter "
                "or digit); ids become file names, so '/', '.' and spaces are not allowed")
    return None


def text_problem(value: str, limit: int | None = None) -> str | None:
    """Why a text value cannot be used as it is (an unsafe character, or longer than `limit`, default MAX_TEXT),
    or None.

    Parameters
    ----------
    value : str
        The text.
    limit : int, optional
        The most characters allowed (default MAX_TEXT).

    Returns
    -------
    str or None
        Why it cannot be used (the first unsafe character and where it is, or the length), for a message; None when
        it can.
    """
    limit = MAX_TEXT if limit is None else limit
    m = UNSAFE_CHARS.search(value)
    if m:
        c = m.group()
        what = "a line break" if c in "\r\n\u2028\u2029" else ("a tab" if c == "\t" else "a control or "
                                                                 "bidirectional-override character")
        return (f"holds {what} (U+{ord(c):04X}) at character {m.start() + 1}; remove it (text may not hold "
                "control characters or direction overrides)")
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}"
    return None


_URL_BAD = re.compile(r"[\s\"'<>\\^`{|}]")


def safe_url(url: str) -> str | None:
    """`url` when it is an http(s) URL with a host and nothing that could leave an HTML attribute or a Markdown
    link; else None.

    Parameters
    ----------
    url : str
        The URL (None or empty is allowed and gives None).

    Returns
    -------
    str or None
        The URL stripped of surrounding whitespace, or None: not http(s), no host, a user name before the host, an
        invalid port, or a space, quote, '<', '>', backslash, brace, '|', '^', backquote or unsafe character in it.
    """
    url = (url or "").strip()
    if not url or _URL_BAD.search(url) or UNSAFE_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None  # no user:password@ in front of the host (it hides where a link goes)
    return url


def close_match(name: str, names) -> list[str]:
    """A close match for a misspelt name ("did you mean"), only where that is cheap: difflib's cost grows with the
    number of names and the square of their length, and a hint is worth no more than a moment.

    Parameters
    ----------
    name : str
        The misspelt name.
    names : collection of str
        The valid names.

    Returns
    -------
    list of str
        The closest valid name (at most one), or [] when none is close, `name` is longer than 64 characters or there
        are more than 5,000 names.
    """
    import difflib

    if len(name) > 64 or len(names) > 5000:
        return []
    return difflib.get_close_matches(name, [n for n in names if len(n) <= 64], n=1)

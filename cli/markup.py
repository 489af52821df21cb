"""Text from an evidence base, made safe for the report: URLs that can only be links, and Markdown escaping.

Everything in an evidence base is untrusted (a pull request can come from anyone). HTML output is escaped by
Jinja2's autoescape; Markdown output by `md_escape`, which turns every character that could start link, image,
emphasis, code, HTML or table syntax into a literal, so only the report's own links are links. A URL becomes a
link only when it parses as http(s) with a host (DOI and PubMed links: meta/inputs/links.py).
"""
from __future__ import annotations

import re

from evsynth.meta.errors import UNSAFE_CHARS
from evsynth.meta.inputs.names import safe_url

# "_" inside a word (aud_abstinence) never starts emphasis in CommonMark, so it stays readable
_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<>#|~$&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# what GFM renderers (GitHub's cmark-gfm, linkify) may turn into links by themselves: a scheme ("https:",
# "mailto:"), "www.", an e-mail address, a domain name ("evil.com")
_LINKLIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?=\S)|@|(?i:www)\.|[A-Za-z0-9\-]\.[A-Za-z]{2,}")


def _code(word: str) -> str:
    """A word as a code span (backticks longer than any run inside it; '|' escaped, as GFM tables need)."""
    longest = max((len(r) for r in re.findall(r"`+", word)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{pad}{word.replace('|', chr(92) + '|')}{pad}{fence}"
_SIGNED_NUMBER = re.compile(r"[+-]\d[\d.,]*")


def md_escape(value) -> str:
    """A value as literal Markdown text on one line: no links, images, HTML, emphasis, code or table cells. A word
    that a GFM renderer could turn into a link by itself (a URL, an e-mail address, a domain name) is shown as
    code, which no renderer links."""
    words = " ".join(UNSAFE_CHARS.sub(" ", str(value)).split()).split(" ")
    text = " ".join(_code(w) if _LINKLIKE.search(w) else _MD_SPECIAL.sub(r"\\\1", w) for w in words)
    text = re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)  # "1. " or "1) " would start a list
    if text[:1] in ("-", "+", "=", "!") and not _SIGNED_NUMBER.fullmatch(text):
        text = "\\" + text
    return text


def md_link(text: str, url: str | None) -> str:
    """[text](<url>) for a safe URL, else the escaped text alone."""
    url = safe_url(url or "")
    if not url:
        return md_escape(text)
    return f"[{md_escape(text)}](<{url}>)"

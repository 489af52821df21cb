"""Text from an evidence base, made safe for the report: URLs that can only be links, and Markdown escaping.

Everything in an evidence base is untrusted (a pull request can come from anyone). HTML output is escaped by
Jinja2's autoescape; Markdown output by `md_escape`, which turns every character that could start link, image,
emphasis, code, HTML or table syntax into a literal, so only the report's own links are links. A URL becomes a
link only when it parses as http(s) with a host; a DOI is percent-encoded into a doi.org URL.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from evsynth.meta.errors import UNSAFE_CHARS
from evsynth.meta.inputs.names import safe_url

# "_" inside a word (aud_abstinence) never starts emphasis in CommonMark, so it stays readable
_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<>#|~$&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# what GFM renderers turn into links by themselves: "scheme://", "www." and e-mail addresses; a backslash before
# the ':' (or the '.', or the '@') splits the text so that no autolink forms
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?=//)|(?i:\bwww)\.|@")
_SIGNED_NUMBER = re.compile(r"[+-]\d[\d.,]*")


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi.strip(), safe="/:;()._-+")


def pubmed_url(pmid: str) -> str | None:
    pmid = (pmid or "").strip()
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else None


def md_escape(value) -> str:
    """A value as literal Markdown text on one line: no links, images, HTML, emphasis, code or table cells."""
    text = " ".join(UNSAFE_CHARS.sub(" ", str(value)).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], text)  # no GFM autolink: "https\://"
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

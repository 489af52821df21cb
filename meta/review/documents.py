"""The source documents a base's claims come from, named for readers: claims.toml's optional [documents] table.

    [documents."001_6ad1292415944aad.txt"]
    title = "Drug X: Uses, Dosage, Side Effects and Interactions"
    publisher = "..."              # optional: the site or organisation, when the document states it
    date = "27 October 2025"       # optional: as the document dates itself

`evsynth check` and the report show a claim's document by its title (and publisher) instead of its file name; a
document without an entry keeps its file name.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import visible
from ..inputs.names import text_problem
from ..inputs.tomlfiles import read_toml

KEYS = ("title", "publisher", "date")
MAX_TEXT = 200


@dataclass(frozen=True)
class DocumentInfo:
    """A source document as a reader knows it.

    Attributes
    ----------
    file : str
        Its file name (the claims' `document`).
    title : str
        Its title.
    publisher : str
        Who publishes it ("" when the document does not say).
    date : str
        Its date as it gives it ("" when none).
    """

    file: str
    title: str
    publisher: str = ""
    date: str = ""

    @property
    def label(self) -> str:
        """Title, then publisher and date in brackets when known.

        Returns
        -------
        str
        """
        extra = ", ".join(x for x in (self.publisher, self.date) if x)
        return f"{self.title} ({extra})" if extra else self.title


def documents_from(raw, document_name, bad) -> dict[str, DocumentInfo]:
    """The [documents] table of claims.toml, checked; problems go to `bad(path, reason)`.

    Parameters
    ----------
    raw : object
        The TOML value of the top-level `documents` key (None when absent).
    document_name : re.Pattern
        What a document file name may be.
    bad : callable
        bad(path, reason) records a problem at the key path, a tuple ("documents", <file name>).

    Returns
    -------
    dict of str to DocumentInfo
        By file name; the entries without a problem.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad(("documents",), "must be a table of [documents.\"<file name>\"] tables")
        return {}
    out = {}
    for name, body in raw.items():
        key = ("documents", name)
        if not document_name.fullmatch(name):
            bad(key, f"{visible(repr(name))[:80]} is not a document file name (e.g. 001_6ad1292415944aad.txt)")
            continue
        if not isinstance(body, dict):
            bad(key, "must be a table with title (and optionally publisher, date)")
            continue
        problems = [f"unknown key {visible(repr(k))[:40]} (allowed: {', '.join(KEYS)})" for k in body if k not in KEYS]
        for k in KEYS:
            value = body.get(k, "")
            if not isinstance(value, str) or (k == "title" and not value.strip()):
                problems.append(f"{k} must be a non-empty string" if k == "title" else f"{k} must be a string")
            elif len(value) > MAX_TEXT or (why := text_problem(value)):
                problems.append(f"{k} is longer than {MAX_TEXT} characters" if len(value) > MAX_TEXT else f"{k} {why}")
        for p in problems:
            bad(key, p)
        if not problems:
            out[name] = DocumentInfo(name, body["title"].strip(), body.get("publisher", "").strip(),
                                     body.get("date", "").strip())
    return out


def read_documents(path: str | Path, root: str | Path | None = None) -> dict[str, DocumentInfo]:
    """The documents named in a claims.toml already validated (by load_claims); {} without the file or the table.

    Parameters
    ----------
    path : str or Path
        claims.toml.
    root : str or Path, optional
        The folder a symbolic link must stay inside.

    Returns
    -------
    dict of str to DocumentInfo
    """
    from .claims import DOCUMENT

    path = Path(path)
    if not path.exists():
        return {}
    doc, _ = read_toml(path, root)
    return documents_from(doc.get("documents"), DOCUMENT, lambda path, reason: None)

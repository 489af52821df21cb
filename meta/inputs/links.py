"""The one link a source gets: its DOI at doi.org, else its PubMed record, else its own URL when that is a safe
http(s) link. The same rules as the report's links (cli/markup.py), kept here so that meta/ can give results a link
without importing the CLI.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from .names import safe_url

_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def clean_doi(value: str) -> str | None:
    """A DOI without a resolver prefix ("https://doi.org/", "doi:"), or None when the value is not a DOI.

    Parameters
    ----------
    value : str
        The field's value.

    Returns
    -------
    str or None
        "10.NNNN/suffix", as written otherwise; None when empty or not of that shape.
    """
    doi = (value or "").strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix):].strip()
            break
    return doi if _DOI.fullmatch(doi) else None


def clean_pmid(value: str) -> str | None:
    """A PubMed id (digits only, at most 9), or None.

    Parameters
    ----------
    value : str
        The field's value.

    Returns
    -------
    str or None
        The digits without leading zeros; None when the value is not a PubMed id.
    """
    pmid = (value or "").strip()
    return str(int(pmid)) if pmid.isascii() and pmid.isdigit() and len(pmid) <= 9 and int(pmid) > 0 else None


def doi_url(doi: str) -> str | None:
    """The doi.org link of a DOI.

    Parameters
    ----------
    doi : str
        The DOI (a resolver prefix is allowed).

    Returns
    -------
    str or None
        "https://doi.org/" and the DOI percent-encoded; None when the value is not a DOI.
    """
    d = clean_doi(doi)
    return safe_url("https://doi.org/" + quote(d, safe="/:;()._-+")) if d else None


def pubmed_url(pmid: str) -> str | None:
    """The PubMed link of a PubMed id.

    Parameters
    ----------
    pmid : str
        The id.

    Returns
    -------
    str or None
        "https://pubmed.ncbi.nlm.nih.gov/<id>/"; None when the value is not a PubMed id.
    """
    p = clean_pmid(pmid)
    return f"https://pubmed.ncbi.nlm.nih.gov/{p}/" if p else None


def source_link(fields: dict[str, str]) -> str | None:
    """The link a source is given: its DOI, else its PubMed id, else its own URL when that is a safe http(s) link.

    Parameters
    ----------
    fields : dict of str to str
        The source's fields (doi, pmid, url), as a sources.bib entry or an evidence row holds them.

    Returns
    -------
    str or None
        A link that can only be a link (see names.safe_url); None when the source has none.
    """
    return (doi_url(fields.get("doi", "")) or pubmed_url(fields.get("pmid", ""))
            or safe_url(fields.get("url", "")))

"""What the report shows beside the results: the reference list (sources.bib in the Vancouver style), the glossary
and the PRISMA 2020 flow (its counts as a table, and its diagram drawn into figures/prisma.svg)."""
from __future__ import annotations

from pathlib import Path

from evsynth.meta.review.results import ReviewResults
from evsynth.meta.review.wording import count_text


def references(results: ReviewResults, base) -> list[dict]:
    """The sources the report cites (its provenance rows' and published meta-analyses' sources), in the order the
    provenance table first cites them, formatted in the Vancouver style; link text names the link's kind."""
    from evsynth.meta.review.references import format_references

    sources = getattr(base, "sources", None) or {}
    order = []
    for p in results.studies.values():
        key = getattr(p, "source", "")
        if key in sources and key not in order:
            order.append(key)
    out = []
    for r in format_references(sources, order):
        link = "doi.org" if r.doi and r.url and "doi.org" in r.url else "PubMed" if r.pmid and r.url and \
            "pubmed" in r.url else "source"
        out.append({"key": r.key, "text": r.text, "url": r.url or "", "link": link})
    return out


def prisma_rows(flow) -> list[tuple[str, str, str]]:
    """The PRISMA counts as (stage, count, what it counts) rows."""
    excluded = "; ".join(f"{r.reason}: {count_text(r.rows, 'row')}, {count_text(r.trials, 'trial')}"
                         for r in flow.excluded if r.rows)
    return [
        ("Reports identified", str(flow.reports_identified), "entries of sources.bib"),
        ("Duplicates removed", str(flow.duplicates_removed), "entries that declare duplicate_of"),
        ("Reports sought for data", str(flow.reports_sought), "cited by an evidence row or a gaps.csv line"),
        ("Reports not retrieved", str(flow.reports_not_retrieved), "named only in gaps.csv"),
        ("Rows extracted", f"{flow.rows_extracted} ({flow.trials_extracted} trials)", "every evidence row"),
        ("Rows assessed for eligibility", f"{flow.rows_assessed} ({flow.trials_assessed} trials)",
         "the rows some analysis's protocol assessed"),
        ("Rows excluded", f"{flow.rows_excluded} ({flow.trials_excluded} trials)", excluded or "—"),
        ("Trials included", f"{flow.trials_included} ({flow.rows_included} rows)",
         f"in pooled analyses {flow.trials_pooled}, in vote counts {flow.trials_vote_counted}"),
    ]


def report_extras(results: ReviewResults, base, out: Path, figures: bool = True) -> dict:
    """The extras of :func:`cli.report.render`; with `figures`, the PRISMA diagram is drawn into out/figures.

    Parameters
    ----------
    results : ReviewResults
        The review.
    base : EvidenceBase or None
        The evidence base read (None: no references or PRISMA flow).
    out : Path
        The build folder being written.
    figures : bool
        Whether to draw the PRISMA diagram.

    Returns
    -------
    dict
        references, glossary and prisma_rows.
    """
    from evsynth.meta.review.glossary import GLOSSARY

    extra: dict = {"glossary": [(t.term, t.definition) for t in GLOSSARY], "references": [], "prisma_rows": []}
    if base is None:
        return extra
    from evsynth.meta.review.prisma import prisma_flow

    extra["references"] = references(results, base)
    flow = prisma_flow(results, base)
    extra["prisma_rows"] = prisma_rows(flow)
    if figures:
        from evsynth.figures import theme
        from evsynth.figures.catalogue import inside, relative_stem
        from evsynth.figures.prisma import draw_prisma

        fig = draw_prisma(flow)
        try:
            theme.save(fig, inside(out, relative_stem("", "prisma")))
        finally:
            theme.close(fig)
    return extra

"""The PRISMA 2020 flow: counts of reports, rows and trials at each step (a hand-made review with known numbers,
and the shipped base's identities), and the drawn diagram (its texts hold the counts, no text overlaps or leaves its
box, accessible SVG)."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_figures import overlapping_texts, texts

from evsynth.figures import theme
from evsynth.figures.prisma import WIDTH, draw_prisma, flow_steps
from evsynth.meta.inputs.bibtex import BibEntry
from evsynth.meta.inputs.evidence import EvidenceBase, EvidenceTable, load_base
from evsynth.meta.inputs.trials import trial_key
from evsynth.meta.review.pipeline import run_base
from evsynth.meta.review.prisma import AnalysisFlow, Count, PrismaFlow, ReasonCount, prisma_flow
from evsynth.meta.review.protocol import ProtocolExclusion

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


@pytest.fixture(scope="module")
def shipped():
    return run_base(BASE, "test").results, load_base(BASE)


def source(key, typ="journal article", **fields):
    return BibEntry(key, "article", 1, {"type": typ, **fields})


def table(kind, rows):
    header = tuple(rows[0])
    return EvidenceTable(f"{kind}.csv", Path(f"{kind}.csv"), kind, header, tuple(rows), tuple(range(2, 2 + len(rows))))


def row(sid, trial, src, design="parallel RCT"):
    return {"study_id": sid, "trial": trial, "same_trial_as": "", "source": src, "design": design}


def ex(sid, trial, code):
    return ProtocolExclusion(sid, trial, f"because {code}", code)


@pytest.fixture(scope="module")
def small(shipped):
    """Six sources (one a declared duplicate, one cited only by gaps.csv, one by nothing), six rows of five trials
    (one a published meta-analysis), three analyses built on real pooled and vote-count runs."""
    results, _ = shipped
    pooled = next(a for a in results.analyses if a.result is not None)
    votes = next(a for a in results.analyses if a.votes is not None)
    sources = {"a": source("a"), "b": source("b"), "c": source("c", "peer-reviewed review"),
               "d": source("d", "registry record", duplicate_of="a"), "e": source("e"),
               "f": source("f", "secondary: news")}
    binary = table("binary", [row("r1", "T1", "a"), row("r2", "T1", "a"), row("r3", "T2", "b"),
                              row("r4", "T3", "d"), row("r5", "T4", "b")])
    meta = table("meta_analyses", [row("m1", "M", "c", "meta-analysis")])
    gaps = table("gaps", [{"study": "E 2000", "source": "e"}, {"study": "A 1999", "source": "a"},
                          {"study": "E 2000", "source": "e"}])
    base = EvidenceBase(Path("."), (binary, meta), sources, gaps)
    analyses = (
        replace(pooled, id="A1", title="first", rows=("r1", "r3"),
                excluded=(ex("r2", "T1", "same_trial"), ex("r4", "T3", "protocol"))),
        replace(votes, id="A2", title="second", rows=("r4",),
                excluded=(ex("r5", "T4", "protocol"), ex("r1", "T1", "protocol"))),
        replace(pooled, id="A3", title="third", rows=("r3",), excluded=(ex("r5", "T4", "double_zero"),)),
    )
    return prisma_flow(replace(results, analyses=analyses), base)


def test_reports_are_counted_through_identification_and_screening(small):
    f = small
    assert f.reports_identified == 6
    assert f.reports_by_type == (Count("journal article", 3), Count("peer-reviewed review", 1),
                                 Count("registry record", 1), Count("secondary: news", 1))
    assert f.duplicates_removed == 1 and f.reports_screened == 5  # d is a; the row citing d counts for a
    assert f.reports_no_data == 1  # f: cited by no row and no gap
    assert (f.reports_sought, f.reports_not_retrieved, f.reports_with_rows) == (4, 1, 3)  # e only in gaps.csv
    assert (f.gap_lines, f.gap_reports) == (3, 2)


def test_rows_and_trials_are_counted_through_eligibility_and_inclusion(small):
    f = small
    assert (f.rows_extracted, f.trials_extracted, f.rows_not_primary) == (6, 5, 1)
    assert (f.rows_assessed, f.trials_assessed, f.rows_not_assessed) == (5, 4, 1)
    # r4 is excluded by A1 but taken by A2: included; r5 is excluded twice, and counted once, under the reason
    # nearest to inclusion (double zero, not the protocol)
    assert (f.rows_included, f.trials_included) == (3, 3)
    assert (f.rows_excluded, f.trials_excluded) == (2, 1)
    assert f.excluded == (ReasonCount("same_trial", "another row of the same trial and arm was used", 1, 0),
                          ReasonCount("double_zero", "no events (or only events) in both arms: no ratio can be "
                                      "estimated", 1, 1))
    assert (f.trials_pooled, f.trials_vote_counted, f.trials_in_both) == (2, 1, 0)
    assert f.reports_included == 2  # a (r1, and r4 through its duplicate d) and b (r3)


def test_each_analysis_has_its_own_counts(small):
    a1, a2, a3 = small.analyses
    assert a1 == AnalysisFlow("A1", "first", "pooled", 4, 2,
                              (ReasonCount("same_trial", "another row of the same trial and arm was used", 1, 0),
                               ReasonCount("protocol", "did not meet the protocol's criteria", 1, 1)), 2, 2)
    assert (a2.kind, a2.rows_assessed, a2.rows_excluded, a2.rows_included, a2.trials_included) == \
        ("vote count", 3, 2, 1, 1)
    assert a2.excluded == (ReasonCount("protocol", "did not meet the protocol's criteria", 2, 2),)
    assert [(r.code, r.rows, r.trials) for r in a3.excluded] == [("double_zero", 1, 1)]


def test_flow_round_trips_through_json(small):
    assert PrismaFlow.from_dict(small.to_dict()) == small


def test_an_analysis_naming_a_row_the_base_lacks_is_an_error(shipped):
    results, base = shipped
    broken = replace(results, analyses=(replace(results.analyses[0], rows=("no-such-row",)),))
    with pytest.raises(ValueError, match="'no-such-row'"):
        prisma_flow(broken, base)


def test_the_shipped_base_adds_up(shipped):
    results, base = shipped
    f = prisma_flow(*shipped)
    assert f.reports_identified == len(base.sources) == sum(c.n for c in f.reports_by_type)
    assert f.reports_screened == f.reports_identified - f.duplicates_removed
    assert f.reports_screened == f.reports_no_data + f.reports_sought
    assert f.reports_sought == f.reports_not_retrieved + f.reports_with_rows
    assert f.gap_lines == len(base.gaps.rows)
    assert f.rows_extracted == base.n_rows == f.rows_assessed + f.rows_not_assessed
    assert f.rows_assessed == f.rows_included + f.rows_excluded == sum(r.rows for r in f.excluded) + f.rows_included
    assert f.trials_assessed == f.trials_included + f.trials_excluded
    assert f.trials_excluded == sum(r.trials for r in f.excluded)
    assert f.trials_pooled + f.trials_vote_counted - f.trials_in_both <= f.trials_included
    # each analysis's own numbers, as the run recorded them
    for a, flow in zip(results.analyses, f.analyses):
        assert (flow.id, flow.rows_assessed, flow.rows_included, flow.trials_included) == \
            (a.id, a.candidates, len(a.rows), a.trials)
        assert flow.rows_excluded == len(a.excluded or ()) == sum(r.rows for r in flow.excluded)
    rows = {r["study_id"]: r for t in base.tables for r in t.rows}
    assert f.rows_included == len({s for a in results.analyses for s in a.rows})
    assert f.trials_included == len({trial_key(rows[s]) for a in results.analyses for s in a.rows})
    assert f.trials_pooled == len({trial_key(rows[s]) for a in results.analyses if a.result is not None
                                   for s in a.rows})


# --- the diagram -------------------------------------------------------------------------------------------------

def plain(s: str) -> str:
    return " ".join(s.replace("\u00a0", " ").split())


def boxes(fig):
    from matplotlib.patches import Rectangle

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return {p.get_gid(): p.get_window_extent(r) for p in fig.findobj(Rectangle) if (p.get_gid() or "")
            .startswith("prisma-")}


def test_the_diagram_shows_every_count(small):
    fig = draw_prisma(small)
    shown = plain(" ".join(t for t, _ in texts(fig)).replace("\n", " "))
    for heading in ("Reports identified (n = 6)", "Duplicate reports removed (n = 1)", "Reports screened (n = 5)",
                    "Reports with no outcome data sought (n = 1)", "Reports sought for outcome data (n = 4)",
                    "Reports not retrieved (n = 1)", "Reports with extracted data (n = 3)",
                    "Rows no analysis asks about (n = 1)", "Rows assessed for eligibility (n = 5)",
                    "Rows excluded, with reasons (n = 2)", "Trials included in an analysis (n = 3)"):
        assert heading in shown
    for detail in ("3 outcomes not obtained, in 2 reports", "6 evidence rows (study outcomes) from 5 trials",
                   "From 4 trials", "1 trial with no row in any analysis",
                   "another row of the same trial and arm was used: 1 row, 0 trials",
                   "no events (or only events) in both arms: no ratio can be estimated: 1 row, 1 trial",
                   "3 rows from 2 reports", "In pooled meta-analyses: 2 trials", "In vote counts: 1 trial (0 in both)",
                   "journal article 3; peer-reviewed review 1; registry record 1; secondary: news 1"):
        assert detail in shown, detail
    for stage in ("Identification", "Screening", "Included"):
        assert stage in shown
    theme.close(fig)


def test_the_diagram_has_arrows_boxes_and_no_overlapping_text(shipped):
    fig = draw_prisma(prisma_flow(*shipped))
    assert fig.get_size_inches()[0] <= 7.0 and WIDTH <= 7.0
    assert overlapping_texts(fig) == []
    found = boxes(fig)
    names = [s.main.name for s in flow_steps(prisma_flow(*shipped))]
    assert all(f"prisma-{n}" in found for n in names)
    arrows = [a for a in fig.findobj(lambda a: (a.get_gid() or "").startswith("prisma-arrow-"))]
    assert len(arrows) == (len(names) - 1) + sum(1 for s in flow_steps(prisma_flow(*shipped)) if s.side)
    theme.close(fig)


def test_every_text_stays_inside_its_box_even_with_long_words(small):
    flow = replace(small, excluded=small.excluded + (ReasonCount("x" * 40, "averyveryverylongreasonwithoutspaces"
                                                                 * 4 + " and more words " * 12, 3, 2),),
                   reports_by_type=tuple(Count(f"type {i} " + "w" * 30, i) for i in range(12)))
    fig = draw_prisma(flow, title="A title " * 30)
    assert overlapping_texts(fig) == []
    found = boxes(fig)
    r = fig.canvas.get_renderer()
    for t in fig.findobj(lambda a: re.fullmatch(r"prisma-.+-(heading|body)", a.get_gid() or "") is not None):
        box = found[t.get_gid().rsplit("-", 1)[0]]
        bb = t.get_window_extent(r)
        assert box.x0 <= bb.x0 and bb.x1 <= box.x1 and box.y0 <= bb.y0 and bb.y1 <= box.y1, t.get_gid()
    fig_w = fig.get_size_inches()[0] * fig.dpi
    assert all(0 <= bb.x0 and bb.x1 <= fig_w + 0.5 for _, bb in texts(fig))
    theme.close(fig)


def test_the_svg_is_accessible_and_byte_reproducible(small, tmp_path):
    paths = theme.save(draw_prisma(small), tmp_path / "a" / "prisma", ("svg", "png"))
    again = theme.save(draw_prisma(small), tmp_path / "b" / "prisma", ("svg", "png"))
    svg = paths[0].read_text("utf-8")
    assert 'role="img"' in svg and "<title>PRISMA 2020 flow diagram</title>" in svg
    assert "Reports screened (n\u00a0=\u00a05)" in svg  # text kept as text
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]

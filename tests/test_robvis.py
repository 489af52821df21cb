"""robvis-style risk-of-bias figures: what they show (colours, symbols, labels, shares), not only that they draw."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from evsynth.figures import theme
from evsynth.figures.catalogue import drawer, kinds_for
from evsynth.figures.robvis import (COLOURS, DOMAIN_SHORT, RobTable, assessed, draw_summary, draw_traffic_light,
                                    rob_table, shares)
from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.pipeline import run_one

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
TABLE = RobTable("Demo", ("A 2001", "B 2002", "C 2003"),
                 (("low", "low", "some concerns", "high", "not assessed", "high"),
                  ("low",) * 6,
                  ("not assessed",) * 6),
                 (50.0, 30.0, 20.0))


@pytest.fixture(scope="module")
def aud():
    return run_one(BASE, "aud_abstinence")


def by_gid(fig, gid):
    return [a for a in fig.findobj() if a.get_gid() == gid]


def test_colours_are_the_okabe_ito_ones_and_not_assessed_is_grey():
    assert COLOURS == {"low": "#009E73", "some concerns": "#E69F00", "high": "#D55E00", "not assessed": "#BBBBBB"}


def test_shares_by_studies_and_by_weight():
    s = shares(TABLE, "studies")
    assert s["D1"] == pytest.approx({"low": 200 / 3, "some concerns": 0, "high": 0, "not assessed": 100 / 3})
    w = shares(TABLE, "weight")
    assert w["D3"] == pytest.approx({"low": 30, "some concerns": 50, "high": 0, "not assessed": 20})
    assert w["Overall"] == pytest.approx({"low": 30, "some concerns": 0, "high": 50, "not assessed": 20})
    assert all(sum(v.values()) == pytest.approx(100) for v in w.values())
    with pytest.raises(ValueError, match="by must be"):
        shares(TABLE, "trials")


def test_traffic_light_places_each_judgement_in_its_colour_with_its_symbol():
    fig = draw_traffic_light(TABLE)
    where = {}
    for j, colour in COLOURS.items():
        [coll] = by_gid(fig, f"rob-{j.replace(' ', '-')}")
        assert {to_hex(c).upper() for c in coll.get_facecolors()} <= {colour.upper()}
        for x, y in coll.get_offsets():
            where[(int(y), int(x))] = j
    assert len(where) == 18
    assert [where[(0, x)] for x in range(6)] == list(TABLE.judgements[0])
    assert {where[(2, x)] for x in range(6)} == {"not assessed"}
    symbols = {a.get_gid(): a.get_text() for a in fig.findobj() if (a.get_gid() or "").startswith("rob-symbol-")}
    assert symbols["rob-symbol-0-0"] == "+" and symbols["rob-symbol-0-2"] == "!" and symbols["rob-symbol-0-3"] == "\u2212"
    assert symbols["rob-symbol-0-4"] == "?" and symbols["rob-symbol-2-5"] == "?"
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A 2001", "B 2002", "C 2003"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(DOMAIN_SHORT)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["+  Low", "!  Some concerns", "\u2212  High", "?  Not assessed"]
    [names] = by_gid(fig, "rob-domain-names")
    assert "D1: Bias arising from the randomisation process" in names.get_text()
    assert fig.get_suptitle() == "Risk of bias: Demo"
    theme.close(fig)


def test_summary_bars_are_the_weight_shares_in_their_colours():
    fig = draw_summary(TABLE, "weight")
    ax = fig.axes[0]
    for j, colour in COLOURS.items():
        bars = [p for p in ax.patches if p.get_gid() == f"rob-{j.replace(' ', '-')}"]
        widths = [b.get_width() for b in bars]
        assert widths == pytest.approx([shares(TABLE, "weight")[d][j] for d in DOMAIN_SHORT])
        assert {to_hex(b.get_facecolor()).upper() for b in bars} == {colour.upper()}
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels.count("20%") == 5 and "50%" in labels and "70%" in labels
    assert ax.get_xlabel() == "Share of the pooled weight (%)"
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "?  Not assessed"
    theme.close(fig)
    fig = draw_summary(TABLE, "studies")
    assert fig.axes[0].get_xlabel() == "Share of studies (%)"
    theme.close(fig)


def test_rob_table_of_a_real_analysis_shows_not_assessed(aud):
    t = rob_table(aud)
    assert t.studies == tuple(e.study for e in aud.study_effects) and len(t.studies) == aud.result.k
    assert t.weights == pytest.approx(tuple(dict(zip(aud.result.studies, aud.result.weights))[s] for s in t.studies))
    assert {j for row in t.judgements for j in row} == {"not assessed"}
    assert not assessed(aud)
    assert "rob-traffic-light" in kinds_for(aud, on_request=True) and "rob-traffic-light" not in kinds_for(aud)


def test_an_assessed_analysis_gets_the_plots_in_run(aud):
    effects = tuple(replace(e, rob={**e.rob, "rob_overall": "low"}) if i == 0 else e
                    for i, e in enumerate(aud.study_effects))
    judged = replace(aud, study_effects=effects)
    assert assessed(judged)
    kinds = kinds_for(judged)
    assert kinds[-2:] == ["rob-traffic-light", "rob-summary"]
    fig = drawer("rob-summary")(judged, BaseInfo("Baclofen", "baclofen", "control"))
    ax = fig.axes[0]
    low = [p for p in ax.patches if p.get_gid() == "rob-low"]
    assert low[-1].get_width() == pytest.approx(aud.result.weights[0])  # the overall bar, by weight
    theme.close(fig)


def test_a_vote_count_has_no_table():
    votes = run_one(BASE, "spasticity_vs_placebo_votes")
    with pytest.raises(ValueError, match="no pooled studies"):
        rob_table(votes)
    assert kinds_for(votes, on_request=True) == ["direction"]

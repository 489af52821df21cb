"""Figures, tested on structure (rows, diamonds, axis scale, panels, labels, overlaps), not on pixels."""
from __future__ import annotations

import csv
import io
import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from basecopy import without_dual_extraction
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.figures import theme
from evsynth.figures.catalogue import kinds_for
from evsynth.figures.forest import draw_forest
from evsynth.figures.forest_data import forest_data, steps_data
from evsynth.meta.review.load import load_base_info
from evsynth.meta.review.pipeline import run_one

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
ABOUT = load_base_info(BASE)


@pytest.fixture(scope="module")
def analyses(tmp_path_factory):
    from basecopy import with_cells

    ids = ("itb_tone_responders", "aud_dropout", "itb_tone_responders_by_year", "spasticity_vs_placebo_votes",
           "oral_tone_responders")
    # the shipped base leaves one dose group "not reported" (no subgroup): a copy gives it one, for two panels
    base = tmp_path_factory.mktemp("dose") / "base"
    shutil.copytree(BASE, base)
    with_cells(base, "binary", "addolorato2007", {"dose_group": "low", "dose": "30", "dose_unit": "mg/day"})
    return {i: run_one(BASE, i) for i in ids} | {"aud_abstinence_by_dose": run_one(base, "aud_abstinence_by_dose")}


def gids(fig, prefix):
    """Artists whose gid starts with prefix (studies are 'study-1', 'study-2' ...; their whiskers 'study-1-ci')."""
    out = []
    for a in fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix)):
        rest = a.get_gid()[len(prefix):]
        if prefix.endswith("-") and not rest.isdigit():
            continue
        out.append(a)
    return out


def tick_labels(fig):
    """(axis, text, box) of every tick label the figure draws: the visible labels of its major and minor ticks that
    lie within their axis' view (matplotlib keeps, and does not draw, the labels of ticks outside it)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = (hi - lo) * 1e-9
            for locs, ticks in ((axis.get_majorticklocs(), axis.get_major_ticks),
                                (axis.get_minorticklocs(), axis.get_minor_ticks)):
                for loc, tick in zip(locs, ticks(len(locs))):
                    if lo - tol <= loc <= hi + tol and tick.get_visible():
                        out += [(axis, lab.get_text(), lab.get_window_extent(r)) for lab in (tick.label1, tick.label2)
                                if lab.get_visible() and lab.get_text()]
    return out


def texts(fig):
    """(text, box) of every visible text the figure draws, tick labels included (only those drawn)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    owned = {id(lab) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for tick in (*axis.majorTicks, *axis.minorTicks) for lab in (tick.label1, tick.label2)}
    plain = [(t.get_text(), t.get_window_extent(r)) for t in fig.findobj(Text)
             if id(t) not in owned and t.get_visible() and t.get_text()]
    return plain + [(text, box) for _, text, box in tick_labels(fig)]


def overlapping_texts(fig):
    """Pairs of visible texts (tick labels included) whose boxes overlap by more than half a point."""
    return _overlapping(texts(fig), fig.dpi)


def overlapping_ticks(fig):
    """Pairs of tick labels whose boxes overlap by more than half a point (or come nearer than half a point)."""
    return _overlapping([(text, box) for _, text, box in tick_labels(fig)], fig.dpi, tol_pt=-0.5)


def _overlapping(items, dpi, tol_pt=0.5):
    boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b in items]).reshape(-1, 4)
    tol = tol_pt * dpi / 72
    bad = []
    for i in range(len(items)):
        ov = ((np.minimum(boxes[i, 2], boxes[:, 2]) - np.maximum(boxes[i, 0], boxes[:, 0]) > tol)
              & (np.minimum(boxes[i, 3], boxes[:, 3]) - np.maximum(boxes[i, 1], boxes[:, 1]) > tol))
        ov[: i + 1] = False
        bad += [(items[i][0], items[j][0]) for j in np.flatnonzero(ov)]
    return bad


def diamond_xs(fig, gid):
    poly = gids(fig, gid)[0]
    return sorted({round(float(x), 9) for x, _ in poly.get_xy()})


def test_forest_by_dose_has_panels_subtotals_and_a_log_axis(analyses):
    a = analyses["aud_abstinence_by_dose"]
    fig = draw_forest(forest_data(a, ABOUT))
    k = a.result.k
    groups = a.subgroups.subgroups
    assert len(gids(fig, "study-")) == k
    assert len(gids(fig, "panel-")) == len(groups)
    assert len(gids(fig, "diamond-subtotal-")) == len(groups)
    ax = gids(fig, "effect-axis")[0]
    assert ax.get_xscale() == "log"
    # the overall diamond spans the back-transformed CI, its centre at the estimate
    back = a.result.back
    xs = diamond_xs(fig, "diamond-overall")
    assert xs == pytest.approx(sorted([back.ci_low, back.estimate, back.ci_high]), rel=1e-9)
    # below every study row
    y_overall = gids(fig, "diamond-overall")[0].get_xy()[:, 1].mean()
    assert all(s.get_ydata()[0] > y_overall for s in gids(fig, "study-"))
    # two trials (Mantel-Haenszel, base.toml [methods] few_trials): no prediction interval, so no bar
    assert a.trials == 2 and back.pi_low is None and not gids(fig, "pi-overall")
    # where there is one, the prediction interval bar runs from pi_low to pi_high
    rates = analyses["itb_tone_responders"]
    pi = gids(draw_forest(forest_data(rates, ABOUT)), "pi-overall")[0]
    assert sorted(pi.get_xdata()) == pytest.approx([rates.result.back.pi_low, rates.result.back.pi_high])
    # a benefit (abstinence): more events on baclofen, right of 1, favours baclofen
    left, right = gids(fig, "favours-left")[0], gids(fig, "favours-right")[0]
    assert left.get_text() == "Favours control" and right.get_text() == "Favours baclofen"
    assert left.get_position()[0] < right.get_position()[0]
    assert overlapping_texts(fig) == []
    theme.close(fig)


def test_harm_outcomes_put_favours_baclofen_on_the_left(analyses):
    fig = draw_forest(forest_data(analyses["aud_dropout"], ABOUT))
    assert gids(fig, "favours-left")[0].get_text() == "Favours baclofen"
    assert gids(fig, "favours-right")[0].get_text() == "Favours control"
    theme.close(fig)


def test_proportions_are_on_a_linear_percent_axis_without_favours(analyses):
    a = analyses["itb_tone_responders"]
    fig = draw_forest(forest_data(a, ABOUT))
    assert len(gids(fig, "study-")) == a.result.k
    ax = gids(fig, "effect-axis")[0]
    assert ax.get_xscale() == "linear" and 0 <= ax.get_xlim()[0] < ax.get_xlim()[1] <= 1
    assert gids(fig, "favours-left") == [] and gids(fig, "null-line") == []
    # each square sits at the study's back-transformed proportion
    for s, e in zip(gids(fig, "study-"), a.study_effects):
        assert s.get_xdata()[0] == pytest.approx(1 / (1 + math.exp(-e.yi)))
    assert overlapping_texts(fig) == []
    theme.close(fig)


def test_one_study(analyses):
    a = analyses["oral_tone_responders"]
    assert a.result.k == 1
    fig = draw_forest(forest_data(a, ABOUT))
    assert len(gids(fig, "study-")) == 1 and gids(fig, "diamond-overall") and not gids(fig, "pi-overall")
    assert overlapping_texts(fig) == []
    theme.close(fig)


def test_squares_grow_with_weight(analyses):
    a = analyses["aud_dropout"]
    fig = draw_forest(forest_data(a, ABOUT))
    sizes = [s.get_markersize() for s in gids(fig, "study-")]
    weights = [dict(zip(a.result.studies, a.result.weights))[e.study] for e in a.study_effects]
    assert np.argmax(sizes) == np.argmax(weights) and np.argmin(sizes) == np.argmin(weights)
    theme.close(fig)


def test_cumulative_and_leave_one_out_forests(analyses):
    a = analyses["aud_dropout"]
    for which in ("cumulative", "leave_one_out"):
        fig = draw_forest(steps_data(a, which, ABOUT))
        assert len(gids(fig, "study-")) == len(getattr(a, which))
        assert gids(fig, "diamond-overall")
        assert overlapping_texts(fig) == []
        theme.close(fig)


def _synthetic_base(tmp_path, k: int, long_labels: bool) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    without_dual_extraction(root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = root / "baclofen"
    path = base / "tables" / "binary.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    model = next(r for r in rows if r["study_id"] == "muller2015-01")
    rng = np.random.default_rng(7)
    bib = []
    for i in range(k):
        n = int(rng.integers(20, 400))
        label = (f"Synthetic multicentre trial number {i} of baclofen in alcohol use disorder with a long name"
                 if long_labels else f"Trial {i}")
        e_t, e_c = int(rng.integers(1, n // 2)), int(rng.integers(1, n // 2))
        new = dict(model, study_id=f"synth{i}-01", trial=f"synth{i}", study=label, year=str(1980 + i % 40),
                   outcome="other", outcome_detail="synthetic outcome", events_t=str(e_t), n_t=str(n),
                   events_c=str(e_c), n_c=str(n + 1), quote=f"synthetic {i}: {e_t} of {n} vs {e_c} of {n + 1}",
                   notes="synthetic test row", derived="", source=f"synth{i}", doi="", pmid="", registry="",
                   url=f"https://example.org/synth{i}")
        rows.append(new)
        bib.append(f"\n@article{{synth{i},\n  title = {{Synthetic trial {i}}},\n  year = {{2030}},\n  type = {{journal article}},\n}}\n")
    with open(base / "sources.bib", "a", encoding="utf-8") as fh:
        fh.write("".join(bib))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    with open(base / "analyses.toml", "a", encoding="utf-8") as f:
        f.write('\n[analyses.synthetic]\ntitle = "Synthetic"\ntable = "binary"\n'
                'where = { outcome_detail = "synthetic outcome" }\nmeasure = "OR"\n')
    return base


def test_a_hundred_studies_with_long_labels_do_not_overlap(tmp_path):
    base = _synthetic_base(tmp_path, 100, long_labels=True)
    a = run_one(base, "synthetic")
    fig = draw_forest(forest_data(a, ABOUT))
    assert len(gids(fig, "study-")) == 100
    assert overlapping_texts(fig) == []
    # every study row keeps its order, top to bottom
    ys = [s.get_ydata()[0] for s in gids(fig, "study-")]
    assert ys == sorted(ys, reverse=True)
    theme.close(fig)


def test_whiskers_beyond_the_axis_end_in_arrows(tmp_path):
    base = _synthetic_base(tmp_path, 6, long_labels=False)
    a = run_one(base, "synthetic")
    # one study with a huge CI: its whiskers must be clipped, with an arrow
    first = replace(a.study_effects[0], ci_low=-40.0, ci_high=40.0)
    a = replace(a, study_effects=(first, *a.study_effects[1:]))
    fig = draw_forest(forest_data(a, ABOUT))
    assert gids(fig, "study-1-arrow-left") and gids(fig, "study-1-arrow-right")
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert math.exp(-40) < lo and hi < math.exp(40)  # the axis did not stretch to the huge CI
    theme.close(fig)


def test_every_kind_draws_and_renders_identically_twice(analyses, tmp_path):
    from evsynth.figures.catalogue import drawer

    seen = set()
    for a in analyses.values():
        for kind in kinds_for(a, on_request=True):
            seen.add(kind)
            files = []
            for n in (1, 2):
                fig = drawer(kind)(a, ABOUT)
                files.append(theme.save(fig, tmp_path / f"{a.id}-{kind}-{n}", ("svg", "png", "pdf")))
                theme.close(fig)
            for p1, p2 in zip(*files):
                assert p1.read_bytes() == p2.read_bytes(), p1.name
    assert {"forest", "cumulative", "leave-one-out", "funnel", "labbe", "bubble", "direction"} <= seen


def test_forest_cli(tmp_path):
    res = CliRunner().invoke(main, ["forest", "aud_abstinence", "--evidence", str(BASE), "--out",
                                    str(tmp_path / "f.svg")])
    assert res.exit_code == 0, res.output
    svg = (tmp_path / "f.svg").read_text()
    assert svg.startswith("<?xml") and 'id="diamond-overall"' in svg and svg.count('id="study-') >= 3
    bad = CliRunner().invoke(main, ["forest", "no_such_analysis", "--evidence", str(BASE)])
    assert bad.exit_code == 2 and "no analysis 'no_such_analysis'" in bad.output and "Traceback" not in bad.output
    votes = CliRunner().invoke(main, ["funnel", "spasticity_vs_placebo_votes", "--evidence", str(BASE)])
    assert votes.exit_code == 2 and "has no funnel figure" in votes.output


def test_run_draws_every_analysis_and_two_runs_are_identical(tmp_path):
    outs = []
    for name in ("a", "b"):
        res = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(tmp_path / name), "--quiet"])
        assert res.exit_code in (0, 1), res.output
        outs.append(tmp_path / name)
    import json

    results = json.loads((outs[0] / "results.json").read_text())
    for a in results["analyses"]:
        main_kind = "direction" if "votes" in a else "forest"
        for fmt in ("svg", "png"):
            assert (outs[0] / "figures" / a["id"] / f"{main_kind}.{fmt}").is_file(), a["id"]
    files_a = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), str(rel)


def _base_with(tmp_path, extra: str) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    without_dual_extraction(root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    with open(root / "baclofen" / "analyses.toml", "a", encoding="utf-8") as f:
        f.write(extra)
    return root / "baclofen"


def test_freeman_tukey_and_reported_ratios_draw_on_their_natural_scale(tmp_path):
    base = _base_with(tmp_path, '\n[analyses.ft]\ntitle = "FT"\ntable = "proportions"\n'
                                'where = { outcome = "tone responder", route = "intrathecal" }\nmeasure = "PFT"\n'
                                '\n[analyses.hr]\ntitle = "HR"\ntable = "generic"\n'
                                'where = { measure = "HR", outcome = "all-cause hospitalisation" }\nmeasure = "GEN"\n')
    ft = run_one(base, "ft")
    f = forest_data(ft, ABOUT)
    for row, e in zip(f.studies, ft.study_effects):
        assert 0 <= row.ci_low <= row.estimate <= row.ci_high <= 1
        assert abs(row.estimate - e.data["events"] / e.data["n"]) < 0.05  # near the raw proportion
    assert f.overall.estimate == ft.result.back.estimate
    hr = run_one(base, "hr")
    fig = draw_forest(forest_data(hr, ABOUT))
    assert gids(fig, "effect-axis")[0].get_xscale() == "log" and len(gids(fig, "study-")) == hr.result.k
    theme.close(fig)


def test_a_figure_that_cannot_be_drawn_is_named_not_fatal(tmp_path, monkeypatch):
    from evsynth.figures import catalogue

    def broken(kind):
        def draw(a, about):
            if a.id == "aud_dropout" and kind == "forest":
                raise RuntimeError("simulated drawing failure")
            return catalogue_drawer(kind)(a, about)
        return draw

    catalogue_drawer = catalogue.drawer
    monkeypatch.setattr(catalogue, "drawer", broken)
    out = tmp_path / "b"
    res = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--quiet", "--jobs", "1"])
    assert res.exit_code in (0, 1) and "Traceback" not in res.output
    assert "figure not drawn: figures/aud_dropout/forest: RuntimeError: simulated drawing failure" in res.stderr
    assert not (out / "figures" / "aud_dropout" / "forest.svg").exists()
    assert (out / "figures" / "aud_abstinence" / "forest.svg").exists() and (out / "report.html").exists()


def test_svg_keeps_text_as_text_with_a_title_for_screen_readers(tmp_path):
    res = CliRunner().invoke(main, ["forest", "aud_abstinence", "--evidence", str(BASE), "--out",
                                    str(tmp_path / "f.svg")])
    assert res.exit_code == 0, res.output
    svg = (tmp_path / "f.svg").read_text(encoding="utf-8")
    head = svg[svg.index("<svg"):svg.index(">", svg.index("<svg"))]
    assert 'role="img"' in head and 'aria-label="Alcohol use disorder: abstinence' in head
    assert "<title>Alcohol use disorder: abstinence" in svg
    assert svg.count("<text") >= 10 and "Addolorato 2007" in svg  # study labels are searchable text


# ------------------------------------------------------------------------------------------------ axes and sizes
# Issue 18, item 6: tick labels never overlap on any axis (log and linear, short and very wide ranges), forest plots
# take RevMan-style limits and are not stretched by one wide CI, no marker is cut at the axis' edge, and every
# figure is drawn at the size it is shown at (at most a printed page's width), its text at the theme's sizes.

def _forest(studies, overall, log=True, percent=False, pi=None, labels=None, columns=(), cells=None, rob=()):
    """A ForestData of (estimate, ci_low, ci_high) studies on the displayed scale, and its overall result."""
    from evsynth.figures.forest_data import ForestData, Panel, StudyRow, Summary

    rows = tuple(StudyRow((labels or {}).get(i, f"Study {i + 1}"), cells[i] if cells else (), e, lo, hi,
                          100 / len(studies), tuple("low" for _ in rob)) for i, (e, lo, hi) in enumerate(studies))
    log = log and not percent
    null = None if percent else (1.0 if log else 0.0)
    total = Summary(f"Total (k = {len(rows)})", *overall, *(pi or (None, None)), ("Heterogeneity: test",))
    name = "Proportion, %" if percent else ("Odds ratio" if log else "Mean difference")
    return ForestData("Adversarial forest", name, columns, (Panel(None, rows, None),), total, ("Model: test.",), log,
                      null, None if percent else ("Favours A", "Favours B"), percent, rob)


ADVERSARIAL_FORESTS = {
    # one CI from 1e-4 to 1e4 among ordinary studies
    "one-wide-ci": _forest([(0.6, 0.4, 0.9), (0.8, 0.5, 1.3), (1.5, 1e-4, 1e4), (0.7, 0.45, 1.1)], (0.75, 0.6, 0.95)),
    # a single study, its CI from 1e-4 to 1e4
    "single-study": _forest([(1.2, 1e-4, 1e4)], (1.2, 1e-4, 1e4)),
    # every CI from 1e-4 to 1e4, and a prediction interval as wide
    "all-wide": _forest([(e, 1e-4, 1e4) for e in (0.3, 0.9, 2.0, 4.0)], (1.1, 0.05, 20.0), pi=(1e-5, 1e5)),
    # estimates over six decades, each CI narrow
    "many-decades": _forest([(10.0 ** e, 10.0 ** e / 1.5, 10.0 ** e * 1.5) for e in (-3, -2, -1, 0, 1, 2, 3)],
                            (1.0, 0.3, 3.0)),
    # a tiny range around the null
    "tiny-ratio": _forest([(0.99, 0.985, 0.995), (1.01, 1.005, 1.015)], (1.0, 0.995, 1.005)),
    # effects far from the null, on one side
    "far-from-null": _forest([(40.0, 25.0, 60.0), (80.0, 60.0, 110.0), (55.0, 35.0, 90.0)], (55.0, 45.0, 70.0)),
    "wide-difference": _forest([(-3000.0, -4000.0, -2000.0), (5000.0, 4000.0, 6000.0)], (900.0, -200.0, 2000.0),
                               log=False),
    "tiny-difference": _forest([(0.00101, 0.001, 0.00102), (0.00111, 0.0011, 0.00112)], (0.00106, 0.00104, 0.00108),
                               log=False),
    "tiny-percent": _forest([(0.001, 0.0005, 0.002), (0.003, 0.002, 0.004)], (0.002, 0.001, 0.003), percent=True),
    "full-percent": _forest([(0.01, 0.0, 0.2), (0.99, 0.8, 1.0), (0.5, 0.1, 0.9)], (0.5, 0.02, 0.98), percent=True),
}


def effect_axis_labels(fig):
    return [text for axis, text, _ in tick_labels(fig) if axis.axes.get_gid() == "effect-axis"]


@pytest.mark.parametrize("case", sorted(ADVERSARIAL_FORESTS))
def test_forest_tick_labels_never_overlap_and_every_square_is_inside(case):
    f = ADVERSARIAL_FORESTS[case]
    fig = draw_forest(f)
    ax = gids(fig, "effect-axis")[0]
    lo, hi = ax.get_xlim()
    labels = effect_axis_labels(fig)
    assert len(labels) >= 2, labels  # thinned, never emptied
    assert overlapping_ticks(fig) == [] and overlapping_texts(fig) == []
    for s, row in zip(gids(fig, "study-"), f.studies):  # every square is drawn, inside the limits
        assert lo <= s.get_xdata()[0] == row.estimate <= hi
    if f.log_scale:  # never stretched to 1e-4 or 1e4 by a CI: at most 1000 either side (or the estimates' 10^3)
        assert lo <= f.null <= hi and 1e-3 <= lo and hi <= 1e3 or case == "many-decades" and 1e-4 < lo and hi < 1e4
    if f.percent:
        assert 0 <= lo < hi <= 1
    theme.close(fig)


def test_one_wide_ci_does_not_stretch_the_axis_it_ends_in_arrows():
    fig = draw_forest(ADVERSARIAL_FORESTS["one-wide-ci"])
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert (lo, hi) == pytest.approx((0.2, 5.0))  # RevMan's 0.2-5: symmetric around 1, from the bulk
    assert gids(fig, "study-3-arrow-left") and gids(fig, "study-3-arrow-right")
    assert not any(gids(fig, f"study-{i}-arrow-{side}") for i in (1, 2, 4) for side in ("left", "right"))
    assert effect_axis_labels(fig) == ["0.2", "0.5", "1", "2", "5"]
    theme.close(fig)
    # a single study with such a CI: at most a hundredfold either side, the study and the diamond with arrows
    fig = draw_forest(ADVERSARIAL_FORESTS["single-study"])
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert lo * hi == pytest.approx(1.0) and 2 <= hi <= 100
    for gid in ("study-1", "diamond-overall"):
        assert gids(fig, f"{gid}-arrow-left") and gids(fig, f"{gid}-arrow-right")
    theme.close(fig)
    # a prediction interval beyond the limits ends in arrows too
    fig = draw_forest(ADVERSARIAL_FORESTS["all-wide"])
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert hi <= 100 and lo * hi == pytest.approx(1.0)
    assert gids(fig, "pi-overall-arrow-left") and gids(fig, "pi-overall-arrow-right")
    theme.close(fig)


def test_forest_limits_are_revman_scales_symmetric_around_the_null(analyses):
    fig = draw_forest(forest_data(analyses["aud_dropout"], ABOUT))  # RRs 0.46-0.93, CIs 0.19-1.75
    assert gids(fig, "effect-axis")[0].get_xlim() == pytest.approx((0.1, 10.0))
    assert effect_axis_labels(fig) == ["0.1", "0.2", "0.5", "1", "2", "5", "10"]
    theme.close(fig)
    # a subtotal CI of 0.00 to 157100 (two trials, Hartung-Knapp: the odds ratios by dose group as the shipped base
    # gave them) no longer stretches the axis to 10^4: its diamond and the prediction interval end in arrows; the
    # labels keep the limits, RevMan's 0.02 0.1 1 10 50
    from evsynth.figures.forest_data import Panel, Summary

    f = _forest([(1.20, 0.578, 2.49), (6.86, 1.78, 26.36), (6.30, 2.43, 16.32)], (3.45, 0.282, 42.19),
                pi=(0.0339, 351.0))
    s = f.studies
    sub = (Summary("Subtotal (k = 2)", 2.61, 4.3e-5, 157100.0, None, None, ()),
           Summary("Subtotal (k = 1)", 6.30, 2.43, 16.32, None, None, ()))
    f = replace(f, panels=(Panel("dose group: high", s[:2], sub[0]), Panel("dose group: low", s[2:], sub[1])))
    fig = draw_forest(f)
    assert gids(fig, "effect-axis")[0].get_xlim() == pytest.approx((0.02, 50.0))
    assert gids(fig, "diamond-subtotal-1-arrow-left") and gids(fig, "diamond-subtotal-1-arrow-right")
    assert gids(fig, "pi-overall-arrow-right") and not gids(fig, "diamond-overall-arrow-left")
    labels = effect_axis_labels(fig)
    assert labels[0] == "0.02" and labels[-1] == "50" and "1" in labels
    assert overlapping_ticks(fig) == []
    theme.close(fig)
    # far from the null on one side: not symmetric, but the null stays on the axis
    fig = draw_forest(ADVERSARIAL_FORESTS["far-from-null"])
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert lo == 1.0 and 110 <= hi <= 200
    theme.close(fig)
    # a difference axis: -L to L when the effects are near 0
    fig = draw_forest(ADVERSARIAL_FORESTS["wide-difference"])
    lo, hi = gids(fig, "effect-axis")[0].get_xlim()
    assert (lo, hi) == pytest.approx((-10000.0, 10000.0))
    assert "\u22125000" in effect_axis_labels(fig) or "\u221210000" in effect_axis_labels(fig)  # a true minus
    theme.close(fig)


def test_a_symmetric_log_scale_keeps_its_ends_and_symmetric_labels():
    # effects out to about 150: 0.005-200, labelled like RevMan (the decades next to the ends give way to them)
    fig = draw_forest(_forest([(3.0, 0.8, 12.0), (40.0, 12.0, 150.0)], (10.0, 3.0, 35.0)))
    assert gids(fig, "effect-axis")[0].get_xlim() == pytest.approx((0.005, 200.0))
    values = [float(t) for t in effect_axis_labels(fig)]
    assert values[0] == 0.005 and values[-1] == 200 and 1.0 in values
    assert sorted(round(1 / v, 9) for v in values) == sorted(round(v, 9) for v in values)
    theme.close(fig)


def test_thinning_follows_the_room_an_axis_has():
    import matplotlib.pyplot as plt

    from evsynth.figures import scales

    theme.theme()
    shown = {}
    for width in (1.2, 3.0, 5.0, 14.0):
        fig = plt.figure(figsize=(width + 0.6, 1.0))
        ax = fig.add_axes((0.3 / (width + 0.6), 0.5, width / (width + 0.6), 0.4))
        ax.set_xscale("log")
        ax.set_xlim(1e-4, 1e4)
        scales.set_ticks(ax.xaxis, scales.log_ticks())
        shown[width] = [t for axis, t, _ in tick_labels(fig) if axis is ax.xaxis]
        assert overlapping_ticks(fig) == []
        plt.close(fig)
    assert len(shown[1.2]) < len(shown[3.0]) < len(shown[5.0]) < len(shown[14.0]) == 25  # 1-2-5 given room
    assert shown[14.0][:4] == ["0.0001", "0.0002", "0.0005", "0.001"]
    assert shown[5.0] == ["0.0001", "0.001", "0.01", "0.1", "1", "10", "100", "1000", "10000"]  # decades
    assert shown[3.0] == ["0.0001", "0.01", "1", "100", "10000"]  # every 2nd decade, in step with 1
    assert set(shown[1.2]) <= set(shown[5.0]) and "1" in shown[1.2]


def _adversarial_analyses():
    """Real analyses with extreme numbers put in: what a funnel, L'Abbé, bubble, direction and rates plot draw."""
    out = []
    aud = run_one(BASE, "aud_abstinence_or")
    for name, pairs in (("funnel: ORs 1e-4 to 1e4", [(-9.2, 25.0), (9.2, 9.0), (0.0, 1e-6), (2.0, 0.04)]),
                        ("funnel: a tiny range", [(0.001, 1e-8), (-0.001, 2e-8), (0.0, 1.5e-8)])):
        effects = tuple(replace(aud.study_effects[0], study=f"S{i}", yi=y, vi=v) for i, (y, v) in enumerate(pairs))
        out.append((name, "funnel", replace(aud, title=name, study_effects=effects,
                                            result=replace(aud.result, k=len(effects), estimate=effects[-1].yi))))
    drop = run_one(BASE, "aud_dropout")
    for name, counts in (("L'Abbé: risks of 0 and 1", [(0, 50, 50, 50), (50, 50, 0, 50), (0, 400, 0, 400)]),
                         ("L'Abbé: rare events", [(1, 1000, 2, 1000), (3, 2000, 1, 2000), (0, 500, 2, 500)])):
        effects = tuple(replace(drop.study_effects[0], study=f"S{i}",
                                data={"events_t": et, "n_t": nt, "events_c": ec, "n_c": nc})
                        for i, (et, nt, ec, nc) in enumerate(counts))
        res = replace(drop.result, studies=tuple(e.study for e in effects), weights=(1.0, 2.0, 97.0))
        out.append((name, "labbe", replace(drop, title=name, study_effects=effects, result=res)))
    year = run_one(BASE, "itb_tone_responders_by_year")
    reg = year.meta_regression
    for name, pts in (("bubble: a dose from 0 to 1e5", [(0.0, -9.0, 0.01), (1e5, 9.0, 5.0), (5e4, 0.0, 1e-4)]),
                      ("bubble: a tiny range", [(2000.0, 1.0, 0.1), (2000.001, 1.0001, 0.2), (2000.002, 1.0002, 0.1)])):
        points = tuple(replace(reg.points[0], study=f"S{i}", x=x, yi=y, vi=v) for i, (x, y, v) in enumerate(pts))
        for scale in ("log", "logit"):
            run = replace(year, title=f"{name}, {scale}", meta_regression=replace(reg, points=points),
                          result=replace(year.result, scale=scale, measure="OR" if scale == "log" else "PLO"))
            out.append((f"{name}, {scale}", "bubble", run))
    votes = run_one(BASE, "spasticity_vs_placebo_votes")
    long = "A very long trial name that goes on and on (the multicentre extension study, second report)"
    v = replace(votes.votes, favour_intervention=(long, "x"), no_direction=(long + " 2",), favour_control=("y",))
    out.append(("direction: long names", "direction", replace(votes, votes=v)))
    return out


def markers_without_room(fig):
    """Scatter markers whose circle (centre and radius) does not lie inside its axes: (gid, x, y) of each."""
    from matplotlib.collections import PathCollection

    fig.canvas.draw()
    bad = []
    for ax in fig.axes:
        box = ax.get_window_extent()
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for c in ax.collections:
            if not isinstance(c, PathCollection) or not len(c.get_offsets()):
                continue
            off = np.asarray(c.get_offsets(), dtype=float)
            xy = ax.transData.transform(off)
            r = (np.sqrt(np.resize(c.get_sizes(), len(off))) / 2
                 + np.resize(c.get_linewidths(), len(off)) / 2) * fig.dpi / 72
            for (px, py), (dx, dy), rad in zip(xy, off, r):
                inside = x0 <= dx <= x1 and y0 <= dy <= y1
                room = box.x0 <= px - rad and px + rad <= box.x1 and box.y0 <= py - rad and py + rad <= box.y1
                if not (inside and room):
                    bad.append((c.get_gid(), float(dx), float(dy)))
    return bad


@pytest.mark.parametrize("case", [c[0] for c in _adversarial_analyses()])
def test_other_figures_with_extreme_numbers_keep_ticks_apart_and_markers_whole(case):
    from evsynth.figures.catalogue import drawer

    name, kind, a = next(c for c in _adversarial_analyses() if c[0] == case)
    about = ABOUT if kind != "direction" else replace(ABOUT, intervention="intrathecal baclofen by pump",
                                                      comparator="usual care with physiotherapy and oral drugs")
    fig = drawer(kind)(a, about)
    assert overlapping_ticks(fig) == [] and overlapping_texts(fig) == []
    assert markers_without_room(fig) == []
    for ax in fig.axes:  # every numeric axis keeps at least two labels
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for x, t, _ in tick_labels(fig) if x is axis]
            assert len(labels) >= 2 or kind == "direction" and axis is ax.xaxis and len(labels) == 3, (axis, labels)
    if kind == "labbe":  # both axes alike, from 0 to at least the largest risk
        ax = fig.axes[0]
        assert ax.get_xlim() == ax.get_ylim() and ax.get_xlim()[0] < 0 < ax.get_xlim()[1]
        risks = [e.data["events_t"] / e.data["n_t"] for e in a.study_effects]
        assert max(risks) <= ax.get_xlim()[1] <= (1.2 if max(risks) == 1 else 0.05)
    theme.close(fig)


def test_rates_at_0_and_100_percent_keep_their_diamonds_whole():
    from evsynth.figures.rates import draw_rates

    a = run_one(BASE, "itb_any_adverse_event")
    rows = []
    for i, (est, lo, hi) in enumerate([(1.0, 0.9, 1.0), (0.0, 0.0, 1e-7), (1e-3, 1e-6, 0.5)]):
        back = replace(a.result.back, estimate=est, ci_low=lo, ci_high=hi)
        rows.append(replace(a, id=f"r{i}", title=f"Rate {i}", result=replace(a.result, back=back)))
    fig = draw_rates(rows, {"very_common": 0.1, "common": 0.01, "uncommon": 0.001, "rare": 0.0001})
    assert overlapping_ticks(fig) == [] and overlapping_texts(fig) == []
    labels = [t for axis, t, _ in tick_labels(fig) if axis is fig.axes[0].xaxis]
    assert labels[0] == "0.001%" and labels[-1] == "100%"
    diamonds = [next(a for a in gids(fig, f"rate-{i}") if a.get_gid() == f"rate-{i}") for i in (1, 2, 3)]
    assert [d.get_xdata()[0] for d in diamonds] == [1.0, 1e-5, 1e-3]  # 0 at the axis' end, not lost at log(0)
    assert not any(d.get_clip_on() for d in diamonds)  # drawn whole at the edge
    theme.close(fig)


def test_risk_of_bias_plots_with_long_names_and_many_studies():
    from evsynth.figures.robvis import RobTable, draw_summary, draw_traffic_light

    names = tuple(f"Study {i}" if i % 3 else f"Study {i}: a long name with its registry number NCT0{i:07d} (extension)"
                  for i in range(40))
    table = RobTable("Adversarial", names, tuple(("low", "high", "some concerns", "low", "not assessed", "high")
                                                 for _ in names), tuple(2.5 for _ in names))
    for fig in (draw_traffic_light(table), draw_summary(table)):
        assert overlapping_ticks(fig) == [] and overlapping_texts(fig) == []
        assert fig.get_figwidth() <= theme.PAGE_WIDTH
        theme.close(fig)


def test_every_figure_of_the_shipped_base_fits_a_page_with_its_text_at_the_theme_sizes():
    """Every figure the shipped base can have (on request too), at its native size: at most theme.PAGE_WIDTH (7 in,
    within an A4 page's 180 mm and 960 px at 96 px per inch), no text (tick labels included) overlapping, no
    marker cut, and every text between theme.SMALL and theme.TITLE_SIZE points."""
    from matplotlib.text import Text

    from evsynth.figures.catalogue import base_rob_table, drawer
    from evsynth.figures.prisma import draw_prisma
    from evsynth.figures.rates import draw_rates
    from evsynth.figures.robvis import draw_summary
    from evsynth.meta.inputs.evidence import load_base
    from evsynth.meta.review.pipeline import run_base
    from evsynth.meta.review.prisma import prisma_flow

    results = run_base(BASE, "test").results
    widths = {}
    for a in results.analyses:
        for kind in kinds_for(a, on_request=True):
            fig = drawer(kind)(a, results.base)
            widths.setdefault(kind, []).append(fig.get_figwidth())
            assert fig.get_figwidth() <= theme.PAGE_WIDTH <= 7.1, (a.id, kind, fig.get_figwidth())
            sizes = {t.get_fontsize() for t in fig.findobj(Text) if t.get_text()}
            assert theme.SMALL <= min(sizes) and max(sizes) <= theme.TITLE_SIZE, (a.id, kind, sorted(sizes))
            assert overlapping_texts(fig) == [], (a.id, kind)
            assert markers_without_room(fig) == [], (a.id, kind)
            theme.close(fig)
    # the base-wide figures: pooled rates, the risk-of-bias summary of every trial, the PRISMA flow
    for fig in (draw_rates(results.analyses, results.rules.frequency),
                draw_summary(base_rob_table(results), "studies"), draw_prisma(prisma_flow(results, load_base(BASE)))):
        assert fig.get_figwidth() <= theme.PAGE_WIDTH and overlapping_texts(fig) == []
        sizes = {t.get_fontsize() for t in fig.findobj(Text) if t.get_text()}
        assert theme.SMALL <= min(sizes) and max(sizes) <= theme.TITLE_SIZE, sorted(sizes)
        theme.close(fig)
    assert {"forest", "cumulative", "leave-one-out", "funnel", "labbe", "bubble", "direction", "rob-traffic-light",
            "rob-summary"} <= set(widths)


def test_a_forest_with_every_column_stays_within_a_screen(tmp_path):
    """Continuous data columns, all six risk-of-bias columns and long labels: wrapped and narrowed to the page
    where possible, and never wider than theme.SCREEN_WIDTH (10 in, 960 px)."""
    cells = [("12.3 (4.56) 120", "11.9 (4.71) 118")] * 4
    label = "A multicentre randomised trial of baclofen with a long name (second report)"
    f = _forest([(0.5, -1.0, 2.0), (1.0, 0.0, 2.0), (-0.4, -2.0, 1.2), (0.2, -0.3, 0.7)], (0.3, -0.1, 0.7), log=False,
                labels={i: label for i in range(4)}, columns=("Baclofen\nmean (SD) n", "Placebo\nmean (SD) n"),
                cells=cells, rob=("rob_randomisation", "rob_deviations", "rob_missing", "rob_measurement",
                                  "rob_reporting", "rob_overall"))
    fig = draw_forest(f)
    assert theme.PAGE_WIDTH < fig.get_figwidth() <= theme.SCREEN_WIDTH
    assert gids(fig, "effect-axis")[0].get_position().width * fig.get_figwidth() == pytest.approx(1.8)
    assert overlapping_texts(fig) == []
    theme.close(fig)
    # binary columns and the same long labels: wrapped, the plot fits the page
    binary = _forest([(0.5, 0.2, 1.1), (1.2, 0.6, 2.5)], (0.8, 0.5, 1.3), labels={0: label, 1: label},
                     columns=("Baclofen\nevents/total", "Placebo\nevents/total"), cells=[("112/240", "98/236")] * 2)
    fig = draw_forest(binary)
    assert fig.get_figwidth() <= theme.PAGE_WIDTH and overlapping_texts(fig) == []
    theme.close(fig)


def test_forest_effect_text_uses_the_reports_number_style():
    from evsynth.figures.forest_data import effect_text
    from evsynth.meta.review.wording import number

    assert effect_text(3.4512, 0.28197, 42.186, False) == "3.45 [0.282, 42.2]"
    assert effect_text(1234.5, 0.0031, float("inf"), False) == f"{number(1234.5)} [0.00310, ∞]"
    assert effect_text(float("nan"), 1.0, 2.0, False) == "— [1.00, 2.00]"
    assert effect_text(0.953, 0.881, 0.984, True) == "95.3 [88.1, 98.4]"


def test_a_direction_plot_of_trials_comparing_doses_names_the_doses_not_the_drug():
    import matplotlib.pyplot as plt

    from evsynth.figures.direction import draw_direction
    from evsynth.meta.engine.votes import VoteCount
    from evsynth.meta.review.results import AnalysisRun

    votes = VoteCount(1, (), ("beraha2016",), (), (), 1.0, "sign test")
    doses = AnalysisRun("d", "Somnolence by dose", "pvalues", {"comparator": ("dose comparison",)}, (), votes=votes)
    placebo = replace(doses, where={"comparator": ("placebo",)})
    for run, low, high in ((doses, "the lower dose", "the higher dose"),
                           (placebo, ABOUT.comparator, ABOUT.intervention)):
        fig = draw_direction(run, ABOUT)
        ticks = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()]
        assert ticks[0] == f"Favours {low}" and ticks[2] == f"Favours {high}", ticks
        assert "Sign test over 1 trial: P = 1.000" in fig.axes[0].get_xlabel()
        plt.close(fig)

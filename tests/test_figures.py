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


def texts(fig):
    from matplotlib.text import Text

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(r)) for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def overlapping_texts(fig):
    """Pairs of visible texts whose boxes overlap by more than half a point."""
    items = texts(fig)
    boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b in items])
    tol = 0.5 * fig.dpi / 72
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

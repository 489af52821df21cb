"""Which figures each analysis gets, and drawing them all into a folder (what `evsynth run` does).

Per pooled analysis: the forest plot (always), a cumulative forest (from 2 studies) and a leave-one-out forest
(from 3), a contour-enhanced funnel plot with trim-and-fill (from 10 studies, as Sterne et al. 2011 advise; on
request from 3), a L'Abbé plot (two-arm counts, from 2 studies) and a bubble plot when it has a
meta-regression, and robvis-style risk-of-bias plots (traffic light and summary by weight) when any of its studies
has a risk-of-bias judgement (on request, always). A vote-counting analysis gets its effect direction plot. The
evidence base gets one plot of pooled adverse-event rates against the CIOMS bands.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from evsynth.meta.processes import quiet_worker
from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun, ReviewResults

from . import theme

KINDS = ("forest", "cumulative", "leave-one-out", "funnel", "labbe", "bubble", "rob-traffic-light", "rob-summary",
         "direction")


def drawer(kind: str) -> Callable[[AnalysisRun, BaseInfo], object]:
    """The function that draws this kind of figure for one analysis (labelled with the base's words).

    Parameters
    ----------
    kind : str
        One of KINDS.

    Returns
    -------
    callable
        ``draw(analysis, about)`` returning a matplotlib Figure (the funnel with trim-and-fill's studies).

    Raises
    ------
    KeyError
        An unknown kind.
    """
    from .bubble import draw_bubble
    from .direction import draw_direction
    from .forest import draw_forest
    from .forest_data import forest_data, steps_data
    from .funnel import draw_funnel
    from .labbe import draw_labbe
    from .robvis import draw_summary, draw_traffic_light, rob_table

    return {
        "forest": lambda a, about: draw_forest(forest_data(a, about)),
        "cumulative": lambda a, about: draw_forest(steps_data(a, "cumulative", about)),
        "leave-one-out": lambda a, about: draw_forest(steps_data(a, "leave_one_out", about)),
        "funnel": lambda a, about: draw_funnel(a, trimfill=True),
        "labbe": draw_labbe,
        "bubble": draw_bubble,
        "rob-traffic-light": lambda a, about: draw_traffic_light(rob_table(a)),
        "rob-summary": lambda a, about: draw_summary(rob_table(a), "weight"),
        "direction": draw_direction,
    }[kind]


FUNNEL_MIN_K = 10  # Sterne et al. 2011 (BMJ 343:d4002): funnel plots and their tests need at least 10 studies
MAX_FOREST_K = 500  # a forest plot of more rows cannot be read on a page, and costs minutes to draw
FORESTS = ("forest", "cumulative", "leave-one-out")


def kinds_for(analysis: AnalysisRun, on_request: bool = False) -> list[str]:
    """The figures an analysis gets in `evsynth run`; `on_request`: those a figure command may draw.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis.
    on_request : bool
        Whether a figure command asks: no limit on the studies of a forest plot, and a funnel plot from 3 studies
        (else from FUNNEL_MIN_K).

    Returns
    -------
    list of str
        Kinds, in KINDS order: "direction" alone for a vote count, [] without a pooled result; the forests only up to
        MAX_FOREST_K studies (in `evsynth run`), the cumulative and leave-one-out forests only when computed, the
        risk-of-bias plots only when a study has a judgement (in `evsynth run`; on request whenever there are studies).
    """
    if analysis.votes is not None:
        return ["direction"]
    if analysis.result is None:
        return []
    k = analysis.result.k
    most = 10**9 if on_request else MAX_FOREST_K  # a figure command draws what it is asked for
    kinds = [] if k > most else ["forest"]
    if 2 <= k <= most and isinstance(analysis.cumulative, tuple):
        kinds.append("cumulative")
    if 3 <= k <= most and isinstance(analysis.leave_one_out, tuple):
        kinds.append("leave-one-out")
    if k >= (3 if on_request else FUNNEL_MIN_K):
        kinds.append("funnel")
    effects = analysis.study_effects or ()
    if k >= 2 and effects and "events_t" in effects[0].data:
        kinds.append("labbe")
    if getattr(analysis.meta_regression, "points", None):
        kinds.append("bubble")
    from .robvis import assessed

    if effects and (on_request or assessed(analysis)):
        kinds += ["rob-traffic-light", "rob-summary"]
    return kinds


def not_planned(results: ReviewResults) -> list[str]:
    """Why an analysis has no forest plot in the build (too many studies to read), one message each.

    Parameters
    ----------
    results : ReviewResults
        The review.

    Returns
    -------
    list of str
        One message per analysis above MAX_FOREST_K studies.
    """
    return [f"figures/{a.id}: no forest plots: {a.result.k} studies is more than {MAX_FOREST_K}, which cannot be "
            "read on a page (results.json holds every study's numbers)"
            for a in results.analyses if a.result is not None and a.result.k > MAX_FOREST_K]


def plan(results: ReviewResults) -> list[tuple[str, str]]:
    """(analysis id, kind) of every figure of the results, plus ("", "rates") when there are rates.

    Parameters
    ----------
    results : ReviewResults
        The review.

    Returns
    -------
    list of tuple of (str, str)
        In analysis order; the rates plot only when there is a pooled harm rate and the rule set has its frequency
        bands.
    """
    from .rates import rate_rows

    jobs = [(a.id, kind) for a in results.analyses for kind in kinds_for(a)]
    if base_rob_table(results).studies:
        jobs.append(("", "rob-summary"))  # every trial of the pooled analyses, once
    if rate_rows(results.analyses) and results.rules is not None and results.rules.frequency:
        jobs.append(("", "rates"))  # the CIOMS bands come from the rule set
    return jobs


def base_rob_table(results: ReviewResults):
    """The risk-of-bias judgements of every trial the pooled analyses take, each trial once (its first row's
    judgements), for the report's base-wide summary; no trial when none has a pooled analysis.

    Parameters
    ----------
    results : ReviewResults
        The review.

    Returns
    -------
    RobTable
        Titled "all trials in the pooled analyses", equal weights.
    """
    from .robvis import DOMAIN_COLUMNS, JUDGEMENTS, RobTable

    seen: dict[str, tuple[str, ...]] = {}
    for a in results.analyses:
        for e in a.study_effects or ():
            if e.study not in seen:
                seen[e.study] = tuple(j if (j := " ".join(str(e.rob.get(c, "")).lower().split())) in JUDGEMENTS
                                      else "not assessed" for c in DOMAIN_COLUMNS)
    n = len(seen)
    return RobTable("all trials in the pooled analyses", tuple(seen), tuple(seen.values()),
                    tuple(100.0 / n for _ in range(n)))


def relative_stem(analysis_id: str, kind: str) -> str:
    """Where a figure goes under the output folder, without its extension.

    Parameters
    ----------
    analysis_id : str
        The analysis's id ("" for the base's rates plot).
    kind : str
        The figure's kind.

    Returns
    -------
    str
        "figures/<id>/<kind>", or "figures/<kind>" without an id.
    """
    return f"figures/{analysis_id}/{kind}" if analysis_id else f"figures/{kind}"


def inside(out: Path, stem: str) -> Path:
    """out/stem, refused unless it stays inside `out` (ids are validated names, and this checks it again).

    Parameters
    ----------
    out : Path
        The output folder.
    stem : str
        The relative path (see :func:`relative_stem`).

    Returns
    -------
    Path
        ``out / stem`` (not resolved).

    Raises
    ------
    ValueError
        The path resolves to `out` itself or outside it.
    """
    root = Path(out).resolve()
    target = (root / stem).resolve()
    if target == root or not target.is_relative_to(root):
        raise ValueError(f"figure path {stem!r} would leave the output folder")
    return Path(out) / stem


def draw_one(results: ReviewResults, analysis_id: str, kind: str, out: Path, formats=("svg", "png")) -> list[Path]:
    """Draw one planned figure of `results` into out/<relative stem>.<format>.

    Parameters
    ----------
    results : ReviewResults
        The review.
    analysis_id : str
        The analysis's id ("" for the rates plot).
    kind : str
        One of KINDS, or "rates".
    out : Path
        The output folder.
    formats : iterable of str
        File formats (see :data:`theme.FORMATS`).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        A figure the analysis cannot have (see the drawers), an unknown format, or a path leaving `out`.
    KeyError
        An unknown kind.
    """
    if kind == "rates":
        from .rates import draw_rates

        fig = draw_rates(results.analyses, results.rules.frequency if results.rules else {})
    elif kind == "rob-summary" and not analysis_id:
        from .robvis import draw_summary

        fig = draw_summary(base_rob_table(results), "studies")
    else:
        fig = drawer(kind)(results.analysis(analysis_id), results.base)
    try:
        return theme.save(fig, inside(out, relative_stem(analysis_id, kind)), formats)
    finally:
        theme.close(fig)


_SHARED: dict = {}  # what forked workers inherit: the results and the drawing settings


def _work(job: tuple[str, str]) -> tuple[list[str], str, int]:
    """(files written, "" or why the figure could not be drawn, errno of an OS error or 0): one figure that cannot
    be drawn never stops the others, but a full disk or a read-only folder stops them all."""
    s = _SHARED
    try:
        return [str(p) for p in draw_one(s["results"], job[0], job[1], s["out"], s["formats"])], "", 0
    except OSError as exc:
        return [], exc.strerror or str(exc), exc.errno or 0
    except Exception as exc:  # noqa: BLE001 - reported by the caller, with the figure's name
        return [], f"{type(exc).__name__}: {exc}", 0


def draw_all(results: ReviewResults, out: Path, formats=("svg", "png"), jobs: int = 1,
             progress: Callable[[tuple[str, str]], None] | None = None) -> tuple[list[Path], list[str]]:
    """Draw every planned figure into out/figures/; with jobs > 1, in that many forked processes. The files are
    the same bytes either way (each figure is drawn on its own). Returns the files written and, for each figure
    that could not be drawn, a message naming it.

    Parameters
    ----------
    results : ReviewResults
        The review.
    out : Path
        The output folder.
    formats : iterable of str
        File formats (see :data:`theme.FORMATS`).
    jobs : int
        Processes to draw in (1: in this one; forked workers only where fork is available).
    progress : callable, optional
        Called with each (analysis id, kind) once its figure is done.

    Returns
    -------
    written : list of Path
        The files written.
    failed : list of str
        One message per figure that could not be drawn ("figures/<id>/<kind>: why").

    Raises
    ------
    OSError
        Writing failed for a reason of the environment (a full disk, a read-only folder), naming the figure's path;
        no further figure is drawn.
    """
    import multiprocessing as mp

    todo = plan(results)
    _SHARED.update(results=results, out=Path(out), formats=tuple(formats))
    written: list[Path] = []
    failed: list[str] = []

    def done(job, paths, error, os_errno):
        if os_errno:  # the environment, not the figure: stop, naming the folder
            raise OSError(os_errno, error, str(Path(out) / relative_stem(*job)))
        written.extend(Path(p) for p in paths)
        if error:
            failed.append(f"{relative_stem(*job)}: {error}")
        if progress:
            progress(job)
    try:
        if jobs > 1 and len(todo) > 1 and "fork" in mp.get_all_start_methods():
            with mp.get_context("fork").Pool(min(jobs, len(todo)), initializer=quiet_worker) as pool:
                for job, result in zip(todo, pool.imap(_work, todo)):
                    done(job, *result)
        else:
            for job in todo:
                done(job, *_work(job))
    finally:
        _SHARED.clear()
    return written, failed

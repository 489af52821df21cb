"""The evidence summary: report.html (one self-contained file, figures inlined as SVG, no network) and report.md
(the same content for documents and wikis, figures linked), rendered from results.json with Jinja2 templates.

Only formatting happens here: every number comes from the results (meta/ computes them).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from evsynth.meta.engine.results import SubgroupResult
from evsynth.meta.engine.transforms import to_natural
from evsynth.meta.review.wording import unit_text, count_text, interval, number, numbers_text, p_text, percent

from .report_findings import (DOMAIN, MAX_OUTCOMES, by_condition, certainty_text, definitions, key_findings,
                              reason_text, sof_tables, zero_event_text)
from evsynth.meta.review.plain import status_words
from .report_methods import eligibility, how_to_cite, limitations, methods
from evsynth.meta.review.results import AnalysisRun, MetaRegressionRun, ReviewResults
from evsynth.meta.robustness.conclusion import Flip
from evsynth.meta.robustness.fragility import Fragility
from evsynth.meta.robustness.refits import Skipped
from evsynth.meta.robustness.small_study import AsymmetryTest, TrimFill
from evsynth.meta.robustness.trial_sequential import TSAReport

from evsynth.meta.inputs.links import clean_doi, clean_pmid, doi_url, pubmed_url

from .markup import md_escape, md_link, safe_url

STATUS_ORDER = ("fail", "contradicted_acknowledged", "inconclusive", "pass", "not_checkable")


def num(x, digits: int = 2) -> str:
    """A number with fixed decimals (weights, τ², Q); "—" when there is none."""
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:.0f}"


def ci_ends(lo, hi, digits: int = 3) -> str:
    """An interval's two ends: "0.282 to 42.2"."""
    return f"{number(lo, digits)} to {number(hi, digits)}"


ci = interval  # an estimate and its 95% CI, three significant digits each
pval = p_text  # "P < 0.001", "P = 0.03", "—": the one style of the report, `check` and the figures
pct = percent  # a proportion as a percentage, with its denominator when given


def _link(p) -> tuple[str, str]:
    """(URL, link text) of a row's source: a doi.org, PubMed or http(s) URL, or "" when none is safe to link."""
    get = p.get if isinstance(p, dict) else (lambda k, default="": getattr(p, k, default))
    doi, pmid, url, source = (get(k, "") or "" for k in ("doi", "pmid", "url", "source"))
    if doi_url(doi):  # a DOI of the right shape (10.NNNN/...), else the next identifier
        return doi_url(doi), f"doi:{clean_doi(doi)}"
    if pubmed_url(pmid):
        return pubmed_url(pmid), f"PMID {clean_pmid(pmid)}"
    if url:
        return safe_url(url) or "", url
    return "", source


def _pooled_text(a: AnalysisRun) -> str:
    res = a.result
    back = res.back
    if back and res.measure in ("PR", "PLO", "PAS", "PFT"):
        return f"rate {pct(back.estimate)} ({pct(back.ci_low)} to {pct(back.ci_high)})"
    if back:
        return f"{res.measure} {ci(back.estimate, back.ci_low, back.ci_high)}"
    return f"{res.measure} {ci(res.estimate, res.ci_low, res.ci_high)}"


def _votes_text(votes, about) -> str:
    return (f"{count_text(votes.trials, 'trial')}: {len(votes.favour_intervention)} favour {about.intervention}, "
            f"{len(votes.favour_control)} favour the {about.comparator}, {len(votes.no_direction)} show no "
            f"difference or no direction; {len(votes.significant_benefit)} significant on their own; "
            f"sign test {pval(votes.sign_test_p)}")


def _caption(a: AnalysisRun, about) -> str:
    """The figure's caption: what it shows, in words."""
    if a.votes is not None:
        return (f"Direction of effect of each trial ({a.title}): trials favouring {about.intervention}, the "
                f"{about.comparator}, or neither; filled when significant on their own.")
    kind = ("subgroups" if isinstance(a.subgroups, SubgroupResult) else
            "meta-regression" if isinstance(a.meta_regression, MetaRegressionRun) else "pooled")
    what = {"subgroups": "by subgroup, with the test for subgroup differences",
            "meta-regression": "with the pooled estimate; the meta-regression is given above",
            "pooled": "with each study's estimate, 95% CI and weight, and the pooled estimate (diamond)"}[kind]
    return f"Forest plot: {a.title}, {what}."


def _analysis_view(a: AnalysisRun, figures: dict[str, str], studies: dict, about,
                   reasons: dict[str, str] | None = None) -> dict:
    v: dict = {"id": a.id, "title": a.title, "figure": figures.get(a.id, ""),
               "label": a.label.label if a.label else "", "reasons": ", ".join(a.label.reasons if a.label else ())
               or "none", "rows": [{"row": r, "link": _link(studies.get(r))} for r in a.rows]}
    v |= _eligibility_view(a)
    cert = a.certainty
    v |= {"certainty": cert.level if cert else "", "certainty_text": certainty_text(cert.level if cert else None),
          "reason_text": reason_text(a, reasons or {}), "caption": _caption(a, about),
          "domains": [{"domain": DOMAIN.get(j.domain, j.domain), "change": j.change, "reason": j.reason,
                       "override": j.override} for j in (cert.judgements if cert else ())]}
    if a.votes is not None:
        return v | {"kind": "votes", "votes": _votes_text(a.votes, about), "notes": _sentences(a.notes or ())}
    res = a.result
    back = res.back
    rate = res.measure in ("PR", "PLO", "PAS", "PFT")
    v |= {"kind": "pooled", "pooled": _pooled_text(a),
          "p": "P — (a single-arm rate has no null to test)" if rate else pval(res.pvalue),
          "k": studies_text(a.trials, res.k),
          "model": f"{res.method}, {'Hartung-Knapp' if res.test == 'knha' else res.test} test",
          "pi": (f"{pct(back.pi_low)} to {pct(back.pi_high)}" if rate and back and back.pi_low is not None else
                 f"{ci_ends(back.pi_low, back.pi_high)}" if back and back.pi_low is not None
                 else (ci_ends(res.pi_low, res.pi_high) if res.pi_low is not None else
                       "not reported (fewer than 3 trials)" if (a.trials or res.k) < 3 else "NA")),
          "heterogeneity": (f"τ² = {num(res.tau2, 3)}; I² = {num(res.i2, 0)}%; Q = {num(res.q)}, df = {res.q_df}, "
                            f"{pval(res.q_pvalue)}")}
    v |= _robustness_view(a)
    weights = dict(zip(res.studies, res.weights))
    v["studies"] = [{"study": e.study, "row": e.row, "weight": num(weights.get(e.study), 1),
                     "link": _link(studies.get(e.row))} for e in a.study_effects or ()]
    v["excluded"] = [f"{x.study}: {x.reason}" for x in res.excluded]
    v["notes"] = _sentences([*(a.notes or ()), *res.notes])
    if isinstance(a.subgroups, SubgroupResult):
        sg = a.subgroups
        if all(g.k == 1 for g in sg.subgroups):
            v["subgroups"] = (f"Test for subgroup differences ({sg.variable}): — (every subgroup holds one trial, "
                              "so the test would only compare single trials)")
        else:
            v["subgroups"] = (f"Test for subgroup differences ({sg.variable}): Q = {num(sg.q_between)}, "
                              f"df = {sg.q_between_df}, {pval(sg.q_between_pvalue)}")
    elif isinstance(a.subgroups, Skipped):
        v["subgroups"] = f"Test for subgroup differences: — ({a.subgroups.error})"
    if isinstance(a.meta_regression, MetaRegressionRun):
        v["regression"] = regression_text(a.meta_regression, res.scale == "log", res.measure)
    return v


def slope_step(reg: MetaRegressionRun) -> float:
    """The step a slope is reported per: 10 units when the moderator spans 20 or more (10 mg/day, 10 years), else 1."""
    xs = [p.x for p in reg.points]
    return 10.0 if xs and max(xs) - min(xs) >= 20 else 1.0


def regression_text(reg: MetaRegressionRun, log: bool, measure: str) -> str:
    """A meta-regression slope in the moderator's unit, per a readable step ("per 10 mg/day"); for a ratio, the
    factor the ratio is multiplied by per step."""
    slope = reg.coefficients[-1]
    step = slope_step(reg)
    unit = (f"{step:g} {reg.unit}" if reg.unit else f"{step:g} units of {reg.moderator}") if step != 1 else \
        (reg.unit or f"unit of {reg.moderator}")
    if reg.moderator == "year" and not reg.unit:
        unit = "10 years" if step == 10 else "year"
    ends = [slope.estimate * step, slope.ci_low * step, slope.ci_high * step]
    if log:
        return (f"the {measure} is multiplied by {interval(*[math.exp(x) for x in ends])} per {unit}, "
                f"{pval(slope.pvalue)} ({count_text(reg.k, 'study', 'studies')})")
    return f"slope {interval(*ends)} per {unit} (analysis scale), {pval(slope.pvalue)} ({count_text(reg.k, 'study', 'studies')})"


def _robustness_view(a: AnalysisRun) -> dict:
    """Leave-one-out, estimators and tests, small-study tests, TSA and fragility, as the report words them."""
    res = a.result
    rob = a.robustness
    n_all = [e.data["n"] for e in a.study_effects or () if "n" in e.data]
    v = {"flips": [_flip(f) for f in (rob.flips if rob else ())], "fragile": rob.fragile if rob else None,
         "fragility_index": rob.fragility_index if rob else None,
         "models": [{"method": m.method, "test": m.test,
                     "result": m.error or ci(*to_natural(res.scale, [m.estimate, m.ci_low, m.ci_high], n_all))}
                    for m in (rob.models if rob else ())]}
    if isinstance(a.leave_one_out, tuple) and a.leave_one_out:  # on the natural scale, as its forest plot
        from evsynth.figures.forest_data import steps_data

        rows = steps_data(a, "leave_one_out").studies
        v["loo"] = [{"study": r.study, "result": ci(s.estimate, s.ci_low, s.ci_high), "p": pval(r.pvalue)}
                    for r, s in zip(a.leave_one_out, rows)]
    else:
        v["loo"] = []
    sse = a.small_study_effects
    eg = sse.egger if sse else None
    k = res.k
    if isinstance(eg, AsymmetryTest) and k < 10:
        v["small_study"] = (f"Egger's test: — (shown only from 10 studies; with {k} it cannot tell asymmetry from "
                            f"chance: {pval(eg.pvalue)})")
    else:
        v["small_study"] = (f"Egger's test {pval(eg.pvalue)}" if isinstance(eg, AsymmetryTest) else
                            f"Egger's test: {eg.error if isinstance(eg, Skipped) else 'not computed'}")
    tf = sse.trimfill if sse else None
    if isinstance(tf, TrimFill):
        v["small_study"] += f"; trim-and-fill imputes {tf.k0} on the {tf.side}"
    v["small_study_warning"] = (sse.warning if sse else None) or ""
    if isinstance(a.tsa, TSAReport):
        t = a.tsa
        v["tsa"] = (f"diversity-adjusted required information {num(t.adjusted_required_information, 0)} "
                    f"participants, {100 * t.fraction_reached:.1f}% of it accrued; monitoring boundary "
                    f"crossed: {'yes' if t.crossed else 'no'}")
    if isinstance(a.fragility, Fragility):
        f = a.fragility
        v["fragility"] = ("fragility index " if f.significant else "reverse fragility index ") + str(f.index)
    return v


def _flip(f) -> str:
    if f.by == "leave-one-out":
        return f"without {f.without}: {pval(f.pvalue)}"
    return f"{f.method} with {f.test}: {pval(f.pvalue)}"


def _sentences(notes) -> list[str]:
    """Notes as sentences (each ends with a full stop), so that joined they read as a paragraph."""
    return [n.strip() + ("" if n.strip().endswith((".", "!", "?")) else ".") for n in notes if n.strip()]


def _eligibility_view(a: AnalysisRun) -> dict:
    """The analysis's PRISMA line (assessed, taken, trials, excluded) and its exclusions grouped by reason."""
    excluded = a.excluded or ()
    groups: dict[str, list[str]] = {}
    for x in excluded:
        groups.setdefault(x.reason if x.code != "same_trial" else "another row of the same trial was taken",
                          []).append(x.study_id)
    trials = a.trials if a.trials is not None else len(a.rows)
    flow = (f"{a.candidates if a.candidates is not None else len(a.rows) + len(excluded)} rows assessed against the "
            f"protocol ({'; '.join(f'{c}: ' + ', '.join(v) for c, v in a.where.items()) or 'no criteria'}); "
            f"{len(a.rows)} taken from {trials} trial{'s' if trials != 1 else ''}; {len(excluded)} excluded.")
    return {"flow": flow, "protocol_excluded": [{"reason": r, "rows": ids} for r, ids in groups.items()]}


def studies_text(trials: int | None, k: int) -> str:
    """'3 trials', '1 trial', or '5 trials (6 comparisons)' when a multi-arm trial gives several comparisons."""
    n = trials if trials else k
    text = f"{n} trial{'s' if n != 1 else ''}"
    return text + (f", {k} comparisons" if trials and k != trials else "")


def _claim_view(v) -> dict:
    nums = v.numbers or {}
    numbers = numbers_text(nums)
    rob = nums.get("robustness") or {}
    robust = "fragile: " + "; ".join(_flip(Flip.from_dict(f)) for f in rob.get("flips", [])) if rob.get("fragile") \
        else ("robust to leave-one-out and estimator choice" if rob else "")
    view = {**v.to_dict(), "numbers_text": numbers, "robustness": robust,
            "status_text": status_words(v.status, v.certainty)}
    if v.acknowledged is not None:
        view["found"] = (f"{v.found} (contradiction acknowledged, judged on {v.acknowledged.judged_on}: "
                         f"{v.acknowledged.why})")
    return view


def _side_effects(analyses) -> list[dict]:
    rows = []
    for a in analyses:
        if a.outcome_kind != "harm" or a.result is None:
            continue
        reg = a.meta_regression
        if isinstance(reg, MetaRegressionRun):
            slope = reg.coefficients[-1]
            dose = ("dose-dependent" if slope.ci_low > 0 or slope.ci_high < 0 else
                    f"no dose effect shown (slope CI {num(slope.ci_low, 4)} to {num(slope.ci_high, 4)})")
        else:
            dose = "not estimable here (no rates by dose)"
        zero = zero_event_text(a)
        category = ("— (no event observed)" if zero else a.frequency.category if a.frequency else "— (comparative)")
        rows.append({"id": a.id, "title": a.title, "result": zero or _pooled_text(a), "k": a.result.k,
                     "category": category, "dose": dose})
    return rows


def build_view(results: ReviewResults, figures: dict[str, str], documents: dict[str, str] | None = None,
               extra: dict | None = None) -> dict:
    analyses = results.analyses
    studies = results.studies
    documents = documents or {}
    claims = [{**(view := _claim_view(c)), "document": documents.get(view["document"], view["document"])}
              for c in results.claims]
    counts = {s: sum(c["status"] == s for c in claims) for s in STATUS_ORDER}
    published = []
    for a in analyses:
        if a.subgroups or a.meta_regression:
            continue  # the same outcome's overall analysis carries the comparison
        for p in a.published or ():
            interval = f" ({p.ci_low} to {p.ci_high})" if p.ci_low and p.ci_high else ""
            published.append({"analysis": a.id, "ours": _pooled_text(a) + f", k = {a.result.k}",
                              "theirs": f"{p.study}: {p.measure} {p.estimate}{interval}" + (f", k = {p.k}" if p.k else ""),
                              "detail": p.outcome_detail, "why": list(p.why), "link": _link(p)})
    prov = [{"row": sid, **p.to_dict(), "link": _link(p)} for sid, p in studies.items()]
    reasons = results.rules.reasons if results.rules else {}
    views = {a.id: _analysis_view(a, figures, studies, results.base, reasons) for a in analyses}
    extra = extra or {}
    return {
        "status_names": {s: status_words(s) for s in STATUS_ORDER},
        "key": key_findings(results, documents), "defs": definitions(results), "max_outcomes": MAX_OUTCOMES,
        "sof_tables": sof_tables(results), "methods": methods(results), "eligibility": eligibility(results),
        "limitations": limitations(results), "cite": how_to_cite(results),
        "conditions": [{"condition": c, "analyses": [views[a.id] for a in runs]} for c, runs in by_condition(results)],
        "prov_ids": set(studies), "documents": sorted(set(documents.values())),
        "references": extra.get("references", []), "glossary": extra.get("glossary", []),
        "prisma_figure": figures.get("@prisma", ""), "prisma_rows": extra.get("prisma_rows", []),
        "rob_figure": figures.get("@rob", ""),
        "tool": results.tool, "rules": results.rules.version if results.rules else "none",
        "evidence": results.evidence.sha256[:16], "about": results.base,
        "counts": counts, "claims": sorted(claims, key=lambda c: STATUS_ORDER.index(c["status"])),
        "uses": [c for c in claims if c.get("table") == "uses"],
        "side_effect_claims": [c for c in claims if c.get("table") == "side_effects"],
        "dosing_claims": [c for c in claims if c.get("table") == "dosing"],
        "side_effects": _side_effects(analyses),
        "doses": [{**d.to_dict(), "unit": unit_text(d.unit), "low": f"{d.low:g}", "high": f"{d.high:g}"}
                  for d in results.doses],
        "published": published, "analyses": list(views.values()),
        "rates_figure": figures.get("", ""), "provenance": prov,
    }


def _env(markdown: bool = False):
    """The HTML environment escapes every value (autoescape on, whatever the template's name); the Markdown one
    passes every value through md_escape, except the report's own Markup (links it made, figure paths)."""
    import jinja2
    from markupsafe import Markup

    loader = jinja2.FileSystemLoader(Path(__file__).parent / "templates")
    common = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
    if not markdown:
        return jinja2.Environment(loader=loader, autoescape=True, **common)
    env = jinja2.Environment(loader=loader, autoescape=False,
                             finalize=lambda v: v if isinstance(v, Markup) else md_escape("" if v is None else v),
                             **common)
    env.filters["mdlink"] = lambda link: Markup(md_link(link[1], link[0]))
    return env


_SVG_HEAD = re.compile(r"^.*?(<svg\b)", re.S)


_SVG_ID = re.compile(r'(\bid=")([^"]+)(")')
_SVG_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def inline_svg(path: Path, prefix: str = "") -> str:
    """An SVG file's <svg> element, for inlining in HTML (the XML prolog and DOCTYPE dropped), with every id and
    reference to an id prefixed, so that figures inlined in one page never share an id.

    Parameters
    ----------
    path : Path
        The SVG file.
    prefix : str, optional
        Put before each id ("f3-"); none when empty.

    Returns
    -------
    str
    """
    text = _SVG_HEAD.sub(r"\1", path.read_text(encoding="utf-8"), count=1)
    if prefix:
        seen: dict[str, int] = {}

        def unique(m: re.Match) -> str:  # an id repeated inside the figure gets -2, -3 ...
            seen[m.group(2)] = seen.get(m.group(2), 0) + 1
            extra = f"-{seen[m.group(2)]}" if seen[m.group(2)] > 1 else ""
            return f"{m.group(1)}{prefix}{m.group(2)}{extra}{m.group(3)}"

        text = _SVG_ID.sub(unique, text)
        text = _SVG_REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    return text


def render(results: ReviewResults, out: Path, documents: dict[str, str] | None = None,
           extra: dict | None = None) -> dict[str, str]:
    """report.html and report.md for the results, with figures from out/figures (when drawn); `documents` names
    the source documents by title (file name -> label), from claims.toml's [documents]; `extra` holds what the
    results do not: the reference list, the glossary and the PRISMA counts (see report_extras)."""
    from markupsafe import Markup

    from evsynth.figures.catalogue import relative_stem

    html_figs, md_figs = {}, {}
    for n, a in enumerate(results.analyses, 1):
        kind = "direction" if a.votes is not None else "forest"
        stem = relative_stem(a.id, kind)
        svg = out / f"{stem}.svg"
        if svg.is_file():
            html_figs[a.id] = Markup(inline_svg(svg, f"f{n}-"))
            md_figs[a.id] = Markup(f"{stem}.svg")
    rob = out / f"{relative_stem('', 'rob-summary')}.svg"
    if rob.is_file():
        html_figs["@rob"] = Markup(inline_svg(rob, "fr-"))
        md_figs["@rob"] = Markup(f"{relative_stem('', 'rob-summary')}.svg")
    rates = out / f"{relative_stem('', 'rates')}.svg"
    if rates.is_file():
        html_figs[""] = Markup(inline_svg(rates, "f0-"))
        md_figs[""] = Markup(f"{relative_stem('', 'rates')}.svg")
    prisma = out / f"{relative_stem('', 'prisma')}.svg"
    if prisma.is_file():
        html_figs["@prisma"] = Markup(inline_svg(prisma, "fp-"))
        md_figs["@prisma"] = Markup(f"{relative_stem('', 'prisma')}.svg")
    html = _env().get_template("report.html.j2").render(v=build_view(results, html_figs, documents, extra))
    md = _env(markdown=True).get_template("report.md.j2").render(v=build_view(results, md_figs, documents, extra))
    return {"report.html": html, "report.md": md}

"""The evidence summary: report.html (one self-contained file, figures inlined as SVG, no network) and report.md
(the same content for documents and wikis, figures linked), rendered from results.json with Jinja2 templates.

Only formatting happens here: every number comes from the results (meta/ computes them).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from evsynth.meta.engine.transforms import to_natural

from .markup import doi_url, md_escape, md_link, pubmed_url, safe_url

STATUS_ORDER = ("fail", "inconclusive", "pass", "not_checkable")
SYMBOLS = {"High": "⊕⊕⊕⊕", "Moderate": "⊕⊕⊕◯", "Low": "⊕⊕◯◯", "Very low": "⊕◯◯◯"}
DOMAIN = {"risk_of_bias": "Risk of bias", "inconsistency": "Inconsistency", "indirectness": "Indirectness",
          "imprecision": "Imprecision", "publication_bias": "Publication bias", "upgrade": "Upgrading"}


def num(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "NA"
    a = abs(x)
    if a != 0 and a < 0.01:
        return f"{x:.2g}"
    return f"{x:.{digits}f}" if a < 1000 else f"{x:.0f}"


def ci(est, lo, hi, digits: int = 2) -> str:
    return f"{num(est, digits)} ({num(lo, digits)} to {num(hi, digits)})"


def pval(p) -> str:
    if p is None:
        return "NA"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def pct(x) -> str:
    return "NA" if x is None else f"{100 * x:.1f}%"


def _link(p: dict) -> tuple[str, str]:
    """(URL, link text) of a row's source: a doi.org, PubMed or http(s) URL, or "" when none is safe to link."""
    if p.get("doi"):
        return doi_url(p["doi"]), f"doi:{p['doi']}"
    if p.get("pmid") and pubmed_url(p["pmid"]):
        return pubmed_url(p["pmid"]), f"PMID {p['pmid']}"
    if p.get("url"):
        return safe_url(p["url"]) or "", p["url"]
    return "", p.get("source", "")


def _pooled_text(a: dict) -> str:
    res = a["result"]
    back = res.get("back") or {}
    if back and res["measure"] in ("PR", "PLO", "PAS", "PFT"):
        return f"rate {pct(back['estimate'])} ({pct(back['ci_low'])} to {pct(back['ci_high'])})"
    if back:
        return f"{res['measure']} {ci(back['estimate'], back['ci_low'], back['ci_high'])}"
    return f"{res['measure']} {ci(res['estimate'], res['ci_low'], res['ci_high'])}"


def _analysis_view(a: dict, figures: dict[str, str], studies: dict) -> dict:
    v: dict = {"id": a["id"], "title": a["title"], "figure": figures.get(a["id"], ""),
               "label": (a.get("label") or {}).get("label", ""),
               "reasons": ", ".join((a.get("label") or {}).get("reasons", [])) or "none"}
    if "votes" in a:
        votes = a["votes"]
        v["kind"] = "votes"
        v["votes"] = (f"{votes['trials']} trials: {len(votes['favour_baclofen'])} favour baclofen, "
                      f"{len(votes['favour_control'])} favour the control, {len(votes['no_direction'])} show no "
                      f"difference or no direction; {len(votes['significant_benefit'])} significant on their own; "
                      f"sign test P = {pval(votes.get('sign_test_p'))}")
    else:
        res = a["result"]
        v["kind"] = "pooled"
        v["pooled"] = _pooled_text(a)
        v["model"] = f"{res['method']}, {'Hartung-Knapp' if res['test'] == 'knha' else res['test']} test"
        v["p"] = pval(res["pvalue"])
        v["k"] = res["k"]
        pi = (res.get("back") or {})
        v["pi"] = (f"{num(pi['pi_low'])} to {num(pi['pi_high'])}" if pi.get("pi_low") is not None
                   else (f"{num(res['pi_low'])} to {num(res['pi_high'])}" if res.get("pi_low") is not None else "NA"))
        v["heterogeneity"] = (f"τ² = {num(res['tau2'], 3)}; I² = {num(res.get('i2'), 0)}%; "
                              f"Q = {num(res.get('q'))}, df = {res['q_df']}, P = {pval(res.get('q_pvalue'))}")
        cert = a.get("certainty") or {}
        v["certainty"] = cert.get("level", "")
        v["domains"] = [{"domain": DOMAIN.get(j["domain"], j["domain"]), "change": j["change"], "reason": j["reason"],
                         "override": j.get("override", False)} for j in cert.get("judgements", [])]
        rob = a.get("robustness") or {}
        v["flips"] = [_flip(f) for f in rob.get("flips", [])]
        v["fragile"] = rob.get("fragile")
        v["fragility_index"] = rob.get("fragility_index")
        n_all = [e["data"]["n"] for e in a.get("study_effects", []) if "n" in (e.get("data") or {})]
        v["models"] = [{"method": m["method"], "test": m.get("test", ""),
                        "result": m.get("error") or ci(*to_natural(res["scale"], [m["estimate"], m["ci_low"],
                                                                                   m["ci_high"]], n_all))}
                       for m in rob.get("models", [])]
        loo = a.get("leave_one_out")
        if isinstance(loo, list) and loo:  # on the natural scale as the leave-one-out forest plot shows it
            from evsynth.figures.forest_data import steps_data

            rows = steps_data(a, "leave_one_out").studies
            v["loo"] = [{"study": r["study"], "result": ci(s.estimate, s.ci_low, s.ci_high), "p": pval(r["pvalue"])}
                        for r, s in zip(loo, rows)]
        else:
            v["loo"] = []
        sse = a.get("small_study_effects") or {}
        eg = sse.get("egger") or {}
        v["small_study"] = (f"Egger's test P = {pval(eg.get('pvalue'))}" if "pvalue" in eg else
                            f"Egger's test: {eg.get('error', 'not computed')}")
        tf = sse.get("trimfill") or {}
        if "k0" in tf:
            v["small_study"] += f"; trim-and-fill imputes {tf['k0']} on the {tf['side']}"
        v["small_study_warning"] = sse.get("warning", "")
        tsa = a.get("tsa")
        if isinstance(tsa, dict) and "required_information" in tsa:
            v["tsa"] = (f"diversity-adjusted required information {num(tsa['adjusted_required_information'], 0)} "
                        f"participants, {100 * tsa['fraction_reached']:.1f}% of it accrued; monitoring boundary "
                        f"crossed: {'yes' if tsa.get('crossed') else 'no'}")
        frag = a.get("fragility")
        if isinstance(frag, dict) and "index" in frag:
            v["fragility"] = ("fragility index " if frag.get("significant") else "reverse fragility index ") + \
                str(frag.get("index"))
        weights = dict(zip(res["studies"], res["weights"]))
        v["studies"] = [{"study": e["study"], "row": e["row"], "weight": num(weights.get(e["study"]), 1),
                         "link": _link(studies.get(e["row"], {}))} for e in a.get("study_effects", [])]
        v["excluded"] = [f"{x.get('study', '')}: {x.get('reason', '')}" for x in res.get("excluded", [])]
        v["notes"] = list(a.get("notes", [])) + list(res.get("notes", []))
        if a.get("subgroups") and isinstance(a["subgroups"], dict) and "subgroups" in a["subgroups"]:
            sg = a["subgroups"]
            v["subgroups"] = (f"Test for subgroup differences ({sg['variable']}): Q = {num(sg['q_between'])}, "
                              f"df = {sg['q_between_df']}, P = {pval(sg['q_between_pvalue'])}")
        reg = a.get("meta_regression")
        if isinstance(reg, dict) and "coefficients" in reg:
            slope = reg["coefficients"][-1]
            v["regression"] = (f"slope per unit of {reg.get('moderator', '')}: {ci(slope['estimate'], slope['ci_low'], slope['ci_high'], 4)}, "
                               f"P = {pval(slope['pvalue'])} (k = {reg['k']})")
    v["rows"] = [{"row": r, "link": _link(studies.get(r, {}))} for r in a.get("rows", [])]
    return v


def _flip(f: dict) -> str:
    if f.get("by") == "leave-one-out":
        return f"without {f['without']}: P = {pval(f['pvalue'])}"
    return f"{f.get('method')} with {f.get('test')}: P = {pval(f['pvalue'])}"


def _sof_view(s: dict) -> dict:
    per = s.get("baclofen_per_1000")
    notes = [f"{DOMAIN.get(d['domain'], d['domain'])} ({d['change']:+d}): {d['reason']}" for d in s["downgrades"]]
    rel = s.get("relative")
    return {
        "outcome": s["outcome"], "follow_up": s["follow_up"],
        "control": "—" if s.get("control_per_1000") is None else f"{s['control_per_1000']:.0f} per 1000",
        "baclofen": "—" if not per else
        ("not estimable (no events in the comparator arms)" if s.get("control_per_1000") == 0 else
         f"{per[0]:.0f} per 1000 ({per[1]:.0f} to {per[2]:.0f})" + (" (capped at 1000)" if per[2] >= 999.5 else "")),
        "relative": "—" if not rel else f"{s['measure']} {ci(*rel)}",
        "participants": f"{s['participants'] if s['participants'] is not None else 'NA'} ({s['k']})",
        "certainty": s.get("certainty") or "", "symbols": SYMBOLS.get(s.get("certainty") or "", ""),
        "notes": notes, "label": s.get("label") or "",
    }


def _claim_view(v: dict) -> dict:
    nums = v.get("numbers") or {}
    shown = {k: val for k, val in nums.items() if k in ("k", "estimate", "ci_low", "ci_high", "i2", "certainty",
                                                          "sign_test_p", "trials", "favour_baclofen", "favour_control")}
    numbers = "; ".join(f"{k} = {num(val, 3) if isinstance(val, float) else val}" for k, val in shown.items())
    rob = nums.get("robustness") or {}
    robust = "fragile: " + "; ".join(_flip(f) for f in rob.get("flips", [])) if rob.get("fragile") else \
        ("robust to leave-one-out and estimator choice" if rob else "")
    return {**v, "numbers_text": numbers, "robustness": robust}


def _side_effects(analyses: list[dict]) -> list[dict]:
    rows = []
    for a in analyses:
        if a.get("outcome_kind") != "harm" or "result" not in a:
            continue
        freq = a.get("frequency") or {}
        reg = a.get("meta_regression")
        if isinstance(reg, dict) and "coefficients" in reg:
            slope = reg["coefficients"][-1]
            dose = ("dose-dependent" if slope["ci_low"] > 0 or slope["ci_high"] < 0 else
                    f"no dose effect shown (slope CI {num(slope['ci_low'], 4)} to {num(slope['ci_high'], 4)})")
        else:
            dose = "not estimable here (no rates by dose)"
        rows.append({"id": a["id"], "title": a["title"], "result": _pooled_text(a), "k": a["result"]["k"],
                     "category": freq.get("category", "— (comparative)"), "dose": dose})
    return rows


def build_view(results: dict, figures: dict[str, str]) -> dict:
    analyses = results["analyses"]
    studies = results.get("studies", {})
    claims = [_claim_view(c) for c in results.get("claims", [])]
    counts = {s: sum(c["status"] == s for c in claims) for s in STATUS_ORDER}
    published = []
    for a in analyses:
        if a.get("subgroups") or a.get("meta_regression"):
            continue  # the same outcome's overall analysis carries the comparison
        for p in a.get("published", []):
            interval = f" ({p['ci_low']} to {p['ci_high']})" if p.get("ci_low") and p.get("ci_high") else ""
            published.append({"analysis": a["id"], "ours": _pooled_text(a) + f", k = {a['result']['k']}",
                              "theirs": f"{p['study']}: {p['measure']} {p['estimate']}{interval}"
                                        + (f", k = {p['k']}" if p.get("k") else ""),
                              "detail": p.get("outcome_detail", ""), "why": p["why"],
                              "link": _link(p)})
    prov = [{"row": sid, **p, "link": _link(p)} for sid, p in studies.items()]
    return {
        "tool": results.get("tool", ""), "rules": (results.get("rules") or {}).get("version", "none"),
        "evidence": (results.get("evidence") or {}).get("sha256", "")[:16],
        "counts": counts, "claims": sorted(claims, key=lambda c: STATUS_ORDER.index(c["status"])),
        "uses": [c for c in claims if c.get("table") == "uses"],
        "side_effect_claims": [c for c in claims if c.get("table") == "side_effects"],
        "dosing_claims": [c for c in claims if c.get("table") == "dosing"],
        "side_effects": _side_effects(analyses), "doses": results.get("doses", []),
        # one row per outcome: the subgroup and dose-response analyses of the same outcome are left to their sections
        "sof": [_sof_view(a["sof"]) for a in analyses
                if a.get("sof") and not a.get("subgroups") and not a.get("meta_regression")],
        "published": published, "analyses": [_analysis_view(a, figures, studies) for a in analyses],
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


def inline_svg(path: Path) -> str:
    """An SVG file's <svg> element, for inlining in HTML (the XML prolog and DOCTYPE dropped)."""
    text = path.read_text(encoding="utf-8")
    return _SVG_HEAD.sub(r"\1", text, count=1)


def render(results: dict, out: Path) -> dict[str, str]:
    """report.html and report.md for the results, with figures from out/figures (when drawn)."""
    from markupsafe import Markup

    from evsynth.figures.catalogue import relative_stem

    html_figs, md_figs = {}, {}
    for a in results["analyses"]:
        kind = "direction" if "votes" in a else "forest"
        stem = relative_stem(a["id"], kind)
        svg = out / f"{stem}.svg"
        if svg.is_file():
            html_figs[a["id"]] = Markup(inline_svg(svg))
            md_figs[a["id"]] = Markup(f"{stem}.svg")
    rates = out / f"{relative_stem('', 'rates')}.svg"
    if rates.is_file():
        html_figs[""] = Markup(inline_svg(rates))
        md_figs[""] = Markup(f"{relative_stem('', 'rates')}.svg")
    html = _env().get_template("report.html.j2").render(v=build_view(results, html_figs))
    md = _env(markdown=True).get_template("report.md.j2").render(v=build_view(results, md_figs))
    return {"report.html": html, "report.md": md}

"""The report's opening: key findings (a row per question a document's claim asks), the labels and reasons defined in
words, and summary-of-findings tables in the GRADEpro layout (one per question, at most seven outcomes each).

Only wording happens here: every number comes from the results.
"""
from __future__ import annotations

from string import ascii_lowercase

from evsynth.meta.review.plain import CERTAINTY_WORDS, SYMBOLS, status_words
from evsynth.meta.review.rules import LABELS
from evsynth.meta.review.questions import question_of
from evsynth.meta.review.results import AnalysisRun, ReviewResults
from evsynth.meta.review.wording import count_text, interval, p_text, percent

MAX_OUTCOMES = 7  # GRADEpro: at most seven outcomes in one summary-of-findings table
DOMAIN = {"risk_of_bias": "Risk of bias", "inconsistency": "Inconsistency", "indirectness": "Indirectness",
          "imprecision": "Imprecision", "publication_bias": "Publication bias", "upgrade": "Upgrading"}
PROPORTIONS = ("PR", "PLO", "PAS", "PFT")


def certainty_text(level: str | None) -> str:
    """"⊕⊕◯◯ Low" or "—" (no graded analysis)."""
    return f"{SYMBOLS[level]} {level}" if level in SYMBOLS else "—"


def effect_text(a: AnalysisRun, about) -> str:
    """An analysis's result in natural units: a ratio or difference with its CI, a rate as a percentage of its
    participants, or a vote count's directions with its sign test."""
    if a.votes is not None:
        v = a.votes
        side, other = (("the higher dose", "the lower dose") if a.compares_doses else
                       (about.intervention, f"the {about.comparator}"))
        return (f"{len(v.favour_intervention)} of {count_text(v.trials, 'trial')} favour {side}, "
                f"{len(v.favour_control)} {other}, {len(v.no_direction)} show no difference or no "
                f"direction; sign test {p_text(v.sign_test_p) if v.sign_test_p is not None else '—'}")
    res = a.result
    if res is None:
        return "—"
    back = res.back
    n = a.sof.participants if a.sof else None
    trials = count_text(a.trials or res.k, "trial")
    who = f"{trials}, {n} participants" if n else trials
    zero = zero_event_text(a)
    if zero:
        return f"{zero}; {trials}"
    if res.measure in PROPORTIONS and back is not None:
        return f"{percent(back.estimate)} ({percent(back.ci_low)} to {percent(back.ci_high)}); {who}"
    if back is not None:
        return f"{res.measure} {interval(back.estimate, back.ci_low, back.ci_high)}; {who}"
    return f"{res.measure} {interval(res.estimate, res.ci_low, res.ci_high)}; {who}"


def zero_event_text(a: AnalysisRun) -> str | None:
    """"none of 65 (0.0% to 5.5%, exact)" for a single-arm rate whose studies saw no event (the exact Clopper-Pearson
    interval, not the continuity-corrected pooled rate); None otherwise."""
    s = a.sof
    per = s.intervention_per_1000 if s is not None and s.control_per_1000 is None else None
    if not per or per[0] != 0 or not s.participants:  # summary.sof_row gives (0, 0, exact upper) for none seen
        return None
    return f"none of {s.participants} ({percent(0.0)} to {percent(per[2] / 1000)}, exact)"


def reason_text(a: AnalysisRun | None, reasons: dict[str, str]) -> str:
    """The label's reasons in words ("the 95% CI ... includes no effect; ..."), or why it meets every condition."""
    if a is None or a.label is None:
        return ""
    if not a.label.reasons:
        return "meets every condition for Strong"
    return "; ".join(reasons.get(c, c.replace("_", " ").lower()) for c in a.label.reasons)


def key_findings(results: ReviewResults, documents: dict[str, str]) -> list[dict]:
    """One row per claim that states a use or rests on an analysis: the question, the document's words and label,
    the label and certainty the data give, the effect, the reason in words, and the claim's status in words."""
    by_id = {a.id: a for a in results.analyses}
    reasons = results.rules.reasons if results.rules else {}
    rows = []
    for c in results.claims:
        a = by_id.get(c.analysis) if c.analysis else None
        if a is None and c.table != "uses":
            continue
        q = question_of(a, results.base.comparator) if a is not None else None
        rows.append({
            "claim": c.id, "question": q.text() if q else "—", "outcome": a.title if a is not None else c.section,
            "condition": q.condition if q else "—",
            "statement": c.claim, "document": documents.get(c.document, c.document), "section": c.section,
            "expected": c.expected, "quote": c.quote, "scale": c.scale,
            "label": (f"SCIRE level {c.numbers.get('level')}" if c.scale == "scire" and c.numbers.get("level") else
                      a.label.label if a is not None and a.label and c.expected in LABELS else "—"),
            "certainty": certainty_text(a.certainty.level if a is not None and a.certainty else None),
            "effect": effect_text(a, results.base) if a is not None else "—",
            "reason": (reason_text(a, reasons) if c.scale == "labels" and a is not None and c.expected in LABELS
                       else c.found),
            "status": c.status, "status_text": status_words(c.status, c.certainty), "analysis": c.analysis or "",
        })
    return rows


def definitions(results: ReviewResults) -> dict:
    """The labels, the reason codes and the certainty levels, each defined in words (from the rule set)."""
    rules = results.rules
    return {"labels": list((rules.labels if rules else {}).items()),
            "reasons": list((rules.reasons if rules else {}).items()),
            "certainty": [(certainty_text(k), v) for k, v in CERTAINTY_WORDS.items()]}


def _footnotes(a: AnalysisRun, notes: list[str]) -> str:
    """The letters of an outcome's downgrades, adding each new reason to the table's footnotes."""
    letters = []
    for j in (a.certainty.judgements if a.certainty else ()):
        if not j.change:
            continue
        text = f"{DOMAIN.get(j.domain, j.domain)} ({j.change:+d}): {j.reason}"
        if text not in notes:
            notes.append(text)
        letters.append(ascii_lowercase[notes.index(text) % 26])
    return ",".join(letters)


def _sof_outcome(a: AnalysisRun, about, notes: list[str]) -> dict:
    s = a.sof
    row = {"id": a.id, "outcome": a.title, "start": "—", "letters": _footnotes(a, notes),
           "certainty": certainty_text(a.certainty.level if a.certainty else None),
           "control": "—", "intervention": "—", "difference": "—", "relative": "—", "comment": ""}
    if a.certainty:
        row["start"] = f"{a.certainty.start} ({'randomised' if a.certainty.start == 'High' else 'non-randomised'})"
    if a.votes is not None:
        row |= {"follow_up": "not reported", "participants": count_text(a.votes.trials, "trial"),
                "comment": effect_text(a, about) + " (vote count: no effect size)"}
        return row
    row["follow_up"] = s.follow_up if s else "not reported"
    n = s.participants if s else None
    row["participants"] = f"{n if n is not None else 'not reported'} ({count_text(a.trials or a.result.k, 'trial')})"
    if s is None:
        return row
    if s.relative:
        row["relative"] = f"{s.measure} {interval(*s.relative)}"
    per = s.intervention_per_1000
    if s.control_per_1000 is not None:
        row["control"] = f"{s.control_per_1000:.0f} per 1000"
        if s.control_per_1000 == 0:
            rd = s.risk_difference_per_1000
            row["intervention"] = "— (no events with the comparator: a ratio gives no absolute effect)"
            if rd:
                row["difference"] = (f"{_more_fewer(rd[0])} per 1000 ({_more_fewer(rd[1])} to {_more_fewer(rd[2])}; "
                                     "risk difference)")
        elif per:
            row["intervention"] = f"{per[0]:.0f} per 1000 ({per[1]:.0f} to {per[2]:.0f})"
            d = [x - s.control_per_1000 for x in per]
            row["difference"] = f"{_more_fewer(d[0])} per 1000 ({_more_fewer(d[1])} to {_more_fewer(d[2])})"
    elif per:
        row["intervention"] = f"{per[0]:.0f} per 1000 ({per[1]:.0f} to {per[2]:.0f})"
        row["comment"] = "single-arm rate: no comparator"
    return row


def _more_fewer(x: float) -> str:
    """GRADEpro's wording of an absolute difference: "120 more", "35 fewer", "0 fewer"."""
    r = round(x)
    return f"{abs(r):.0f} {'more' if r > 0 else 'fewer'}"


def sof_tables(results: ReviewResults) -> list[dict]:
    """Summary-of-findings tables in the GRADEpro layout: one per question (population, route, comparison), at most
    MAX_OUTCOMES outcomes each (a question with more is split into parts), each with its lettered footnotes."""
    about = results.base
    groups: dict[tuple, list[AnalysisRun]] = {}
    for a in results.analyses:
        if a.subgroups or a.meta_regression or (a.sof is None and a.votes is None):
            continue  # a subgroup or dose-response analysis of an outcome is left to its own section
        groups.setdefault(question_of(a, about.comparator).population, []).append(a)
    tables = []
    for (condition, route, comparison), runs in groups.items():
        parts = [runs[i:i + MAX_OUTCOMES] for i in range(0, len(runs), MAX_OUTCOMES)]
        for n, part in enumerate(parts, 1):
            notes: list[str] = []
            rows = [_sof_outcome(a, about, notes) for a in part]
            tables.append({
                "title": f"{about.intervention}{'' if route == 'any route' else f' ({route})'} {comparison} for "
                         f"{condition}"
                         + (f" (part {n} of {len(parts)})" if len(parts) > 1 else ""),
                "population": condition, "route": route, "intervention": about.intervention,
                "comparison": comparison, "single_arm": comparison.startswith("single-arm"), "rows": rows,
                "footnotes": [(ascii_lowercase[i % 26], t) for i, t in enumerate(notes)],
            })
    return tables


def by_condition(results: ReviewResults) -> list[tuple[str, list[AnalysisRun]]]:
    """The analyses grouped by the condition of their question, in order of first appearance."""
    groups: dict[str, list[AnalysisRun]] = {}
    for a in results.analyses:
        groups.setdefault(question_of(a, results.base.comparator).condition, []).append(a)
    return list(groups.items())


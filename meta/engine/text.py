"""Text summaries of results for people, in metafor's print() layout: a pooled analysis (with back-transformed
effects), a meta-regression and a subgroup analysis. `print(result)` and `evsynth pool` show these.

Study labels are data, so every one is shown through `visible()` (control characters as escapes).
"""
from __future__ import annotations

from ..errors import visible

MODEL_NAMES = {
    "FE": "Fixed-effect model (inverse variance)",
    "MH": "Fixed-effect model (Mantel-Haenszel)",
    "PETO": "Fixed-effect model (Peto)",
}
BACK_NAMES = {"log": "exp", "logit": "inverse logit", "arcsine": "inverse arcsine",
              "ft": "inverse Freeman-Tukey (harmonic mean n)"}


def _f(x, digits: int = 4) -> str:
    if x is None:
        return "NA"
    return f"{x:.{digits}f}"


def p_metafor(p) -> str:
    """A p-value as metafor prints it: "<.0001", "0.0123" (console summaries).

    Parameters
    ----------
    p : float or None
        A p-value, 0-1; None or NaN when there is none.

    Returns
    -------
    str
        "<.0001", four decimals, or "NA".
    """
    if p is None or p != p:
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def p_report(p) -> str:
    """A p-value as a report or a figure shows it (RevMan's style): "P < 0.001", "P = 0.003", "P = 0.24";
    "P not estimable" when there is none.

    Parameters
    ----------
    p : float or None
        A p-value, 0-1; None or NaN when there is none.

    Returns
    -------
    str
        The p-value with its "P" prefix.
    """
    if p is None or p != p:
        return "P not estimable"
    return "P < 0.001" if p < 0.001 else f"P = {p:.3f}" if p < 0.01 else f"P = {p:.2f}"


_p = p_metafor


def render_result(r, level: float = 95.0) -> str:
    """A pooled analysis (MetaResult) as metafor prints an rma object; `level` (percent) names the tau^2 CI.

    Parameters
    ----------
    r : MetaResult
        The pooled analysis.
    level : float
        Confidence level, percent; a label only (the CI was computed at the model's level).

    Returns
    -------
    str
        The multi-line summary: heterogeneity, the estimate on the analysis scale, the back-transformed one,
        excluded and corrected studies, notes. Labels are made visible.
    """
    lines = []
    if r.group is not None:
        lines.append(visible(f"== {r.group} =="))
    title = MODEL_NAMES.get(r.method, f"Random-effects model (k = {r.k}; tau^2 estimator: {r.method})")
    lines.append(f"{title}" + (f" (k = {r.k})" if r.method in MODEL_NAMES else ""))
    lines.append("")
    if r.method not in MODEL_NAMES:
        lines.append(f"tau^2 (estimated amount of total heterogeneity): {_f(r.tau2)} (SE = {_f(r.tau2_se)})")
        lines.append(f"tau (square root of estimated tau^2 value):      {_f(r.tau)}")
        if r.tau2_ci_low is not None:
            lines.append(f"tau^2 {level:g}% CI (Q-profile):                   [{_f(r.tau2_ci_low)}, {_f(r.tau2_ci_high)}]")
    i2 = f"{r.i2:.2f}%" if r.i2 is not None else "NA"
    ci = ""
    if r.i2_ci_low is not None:
        ci = f" [{r.i2_ci_low:.2f}, {r.i2_ci_high:.2f}]"
    lines.append(f"I^2 (total heterogeneity / total variability):   {i2}{ci}")
    lines.append(f"H^2 (total variability / sampling variability):  {_f(r.h2, 2)}")
    lines.append("")
    lines.append(f"Test for Heterogeneity: Q(df = {r.q_df}) = {_f(r.q)}, p-val {_p(r.q_pvalue)}")
    lines.append("")
    stat_name = "t" if r.df is not None else "z"
    lines.append(f"Model Results ({r.measure}, {r.scale} scale; test: {r.test}" +
                 (f", df = {r.df:g}" if r.df is not None else "") + "):")
    lines.append("")
    lines.append(f"{'estimate':>10} {'se':>8} {stat_name + 'val':>8} {'pval':>8} {'ci.lb':>9} {'ci.ub':>9}")
    lines.append(f"{r.estimate:>10.4f} {r.se:>8.4f} {r.statistic:>8.4f} {_p(r.pvalue):>8} {r.ci_low:>9.4f} {r.ci_high:>9.4f}")
    if r.pi_low is not None:
        lines.append(f"Prediction interval ({r.pi_method}): [{r.pi_low:.4f}, {r.pi_high:.4f}]")
    if r.back is not None:
        b = r.back
        line = f"Back-transformed ({BACK_NAMES.get(r.scale, r.scale)}): {b.estimate:.4f} [{b.ci_low:.4f}, {b.ci_high:.4f}]"
        if b.pi_low is not None:
            line += f"; prediction interval [{b.pi_low:.4f}, {b.pi_high:.4f}]"
        lines.append(line)
    for key, value in r.extra.items():
        lines.append(f"{key}: {_f(value)}")
    _tail(lines, r.excluded, r.adjusted, r.notes)
    return "\n".join(lines)


def _tail(lines: list[str], excluded, adjusted, notes) -> None:
    if excluded:
        lines.append("")
        lines.append("Excluded studies:")
        lines.extend(visible(f"  {e.study}: {e.reason}") for e in excluded)
    if adjusted:
        lines.append(visible(f"Zero-cell correction applied to: {', '.join(adjusted)}"))
    if notes:
        lines.append("")
        lines.extend(visible(f"Note: {n}") for n in notes)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Right-aligned columns, the first (names) left-aligned, as metafor prints coefficient tables."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    out += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
            for r in rows]
    return out


def render_regression(r, level: float = 95.0) -> str:
    """A meta-regression (RegressionResult) as metafor prints an rma object with moderators.

    Parameters
    ----------
    r : RegressionResult
        The meta-regression.
    level : float
        Not used.

    Returns
    -------
    str
        The multi-line summary: residual heterogeneity, R^2, the omnibus test and the coefficient table.
    """
    random = r.method not in MODEL_NAMES
    lines = [f"Mixed-effects model (k = {r.k}; tau^2 estimator: {r.method})" if random
             else f"Fixed-effects with moderators model (k = {r.k})", ""]
    if random:
        lines.append(f"tau^2 (estimated amount of residual heterogeneity):     {_f(r.tau2)} (SE = {_f(r.tau2_se)})")
        lines.append(f"tau (square root of estimated tau^2 value):             {_f(r.tau2 ** 0.5)}")
    if r.i2 is not None:
        lines.append(f"I^2 (residual heterogeneity / unaccounted variability): {r.i2:.2f}%")
    lines.append(f"H^2 (unaccounted variability / sampling variability):   {_f(r.h2, 2)}")
    if r.r2 is not None:
        lines.append(f"R^2 (amount of heterogeneity accounted for):            {r.r2:.2f}%")
    lines.append("")
    lines.append(f"Test for Residual Heterogeneity: QE(df = {r.qe_df}) = {_f(r.qe)}, p-val {_p(r.qe_pvalue)}")
    if len(r.qm_df) == 2:
        omnibus = f"F(df1 = {r.qm_df[0]:g}, df2 = {r.qm_df[1]:g}) = {_f(r.qm)}"
    else:
        omnibus = f"QM(df = {r.qm_df[0]:g}) = {_f(r.qm)}"
    lines.append(f"Test of Moderators: {omnibus}, p-val {_p(r.qm_pvalue)}")
    lines.append("")
    stat = "zval" if r.test == "z" else "tval"
    lines.append(f"Model Results ({r.measure}; test: {r.test}):")
    lines.append("")
    rows = [[visible(c.name), _f(c.estimate), _f(c.se), _f(c.statistic), _p(c.pvalue), _f(c.ci_low), _f(c.ci_high)]
            for c in r.coefficients]
    lines += _table(["", "estimate", "se", stat, "pval", "ci.lb", "ci.ub"], rows)
    _tail(lines, r.excluded, (), r.notes)
    return "\n".join(lines)


def render_subgroups(r, level: float = 95.0) -> str:
    """A subgroup analysis (SubgroupResult): each subgroup's pooled result and the test for differences.

    Parameters
    ----------
    r : SubgroupResult
        The subgroup analysis.
    level : float
        Not used.

    Returns
    -------
    str
        The multi-line summary: one row per subgroup (analysis scale), the test for differences and the overall result.
    """
    tau2 = "one common tau^2" if r.tau2_common else "a separate tau^2 per subgroup"
    lines = [visible(f"Subgroup analysis by {r.variable} ({tau2}; method: {r.overall.method}, "
                     f"test: {r.overall.test})"), ""]
    rows = [[visible(str(s.group)), str(s.k), _f(s.estimate), _f(s.se), _f(s.ci_low), _f(s.ci_high), _f(s.tau2),
             "NA" if s.i2 is None else f"{s.i2:.2f}%"] for s in r.subgroups]
    name = visible(r.variable) if len(r.variable) <= 40 else "subgroup"
    lines += _table([name, "k", "estimate", "se", "ci.lb", "ci.ub", "tau^2", "I^2"], rows)
    lines.append("")
    lines.append(f"Test for Subgroup Differences: Q(df = {r.q_between_df}) = {_f(r.q_between)}, "
                 f"p-val {_p(r.q_between_pvalue)}")
    o = r.overall
    lines.append(f"Overall ({o.k} studies): {_f(o.estimate)} [{_f(o.ci_low)}, {_f(o.ci_high)}]"
                 + (f"; back-transformed {_f(o.back.estimate)} [{_f(o.back.ci_low)}, {_f(o.back.ci_high)}]"
                    if o.back is not None else ""))
    _tail(lines, o.excluded, (), r.notes)
    return "\n".join(lines)

"""Text rendering of results for people: a metafor-like summary with back-transformed effects."""
from __future__ import annotations

MODEL_NAMES = {
    "FE": "Fixed-effect model (inverse variance)",
    "MH": "Fixed-effect model (Mantel-Haenszel)",
    "PETO": "Fixed-effect model (Peto)",
}
BACK_NAMES = {"log": "exp", "logit": "inverse logit", "arcsine": "inverse arcsine", "ft": "inverse Freeman-Tukey (harmonic mean n)"}


def _f(x, digits: int = 4) -> str:
    if x is None:
        return "NA"
    return f"{x:.{digits}f}"


def _p(p) -> str:
    if p is None:
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def render_result(r, level: float = 95.0) -> str:
    lines = []
    if r.group is not None:
        lines.append(f"== {r.group} ==")
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
    if r.excluded:
        lines.append("")
        lines.append("Excluded studies:")
        lines.extend(f"  {e.study}: {e.reason}" for e in r.excluded)
    if r.adjusted:
        lines.append(f"Zero-cell correction applied to: {', '.join(r.adjusted)}")
    if r.notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in r.notes)
    return "\n".join(lines)

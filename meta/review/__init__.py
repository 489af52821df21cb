"""The workflow on one evidence base: from its protocol to the verdict on each documented claim.

What lives here: the analyses an evidence base defines (`analyses`: analyses.toml; `selection`: the rows each
one takes), reading everything a review needs at once (`load`), running one analysis with its robustness
(`run`), the rule set and GRADE-style certainty and labels (`rules`, `grading`), the claims and their checks
(`claims`), the summary-of-findings rows, published meta-analyses, doses and provenance (`summary`), the whole
job (`pipeline`) and comparing two runs (`diffing`).

What it may import: everything below it in meta (engine, inputs, robustness, errors, jsonable). Only the CLI,
the figures and the public API import it (tests/test_layers.py).
"""

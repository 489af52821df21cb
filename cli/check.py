"""`evsynth check [BASE]`: does every documented claim still follow from the data? Exit 1 if any fails."""
from __future__ import annotations

import json
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import click

from .errors import EXIT_CLAIM_FAILED, echo, handle_errors
from .outputs import guard_out_file
from evsynth.meta.jsonable import clean

from .jsonout import tool_version
from .paths import default_base, protected

COLUMNS = ("id", "document", "expected", "found", "status")
# characters XML 1.0 cannot hold even escaped (a report must stay well-formed whatever the claims say)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@click.command()
@click.argument("base", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the verdicts as a JUnit XML report (one test case per claim) for CI systems.")
@handle_errors
def check(base, fmt, junit):
    """Evaluate every claim of BASE/claims.toml against the data [default: the shipped evidence base].

    Statuses: pass, fail (the data contradict the claim), inconclusive (too little data), not_checkable, and
    contradicted_acknowledged (a contradiction recorded in claims.toml with why and what was found; it does not fail
    while the finding still holds what was recorded, and fails when it changes or disappears).
    """
    from evsynth.meta.review.pipeline import run_base

    base = base or default_base()
    if junit is not None:
        guard_out_file(junit, protect=protected(base))
    outcome = run_base(base, tool_version(), light=True)
    verdicts = [v.to_dict() for v in outcome.verdicts]
    if fmt == "json":
        echo(json.dumps(clean(verdicts), indent=2, ensure_ascii=False))
    else:
        from evsynth.meta.review.documents import read_documents

        titles = {name: d.label for name, d in read_documents(Path(base) / "claims.toml", base).items()}
        _table([{**v, "document": titles.get(v["document"], v["document"])} for v in verdicts])
    if junit is not None:
        _write_junit(junit, verdicts)
    failed = [v["id"] for v in verdicts if v["status"] == "fail"]
    if failed:
        echo(f"{len(failed)} claim(s) fail: {', '.join(failed)}", err=True)
        raise SystemExit(EXIT_CLAIM_FAILED)


def _table(verdicts: list[dict], width: int | None = None) -> None:
    """The verdicts as a table that fits the terminal: every column whole, long cells wrapped onto further lines
    (never cut), the `found` column taking the width the others leave."""
    import shutil
    import textwrap

    from evsynth.meta.errors import visible

    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = [[visible(str(v[c])) + (f" (certainty: {str(v['certainty']).lower()})" if c == "status" and
                                   v.get("certainty") else "") for c in COLUMNS] for v in verdicts]
    natural = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(COLUMNS)]
    caps = {"id": 38, "document": 30, "expected": 30, "status": 25}
    widths = [min(n, caps.get(c, n)) for c, n in zip(COLUMNS, natural)]
    found = COLUMNS.index("found")
    for col in ("document", "expected"):  # narrow these before the findings
        i = COLUMNS.index(col)
        rest = sum(w for j, w in enumerate(widths) if j != found) + 2 * (len(COLUMNS) - 1)
        widths[i] -= max(0, min(widths[i] - 16, 40 - (width - rest)))
    rest = sum(w for i, w in enumerate(widths) if i != found) + 2 * (len(COLUMNS) - 1)
    widths[found] = max(20, min(natural[found], width - rest))
    echo("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)).rstrip())
    for r in rows:
        cells = [textwrap.wrap(v, w, break_long_words=True, break_on_hyphens=False) or [""]
                 for v, w in zip(r, widths)]
        for k in range(max(len(c) for c in cells)):
            echo("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip())
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v["status"]] = counts.get(v["status"], 0) + 1
    echo("\n" + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


SKIPPED = ("not_checkable", "inconclusive", "contradicted_acknowledged")


def _write_junit(path: Path, verdicts: list[dict]) -> None:
    from evsynth.meta.inputs.textfiles import write_atomically

    failures = sum(v["status"] == "fail" for v in verdicts)
    skipped = sum(v["status"] in SKIPPED for v in verdicts)
    cases = []
    for v in verdicts:
        body = ""
        detail = escape(f"expected {v['expected']}; found {v['found']}; numbers {json.dumps(v['numbers'], default=str)}")
        if v["status"] == "fail":
            body = f"<failure message={quoteattr('expected ' + v['expected'] + ', found ' + v['found'])}>{detail}</failure>"
        elif v["status"] in SKIPPED:
            why = (v.get("acknowledged") or {}).get("why", "")
            body = f"<skipped message={quoteattr(v['status'] + ': ' + v['found'] + (' (' + why + ')' if why else ''))}/>"
        cases.append(f'  <testcase classname={quoteattr(v["document"])} name={quoteattr(v["id"])}>{body}</testcase>')
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="evsynth check" tests="{len(verdicts)}" '
           f'failures="{failures}" skipped="{skipped}">\n' + "\n".join(cases) + "\n</testsuite>\n")
    xml = _XML_ILLEGAL.sub("\ufffd", xml)
    write_atomically(path, lambda fh: fh.write(xml.encode("utf-8")))

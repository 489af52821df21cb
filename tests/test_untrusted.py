"""Everything in an evidence base is untrusted (issue 14): a base whose every text field holds a payload gives a
report in which no payload survives as markup; special files are refused without hanging; costs stay linear;
values are validated where they are read; the fingerprint names the bytes that were read."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"

LABEL = ('<script>alert(1)</script><img src=https://evil.example/x.png onerror=alert(2)>'
         '[x](javascript:alert(3))![i](https://evil.example/i.png)$a$ $b$')
TEXT = LABEL + ' <a href="https://evil.example/">here</a> # Heading | cell | *em* `code` &amp; --> <!-- _u_ ' \
    'www.evil.example mail@evil.example https://evil.example/bare _www.evil.example mailto:a@evil.example ' \
    'xmpp:a@evil.example evil.example'
LABEL_COLUMNS = ("study",)
# not `derived`: it is code that validate parses (meta/inputs/derived.py), so no free text reaches the report
TEXT_COLUMNS = ("condition_detail", "outcome_detail", "dose_text", "location", "notes")


def _toml(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


@pytest.fixture(scope="module")
def payload_build(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("payload")
    root = tmp / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = root / "baclofen"
    for path in (base / "tables").glob("*.csv"):
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for r in rows:
            for c in LABEL_COLUMNS:
                r[c] = LABEL
            secondary = "secondary" in r["notes"].lower()  # the rule that notes say so stays met
            for c in TEXT_COLUMNS:
                r[c] = TEXT
            if secondary:
                r["notes"] = TEXT + " (secondary source)"
            if len(TEXT) + 1 + len(r["quote"]) <= 400:
                r["quote"] = TEXT + " " + r["quote"]
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    for name, keys in (("analyses.toml", ("title",)), ("claims.toml", ("text", "section"))):
        text = (base / name).read_text(encoding="utf-8")
        for key in keys:
            text = re.sub(rf'(?m)^{key} = ".*"$', f"{key} = {_toml(TEXT)}", text)
        (base / name).write_text(text, encoding="utf-8")
    with open(base / "analyses.toml", "a", encoding="utf-8") as fh:
        fh.write(f"\n[analyses.aud_dropout.grade]\nindirectness = {{ change = -1, reason = {_toml(TEXT)} }}\n")
    bib = (base / "sources.bib").read_text(encoding="utf-8")
    titles = iter(range(10**6))  # distinct titles: two entries with one title and year are one publication
    (base / "sources.bib").write_text(re.sub(r"title = \{[^{}]*\}", lambda m: "title = {" + TEXT + f" {next(titles)}}}",
                                             bib), encoding="utf-8")
    out = tmp / "build"
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(out), "--quiet"])
    assert res.exit_code in (0, 1), res.output
    return out


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _check_markup(html: str, allowed_img_prefix: str | None = None) -> _Tags:
    p = _Tags()
    p.feed(html)
    for tag, attrs in p.tags:
        assert tag not in ("script", "iframe", "object", "embed", "form", "base", "meta") or (
            tag == "meta" and set(attrs) <= {"charset", "name", "content"}), (tag, attrs)
        if tag == "img":
            assert allowed_img_prefix and attrs.get("src", "").startswith(allowed_img_prefix), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "xlink:href", "action", "style", "srcset"):
                assert "evil.example" not in (value or "") and "javascript" not in (value or "").lower(), (tag, attrs)
        if tag == "a":
            href = attrs.get("href", "")
            assert href.startswith(("https://", "http://", "#")), href
    return p


def test_no_payload_survives_as_markup_in_report_html(payload_build):
    html = (payload_build / "report.html").read_text(encoding="utf-8")
    p = _check_markup(html)
    assert sum(tag == "svg" for tag, _ in p.tags) >= 5  # the figures are inlined (and checked above)
    shown = "".join(p.text)
    assert "<script>alert(1)</script>" in shown  # the payload is there, as text a reader sees
    assert html.count("<script") == 0 and "&lt;script&gt;" in html


def md_unescape(text: str) -> str:
    """A heading's text with the Markdown escapes md_escape adds removed (to compare with the value it showed)."""
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>~])", r"\1", text)


def test_no_payload_survives_as_markup_in_report_md(payload_build):
    from markdown_it import MarkdownIt

    md = (payload_build / "report.md").read_text(encoding="utf-8")
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(md)
    inline = [c for t in tokens if t.children for c in t.children]
    raw_html = {c.content for c in inline if c.type == "html_inline"} | {t.content for t in tokens
                                                                       if t.type == "html_block"}
    assert raw_html <= {"<br>"}, raw_html  # the template's own line breaks only
    # every heading is one of the template's: a payload's '#' never starts a heading of its own
    ids = {a["id"] for a in json.loads((payload_build / "results.json").read_text())["analyses"]}
    template = (ROOT / "cli" / "templates" / "report.md.j2").read_text()
    title = json.loads((payload_build / "results.json").read_text())["base"]["title"]
    fixed = {ln.lstrip("#").strip().replace("{{ v.about.title }}", title) for ln in template.splitlines()
             if ln.startswith("#") and ("{{" not in ln or "v.about.title" in ln)}
    from evsynth.cli.report_findings import sof_tables
    from evsynth.meta.review.results import ReviewResults

    results = ReviewResults.from_dict(json.loads((payload_build / "results.json").read_text()))
    sof = {t["title"] for t in sof_tables(results)}  # the summary-of-findings tables' own headings
    for i, t in enumerate(tokens):
        if t.type == "heading_open":
            text = tokens[i + 1].content
            assert text in fixed or (t.tag == "h3" and (re.search(r"\((" + "|".join(ids) + r")\)$", text)
                                                        or md_unescape(text) in sof)), text
    for c in inline:
        if c.type == "link_open":
            assert c.attrs["href"].startswith(("https://", "http://")), c.attrs
            assert "evil.example" not in c.attrs["href"]
        if c.type == "image":
            assert c.attrs["src"].startswith("figures/"), c.attrs
    _check_markup(parser.render(md), allowed_img_prefix="figures/")
    gfm = MarkdownIt("gfm-like")  # bare URLs, www., domains and e-mail addresses become links there
    _check_markup(gfm.render(md), allowed_img_prefix="figures/")
    import cmarkgfm  # GitHub's own renderer

    github = cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    _check_markup(github, allowed_img_prefix="figures/")
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    widths = {}
    for ln in rows:  # a payload's '|' never adds a table cell
        cells = len(re.findall(r"(?<!\\)\|", ln))
        widths.setdefault(cells, 0)
        widths[cells] += 1
    own = {ln.count("|") for ln in template.splitlines() if ln.startswith("|---")}  # the template's tables' widths
    assert own and all(n in own for n in widths), (widths, own)


def test_unsafe_urls_are_never_links():
    from evsynth.cli.report import _link

    for url in ('https://x.org/"onmouseover="alert(1)', "javascript:alert(1)", "data:text/html,<b>",
                "https://x.org/a b", "//evil.example/x", "https:///nohost"):
        assert _link({"url": url})[0] == "", url
    assert _link({"doi": '10.1000/a"b<c>'})[0] == "https://doi.org/10.1000/a%22b%3Cc%3E"
    assert _link({"pmid": "123"})[0] == "https://pubmed.ncbi.nlm.nih.gov/123/"
    # a DOI field that is not a DOI never becomes a doi.org link: the PubMed id (leading zeros dropped) or URL instead
    assert _link({"doi": "see the journal", "pmid": "0123"}) == ("https://pubmed.ncbi.nlm.nih.gov/123/", "PMID 123")
    assert _link({"doi": "https://doi.org/10.1000/xyz"}) == ("https://doi.org/10.1000/xyz", "doi:10.1000/xyz")
    assert _link({"doi": "javascript:alert(1)", "url": "https://a.org/p"}) == ("https://a.org/p", "https://a.org/p")


def test_markdown_escape():
    from evsynth.cli.markup import md_escape, md_link

    assert md_escape("[a](x)") == r"\[a\](x)"
    assert md_escape("[a](javascript:x) a@b.org evil.com") == "`[a](javascript:x)` `a@b.org` `evil.com`"
    assert md_escape("a`b`|c@d.e") == "``a`b`\\|c@d.e``"
    assert md_escape("a | b") == r"a \| b"
    assert md_escape("# h") == r"\# h" and md_escape("1. x") == r"1\. x" and md_escape("- x") == r"\- x"
    assert md_escape("aud_abstinence 0.1.0 -1") == "aud_abstinence 0.1.0 -1"  # ordinary text stays readable
    assert md_escape("line\nbreak\x1b") == "line break"
    assert md_link("x", "javascript:alert(1)") == "x" and md_link("x]", "https://a.org/") == r"[x\]](<https://a.org/>)"


def test_study_labels_with_dollars_are_drawn_as_text(tmp_path):
    import matplotlib.pyplot as plt

    from evsynth.figures import theme
    from evsynth.figures.forest import draw_forest
    from evsynth.figures.forest_data import forest_data

    theme.theme()
    assert plt.rcParams["text.parse_math"] is False
    from dataclasses import replace

    from evsynth.meta.review.pipeline import run_one

    a = run_one(BASE, "aud_abstinence")
    a = replace(a, study_effects=tuple(replace(e, study="cost $5 $10 \\frac{1}{2}") for e in a.study_effects))
    fig = draw_forest(forest_data(a))
    paths = theme.save(fig, tmp_path / "f", ("svg",))
    theme.close(fig)
    assert paths[0].stat().st_size > 1000


def test_a_fifo_and_dev_zero_are_refused_without_hanging(tmp_path):
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = root / "baclofen"
    (base / "tables" / "binary.csv").unlink()
    os.mkfifo(base / "tables" / "binary.csv")
    res = CliRunner().invoke(main, ["validate", str(base)])
    assert res.exit_code == 2 and "binary.csv" in res.output and "FIFO" in res.output, res.output
    (base / "tables" / "binary.csv").unlink()
    (base / "tables" / "binary.csv").symlink_to("/dev/zero")
    res = CliRunner().invoke(main, ["validate", str(base)])
    assert res.exit_code == 2 and "outside the evidence base" in res.output, res.output
    (base / "tables" / "binary.csv").unlink()
    (base / "tables" / "binary.csv").symlink_to(BASE / "tables" / "binary.csv")  # a real file, but outside
    res = CliRunner().invoke(main, ["validate", str(base)])
    assert res.exit_code == 2 and "outside the evidence base" in res.output
    (base / "tables" / "binary.csv").unlink()
    shutil.copy(BASE / "tables" / "binary.csv", base / "binary-original.csv")
    (base / "tables" / "binary.csv").symlink_to(base / "binary-original.csv")  # inside the base: fine
    assert CliRunner().invoke(main, ["validate", str(base)]).exit_code == 0


def test_the_size_limit_is_enforced_while_reading(tmp_path, monkeypatch):
    from evsynth.meta.inputs import textfiles
    from evsynth.meta.errors import SchemaError

    monkeypatch.setattr(textfiles, "MAX_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_text("x" * 5000)
    with pytest.raises(SchemaError, match="larger than the limit"):
        textfiles.read_text(big)
    with pytest.raises(SchemaError, match="character device"):
        textfiles.read_text("/dev/zero")


def test_error_lists_are_capped_with_a_count(tmp_path):
    from evsynth.meta.errors import MAX_SHOWN

    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    path = root / "baclofen" / "tables" / "binary.csv"
    lines = path.read_text().splitlines()
    header, row = lines[0], lines[1]
    wide = header + "".join(f",extra{i}" for i in range(20_000))
    path.write_text(wide + "\n" + row + "," * 20_000 + "\n")
    res = CliRunner().invoke(main, ["validate", str(root / "baclofen")])
    assert res.exit_code == 2
    assert len(res.output.splitlines()) <= MAX_SHOWN + 3
    assert re.search(r"and [\d,]+ more", res.output)
    path.write_text(header + "\n" + "\n".join(row.replace(",40,", ",forty,", 1).replace("addolorato2007-01", f"r{i}")
                                              for i in range(3000)) + "\n")
    res = CliRunner().invoke(main, ["validate", str(root / "baclofen")])
    assert res.exit_code == 2 and len(res.output.splitlines()) <= MAX_SHOWN + 3 and "more" in res.output


def test_key_lines_finds_every_header_and_key_in_one_pass():
    from evsynth.meta.inputs.tomlfiles import key_lines

    text = "".join(f'[analyses.a{i}]  # c\ntitle = "t"\n\n[analyses."q {i}".tsa]\nrrr = 0.1\n' for i in range(8000))
    lines = key_lines(text)
    assert lines[("analyses", "a7999")] == 7999 * 5 + 1
    assert lines[("analyses", "a7999", "title")] == 7999 * 5 + 2
    assert lines[("analyses", "q 7999", "tsa", "rrr")] == 7999 * 5 + 5
    assert key_lines('x = """\n[not.a.header]\n"""\n[real]\n') == {("x",): 1, ("real",): 4}


def test_begg_large_k_uses_the_n_log_n_path_with_the_same_statistic():
    from evsynth.meta.robustness import small_study as bias

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=300), rng.normal(size=300)
    tau_fast, p_fast, _ = bias.kendall(x, y)
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(300, 1)
    tau_pairs = float(np.sum(dx[iu] * dy[iu])) / (300 * 299 / 2)
    assert tau_fast == pytest.approx(tau_pairs, abs=1e-12)


def test_refits_are_skipped_with_a_reason_above_the_cap(monkeypatch):
    from evsynth.meta.review import run as analysis_run
    from evsynth.meta.review.pipeline import run_one

    monkeypatch.setattr(analysis_run, "MAX_REFIT_K", 2)
    a = run_one(BASE, "oral_any_adverse_event_vs_placebo")
    assert a.result.k > 2
    for key in ("leave_one_out", "cumulative", "influence"):
        assert "not computed" in getattr(a, key).error and "k squared" in getattr(a, key).error


def test_extreme_effects_are_excluded_with_a_reason_never_pooled_silently():
    from evsynth.meta.engine.effects import compute_effects
    from evsynth.meta.errors import AnalysisError
    from evsynth.meta.robustness.refits import fit_table
    from evsynth.meta.engine.model import Model
    from evsynth.meta.engine.choices import Measure

    eff = compute_effects("GEN", {"yi": [0.1, 1e308, 0.3], "vi": [0.1, 0.1, 5e-324]}, ["a", "b", "c"])
    assert eff.study == ("a",) and {e.study for e in eff.excluded} == {"b", "c"}
    assert all("overflow" in e.reason for e in eff.excluded)
    with pytest.raises(AnalysisError):
        fit_table({"yi": np.array([1e308, -1e308]), "vi": np.array([1.0, 1.0])}, ("a", "b"), Model(Measure.GEN))


def test_results_fingerprint_the_bytes_that_were_read(tmp_path, monkeypatch):
    from evsynth.meta.review import pipeline

    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = root / "baclofen"
    (base / "notes-to-self.txt").write_text("not an input")
    table = base / "tables" / "binary.csv"
    original = hashlib.sha256(table.read_bytes()).hexdigest()
    real = pipeline.run_analysis

    def edit_during_the_run(*args, **kwargs):  # a file changed while the analyses run
        table.write_text(table.read_text() + "\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "run_analysis", edit_during_the_run)
    results = pipeline.run_base(base, "test").results
    files = {f.path: f.sha256 for f in results.evidence.files}
    assert files["tables/binary.csv"] == original
    assert set(files) == {*(f"tables/{p.name}" for p in (base / "tables").glob("*.csv")), "gaps.csv", "sources.bib",
                          "risk_of_bias.csv", "extraction_log.csv", "analyses.toml", "claims.toml", "base.toml",
                          "vocabulary.toml"}
    assert results.rules.sha256 == hashlib.sha256((root / "grading.toml").read_bytes()).hexdigest()


def test_junit_stays_well_formed_whatever_a_verdict_holds(tmp_path):
    from evsynth.cli.check import _write_junit

    path = tmp_path / "j.xml"
    _write_junit(path, [{"id": "c1", "document": "d\x00", "expected": "x\x1b[2J", "found": "\ud800 y", "status": "fail",
                         "numbers": {}}])
    ET.parse(path)  # well-formed


def test_pool_by_with_blank_groups(tmp_path):
    blank = tmp_path / "blank.csv"
    blank.write_text("study,g,yi,vi\na,x,0.1,0.2\nb,,0.2,0.3\nc,x,0.3,0.1\nd,,0.1,0.1\n")
    res = CliRunner().invoke(main, ["pool", str(blank), "--measure", "GEN", "--by", "g", "--format", "json"])
    assert res.exit_code == 2 and "lines 3, 5" in res.output
    res = CliRunner().invoke(main, ["pool", str(blank), "--measure", "GEN", "--by", "g", "--format", "json",
                                    "--by-missing", "keep"])
    assert res.exit_code == 0, res.output
    groups = [r["group"] for r in json.loads(res.stdout)]
    assert "(missing)" in str(groups) and "pooled as the group '(missing)'" in res.stderr


def test_pool_by_with_null_groups_in_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = tmp_path / "g.parquet"
    pd.DataFrame({"study": list("abcd"), "g": ["x", None, "x", float("nan")], "yi": [0.1, 0.2, 0.3, 0.1],
                  "vi": [0.2, 0.3, 0.1, 0.1]}).to_parquet(path)
    res = CliRunner().invoke(main, ["pool", str(path), "--measure", "GEN", "--by", "g", "--format", "json"])
    assert res.exit_code == 2 and "--by-missing" in res.output


def test_an_unreachable_scheduler_exits_2_naming_it(monkeypatch):
    pytest.importorskip("distributed")
    from evsynth.cli import batch_dask

    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", "1s")
    res = CliRunner().invoke(main, ["pool", str(ROOT / "evidence" / "examples" / "bcg.csv"), "--measure", "RR",
                                    "--by", "year", "--format", "json", "--engine", "dask", "--scheduler",
                                    "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "tcp://127.0.0.1:9" in res.output and "Traceback" not in res.output


def test_a_bug_exits_2_with_one_line_and_debug_shows_the_traceback(monkeypatch):
    from evsynth.meta.review import pipeline

    def broken(*a, **k):
        raise TypeError("boom")

    monkeypatch.setattr(pipeline, "run_base", broken)
    res = CliRunner().invoke(main, ["check"])
    assert res.exit_code == 2 and "unexpected TypeError: boom" in res.output and "--debug" in res.output
    res = CliRunner().invoke(main, ["--debug", "check"])
    assert isinstance(res.exception, TypeError)


def test_terminal_output_never_carries_control_characters():
    from evsynth.meta.errors import CellProblem, visible

    assert visible("a\x1b[2Jb\u202ec") == "a\\u001b[2Jb\\u202ec"
    assert "\x1b" not in str(CellProblem("f\x1b.csv", 1, "c\x00", "bad \x1b[31m"))


def test_table_output_escapes_control_characters_from_any_input(tmp_path):
    data = tmp_path / "esc.csv"
    data.write_text("study,g,yi,vi\nA\x1b[2Jb\u202e,x\x1b]0;t\x07,0.1,0.2\nb,x\x1b]0;t\x07,0.2,0.3\n", encoding="utf-8")
    for args in (["pool", str(data), "--measure", "GEN", "--by", "g"],
                 ["pool", str(data), "--measure", "GEN", "--format", "json"],
                 ["influence", str(data), "--measure", "GEN", "--format", "table"]):
        res = CliRunner().invoke(main, args)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", res.output), (args, res.output)
        if "json" in args:
            json.loads(res.output)  # escaped, still valid JSON


def test_bias_reports_every_test_it_can_when_one_cannot_be_computed(tmp_path):
    eq = tmp_path / "eq.csv"
    eq.write_text("study,year,events_t,n_t,events_c,n_c\na,2001,5,20,10,20\nb,2002,3,20,9,20\nc,2003,4,20,8,20\n"
                  "d,2004,6,20,7,20\n")
    res = CliRunner().invoke(main, ["bias", str(eq), "--measure", "RR"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["peters_p"] is None and "does not vary" in out["peters_error"]
    assert 0 <= out["egger_p"] <= 1 and 0 <= out["begg_p"] <= 1 and out["trimfill_k0"] >= 0


def test_a_service_that_is_not_a_dask_scheduler_exits_2_naming_it(monkeypatch):
    pytest.importorskip("distributed")
    import socket
    import threading

    from evsynth.cli import batch_dask

    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", "2s")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]

    def garbage():
        try:
            while True:
                conn, _ = server.accept()
                conn.sendall(b"\xff" * 64 + b"HTTP/1.0 200 OK\r\n\r\nnot dask")
                conn.close()
        except OSError:
            pass

    threading.Thread(target=garbage, daemon=True).start()
    try:
        res = CliRunner().invoke(main, ["pool", str(ROOT / "evidence" / "examples" / "bcg.csv"), "--measure", "RR",
                                        "--by", "year", "--format", "json", "--engine", "dask", "--scheduler",
                                        f"tcp://127.0.0.1:{port}"])
    finally:
        server.close()
    assert res.exit_code == 2 and f"tcp://127.0.0.1:{port}" in res.output and "memory" not in res.output


def test_a_back_transformed_bound_beyond_the_float_range_comes_with_a_note(tmp_path):
    g = tmp_path / "g.csv"
    g.write_text("study,estimate,ci_low,ci_high\na,5e-300,5e-300,1e-200\nb,2,1,4\nc,3,1,5\n")
    res = CliRunner().invoke(main, ["pool", str(g), "--measure", "GEN", "--format", "json"])
    assert res.exit_code == 0 and "Warning" not in res.output
    out = json.loads(res.stdout)
    if None in out["back"].values():
        assert any("floating-point range" in n for n in out["notes"])


def test_long_titles_in_the_rates_figure_are_wrapped_and_cut():
    from evsynth.figures.rates import _label

    label = _label("Intrathecal baclofen: somnolence, pooled rate " * 5)
    assert len(label.splitlines()) == 2 and all(len(ln) <= 48 for ln in label.splitlines())
    assert label.endswith("…") and _label("Short") == "Short"


def test_did_you_mean_stays_cheap():
    from evsynth.meta.inputs.names import close_match

    assert close_match("addolorato2007a", ["addolorato2007", "garbutt2010"]) == ["addolorato2007"]
    assert close_match("x" * 190, ["x" * 189]) == []  # long names: no quadratic difflib
    assert close_match("abc", [f"k{i}" for i in range(6000)]) == []  # many names: no hint


def test_triple_quotes_inside_one_line_strings_and_comments_keep_the_lines_right():
    from evsynth.meta.inputs.tomlfiles import key_lines

    text = 'a = "x \\"\\"\\" y"  # """\n[t]\nb = """one"""\nc = 1\n'
    assert key_lines(text) == {("a",): 1, ("t",): 2, ("t", "b"): 3, ("t", "c"): 4}


def test_the_base_can_be_named_any_way(tmp_path, monkeypatch):
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    (tmp_path / "link").symlink_to(root / "baclofen")
    monkeypatch.chdir(root / "baclofen")
    import tomllib

    n_claims = len(tomllib.loads((BASE / "claims.toml").read_text(encoding="utf-8"))["claims"])
    for name in (".", "tables/..", str(tmp_path / "link")):
        res = CliRunner().invoke(main, ["check", name, "--format", "json"])
        assert res.exit_code == 0 and len(json.loads(res.stdout)) == n_claims, (name, res.output[-300:])
    res = CliRunner().invoke(main, ["check", ".", "--junit", "../grading.toml"])
    assert res.exit_code == 2 and "rule set" in res.output
    assert (root / "grading.toml").read_bytes() == (BASE.parent / "grading.toml").read_bytes()


def test_help_and_version_into_a_closed_pipe_or_a_full_disk():
    import subprocess
    import sys

    for args in (["--help"], ["--version"], ["check", "--help"]):
        piped = subprocess.run(["bash", "-c", f"{sys.executable} -m evsynth.cli.main {' '.join(args)} | true; "
                                "exit ${PIPESTATUS[0]}"], capture_output=True, text=True)
        assert piped.returncode in (0, 141) and "Traceback" not in piped.stderr, (args, piped.stderr)
        with open("/dev/full", "w") as full:
            res = subprocess.run([sys.executable, "-m", "evsynth.cli.main", *args], stdout=full, stderr=subprocess.PIPE,
                                 text=True)
        assert res.returncode == 2 and "Traceback" not in res.stderr, (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and "No space left" in res.stderr


def test_diff_refuses_a_revision_whose_base_holds_an_absolute_link(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo / "evidence" / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", repo / "evidence" / "grading.toml")
    (repo / "evidence" / "baclofen" / "tables" / "passwd.csv").symlink_to("/etc/passwd")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    old = os.getcwd()
    os.chdir(repo)
    try:
        res = CliRunner().invoke(main, ["diff", "HEAD", "HEAD"])
    finally:
        os.chdir(old)
    assert res.exit_code == 2 and "leave the evidence base" in res.output and "bug" not in res.output

"""`evsynth pool`: exit codes, messages naming what is wrong, and JSON equal to to_dict()."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.engine.pooling import pool_table

HEADER = "study,events_t,n_t,events_c,n_c\n"
GOOD = HEADER + "A,4,123,11,139\nB,6,306,29,303\nC,3,231,11,220\n"


def run(args, tmp_path=None, content=None, name="t.csv", binary=None):
    runner = CliRunner()
    if content is not None or binary is not None:
        path = tmp_path / name
        if binary is not None:
            path.write_bytes(binary)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        args = [str(path) if a == "FILE" else a for a in args]
    return runner.invoke(main, ["pool", *args])


def test_json_equals_to_dict(tmp_path):
    res = run(["FILE", "--measure", "RR", "--method", "REML", "--test", "knha", "--format", "json"], tmp_path, GOOD)
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    expected = pool_table(
        {"events_t": [4, 6, 3], "n_t": [123, 306, 231], "events_c": [11, 29, 11], "n_c": [139, 303, 220]},
        "RR", "REML", "knha", study=["A", "B", "C"],
    ).to_dict()
    assert got == json.loads(json.dumps(expected))
    for key in ("k", "measure", "method", "test", "estimate", "se", "ci_low", "ci_high", "pvalue", "pi_low",
                "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "h2", "q", "q_pvalue", "excluded"):
        assert key in got


def test_table_format_shows_back_transformed(bcg_path):
    res = CliRunner().invoke(main, ["pool", str(bcg_path), "--measure", "RR"])
    assert res.exit_code == 0
    assert "-0.7145" in res.output
    assert "Back-transformed (exp): 0.4894 [0.3441, 0.6962]" in res.output
    assert "Q(df = 12) = 152.2330" in res.output


@pytest.mark.parametrize(
    "content, fragments",
    [
        (HEADER + "A,140,123,11,139\n", ["line 2", "events_t", "more than the group size"]),
        (HEADER + "A,-4,123,11,139\n", ["line 2", "events_t", "negative"]),
        ("study,events_t,n_t,events_c\nA,4,123,11\n", ["n_c", "missing column"]),
        ("study,event_t,n_t,events_c,n_c\nA,4,123,11,139\n", ["events_t", "did you mean 'event_t'"]),
        (HEADER + "A,four,123,11,139\nB,6,x,29,303\n", ["line 2", "'four' is not a number", "line 3", "n_t"]),
        ("", ["empty"]),
        (HEADER, ["no data rows"]),
        (HEADER + "A,4.5,123,11,139\n", ["line 2", "not a whole number"]),
        (HEADER + "A,4,0,0,139\n", ["line 2", "n_t", "group size is 0"]),
        (HEADER + "A,nan,123,11,139\n", ["line 2", "not a finite number"]),
        ("study;events_t;n_t;events_c;n_c\nA;4;123;11;139\n", ["delimiter"]),
    ],
)
def test_bad_binary_inputs_exit_2_with_message(tmp_path, content, fragments):
    res = run(["FILE", "--measure", "OR"], tmp_path, content)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in res.output


def test_a_missing_value_is_refused_with_na_fail(tmp_path):
    res = run(["FILE", "--measure", "OR", "--na", "fail"], tmp_path, HEADER + "A,,123,11,139\n")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for fragment in ["line 2", "events_t", "missing value"]:
        assert fragment in res.output


def test_zero_sd_and_negative_variance(tmp_path):
    cont = "study,mean_t,sd_t,n_t,mean_c,sd_c,n_c\nA,1,0,10,2,1,10\n"
    res = run(["FILE", "--measure", "SMD"], tmp_path, cont)
    assert res.exit_code == 2 and "sd_t" in res.output and "line 2" in res.output
    gen = "study,yi,vi\nA,0.1,-0.2\nB,0.3,0.1\n"
    res = run(["FILE", "--measure", "GEN"], tmp_path, gen)
    assert res.exit_code == 2 and "vi" in res.output and "negative" in res.output


def test_measure_that_does_not_fit_the_table(tmp_path):
    res = run(["FILE", "--measure", "MD"], tmp_path, GOOD)
    assert res.exit_code == 2
    assert "mean_t" in res.output and "missing column" in res.output
    res = run(["FILE", "--measure", "RR", "--method", "PETO"], tmp_path, GOOD)
    assert res.exit_code == 2 and "Peto" in res.output


def test_not_utf8(tmp_path):
    res = run(["FILE", "--measure", "OR"], tmp_path, binary=GOOD.encode() + b"D,\xff\xfe,1,2,3\n")
    assert res.exit_code == 2
    assert "not UTF-8" in res.output and "line 5" in res.output


def test_missing_file_and_unknown_measure(tmp_path):
    res = CliRunner().invoke(main, ["pool", str(tmp_path / "nope.csv"), "--measure", "OR"])
    assert res.exit_code == 2 and "file not found" in res.output
    res = run(["FILE", "--measure", "XX"], tmp_path, GOOD)
    assert res.exit_code == 2 and "XX" in res.output


def test_bom_crlf_quotes_and_extra_columns_read_like_clean(tmp_path):
    clean = run(["FILE", "--measure", "OR", "--format", "json"], tmp_path, GOOD)
    messy = ('\ufeff"study","events_t","n_t","events_c","n_c","note"\r\n'
             '"A",4,123,11,139,"x, y"\r\n"B","6",306,29,303,\r\n"C",3,231,11,220,"z"\r\n')
    other = run(["FILE", "--measure", "OR", "--format", "json"], tmp_path, messy, name="m.csv")
    assert clean.exit_code == 0 and other.exit_code == 0, other.output
    assert json.loads(clean.output) == json.loads(other.output)


def test_column_mapping(tmp_path):
    content = "trial,ai,n1i,ci,n2i\nA,4,123,11,139\nB,6,306,29,303\n"
    res = run(["FILE", "--measure", "RR", "--columns", "events_t=ai,n_t=n1i,events_c=ci,n_c=n2i",
               "--study-column", "trial", "--format", "json"], tmp_path, content)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["studies"] == ["A", "B"]


def test_by_gives_one_object_per_group(bcg_path):
    res = CliRunner().invoke(main, ["pool", str(bcg_path), "--measure", "RR", "--by", "alloc", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [o["group"] for o in out] == ["random", "alternate", "systematic"]
    assert [o["k"] for o in out] == [7, 2, 4]


def test_every_command_has_help():
    from evsynth.cli.main import COMMANDS

    for name in COMMANDS:
        res = CliRunner().invoke(main, [name, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output


@pytest.mark.parametrize("method", ["MH", "REML"])
def test_by_json_is_the_same_whatever_the_number_of_processes(tmp_path, method):
    """--jobs splits the groups across forked processes; the bytes, the errors and the exit code stay the same."""
    rows = [HEADER.strip() + ",g"]
    for g in range(25):
        for i in range(2 + g % 5):
            rows.append(f"s{g}-{i},{(3 * g + i) % 9},{40 + i},{(g + 2 * i) % 7},{50 + g}," + f"g{g}")
    rows.append("z1,0,30,0,30,allzero")  # double zero, dropped: this group cannot be pooled
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n")
    outputs = []
    for jobs in ("1", "3"):
        res = CliRunner().invoke(main, ["pool", str(path), "--measure", "OR", "--method", method, "--by", "g",
                                        "--drop00", "--format", "json", "--jobs", jobs])
        outputs.append((res.exit_code, res.stdout, res.stderr))
    assert outputs[0] == outputs[1]
    code, stdout, stderr = outputs[0]
    assert code == 2 and "allzero" in stderr
    assert len(json.loads(stdout)) == 26


# --na: a study with a missing value is left out and listed, as metafor does (default), or refused (--na fail)
MISSING = HEADER + "A,4,123,11,139\nB,,306,29,303\nC,3,231,11,220\nD,5,200,NA,210\nE,7,150,12,160\n"
COMPLETE = HEADER + "A,4,123,11,139\nC,3,231,11,220\nE,7,150,12,160\n"


@pytest.mark.parametrize("method", ["REML", "DL", "MH", "PETO"])
def test_na_omit_leaves_the_study_out_and_lists_it(tmp_path, method):
    measure = "PETO" if method == "PETO" else "OR"
    args = ["FILE", "--measure", measure, "--method", method, "--format", "json"]
    res = run(args, tmp_path, MISSING)
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["k"] == 3 and got["studies"] == ["A", "C", "E"]
    assert got["excluded"] == [{"study": "B", "reason": "missing"}, {"study": "D", "reason": "missing"}]
    assert "2 studies with a missing value left out" in res.stderr
    assert "line 3 (events_t); line 5 (events_c)" in res.stderr
    complete = json.loads(run(args, tmp_path, COMPLETE, name="c.csv").stdout)
    for key in ("estimate", "se", "ci_low", "ci_high", "pvalue", "tau2", "q", "i2"):
        assert got[key] == complete[key], key


def test_na_fail_refuses_every_missing_cell(tmp_path):
    res = run(["FILE", "--measure", "OR", "--na", "fail"], tmp_path, MISSING)
    assert res.exit_code == 2
    assert "line 3, column 'events_t': missing value" in res.output
    assert "line 5, column 'events_c': missing value" in res.output


def test_na_omit_per_group_and_in_the_table_format(tmp_path):
    content = HEADER.strip() + ",g\n" + "".join(
        f"{line},{'x' if i < 3 else 'y'}\n" for i, line in enumerate(MISSING.splitlines()[1:]))
    res = run(["FILE", "--measure", "OR", "--by", "g", "--format", "json"], tmp_path, content)
    assert res.exit_code == 0, res.output
    x, y = json.loads(res.stdout)
    assert x["excluded"] == [{"study": "B", "reason": "missing"}] and x["k"] == 2
    assert y["excluded"] == [{"study": "D", "reason": "missing"}] and y["k"] == 1
    res = run(["FILE", "--measure", "OR"], tmp_path, MISSING)
    assert "Excluded studies:\n  B: missing\n  D: missing" in res.stdout


def test_na_omit_everything_missing_is_an_error(tmp_path):
    res = run(["FILE", "--measure", "OR"], tmp_path, HEADER + "A,,123,11,139\nB,3,,4,50\n")
    assert res.exit_code == 2 and "no study can be pooled" in res.output and "A: missing" in res.output


def test_na_omit_reads_parquet_nulls_as_missing(tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    frame = pd.DataFrame({"study": ["A", "B", "C"], "yi": [0.1, None, 0.4], "vi": [0.05, 0.04, 0.06]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    res = CliRunner().invoke(main, ["pool", str(path), "--measure", "GEN", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["excluded"] == [{"study": "B", "reason": "missing"}]
    res = CliRunner().invoke(main, ["pool", str(path), "--measure", "GEN", "--na", "fail"])
    assert res.exit_code == 2 and "line 3" in res.output and "'yi'" in res.output


def test_na_omit_with_mantel_haenszel_keeps_the_row_order_of_exclusions(tmp_path):
    content = HEADER + "Z,0,20,0,25\n" + MISSING.split("\n", 1)[1]  # a double-zero study before the missing ones
    res = run(["FILE", "--measure", "OR", "--method", "MH", "--format", "json"], tmp_path, content)
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert [(e["study"], e["reason"].split(" ")[0]) for e in got["excluded"]] == [
        ("Z", "double-zero"), ("B", "missing"), ("D", "missing")]
    assert got["k"] == 4  # the tables pooled: Z counts, as metafor's rma.mh counts it

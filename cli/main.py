"""The `evsynth` command group. Subcommands are imported only when run, so `--help` starts fast."""
from __future__ import annotations

import importlib
import signal

import click

# name -> (module, attribute, one-line help shown by `evsynth --help` without importing the module)
COMMANDS = {
    "pool": ("evsynth.cli.pool", "pool", "Pool the studies of a CSV file (one meta-analysis, or one per group)."),
    "influence": ("evsynth.cli.robustness", "influence", "Leave-one-out and influence diagnostics per study."),
    "audit": ("evsynth.cli.audit", "audit", "How the evidence base is sourced: identifiers, quotes, dual extraction."),
    "bias": ("evsynth.cli.robustness", "bias", "Small-study effects: Egger, Begg, trim-and-fill (Peters, Harbord)."),
    "check": ("evsynth.cli.check", "check", "Check every documented claim against the data; exit 1 if any fails."),
    "convert": ("evsynth.cli.convert", "convert", "Convert reported statistics: CI or p to SE, SE/CI/IQR to SD, t/F/p to SMD."),
    "cumulative": ("evsynth.cli.robustness", "cumulative", "Cumulative meta-analysis, by year or any column."),
    "diff": ("evsynth.cli.diff", "diff", "Compare two results snapshots (or evidence bases): analyses and claims."),
    "figure": ("evsynth.cli.figures", "figure", "Any figure of one analysis (forest, cumulative, funnel, ...)."),
    "forest": ("evsynth.cli.figures", "forest", "Forest plot of one analysis (SVG and PNG; PDF on request)."),
    "funnel": ("evsynth.cli.figures", "funnel", "Contour-enhanced funnel plot of one analysis, with trim-and-fill."),
    "labbe": ("evsynth.cli.figures", "labbe", "L'Abbé plot of one two-arm analysis."),
    "bubble": ("evsynth.cli.figures", "bubble", "Bubble plot of one analysis' meta-regression (e.g. dose)."),
    "fragility": ("evsynth.cli.robustness", "fragility", "Fragility index and quotient of a binary meta-analysis."),
    "run": ("evsynth.cli.run", "run", "Run every analysis of the evidence base; write build/results.json."),
    "schema": ("evsynth.cli.schema", "schema", "Print the JSON Schema of results.json."),
    "tsa": ("evsynth.cli.robustness", "tsa", "Trial sequential analysis: information size, boundaries, Z curve."),
    "validate": ("evsynth.cli.validate", "validate", "Check an evidence base's tables and sources; list every problem."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):
        """Interruptions outside a command's own handling (while importing it, say) exit 130/143 too."""
        from evsynth.meta.errors import Interrupted

        from .errors import install_signal_handlers, interrupted

        install_signal_handlers()
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise SystemExit(interrupted(signal.SIGINT)) from None
        except Interrupted as exc:
            raise SystemExit(interrupted(exc.signum)) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="evsynth")
@click.option("--debug", is_flag=True, help="Show the Python traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """evsynth: clinical-trial evidence synthesis, kept as code.

    Exit codes: 0 ok, 1 a claim failed, 2 bad input, usage or environment (disk full, read-only folder),
    130/143 interrupted (SIGINT/SIGTERM).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def entry() -> None:
    """The `evsynth` executable: main(), and what happens to its output (help and version included): a reader that
    went away exits 141 quietly, a full disk or a closed stream exits 2 with one line, usage errors exit 2 with
    click's message, Ctrl-C while parsing exits 130."""
    import errno
    import os
    import sys

    try:
        rv = main.main(standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        sys.stdout.flush()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if type(sys.stdout).__name__ == "_PacifyFlushWrapper":  # click met a closed pipe (EPIPE) and exits 1
            code = 141
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort:
        code = 130
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            code = 141
        else:
            print(f"error: cannot write the output: {os.strerror(exc.errno or errno.EIO)}", file=sys.stderr)
            code = 2
    if code == 141:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no "Exception ignored" at exit
    sys.exit(code)


if __name__ == "__main__":  # python -m evsynth.cli.main
    entry()

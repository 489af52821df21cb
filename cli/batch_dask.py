"""`evsynth pool --by --format json --engine dask`: the same batch, its groups split into partitions that run on
a Dask cluster (a LocalCluster by default, or `--scheduler tcp://host:8786`).

The parent reads the table and splits the rows by runs of consecutive groups (in order of first appearance, as
the single-process path orders them); each task pools one partition's rows and returns its JSON text; the parent
joins the texts in partition order, so the output is byte-identical to one process's. Dask is an optional extra
(`pip install 'evsynth[dask]'`).
"""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd


def _partitions(table, by, parts: int) -> list[np.ndarray]:
    from evsynth.meta.engine.batch import group_codes
    from evsynth.meta.engine.records import part_range

    labels, order, starts = group_codes(table, by)
    bounds = np.append(starts, len(order))
    out = []
    for i in range(parts):
        span = part_range(len(labels), (i, parts))
        if len(span):
            out.append(np.sort(order[bounds[span.start]:bounds[span.stop]]))
    return out


def _subset(table, rows: np.ndarray):
    return replace(table, columns={c: v[rows] for c, v in table.columns.items()},
                   study=tuple(table.study[i] for i in rows), lines=tuple(table.lines[i] for i in rows),
                   groups={g: tuple(v[i] for i in rows) for g, v in table.groups.items()},
                   frame=pd.DataFrame())


def _task(model: tuple, studies: bool) -> tuple[str, list[str]]:
    from evsynth.meta.engine.records import pool_records

    records = pool_records(*model, studies=studies)
    text = json.dumps(records, separators=(",", ":"), allow_nan=False, check_circular=False)
    return text[1:-1], [r["error"] for r in records if "error" in r]


CONNECT_TIMEOUT = "10s"


def batch_json_dask(model: tuple, studies: bool, partitions: int, scheduler: str | None,
                    workers: int, write) -> list[str]:
    """Write the JSON array of every group's record through `write`, computed on Dask, partition by partition in
    group order; return the groups' errors in group order."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from evsynth.meta.errors import CellProblem, SchemaError

        raise SchemaError([CellProblem("--engine", None, None, "the dask engine needs Dask: "
                                       "pip install 'evsynth[dask]'")]) from None
    table, by = model[0], model[4]
    parts = _partitions(table, by, partitions)
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - whatever answers there (or does not) is not a usable scheduler
            from evsynth.meta.errors import CellProblem, SchemaError

            raise SchemaError([CellProblem("--scheduler", None, None, f"cannot reach the Dask scheduler at "
                                           f"{scheduler} ({type(exc).__name__}: {exc}); is it running?")]) from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        from .batch_json import _Joiner

        futures = [client.submit(_task, (_subset(table, rows),) + model[1:], studies, pure=False)
                   for rows in parts]
        out, errors = _Joiner(write), []
        for future in futures:  # in partition order; each result is released once written
            body, errs = future.result()
            out.add(body)
            errors += errs
            future.release()
        out.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return errors

"""The published shape of results.json: its JSON Schema (built from the typed results and their documented
fields), and checking a document against it."""
from __future__ import annotations

from ..jsonable import json_schema
from .results import SCHEMA_VERSION, ReviewResults


def results_schema() -> dict:
    """JSON Schema of results.json (schema_version SCHEMA_VERSION).

    Returns
    -------
    dict
        The JSON Schema (draft 2020-12), with its title and $id.
    """
    schema = json_schema(ReviewResults)
    schema["title"] = f"evsynth results.json, schema version {SCHEMA_VERSION}"
    schema["$id"] = f"https://evsynth.example/schemas/results-{SCHEMA_VERSION}.json"
    return schema


def schema_problem(doc, most: int = 5) -> str:
    """Why `doc` does not fit the schema (up to `most` problems, each with where it is), or "".

    Parameters
    ----------
    doc : object
        The parsed JSON document.
    most : int
        The most problems named.

    Returns
    -------
    str
        The problems, separated by "; " (wrong values before missing ones); "" when the document fits.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(results_schema())
    errors = [_deepest(e) for e in validator.iter_errors(doc)]
    # a wrong value first (it names the field), then the missing ones
    errors.sort(key=lambda e: (not e.absolute_path, [str(p) for p in e.absolute_path]))
    return "; ".join(f"at {'/'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message[:160]}"
                     for e in errors[:most])


def _deepest(error):
    """Inside an anyOf (a field that may be null, or one of several types), the alternative's own error that
    names the innermost field."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return error

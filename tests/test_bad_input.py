"""Bad input to any public svdlab function raises ValueError or TypeError naming the parameter.

Each test module keeps a ``BAD_INPUTS`` table (rows of ``conftest.BadInput``) for the
module it tests; this file runs every row and checks that no public function of any
svdlab module has been left out of the tables.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest
import torch

import svdlab
from conftest import REPO, BadInput

# Public callables that take no argument a caller could get wrong.
NO_ARGUMENTS = {"svdlab.training.default_device"}
# Methods whose arguments come from the framework, not from the caller.
EXEMPT_METHODS = {"forward", "extra_repr", "to"}


def _tables() -> list[BadInput]:
    rows = []
    for path in sorted((REPO / "tests").glob("test_*.py")):
        if path.stem == "test_bad_input":
            continue
        rows.extend(getattr(importlib.import_module(path.stem), "BAD_INPUTS", []))
    return rows


ROWS = _tables()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_raises_a_clear_error(row: BadInput):
    assert row.error in (ValueError, TypeError)
    with pytest.raises(row.error) as raised:
        row.function(*row.args, **row.kwargs)
    assert re.search(rf"'{re.escape(row.parameter)}'", str(raised.value)), (
        f"{row.function.__qualname__}: message {str(raised.value)!r} does not name '{row.parameter}'"
    )


def _public_callables() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(svdlab.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"svdlab.{info.name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if callable(method) and not method_name.startswith("_") and method_name not in EXEMPT_METHODS:
                        found[f"svdlab.{info.name}.{name}.{method_name}"] = method
                # A hand-written constructor validates its arguments; a dataclass's only stores them.
                if "__init__" in vars(obj) and not dataclasses.is_dataclass(obj):
                    found[f"svdlab.{info.name}.{name}"] = obj
            elif callable(obj):
                found[f"svdlab.{info.name}.{name}"] = obj
    return found


def test_every_public_function_has_bad_input_rows():
    covered = {id(row.function) for row in ROWS}
    missing = [name for name, obj in _public_callables().items() if id(obj) not in covered and name not in NO_ARGUMENTS]
    assert not missing, f"no bad-input row for: {missing}"


def test_the_table_is_large():
    assert len(ROWS) >= 25


def _kind(row: BadInput) -> str:
    """What is wrong with the argument a row names: the kinds of bad input the table must cover."""
    try:
        value = inspect.signature(row.function).bind(*row.args, **row.kwargs).arguments[row.parameter]
    except (TypeError, ValueError, KeyError):
        return "other"
    if isinstance(value, torch.nn.Module) or row.parameter in ("model", "module", "layer"):
        return "module type"
    if isinstance(value, (np.ndarray, torch.Tensor, list, tuple)):
        try:
            array = np.asarray(value.detach() if isinstance(value, torch.Tensor) else value)
        except (TypeError, ValueError):
            return "other"
        if array.dtype.kind in "cUSOb" or (isinstance(value, torch.Tensor) and row.error is TypeError):
            return "dtype"
        if array.size == 0:
            return "empty"
        if array.dtype.kind == "f" and np.isnan(array).any():
            return "NaN"
        if array.dtype.kind == "f" and np.isinf(array).any():
            return "infinity"
        return "shape"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and row.error is ValueError:
        return "out of range"
    return "type"


def test_the_table_covers_every_kind_of_bad_input():
    kinds = {}
    for row in ROWS:
        kinds[_kind(row)] = kinds.get(_kind(row), 0) + 1
    wanted = {"shape", "dtype", "NaN", "infinity", "empty", "out of range", "type", "module type"}
    assert wanted <= kinds.keys(), f"no row of kind {sorted(wanted - kinds.keys())}; rows per kind: {kinds}"

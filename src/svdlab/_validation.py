"""Argument checks shared by every public function of :mod:`svdlab`.

Each check names the parameter it rejects, so a student who passes the wrong thing
reads ``matrix 'A' must be 2-D, got an array of shape (3,)`` instead of a traceback
from deep inside numpy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_image",
    "as_matrix",
    "as_vector",
    "check_fraction",
    "check_int",
    "check_positive",
    "check_rank",
]


def _as_float_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"'{name}' must be an array of numbers, got {type(value).__name__}")
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"'{name}' must be an array of numbers: {exc}") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(f"'{name}' must hold real numbers, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"'{name}' must be real, got complex dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def _check_entries(array: np.ndarray, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``array`` if it is non-empty (unless allowed) and finite, or raise naming ``name``."""
    if array.size == 0 and not allow_empty:
        raise ValueError(f"'{name}' must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"'{name}' must hold only finite numbers (no NaN or infinity)")
    return array


def as_matrix(value: Any, name: str = "A", *, allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a finite 2-D float64 array, or raise naming ``name``.

    Parameters
    ----------
    value : array_like
        A real matrix (numpy array, nested list or torch tensor).
    name : str
        The parameter's name, used in error messages.
    allow_empty : bool
        Whether a matrix with a zero dimension is acceptable.

    Raises
    ------
    TypeError
        If ``value`` is not an array of real numbers.
    ValueError
        If it is not 2-D, is empty (unless allowed), or holds NaN or infinity.
    """
    array = _as_float_array(value, name)
    if array.ndim != 2:
        raise ValueError(f"'{name}' must be a 2-D matrix, got an array of shape {array.shape}")
    return _check_entries(array, name, allow_empty=allow_empty)


def as_vector(value: Any, name: str = "s") -> np.ndarray:
    """Return ``value`` as a finite, non-empty 1-D float64 array, or raise naming ``name``."""
    array = _as_float_array(value, name)
    if array.ndim != 1:
        raise ValueError(f"'{name}' must be 1-D, got an array of shape {array.shape}")
    return _check_entries(array, name)


def as_image(value: Any, name: str = "image") -> np.ndarray:
    """Return ``value`` as a finite float image of shape (h, w) or (h, w, 3), or raise naming ``name``."""
    array = _as_float_array(value, name)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"'{name}' must have shape (height, width) or (height, width, 3), got {array.shape}")
    return _check_entries(array, name)


def check_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool or float)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"'{name}' must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def check_rank(value: Any, name: str, maximum: int, *, minimum: int = 0) -> int:
    """Return ``value`` as an ``int`` in ``[minimum, maximum]``, or raise naming ``name``."""
    rank = check_int(value, name)
    if not minimum <= rank <= maximum:
        raise ValueError(f"'{name}' must be between {minimum} and {maximum}, got {rank}")
    return rank


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float that is > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"'{name}' must be a real number, got {type(value).__name__} {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"'{name}' must be finite, got {number}")
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"'{name}' must be {bound}, got {number}")
    return number


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float in the half-open interval ``(0, 1]``."""
    number = check_positive(value, name)
    if number > 1:
        raise ValueError(f"'{name}' must be in (0, 1], got {number}")
    return number

"""Self-checks for the exercise notebooks: immediate feedback for students, tests for the grader.

A check cell of an exercise notebook wraps the tests of one exercise in :class:`exercise`::

    with checks.exercise("1.1"):
        checks.singular_values(singular_values_M, M, rtol=1e-3)

Inside the block, the helpers of this module (and plain ``assert`` statements with a
message) test the answer by its properties, without revealing it. The block then prints
one line:

- ``✓ Exercise 1.1: all checks pass.``
- ``✗ Exercise 1.1: not yet right. <what is wrong, in shape or property>``
- ``… Exercise 1.1: not answered yet. <what to do>`` while the answer is still the stub of
  the exercise notebook: a value ``...`` or a function body that raises
  ``NotImplementedError``.

There are two modes. For students (the default) a failed check only prints, so *Run all*
goes through the whole notebook and :func:`progress` at the end lists every exercise.
For the grader and the test suite, the environment variable ``SVDLAB_CHECKS=strict`` makes
a failed check raise :class:`NotAnsweredError` or :class:`WrongAnswerError` (both are
``AssertionError``), so its cell fails. Outside an :class:`exercise` block (in hidden tests,
say) the helpers always raise.

Values that must stay secret are compared through a salted SHA-256 digest (:func:`digest`,
16 hex digits: it hides the answer from a glance, it is no protection against a search):
:func:`choice`, :func:`integer` and :func:`number`. Introduced with the exercises of
chapter 1.
"""

from __future__ import annotations

import hashlib
import numbers
import os
import re
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Optional, Union

import numpy as np

from ._validation import as_matrix, check_positive, check_rank

__all__ = [
    "MODE_VARIABLE",
    "NotAnsweredError",
    "WrongAnswerError",
    "answered",
    "choice",
    "close",
    "digest",
    "exercise",
    "integer",
    "low_rank_approximation",
    "number",
    "progress",
    "singular_values",
    "svd_factors",
    "truncation_errors",
]

MODE_VARIABLE = "SVDLAB_CHECKS"
"""Environment variable; the value ``strict`` makes failed checks raise."""

_STATUS_LINE = {
    "correct": ("✓", "all checks pass."),
    "wrong": ("✗", "not yet right."),
    "not answered": ("…", "not answered yet."),
}
_RESULTS: dict[str, str] = {}  # exercise label -> status of its latest check in this kernel


class NotAnsweredError(AssertionError):
    """The answer is still the stub of the exercise notebook."""


class WrongAnswerError(AssertionError):
    """The answer fails a check; the message says how, without giving the answer away."""


def _strict() -> bool:
    return os.environ.get(MODE_VARIABLE, "").strip().lower() == "strict"


def _check_label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise TypeError(f"'label' must be a non-empty string such as \"1.1\", got {label!r}")
    return label.strip()


def _error_site(tb: Optional[TracebackType]) -> str:
    """``line N: code`` of the innermost frame outside this module, if any."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: {frames[-1].line.strip()})"


class exercise:
    """Context manager that runs the checks of one exercise and reports the outcome.

    Parameters
    ----------
    label : str
        The exercise's number as the notebook shows it, e.g. ``"1.3"``.

    Examples
    --------
    >>> with exercise("0.1"):
    ...     integer(8, digest=digest(8))
    ✓ Exercise 0.1: all checks pass.
    """

    def __init__(self, label: str) -> None:
        self.label = _check_label(label)

    def __enter__(self) -> "exercise":
        return self

    def __exit__(self, kind: Optional[type], error: Optional[BaseException], tb: Optional[TracebackType]) -> bool:
        if error is None:
            status, detail, raised = "correct", "", None
        elif isinstance(error, NotAnsweredError):
            status, detail, raised = "not answered", str(error), NotAnsweredError
        elif isinstance(error, NotImplementedError):
            detail = str(error) or "a function it uses still raises NotImplementedError: write its body."
            status, raised = "not answered", NotAnsweredError
        elif isinstance(error, NameError):
            detail = f"{error}: run the answer cell first, and keep the names it defines."
            status, raised = "not answered", NotAnsweredError
        elif isinstance(error, AssertionError):
            status, raised = "wrong", WrongAnswerError
            detail = str(error) or f"a check failed{_error_site(tb)}."
        elif isinstance(error, Exception):
            status, raised = "wrong", WrongAnswerError
            detail = f"your code raised {type(error).__name__}: {error}{_error_site(tb)}"
        else:  # KeyboardInterrupt, SystemExit: not ours to handle
            return False
        _RESULTS[self.label] = status
        symbol, headline = _STATUS_LINE[status]
        text = f"Exercise {self.label}: {headline} {detail}".rstrip()
        if raised is not None and _strict():
            raise raised(text) from error
        print(f"{symbol} {text}")
        return True


def progress(expected: Optional[Sequence[str]] = None) -> None:
    """Print the status of every exercise checked so far in this kernel.

    Parameters
    ----------
    expected : sequence of str, optional
        The labels of all the notebook's exercises, so that the ones whose check cell has
        not run yet are listed too.

    """
    if expected is None:
        labels = list(_RESULTS)
    elif isinstance(expected, str) or not isinstance(expected, Sequence):
        raise TypeError(f"'expected' must be a list of exercise labels, got {expected!r}")
    else:
        labels = [_check_label(label) for label in expected]
    status = {label: _RESULTS.get(label, "not checked") for label in labels}
    passed = sum(value == "correct" for value in status.values())
    print(f"Your progress: {passed} of {len(status)} exercises pass their checks.")
    for label, value in status.items():
        symbol, headline = _STATUS_LINE.get(value, ("?", "not checked yet: run its check cell."))
        print(f"  {symbol} Exercise {label}: {headline}")


# ----------------------------------------------------------------------------------------
# Reading answers: a student's answer never raises TypeError here, only WrongAnswerError.


def _is_stub(value: Any) -> bool:
    if value is Ellipsis:
        return True
    return isinstance(value, (list, tuple)) and any(_is_stub(item) for item in value)


def answered(value: Any, name: str = "") -> Any:
    """Return ``value``, or raise :class:`NotAnsweredError` while it is still ``...``.

    Use it in custom checks: ``assert 0.9 <= answered(accuracy) <= 1, "..."``.

    Parameters
    ----------
    value : object
        The answer (``...``, or a list holding ``...``, counts as not answered).
    name : str
        How the message refers to it, e.g. ``"U"``; by default it says "the answer cell".
    """
    if not isinstance(name, str):
        raise TypeError(f"'name' must be a string, got {type(name).__name__}")
    if _is_stub(value):
        raise NotAnsweredError(f"Replace the `...` {f'of {name} ' if name else ''}in its answer cell.")
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "None (did the function forget to `return`?)"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"an array of shape {tuple(shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value)
    return f"{text if len(text) <= 40 else text[:39] + '…'} (of type {type(value).__name__})"


def _array(value: Any, wanted: str) -> np.ndarray:
    """The answer as a float array, or WrongAnswerError saying what was ``wanted``."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if value is None or isinstance(value, (str, bytes, dict, set)) or callable(value):
        raise WrongAnswerError(f"expected {wanted}, got {_describe(value)}.")
    try:
        array = np.asarray(value)
        if np.iscomplexobj(array):
            raise TypeError("complex")
        array = array.astype(np.float64)
    except (TypeError, ValueError):
        raise WrongAnswerError(f"expected {wanted}, got {_describe(value)} that is not all real numbers.") from None
    return array


def _vector(value: Any, wanted: str) -> np.ndarray:
    array = _array(value, wanted)
    if array.ndim != 1:
        raise WrongAnswerError(f"expected {wanted}, got {_describe(array)}.")
    return array


def _matrix(value: Any, wanted: str) -> np.ndarray:
    array = _array(value, wanted)
    if array.ndim != 2:
        raise WrongAnswerError(f"expected {wanted}, got {_describe(array)}.")
    return array


def _finite(array: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(array)):
        raise WrongAnswerError(f"{what} contain NaN or infinity (the square root of a tiny negative number?).")


def _size(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


# ----------------------------------------------------------------------------------------
# Secret values, compared through a digest.


def _sha(kind: str, key: str) -> str:
    return hashlib.sha256(f"svdlab:{kind}:{key}".encode()).hexdigest()[:16]


def _choice_key(value: str) -> str:
    return value.strip().strip("()").strip().lower()


def _rounded(value: float, digits: int) -> str:
    return f"{value:.{digits - 1}e}"


def _check_digest(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{16}", value):
        raise ValueError(f"'digest' must be 16 lower-case hex digits from svdlab.checks.digest, got {value!r}")
    return value


def _check_digits(value: Any) -> int:
    return check_rank(value, "digits", maximum=15, minimum=1)


def _scalar(value: Any) -> Any:
    """A numpy or torch scalar as a Python number (None if it holds several); others unchanged."""
    if hasattr(value, "item") and not isinstance(value, numbers.Number):
        try:
            return value.item()
        except (ValueError, TypeError, RuntimeError):
            return None
    return value


def _integer_value(value: Any) -> Optional[int]:
    """The whole number ``value`` stands for, or None."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral) or float(value).is_integer():
        return int(value)
    return None


def _real_value(value: Any) -> Optional[float]:
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
        return None
    return float(value)


def digest(answer: Union[str, int, float], digits: Optional[int] = None) -> str:
    """Return the digest that :func:`choice`, :func:`integer` or :func:`number` compares with.

    Run it once while writing a solution notebook and paste the result into the check;
    a hidden test that asserts the true answer then proves the digest is right.

    Parameters
    ----------
    answer : str, int or float
        A choice (letters; case and surrounding parentheses are ignored), a whole number,
        or, with ``digits``, a real number.
    digits : int, optional
        Significant digits kept of a real number (1 to 15).

    Examples
    --------
    >>> digest("(B)") == digest("b")
    True
    """
    if digits is not None:
        digits = _check_digits(digits)
        value = _real_value(answer)
        if value is None:
            raise TypeError(f"'answer' must be a finite real number when 'digits' is given, got {answer!r}")
        return _sha("number", _rounded(value, digits))
    if isinstance(answer, str):
        if not _choice_key(answer):
            raise ValueError("'answer' must not be empty")
        return _sha("choice", _choice_key(answer))
    value = _integer_value(answer)
    if value is None:
        raise TypeError(f"'answer' must be a string, a whole number, or a real number with 'digits', got {answer!r}")
    return _sha("integer", str(value))


def choice(answer: Any, *, options: Sequence[str], digest: str) -> None:
    """Check a multiple-choice answer (a letter, or any short option string).

    Parameters
    ----------
    answer : str
        The student's choice; case and surrounding parentheses are ignored.
    options : sequence of str
        The valid options, e.g. ``"abcd"`` or ``["yes", "no"]``.
    digest : str
        ``digest(right_option)``.
    """
    if isinstance(options, str):
        options = list(options)
    if not isinstance(options, Sequence) or not options or not all(isinstance(o, str) and _choice_key(o) for o in options):
        raise TypeError(f"'options' must be a non-empty list of option strings, got {options!r}")
    keys = [_choice_key(option) for option in options]
    digest = _check_digest(digest)
    value = answered(answer)
    listed = ", ".join(repr(key) for key in keys)
    if not isinstance(value, str):
        raise WrongAnswerError(f"answer with one of {listed} as a string, got {_describe(value)}.")
    if _choice_key(value) not in keys:
        raise WrongAnswerError(f"{value!r} is not one of the options {listed}.")
    if _sha("choice", _choice_key(value)) != digest:
        raise WrongAnswerError(f"{value!r} is not the right choice.")


def integer(answer: Any, *, digest: str) -> None:
    """Check a whole-number answer against a digest.

    Parameters
    ----------
    answer : int
        The student's number (an integer-valued float is accepted).
    digest : str
        ``digest(right_number)``.
    """
    digest = _check_digest(digest)
    value = _integer_value(answered(answer))
    if value is None:
        raise WrongAnswerError(f"expected a whole number, got {_describe(answer)}.")
    if _sha("integer", str(value)) != digest:
        raise WrongAnswerError(f"{value} is not right.")


def number(answer: Any, *, digest: str, digits: int = 3) -> None:
    """Check a real-number answer against a digest, to ``digits`` significant digits.

    The answer passes when, rounded to ``digits`` significant digits, it is within one unit
    in the last digit of the rounded right value (so rounding at a boundary is forgiven).

    Parameters
    ----------
    answer : float
        The student's number.
    digest : str
        ``digest(right_value, digits=digits)``.
    digits : int
        Significant digits compared (1 to 15).
    """
    digest = _check_digest(digest)
    digits = _check_digits(digits)
    value = _real_value(answered(answer))
    if value is None:
        raise WrongAnswerError(f"expected a finite real number, got {_describe(answer)}.")
    exponent = int(_rounded(value, digits).split("e")[1])
    unit = 10.0 ** (exponent - (digits - 1))
    center = float(_rounded(value, digits))
    candidates = {_sha("number", _rounded(center + k * unit, digits)) for k in (-1, 0, 1)}
    if digest not in candidates:
        raise WrongAnswerError(f"{value:.{digits}g} is not right (the check compares {digits} significant digits).")


def close(answer: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 0.0) -> None:
    """Check that a number or array equals ``expected`` within ``numpy.allclose`` tolerances.

    The message gives the size of the difference, never ``expected`` itself.

    Parameters
    ----------
    answer : float or array_like
    expected : float or array_like
        The right value, computed in the check cell from the exercise's data.
    rtol, atol : float
        Relative and absolute tolerances.
    """
    expected = np.asarray(expected)
    if expected.dtype == object or not np.issubdtype(expected.dtype, np.number) or not np.all(np.isfinite(expected)):
        raise TypeError("'expected' must be a finite real number or array of them")
    expected = expected.astype(np.float64)
    rtol = check_positive(rtol, "rtol", allow_zero=True)
    atol = check_positive(atol, "atol", allow_zero=True)
    wanted = "a number" if expected.ndim == 0 else f"an array of shape {expected.shape}"
    value = _array(answered(answer), wanted)
    if value.shape != expected.shape:
        raise WrongAnswerError(f"expected {wanted}, got {_describe(value)}.")
    _finite(value, "your values")
    if not np.allclose(value, expected, rtol=rtol, atol=atol):
        gap = np.abs(value - expected) / np.maximum(np.abs(expected), np.finfo(float).tiny)
        raise WrongAnswerError(
            f"off by up to {gap.max():.1e} relative to the right value; the tolerance is {max(rtol, atol):.0e}."
        )


# ----------------------------------------------------------------------------------------
# Properties of singular values, SVD factors and low-rank approximations.


def singular_values(answer: Any, A: Any, *, rtol: float = 1e-6, atol: float = 0.0) -> None:
    """Check that ``answer`` lists the singular values of ``A``, largest first.

    The messages test properties in turn (count, sign, order, the sum of squares equal to
    ``‖A‖²_F``) before the values themselves, and never print them.

    Parameters
    ----------
    answer : array_like, shape (min(m, n),)
        The student's singular values.
    A : array_like, shape (m, n)
        The matrix.
    rtol : float
        Tolerance relative to the largest singular value (``1e-3`` accepts three decimals).
    atol : float
        Absolute tolerance added to it.
    """
    A = as_matrix(A, "A")
    rtol = check_positive(rtol, "rtol", allow_zero=True)
    atol = check_positive(atol, "atol", allow_zero=True)
    m, n = A.shape
    p = min(m, n)
    values = _vector(answered(answer), f"{p} numbers (a list or 1-D array)")
    if values.size != p:
        raise WrongAnswerError(
            f"a {m}×{n} matrix has min(m, n) = {p} singular values; your answer has {values.size}."
        )
    _finite(values, "your values")
    true = np.linalg.svd(A, compute_uv=False)
    tol = rtol * true[0] + atol
    if values.min() < -tol:
        raise WrongAnswerError(f"singular values are never negative; {int(np.sum(values < -tol))} of yours are.")
    if np.any(np.diff(values) > tol):
        raise WrongAnswerError("list the singular values largest first (σ₁ ≥ σ₂ ≥ …).")
    squares, target = float(np.sum(values**2)), float(np.sum(true**2))
    if abs(squares - target) > tol * float(np.sum(2 * true + tol)):
        raise WrongAnswerError(
            f"the squares of the singular values of a matrix add up to the sum of the squares of its "
            f"entries, ‖A‖²_F = {target:.6g} for this {m}×{n} matrix; yours add up to {squares:.6g}."
        )
    if np.max(np.abs(values - true)) > tol:
        raise WrongAnswerError(
            f"for this {m}×{n} matrix the sum of the squares is right, but the values are not its "
            "singular values: those are the square roots of the eigenvalues of AᵀA."
        )


def svd_factors(factors: Any, A: Any, *, tol: float = 1e-8) -> None:
    """Check that ``factors = (U, s, Vt)`` is a full or thin SVD of ``A``.

    Parameters
    ----------
    factors : tuple of three arrays
        ``U`` (m×m or m×p), ``s`` (p values, largest first), ``Vt`` (n×n or p×n: Vᵀ).
    A : array_like, shape (m, n)
    tol : float
        Tolerance of the orthogonality and relative reconstruction errors.
    """
    A = as_matrix(A, "A")
    tol = check_positive(tol, "tol")
    m, n = A.shape
    p = min(m, n)
    value = answered(factors)
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise WrongAnswerError(f"expected three arrays (U, s, Vt), got {_describe(value)}.")
    U = _matrix(answered(value[0], "U"), f"U as an {m}×{m} or {m}×{p} matrix")
    s = _vector(answered(value[1], "s"), f"s as {p} numbers")
    Vt = _matrix(answered(value[2], "Vt"), f"Vt as an {n}×{n} or {p}×{n} matrix")
    if U.shape not in {(m, m), (m, p)}:
        raise WrongAnswerError(f"for a {m}×{n} matrix U is {m}×{m} (full) or {m}×{p} (thin); yours is {_size(U.shape)}.")
    if s.size != p:
        raise WrongAnswerError(f"a {m}×{n} matrix has {p} singular values; your s has {s.size}.")
    if Vt.shape not in {(n, n), (p, n)}:
        raise WrongAnswerError(
            f"for a {m}×{n} matrix Vt is {n}×{n} (full) or {p}×{n} (thin); yours is {_size(Vt.shape)}."
        )
    for array, what in ((U, "U"), (s, "s"), (Vt, "Vt")):
        _finite(array, f"the entries of {what}")
    if np.any(s < 0) or np.any(np.diff(s) > 0):
        raise WrongAnswerError("the singular values in s must be non-negative and sorted largest first.")
    u_error = float(np.abs(U.T @ U - np.eye(U.shape[1])).max())
    if u_error > tol:
        raise WrongAnswerError(f"the columns of U are not orthonormal: the largest entry of |UᵀU − I| is {u_error:.1e}.")
    v_error = float(np.abs(Vt @ Vt.T - np.eye(Vt.shape[0])).max())
    if v_error > tol:
        raise WrongAnswerError(f"the rows of Vt are not orthonormal: the largest entry of |VtVtᵀ − I| is {v_error:.1e}.")
    sigma = np.zeros((U.shape[1], Vt.shape[0]))
    sigma[np.arange(p), np.arange(p)] = s
    scale = max(float(np.linalg.norm(A)), np.finfo(float).tiny)
    error = float(np.linalg.norm(A - U @ sigma @ Vt)) / scale
    if error > tol:
        raise WrongAnswerError(
            f"U Σ Vt does not give back A: the relative error is {error:.1e}. "
            "(Is the third factor Vᵀ, with the right singular vectors as its rows?)"
        )


def low_rank_approximation(function: Any, A: Any, r: int, *, rtol: float = 1e-8) -> None:
    """Check that ``function(A, r)`` returns the best rank-``r`` approximation of ``A``.

    Tests, in turn: the input is left unchanged, the shape, finiteness, the rank (at most
    ``r``) and optimality: the Frobenius error must be ``√(σ²_{r+1} + … + σ²_p)``, the
    smallest possible (Eckart–Young; the minimiser is unique when ``σ_r > σ_{r+1}``).

    Parameters
    ----------
    function : callable
        The student's function ``(A, r) -> matrix``.
    A : array_like, shape (m, n)
    r : int
        The rank, ``1 <= r <= min(m, n)``.
    rtol : float
        Tolerance relative to ``σ₁``.
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    r = check_rank(r, "r", maximum=min(m, n), minimum=1)
    rtol = check_positive(rtol, "rtol")
    function = answered(function, "the function")
    if not callable(function):
        raise WrongAnswerError(f"expected a function, got {_describe(function)}.")
    given = A.copy()
    result = function(given, r)
    if not np.array_equal(given, A):
        raise WrongAnswerError("the function changed its argument A in place; work on a copy.")
    B = _matrix(result, f"a {m}×{n} matrix for a {m}×{n} A and r = {r}")
    if B.shape != A.shape:
        raise WrongAnswerError(f"for a {m}×{n} A and r = {r} expected a {m}×{n} matrix, got {_size(B.shape)}.")
    _finite(B, "the entries of your matrix")
    s = np.linalg.svd(A, compute_uv=False)
    tol = rtol * s[0]
    s_B = np.linalg.svd(B, compute_uv=False)
    if r < s_B.size and s_B[r] > tol:
        rank = int(np.count_nonzero(s_B > tol))
        raise WrongAnswerError(
            f"for a {m}×{n} A and r = {r} your matrix has rank {rank}; a rank-{r} approximation has rank at most {r}."
        )
    error = float(np.linalg.norm(A - B))
    best = float(np.sqrt(np.sum(s[r:] ** 2)))
    if abs(error - best) > tol:
        raise WrongAnswerError(
            f"for a {m}×{n} A and r = {r} it is not the best rank-{r} approximation: ‖A − B‖_F = {error:.6g}, "
            f"but the best possible is {best:.6g}. Keep the terms of the {r} largest singular values."
        )


def truncation_errors(
    errors: Any, A: Any, ranks: Sequence[int], *, norm: Union[str, int] = "fro", relative: bool = True,
    rtol: float = 1e-6,
) -> None:
    """Check measured errors ``‖A − A_r‖`` of the best rank-``r`` approximations, one per rank.

    Parameters
    ----------
    errors : array_like, shape (len(ranks),)
        The student's measurements.
    A : array_like, shape (m, n)
    ranks : sequence of int
        The ranks measured, each between 1 and ``min(m, n)``.
    norm : ``"fro"`` or ``2``
        Frobenius or spectral norm, as in ``numpy.linalg.norm``.
    relative : bool
        Whether the errors are divided by ``‖A‖`` (in the same norm).
    rtol : float
        Relative tolerance of each error.
    """
    A = as_matrix(A, "A")
    p = min(A.shape)
    if isinstance(ranks, (str, bytes)) or not isinstance(ranks, Sequence) or not ranks:
        raise TypeError(f"'ranks' must be a non-empty list of ranks, got {ranks!r}")
    ranks = [check_rank(rank, "ranks", maximum=p, minimum=1) for rank in ranks]
    if norm not in ("fro", 2):
        raise ValueError(f"'norm' must be \"fro\" or 2, got {norm!r}")
    if not isinstance(relative, bool):
        raise TypeError(f"'relative' must be True or False, got {relative!r}")
    rtol = check_positive(rtol, "rtol")
    values = _vector(answered(errors), f"{len(ranks)} numbers, one per rank")
    if values.size != len(ranks):
        raise WrongAnswerError(f"expected one error per rank: {len(ranks)} numbers, got {values.size}.")
    _finite(values, "your errors")
    s = np.linalg.svd(A, compute_uv=False)

    def exact(which: Union[str, int], divided: bool) -> np.ndarray:
        if which == "fro":
            absolute = np.array([np.sqrt(np.sum(s[r:] ** 2)) for r in ranks])
            return absolute / np.sqrt(np.sum(s**2)) if divided else absolute
        absolute = np.array([s[r] if r < p else 0.0 for r in ranks])
        return absolute / s[0] if divided else absolute

    def matches(candidate: np.ndarray) -> bool:
        scale = 1.0 if relative else float(np.linalg.norm(A, norm))
        return bool(np.all(np.abs(values - candidate) <= rtol * np.abs(candidate) + 1e-12 * scale))

    if matches(exact(norm, relative)):
        return
    name = "Frobenius norm" if norm == "fro" else "spectral norm (ord=2)"
    if matches(exact(norm, not relative)):
        fix = "divide by ‖A‖" if relative else "do not divide by ‖A‖"
        raise WrongAnswerError(f"these look like {'absolute' if relative else 'relative'} errors: {fix}.")
    if matches(exact("fro" if norm == 2 else 2, relative)):
        raise WrongAnswerError(f"these look like errors in the other norm: use the {name}.")
    wrong = int(np.argmax(np.abs(values - exact(norm, relative)) > rtol * np.abs(exact(norm, relative)) + 1e-12))
    kind = "relative error ‖A − A_r‖/‖A‖" if relative else "error ‖A − A_r‖"
    raise WrongAnswerError(
        f"your value for r = {ranks[wrong]} is not the {kind} in the {name} of the best rank-r approximation A_r."
    )

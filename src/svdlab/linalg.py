"""Chapter 1 helpers: shapes, checks, rank and signs of a singular value decomposition.

numpy returns ``U, s, Vh`` with ``A = U @ diag(s) @ Vh``: the third factor is Vᵀ, not V.
Throughout the course it is called ``Vt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ._validation import as_matrix, as_vector, check_int, check_positive, check_rank

__all__ = [
    "SVDCheck",
    "check_svd",
    "fix_signs",
    "numerical_rank",
    "outer_product_sum",
    "sigma_matrix",
    "default_rank_tolerance",
    "svd_shapes",
    "truncated_svd",
]


@dataclass(frozen=True)
class SVDCheck:
    """How well three factors form a singular value decomposition of a matrix.

    Attributes
    ----------
    reconstruction_error : float
        ``‖A − U Σ Vt‖_F / ‖A‖_F`` (the absolute error when ``A`` is zero).
    u_orthogonality_error : float
        Largest entry of ``|UᵀU − I|``: how far the columns of ``U`` are from orthonormal.
    v_orthogonality_error : float
        Largest entry of ``|Vt Vtᵀ − I|``: the same for the rows of ``Vt``.
    sorted_nonnegative : bool
        Whether the singular values are non-negative and in non-increasing order.
    """

    reconstruction_error: float
    u_orthogonality_error: float
    v_orthogonality_error: float
    sorted_nonnegative: bool

    def ok(self, tol: float = 1e-10) -> bool:
        """Return True when every error is at most ``tol`` and the values are ordered."""
        tol = check_positive(tol, "tol")
        return self.sorted_nonnegative and max(
            self.reconstruction_error, self.u_orthogonality_error, self.v_orthogonality_error
        ) <= tol


def sigma_matrix(s: Any, shape: tuple[int, int]) -> np.ndarray:
    """Return the ``shape`` matrix Σ with ``s`` on its main diagonal and zeros elsewhere.

    Parameters
    ----------
    s : array_like, shape (k,)
        Singular values.
    shape : tuple of two ints
        ``(rows, cols)`` of Σ, with ``k <= min(rows, cols)``.

    Examples
    --------
    >>> sigma_matrix([3.0, 1.0], (2, 3))
    array([[3., 0., 0.],
           [0., 1., 0.]])
    """
    s = as_vector(s, "s")
    if not (isinstance(shape, tuple) and len(shape) == 2):
        raise TypeError(f"'shape' must be a tuple (rows, cols), got {shape!r}")
    rows = check_int(shape[0], "shape[0]")
    cols = check_int(shape[1], "shape[1]")
    if s.size > min(rows, cols):
        raise ValueError(
            f"'s' has {s.size} values, more than fit on the diagonal of a {rows}x{cols} 'shape'"
        )
    sigma = np.zeros((rows, cols))
    sigma[np.arange(s.size), np.arange(s.size)] = s
    return sigma


def check_svd(A: Any, U: Any, s: Any, Vt: Any) -> SVDCheck:
    """Measure how well ``U``, ``s``, ``Vt`` reconstruct ``A`` and how orthogonal they are.

    Works for the full, thin and truncated forms: ``U`` is m×p, ``Vt`` is q×n, and ``s``
    holds at most ``min(p, q)`` values placed on the diagonal of a p×q Σ.

    Parameters
    ----------
    A : array_like, shape (m, n)
        The matrix that was decomposed.
    U, s, Vt : array_like
        The factors, as returned by ``numpy.linalg.svd`` (``Vt`` is Vᵀ).

    Returns
    -------
    SVDCheck
        The relative reconstruction error, both orthogonality errors and the ordering flag.

    Examples
    --------
    >>> A = np.array([[3.0, 0.0], [4.0, 5.0]])
    >>> check_svd(A, *np.linalg.svd(A)).ok()
    True
    """
    A = as_matrix(A, "A")
    U = as_matrix(U, "U")
    Vt = as_matrix(Vt, "Vt")
    s = as_vector(s, "s")
    m, n = A.shape
    if U.shape[0] != m:
        raise ValueError(f"'U' must have {m} rows to match 'A' of shape {A.shape}, got {U.shape}")
    if Vt.shape[1] != n:
        raise ValueError(f"'Vt' must have {n} columns to match 'A' of shape {A.shape}, got {Vt.shape}")
    sigma = sigma_matrix(s, (U.shape[1], Vt.shape[0]))
    residual = np.linalg.norm(A - U @ sigma @ Vt)
    scale = np.linalg.norm(A)
    return SVDCheck(
        reconstruction_error=float(residual / scale if scale > 0 else residual),
        u_orthogonality_error=float(np.abs(U.T @ U - np.eye(U.shape[1])).max()),
        v_orthogonality_error=float(np.abs(Vt @ Vt.T - np.eye(Vt.shape[0])).max()),
        sorted_nonnegative=bool(np.all(s >= 0) and np.all(np.diff(s) <= 0)),
    )


def svd_shapes(m: int, n: int, r: Optional[int] = None) -> dict[str, dict[str, tuple[int, int]]]:
    """Shapes of U, Σ and Vt in the full, thin and (optionally) rank-r truncated SVD.

    Parameters
    ----------
    m, n : int
        The matrix is m×n; both must be positive.
    r : int, optional
        Rank of the truncated form, ``1 <= r <= min(m, n)``.

    Returns
    -------
    dict
        ``{"full": {"U": .., "Sigma": .., "Vt": ..}, "thin": {...}}`` and ``"truncated"``
        when ``r`` is given.

    Examples
    --------
    >>> svd_shapes(5, 3)["thin"]
    {'U': (5, 3), 'Sigma': (3, 3), 'Vt': (3, 3)}
    """
    m = check_rank(m, "m", maximum=np.iinfo(np.int64).max, minimum=1)
    n = check_rank(n, "n", maximum=np.iinfo(np.int64).max, minimum=1)
    k = min(m, n)
    shapes = {
        "full": {"U": (m, m), "Sigma": (m, n), "Vt": (n, n)},
        "thin": {"U": (m, k), "Sigma": (k, k), "Vt": (k, n)},
    }
    if r is not None:
        r = check_rank(r, "r", maximum=k, minimum=1)
        shapes["truncated"] = {"U": (m, r), "Sigma": (r, r), "Vt": (r, n)}
    return shapes


def default_rank_tolerance(s: Any, shape: tuple[int, int]) -> float:
    """The tolerance ``max(m, n) · ε · σ₁`` that ``numpy.linalg.matrix_rank`` uses."""
    s = as_vector(s, "s")
    return float(max(shape) * np.finfo(np.float64).eps * s.max())


def numerical_rank(s: Any, tol: Optional[float] = None, shape: Optional[tuple[int, int]] = None) -> int:
    """Count the singular values larger than a tolerance.

    In floating point an exactly rank-deficient matrix has tiny, not zero, singular
    values, so "nonzero" has to mean "above ``tol``".

    Parameters
    ----------
    s : array_like, shape (k,)
        Singular values (any order, all non-negative).
    tol : float, optional
        Threshold. Default: ``max(m, n) · ε · max(s)``, numpy's ``matrix_rank`` rule,
        with ``(m, n) = shape`` (or ``k`` for both when ``shape`` is not given).
    shape : tuple of two ints, optional
        Shape of the matrix the values came from, for the default tolerance.

    Examples
    --------
    >>> numerical_rank([5.0, 2.0, 1e-17])
    2
    """
    s = as_vector(s, "s")
    if np.any(s < 0):
        raise ValueError("'s' must hold non-negative singular values")
    if tol is None:
        if shape is None:
            shape = (s.size, s.size)
        tol = default_rank_tolerance(s, shape)
    else:
        tol = check_positive(tol, "tol", allow_zero=True)
    return int(np.count_nonzero(s > tol))


def truncated_svd(A: Any, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the rank-r truncated SVD ``(U_r, s_r, Vt_r)`` of ``A``.

    Parameters
    ----------
    A : array_like, shape (m, n)
    r : int
        Number of singular triplets kept, ``0 <= r <= min(m, n)``.

    Returns
    -------
    U_r : ndarray, shape (m, r)
    s_r : ndarray, shape (r,)
    Vt_r : ndarray, shape (r, n)
    """
    A = as_matrix(A, "A")
    r = check_rank(r, "r", maximum=min(A.shape))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :r], s[:r], Vt[:r, :]


def outer_product_sum(U: Any, s: Any, Vt: Any, r: Optional[int] = None) -> np.ndarray:
    """Return ``σ₁u₁v₁ᵀ + … + σ_r u_r v_rᵀ``, the outer-product form of the SVD.

    Parameters
    ----------
    U, s, Vt : array_like
        SVD factors (``Vt`` is Vᵀ: its rows are the right singular vectors).
    r : int, optional
        Number of terms, ``0 <= r <= len(s)``; all of them by default.
    """
    U = as_matrix(U, "U")
    s = as_vector(s, "s")
    Vt = as_matrix(Vt, "Vt")
    if U.shape[1] < s.size or Vt.shape[0] < s.size:
        raise ValueError(
            f"'U' needs at least {s.size} columns and 'Vt' at least {s.size} rows for {s.size} "
            f"singular values, got {U.shape} and {Vt.shape}"
        )
    r = s.size if r is None else check_rank(r, "r", maximum=s.size)
    total = np.zeros((U.shape[0], Vt.shape[1]))
    for i in range(r):
        total += s[i] * np.outer(U[:, i], Vt[i, :])
    return total


def fix_signs(U: Any, Vt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Flip singular-vector pairs so each column of ``U`` has its largest entry positive.

    Flipping ``uᵢ → −uᵢ`` together with ``vᵢ → −vᵢ`` leaves ``U Σ Vt`` unchanged, so
    this picks one representative of each sign class. Use it to compare SVDs from
    different libraries, or to print reproducible singular vectors.

    Parameters
    ----------
    U : array_like, shape (m, k)
    Vt : array_like, shape (k', n) with ``k' >= k``; its first ``k`` rows are flipped.

    Returns
    -------
    U, Vt : ndarray
        New arrays with the signs fixed.
    """
    U = as_matrix(U, "U").copy()
    Vt = as_matrix(Vt, "Vt").copy()
    k = U.shape[1]
    if Vt.shape[0] < k:
        raise ValueError(f"'Vt' must have at least {k} rows (one per column of 'U'), got {Vt.shape}")
    pivots = np.argmax(np.abs(U), axis=0)
    signs = np.sign(U[pivots, np.arange(k)])
    signs[signs == 0] = 1.0
    U *= signs
    Vt[:k] *= signs[:, None]
    return U, Vt

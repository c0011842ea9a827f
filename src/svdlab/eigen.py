"""Chapter 3 helpers: the SVD from the eigendecompositions of AᵀA and AAᵀ, and the four subspaces.

:func:`svd_via_eig` builds an SVD the way the existence proof does: an orthonormal
eigenbasis ``V`` of ``AᵀA`` and then ``uᵢ = A vᵢ / σᵢ`` (or the mirror image, starting
from ``AAᵀ``). It is for learning, not for use: forming ``AᵀA`` squares the condition
number, so small singular values lose about twice as many digits as
``numpy.linalg.svd`` loses (chapter 3 measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ._validation import as_matrix, check_positive
from .linalg import numerical_rank

__all__ = [
    "FundamentalSubspaces",
    "eigh_descending",
    "fundamental_subspaces",
    "svd_via_eig",
]

_GRAM_CHOICES = ("auto", "AtA", "AAt")


def eigh_descending(S: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (largest first) and orthonormal eigenvectors of a symmetric matrix, signs fixed.

    Introduced in chapter 3. Wraps ``numpy.linalg.eigh`` (which returns the eigenvalues in
    increasing order, each eigenvector with an arbitrary sign) and makes the output
    reproducible: the order is reversed, and each eigenvector is multiplied by ±1 so that
    its entry of largest magnitude is positive (the first such entry, if several tie).

    Parameters
    ----------
    S : array_like, shape (k, k)
        A symmetric matrix (checked up to a relative tolerance of 1e-10).

    Returns
    -------
    eigenvalues : ndarray, shape (k,)
        In non-increasing order.
    Q : ndarray, shape (k, k)
        Orthogonal; column ``i`` is an eigenvector for ``eigenvalues[i]``.

    Examples
    --------
    >>> eigenvalues, Q = eigh_descending([[2.0, 1.0], [1.0, 2.0]])
    >>> eigenvalues.round(12), (Q * np.sqrt(2)).round(12)
    (array([3., 1.]), array([[ 1.,  1.],
           [ 1., -1.]]))
    """
    S = as_matrix(S, "S")
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"'S' must be square, got shape {S.shape}")
    if not np.allclose(S, S.T, rtol=1e-10, atol=1e-10 * np.abs(S).max()):
        raise ValueError("'S' must be symmetric")
    eigenvalues, Q = np.linalg.eigh(S)
    eigenvalues, Q = eigenvalues[::-1], Q[:, ::-1]
    pivots = np.argmax(np.abs(Q), axis=0)
    signs = np.sign(Q[pivots, np.arange(Q.shape[1])])
    return eigenvalues, Q * signs + 0.0  # adding 0.0 turns any -0.0 into 0.0 (tidier printing)


def svd_via_eig(
    A: Any, *, via: str = "auto", tol: Optional[float] = None, full_matrices: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An SVD of ``A`` built from one symmetric eigendecomposition, as in the existence proof.

    Introduced in chapter 3. With ``via="AtA"``: ``AᵀA = V Λ Vᵀ`` (eigenvalues largest
    first, :func:`eigh_descending`), ``σᵢ = √λᵢ``, and ``uᵢ = A vᵢ / σᵢ`` for every
    ``σᵢ`` above the tolerance; the remaining columns of ``U`` complete an orthonormal
    basis of Rᵐ (they span the left null space). With ``via="AAt"`` the roles swap:
    ``AAᵀ = U Λ Uᵀ`` and ``vᵢ = Aᵀ uᵢ / σᵢ``. Because the second factor is computed from
    the first, the signs always match and ``U Σ Vᵀ = A``; two independent
    eigendecompositions would not guarantee that.

    Parameters
    ----------
    A : array_like, shape (m, n)
    via : {"auto", "AtA", "AAt"}
        Which Gram matrix to diagonalise; ``"auto"`` takes the smaller one (``AᵀA`` when
        ``m >= n``).
    tol : float, optional
        Eigenvalues of the Gram matrix at or below ``tol`` count as zero (their singular
        values are reported as exactly 0). Default ``max(m, n) · ε · λ_max``, the rounding
        noise of the eigenvalues: a singular value below about ``√tol`` cannot be told
        from zero on this route.
    full_matrices : bool
        Return the full ``U`` (m×m) and ``Vt`` (n×n), or the thin ones (m×p and p×n).

    Returns
    -------
    U : ndarray, shape (m, m) or (m, p)
    s : ndarray, shape (p,)
        Singular values, non-increasing; ``p = min(m, n)``.
    Vt : ndarray, shape (n, n) or (p, n)
        ``Vᵀ``: its rows are the right singular vectors.

    Examples
    --------
    >>> U, s, Vt = svd_via_eig([[4.0, 0.0, 0.0], [0.0, 3.0, 1.0]], via="AtA")
    >>> s**2
    array([16., 10.])
    """
    A = as_matrix(A, "A")
    if via not in _GRAM_CHOICES:
        raise ValueError(f"'via' must be one of {_GRAM_CHOICES}, got {via!r}")
    if tol is not None:
        tol = check_positive(tol, "tol", allow_zero=True)
    if not isinstance(full_matrices, bool):
        raise TypeError(f"'full_matrices' must be True or False, got {full_matrices!r}")
    m, n = A.shape
    p = min(m, n)
    if via == "auto":
        via = "AtA" if m >= n else "AAt"
    # Work on B = A or Aᵀ so that the eigenvectors of BᵀB are the "first" factor.
    B = A if via == "AtA" else A.T
    eigenvalues, first = eigh_descending(B.T @ B)
    if tol is None:
        tol = max(m, n) * np.finfo(np.float64).eps * max(eigenvalues[0], 0.0)
    s = np.sqrt(np.where(eigenvalues[:p] > tol, eigenvalues[:p], 0.0))
    r = int(np.count_nonzero(s))
    partners = B @ first[:, :r] / s[:r]  # uᵢ = A vᵢ / σᵢ  (or vᵢ = Aᵀ uᵢ / σᵢ)
    second = _complete_basis(partners, B.shape[0])
    U, V = (second, first) if via == "AtA" else (first, second)
    if not full_matrices:
        U, V = U[:, :p], V[:, :p]
    return U, s, V.T


@dataclass(frozen=True)
class FundamentalSubspaces:
    """Orthonormal bases (as matrix columns) of the four fundamental subspaces of an m×n matrix.

    Introduced in chapter 3. With ``r = rank`` and an SVD ``A = U Σ Vᵀ``: ``column`` is
    ``U[:, :r]``, ``left_null`` is ``U[:, r:]``, ``row`` is ``V[:, :r]`` (the first ``r``
    *rows* of numpy's ``Vt``, transposed) and ``null`` is ``V[:, r:]``.

    Attributes
    ----------
    rank : int
    column : ndarray, shape (m, r)
        Column space (range) of ``A``, in Rᵐ.
    left_null : ndarray, shape (m, m - r)
        Null space of ``Aᵀ``, in Rᵐ.
    row : ndarray, shape (n, r)
        Row space of ``A`` (column space of ``Aᵀ``), in Rⁿ.
    null : ndarray, shape (n, n - r)
        Null space of ``A``, in Rⁿ.
    """

    rank: int
    column: np.ndarray
    left_null: np.ndarray
    row: np.ndarray
    null: np.ndarray

    def projector(self, name: str) -> np.ndarray:
        """Orthogonal projector ``Q Qᵀ`` onto the subspace called ``name``.

        Parameters
        ----------
        name : {"column", "left_null", "row", "null"}

        Returns
        -------
        ndarray
            m×m for ``"column"`` and ``"left_null"``, n×n for ``"row"`` and ``"null"``.
        """
        if name not in ("column", "left_null", "row", "null"):
            raise ValueError(f"'name' must be 'column', 'left_null', 'row' or 'null', got {name!r}")
        basis = getattr(self, name)
        return basis @ basis.T


def fundamental_subspaces(A: Any, tol: Optional[float] = None) -> FundamentalSubspaces:
    """Read the four fundamental subspaces of ``A`` off its SVD (``numpy.linalg.svd``).

    Introduced in chapter 3.

    Parameters
    ----------
    A : array_like, shape (m, n)
    tol : float, optional
        Singular values above ``tol`` count as nonzero; default numpy's ``matrix_rank``
        rule ``max(m, n) · ε · σ₁``.

    Returns
    -------
    FundamentalSubspaces

    Examples
    --------
    >>> spaces = fundamental_subspaces([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    >>> spaces.rank, spaces.left_null.shape, spaces.null.shape
    (1, (3, 2), (2, 1))
    """
    A = as_matrix(A, "A")
    if tol is not None:
        tol = check_positive(tol, "tol", allow_zero=True)
    U, s, Vt = np.linalg.svd(A)
    r = numerical_rank(s, tol=tol, shape=A.shape)
    V = Vt.T  # numpy returns Vᵀ: the right singular vectors are its rows
    return FundamentalSubspaces(rank=r, column=U[:, :r], left_null=U[:, r:], row=V[:, :r], null=V[:, r:])


def _complete_basis(Q: np.ndarray, size: int) -> np.ndarray:
    """Append orthonormal columns to the k orthonormal columns of ``Q`` to make a size×size orthogonal matrix."""
    k = Q.shape[1]
    if k == size:
        return Q
    complement, _ = np.linalg.qr(np.hstack([Q, np.eye(size)]))  # first k columns span span(Q)
    return np.hstack([Q, complement[:, k:size]])

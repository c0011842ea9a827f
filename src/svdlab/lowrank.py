"""Chapter 4 helpers: the best rank-r approximation, what it costs, and how to choose r.

By the Eckart–Young–Mirsky theorem the truncated SVD ``A_r = U_r Σ_r V_rᵀ`` is a best
rank-r approximation of ``A`` in the spectral and the Frobenius norm, and its error can
be read off the singular values alone. Choosing ``r`` is then a question about the
singular values: how much of ``‖A‖_F²`` to keep (:func:`energy_rank`), or, for a
low-rank matrix observed in white noise, where the noise ends (Gavish and Donoho's
optimal hard threshold, :func:`gavish_donoho_threshold`).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import numpy as np

from ._validation import as_matrix, as_vector, check_fraction, check_positive, check_rank
from .linalg import truncated_svd

__all__ = [
    "cumulative_energy",
    "eckart_young_error",
    "energy_rank",
    "estimate_noise_level",
    "gavish_donoho_lambda",
    "gavish_donoho_omega",
    "gavish_donoho_rank",
    "gavish_donoho_threshold",
    "low_rank_approximation",
    "low_rank_from_svd",
    "marchenko_pastur_median",
    "svd_break_even_rank",
    "svd_storage",
]

_MAX_SIZE = np.iinfo(np.int64).max


def _singular_values(s: Any, name: str = "s") -> np.ndarray:
    """``s`` as a non-negative, non-increasing float vector, as an SVD returns it."""
    s = as_vector(s, name)
    if np.any(s < 0):
        raise ValueError(f"'{name}' must hold non-negative singular values")
    if np.any(np.diff(s) > 0):
        raise ValueError(f"'{name}' must be sorted in non-increasing order, as an SVD returns them")
    return s


def _shape(shape: Any, name: str = "shape") -> tuple[int, int]:
    if not (isinstance(shape, tuple) and len(shape) == 2):
        raise TypeError(f"'{name}' must be a tuple (m, n), got {shape!r}")
    m = check_rank(shape[0], f"{name}[0]", maximum=_MAX_SIZE, minimum=1)
    n = check_rank(shape[1], f"{name}[1]", maximum=_MAX_SIZE, minimum=1)
    return m, n


def low_rank_from_svd(U: Any, s: Any, Vt: Any, r: int) -> np.ndarray:
    """Return ``U[:, :r] diag(s[:r]) Vt[:r]``, the rank-r truncation of a computed SVD.

    Use it to build approximations of several ranks from one SVD. Introduced in chapter 4.

    Parameters
    ----------
    U : array_like, shape (m, k)
    s : array_like, shape (p,)
        Singular values, non-increasing, with ``p <= k`` and ``p`` rows in ``Vt``.
    Vt : array_like, shape (q, n)
        Vᵀ: its rows are the right singular vectors.
    r : int
        Number of terms kept, ``0 <= r <= p``.

    Returns
    -------
    ndarray, shape (m, n)

    Examples
    --------
    >>> U, s, Vt = np.linalg.svd(np.diag([3.0, 2.0, 1.0]))
    >>> low_rank_from_svd(U, s, Vt, 2)
    array([[3., 0., 0.],
           [0., 2., 0.],
           [0., 0., 0.]])
    """
    U = as_matrix(U, "U")
    s = _singular_values(s)
    Vt = as_matrix(Vt, "Vt")
    if U.shape[1] < s.size or Vt.shape[0] < s.size:
        raise ValueError(
            f"'U' needs at least {s.size} columns and 'Vt' at least {s.size} rows for {s.size} "
            f"singular values, got {U.shape} and {Vt.shape}"
        )
    r = check_rank(r, "r", maximum=s.size)
    return (U[:, :r] * s[:r]) @ Vt[:r]


def low_rank_approximation(A: Any, r: int) -> np.ndarray:
    """Return the truncated SVD ``A_r``, a best rank-r approximation of ``A``.

    Best in the spectral and the Frobenius norm (Eckart–Young–Mirsky, chapter 4).

    Parameters
    ----------
    A : array_like, shape (m, n)
    r : int
        ``0 <= r <= min(m, n)``; ``r = 0`` gives the zero matrix.

    Returns
    -------
    ndarray, shape (m, n)

    Examples
    --------
    >>> low_rank_approximation([[3.0, 0.0], [0.0, 1.0]], 1)
    array([[3., 0.],
           [0., 0.]])
    """
    U_r, s_r, Vt_r = truncated_svd(A, r)
    return (U_r * s_r) @ Vt_r


def svd_storage(m: int, n: int, r: int) -> int:
    """Numbers stored by a rank-r truncated SVD of an m×n matrix: ``r (m + n + 1)``.

    ``U_r`` holds ``m r`` numbers, ``V_r`` holds ``n r`` and ``Σ_r`` holds ``r``.
    Introduced in chapter 4.

    Examples
    --------
    >>> svd_storage(600, 512, 10)
    11130
    """
    m = check_rank(m, "m", maximum=_MAX_SIZE, minimum=1)
    n = check_rank(n, "n", maximum=_MAX_SIZE, minimum=1)
    r = check_rank(r, "r", maximum=min(m, n))
    return r * (m + n + 1)


def svd_break_even_rank(m: int, n: int) -> int:
    """Largest rank ``r`` whose truncated SVD stores fewer numbers than the matrix itself.

    That is the largest ``r`` with ``r (m + n + 1) < m n``, or 0 when no rank saves
    anything (a single row or column). The singular values are counted separately here;
    :func:`svdlab.compress.break_even_rank` folds them into the factors (``r (m + n)``).
    Introduced in chapter 4.

    Examples
    --------
    >>> svd_break_even_rank(600, 512), svd_break_even_rank(100, 100)
    (276, 49)
    """
    m = check_rank(m, "m", maximum=_MAX_SIZE, minimum=1)
    n = check_rank(n, "n", maximum=_MAX_SIZE, minimum=1)
    return (m * n - 1) // (m + n + 1)


def eckart_young_error(s: Any, r: int, norm: Literal["frobenius", "spectral"] = "frobenius") -> float:
    """Error ``‖A − A_r‖`` of the best rank-r approximation, from the singular values alone.

    Spectral norm: ``σ_{r+1}`` (0 when ``r`` is the number of values). Frobenius norm:
    ``sqrt(σ_{r+1}² + … + σ_p²)``. Introduced in chapter 4.

    Parameters
    ----------
    s : array_like, shape (p,)
        All the singular values of ``A``, non-increasing.
    r : int
        ``0 <= r <= p``.
    norm : {"frobenius", "spectral"}

    Returns
    -------
    float

    Examples
    --------
    >>> eckart_young_error([4.0, 3.0, 2.0, 2.0], 1), eckart_young_error([4.0, 3.0, 2.0, 2.0], 1, "spectral")
    (4.123105625617661, 3.0)
    """
    s = _singular_values(s)
    r = check_rank(r, "r", maximum=s.size)
    if norm == "spectral":
        return float(s[r]) if r < s.size else 0.0
    if norm == "frobenius":
        if r == s.size or s[r] == 0:
            return 0.0
        return float(s[r] * np.sqrt(np.sum((s[r:] / s[r]) ** 2)))  # scaled: no underflow or overflow
    raise ValueError(f"'norm' must be 'frobenius' or 'spectral', got {norm!r}")


def cumulative_energy(s: Any) -> np.ndarray:
    """Fractions ``(σ₁² + … + σ_r²) / (σ₁² + … + σ_p²)`` for ``r = 1, …, p``.

    Entry ``r − 1`` is the share of ``‖A‖_F²`` that ``A_r`` keeps, so
    ``1 − entry`` is its squared relative Frobenius error. Introduced in chapter 4.

    Examples
    --------
    >>> cumulative_energy([3.0, 1.0])
    array([0.9, 1. ])
    """
    s = _singular_values(s)
    if s[0] == 0:
        raise ValueError("'s' must have a positive singular value (the zero matrix has no energy to share)")
    squares = np.cumsum((s / s[0]) ** 2)  # divided by σ₁ first: no underflow or overflow
    return squares / squares[-1]


def energy_rank(s: Any, fraction: float) -> int:
    """Smallest ``r`` whose truncation keeps at least ``fraction`` of ``Σ σᵢ²``.

    The criterion is on the *squared* singular values: keeping a fraction ``f`` of
    the energy means a relative Frobenius error ``‖A − A_r‖_F / ‖A‖_F <= sqrt(1 − f)``.
    Shares within a few rounding errors (``8 ε``) of ``fraction`` count as reaching it.
    Introduced in chapter 4.

    Parameters
    ----------
    s : array_like
        Singular values, non-increasing, not all zero.
    fraction : float
        In ``(0, 1]``.

    Examples
    --------
    >>> energy_rank([3.0, 1.0], 0.9), energy_rank([3.0, 1.0], 0.95)
    (1, 2)
    """
    fraction = check_fraction(fraction, "fraction")
    energy = cumulative_energy(s)
    # A few units of rounding of slack, so that [3, 1] keeps 90% at rank 1 as 9/10 says.
    return int(np.searchsorted(energy, fraction - 8 * np.finfo(np.float64).eps, side="left")) + 1


def gavish_donoho_lambda(beta: float) -> float:
    """Gavish–Donoho coefficient ``λ*(β)`` for a known noise level.

    ``λ*(β) = sqrt(2(β + 1) + 8β / (β + 1 + sqrt(β² + 14β + 1)))``; the optimal hard
    threshold for an m×n matrix with ``β = m/n <= 1`` and noise of standard deviation
    ``σ`` per entry is ``λ*(β) √n σ``. ``λ*(1) = 4/√3``. Introduced in chapter 4.

    Parameters
    ----------
    beta : float
        Aspect ratio ``min(m, n) / max(m, n)``, in ``(0, 1]``.

    References
    ----------
    M. Gavish and D. L. Donoho, "The optimal hard threshold for singular values is
    4/√3", IEEE Trans. Inf. Theory 60(8), 2014, eq. (11).

    Examples
    --------
    >>> bool(np.isclose(gavish_donoho_lambda(1.0), 4 / np.sqrt(3)))
    True
    """
    beta = check_fraction(beta, "beta")
    return float(np.sqrt(2 * (beta + 1) + 8 * beta / (beta + 1 + np.sqrt(beta**2 + 14 * beta + 1))))


def marchenko_pastur_median(beta: float) -> float:
    """Median of the Marchenko–Pastur law with ratio ``β``, the law of noise eigenvalues.

    The law has density ``sqrt((b − x)(x − a)) / (2π β x)`` on ``[a, b]``,
    ``a, b = (1 ∓ √β)²``: the limiting distribution of the eigenvalues of ``Z Zᵀ / n``
    for an m×n matrix ``Z`` of independent standard entries, ``m/n → β``. The
    distribution function is integrated by Gauss–Legendre quadrature after the
    substitution ``x = 1 + β − 2√β cos θ`` (which makes the integrand smooth) and the
    median is found by bisection on ``θ``. Introduced in chapter 4.

    Examples
    --------
    >>> round(marchenko_pastur_median(1.0), 4)
    0.6528
    """
    beta = check_fraction(beta, "beta")
    centre, half_width = 1 + beta, 2 * np.sqrt(beta)
    nodes, weights = np.polynomial.legendre.leggauss(64)

    def cdf(theta: float) -> float:  # P(X <= 1 + β − 2√β cos θ), θ in [0, π]
        t = theta * (nodes + 1) / 2
        density = half_width**2 * np.sin(t) ** 2 / (2 * np.pi * beta * (centre - half_width * np.cos(t)))
        return float(theta / 2 * weights @ density)

    low, high = 0.0, np.pi
    for _ in range(60):  # bisection: the bracket shrinks to below 1e-17
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < 0.5 else (low, middle)
    return float(centre - half_width * np.cos((low + high) / 2))


def gavish_donoho_omega(beta: float, approximate: bool = False) -> float:
    """Gavish–Donoho coefficient ``ω(β)`` for an unknown noise level.

    The threshold is ``ω(β) · median(σᵢ)``, with ``ω(β) = λ*(β) / sqrt(μ_β)`` and ``μ_β``
    the Marchenko–Pastur median. ``ω(1) ≈ 2.858``. With ``approximate=True``, the
    paper's cubic fit ``0.56β³ − 0.95β² + 1.82β + 1.43`` is returned instead.
    Introduced in chapter 4.

    Parameters
    ----------
    beta : float
        Aspect ratio ``min(m, n) / max(m, n)``, in ``(0, 1]``.
    approximate : bool
        Use the cubic fit instead of the exact value.

    Examples
    --------
    >>> round(gavish_donoho_omega(1.0), 3), round(gavish_donoho_omega(1.0, approximate=True), 3)
    (2.858, 2.86)
    """
    beta = check_fraction(beta, "beta")
    if not isinstance(approximate, bool):
        raise TypeError(f"'approximate' must be True or False, got {approximate!r}")
    if approximate:
        return float(0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43)
    return float(gavish_donoho_lambda(beta) / np.sqrt(marchenko_pastur_median(beta)))


def _check_spectrum(s: Any, shape: Any) -> tuple[np.ndarray, float, int]:
    """Validate ``s`` against ``shape``; return ``s``, β and the larger dimension."""
    m, n = _shape(shape)
    s = _singular_values(s)
    if s.size != min(m, n):
        raise ValueError(f"'s' must hold all min(m, n) = {min(m, n)} singular values of the matrix, got {s.size}")
    return s, min(m, n) / max(m, n), max(m, n)


def estimate_noise_level(s: Any, shape: tuple[int, int]) -> float:
    """Estimate the noise level ``σ`` of ``Y = X + σZ`` from the median singular value.

    ``σ̂ = median(σᵢ(Y)) / sqrt(max(m, n) · μ_β)``: for a low-rank ``X`` most singular
    values of ``Y`` are noise, so their median is close to that of pure noise.
    Introduced in chapter 4.

    Parameters
    ----------
    s : array_like
        All ``min(m, n)`` singular values of ``Y``.
    shape : tuple of two ints
        ``(m, n)``, the shape of ``Y``.
    """
    s, beta, n = _check_spectrum(s, shape)
    return float(np.median(s) / np.sqrt(n * marchenko_pastur_median(beta)))


def gavish_donoho_threshold(s: Any, shape: tuple[int, int], sigma: Optional[float] = None) -> float:
    """Gavish–Donoho optimal hard threshold for the singular values of ``Y = X + σZ``.

    ``Z`` has independent entries of mean 0 and variance 1. With ``β = min(m, n) /
    max(m, n)`` and ``n = max(m, n)`` (the paper's convention, ``m <= n``, after a
    transpose if needed):

    - known ``σ``: ``τ = λ*(β) √n σ`` (``4/√3 · √n σ`` for a square matrix);
    - unknown ``σ``: ``τ = ω(β) · median(s)`` (``≈ 2.858 · median(s)`` when square).

    Keeping the singular values above ``τ`` minimises the asymptotic mean squared
    error to ``X`` among all hard thresholds. Introduced in chapter 4.

    Parameters
    ----------
    s : array_like
        All ``min(m, n)`` singular values of ``Y``, non-increasing.
    shape : tuple of two ints
        ``(m, n)``.
    sigma : float, optional
        Noise standard deviation per entry (> 0), if known.

    Returns
    -------
    float
    """
    s, beta, n = _check_spectrum(s, shape)
    if sigma is None:
        return float(gavish_donoho_omega(beta) * np.median(s))
    sigma = check_positive(sigma, "sigma")
    return float(gavish_donoho_lambda(beta) * np.sqrt(n) * sigma)


def gavish_donoho_rank(s: Any, shape: tuple[int, int], sigma: Optional[float] = None) -> int:
    """Number of singular values above :func:`gavish_donoho_threshold`. Chapter 4."""
    threshold = gavish_donoho_threshold(s, shape, sigma)
    return int(np.count_nonzero(as_vector(s, "s") > threshold))


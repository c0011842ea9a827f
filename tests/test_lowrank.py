"""Unit tests for svdlab.lowrank (chapter 4): Eckart–Young errors, storage, energy, Gavish–Donoho."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import BadInput
from svdlab.lowrank import (
    cumulative_energy,
    eckart_young_error,
    energy_rank,
    estimate_noise_level,
    gavish_donoho_lambda,
    gavish_donoho_omega,
    gavish_donoho_rank,
    gavish_donoho_threshold,
    low_rank_approximation,
    low_rank_from_svd,
    marchenko_pastur_median,
    svd_break_even_rank,
    svd_storage,
)

shapes = st.tuples(st.integers(1, 8), st.integers(1, 8))
# Magnitudes from 1e-6 to 100 (and zeros): squares of tinier numbers underflow in any norm.
entries = st.one_of(st.just(0.0), st.floats(1e-6, 100), st.floats(-100, -1e-6))
matrices = shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=entries))


def _noisy_low_rank(m: int, n: int, rank: int, sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A rank-``rank`` matrix with strong singular values, and it plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    Q1, _ = np.linalg.qr(rng.standard_normal((m, rank)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    scale = np.sqrt(max(m, n)) * sigma
    X = Q1 @ np.diag(np.linspace(6, 3, rank) * scale) @ Q2.T
    return X, X + sigma * rng.standard_normal((m, n))


# --- Eckart–Young errors: properties ---------------------------------------------


@settings(max_examples=80, deadline=None)
@given(matrices, st.data())
def test_truncation_errors_are_the_eckart_young_values(A, data):
    s = np.linalg.svd(A, compute_uv=False)
    r = data.draw(st.integers(0, s.size))
    E = A - low_rank_approximation(A, r)
    scale = max(s[0], 1e-300)
    assert abs(np.linalg.norm(E, 2) - eckart_young_error(s, r, "spectral")) <= 1e-10 * scale
    assert abs(np.linalg.norm(E) ** 2 - np.sum(s[r:] ** 2)) <= 1e-10 * max(np.sum(s**2), 1e-300)
    assert abs(np.linalg.norm(E) - eckart_young_error(s, r)) <= 1e-10 * max(np.linalg.norm(A), 1e-300)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 8), st.integers(2, 8), st.data())
def test_no_random_rank_r_matrix_beats_the_truncated_svd(m, n, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    A = rng.standard_normal((m, n))
    s = np.linalg.svd(A, compute_uv=False)
    r = data.draw(st.integers(1, min(m, n) - 1))
    B = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    B *= np.sum(A * B) / np.sum(B * B)  # the best multiple of B
    assert np.linalg.norm(A - B) >= eckart_young_error(s, r) * (1 - 1e-12)
    assert np.linalg.norm(A - B, 2) >= eckart_young_error(s, r, "spectral") * (1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(matrices, st.data())
def test_low_rank_from_svd_matches_low_rank_approximation(A, data):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = data.draw(st.integers(0, s.size))
    A_r = low_rank_from_svd(U, s, Vt, r)
    assert np.allclose(A_r, low_rank_approximation(A, r), atol=1e-10 * max(1.0, np.abs(A).max()))
    assert np.linalg.matrix_rank(A_r) <= r


def test_eckart_young_error_by_hand():
    s = [4.0, 3.0, 2.0, 2.0]
    assert eckart_young_error(s, 0) == pytest.approx(np.sqrt(33))
    assert eckart_young_error(s, 2) == pytest.approx(np.sqrt(8))
    assert eckart_young_error(s, 4) == 0.0 and eckart_young_error(s, 4, "spectral") == 0.0
    assert eckart_young_error(s, 1, "spectral") == 3.0


def test_low_rank_approximation_of_a_diagonal_matrix():
    assert np.allclose(low_rank_approximation(np.diag([1.0, 5.0, 3.0]), 2), np.diag([0.0, 5.0, 3.0]))
    assert np.array_equal(low_rank_approximation(np.ones((2, 3)), 0), np.zeros((2, 3)))


# --- storage ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000))
def test_break_even_rank_is_the_last_rank_that_saves(m, n):
    r = svd_break_even_rank(m, n)
    assert r * (m + n + 1) < m * n or r == 0
    assert (r + 1) * (m + n + 1) >= m * n
    assert r < min(m, n) or min(m, n) == 0


def test_storage_and_break_even_values():
    assert svd_storage(600, 512, 10) == 11130
    assert svd_storage(3, 4, 0) == 0
    assert svd_break_even_rank(600, 512) == 276
    assert svd_break_even_rank(100, 100) == 49
    assert svd_break_even_rank(1, 50) == 0  # a single row cannot be compressed


# --- energy -------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.one_of(st.just(0.0), st.floats(1e-6, 100))), st.floats(0.01, 1.0))
def test_energy_rank_is_the_smallest_rank_that_keeps_the_fraction(values, fraction):
    s = np.sort(values)[::-1]
    if s[0] == 0:
        return
    r = energy_rank(s, fraction)
    kept = np.sum(s[:r] ** 2) / np.sum(s**2)
    assert kept >= fraction * (1 - 1e-12)
    assert r == 1 or np.sum(s[: r - 1] ** 2) / np.sum(s**2) < fraction
    relative_error = eckart_young_error(s, r) / np.linalg.norm(s)
    assert relative_error <= np.sqrt(max(1 - fraction, 0)) + 1e-7


def test_energy_uses_squares_not_values():
    s = 1.0 / np.arange(1, 201)
    assert energy_rank(s, 0.9) == 6
    assert cumulative_energy([3.0, 1.0]) == pytest.approx([0.9, 1.0])
    assert energy_rank([3.0, 1.0], 0.9) == 1 and energy_rank([3.0, 1.0], 0.95) == 2
    assert energy_rank([2.0, 1.0, 0.0], 1.0) == 2  # zero singular values carry no energy


# --- Gavish–Donoho: published constants and conventions ------------------------------


def test_known_noise_coefficient_is_four_over_root_three_for_square():
    assert gavish_donoho_lambda(1.0) == pytest.approx(4 / np.sqrt(3), rel=1e-15)
    assert gavish_donoho_lambda(1.0) == pytest.approx(2.309, abs=5e-4)


def test_unknown_noise_coefficient_is_2_858_for_square():
    assert round(gavish_donoho_omega(1.0), 3) == 2.858
    assert gavish_donoho_omega(1.0, approximate=True) == pytest.approx(0.56 - 0.95 + 1.82 + 1.43)


def test_cubic_fit_of_omega_is_close_to_the_exact_value():
    betas = np.linspace(0.01, 1.0, 50)
    gaps = [abs(gavish_donoho_omega(b) - gavish_donoho_omega(b, approximate=True)) for b in betas]
    assert max(gaps) < 0.02


def test_coefficients_grow_with_the_aspect_ratio():
    betas = np.linspace(0.05, 1.0, 20)
    assert np.all(np.diff([gavish_donoho_lambda(b) for b in betas]) > 0)
    assert np.all(np.diff([gavish_donoho_omega(b) for b in betas]) > 0)


@pytest.mark.parametrize("beta", [0.05, 0.3, 0.5, 1.0])
def test_marchenko_pastur_median_splits_the_density_in_half(beta):
    """An independent check: integrate the density on a fine grid up to the median."""
    a, b = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2
    median = marchenko_pastur_median(beta)
    assert a < median < b
    # Substitute x = a + (b − a) sin²(φ) to remove the square-root endpoint singularities.
    # The midpoint rule never evaluates the endpoints (where x may be 0).
    edges = np.linspace(0, np.arcsin(np.sqrt((median - a) / (b - a))), 200_001)
    phi = (edges[1:] + edges[:-1]) / 2
    x = a + (b - a) * np.sin(phi) ** 2
    dx_dphi = 2 * (b - a) * np.sin(phi) * np.cos(phi)
    density = np.sqrt((b - x) * (x - a)) / (2 * np.pi * beta * x)
    mass = np.sum(density * dx_dphi * np.diff(edges))
    assert mass == pytest.approx(0.5, abs=1e-6)


def test_marchenko_pastur_median_matches_scipy_when_available():
    integrate = pytest.importorskip("scipy.integrate")
    optimize = pytest.importorskip("scipy.optimize")
    for beta in (0.1, 0.6, 1.0):
        a, b = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2

        def density(x, a=a, b=b, beta=beta):
            return np.sqrt((b - x) * (x - a)) / (2 * np.pi * beta * x)

        median = optimize.brentq(lambda t: integrate.quad(density, a, t)[0] - 0.5, a + 1e-12, b)
        assert marchenko_pastur_median(beta) == pytest.approx(median, rel=1e-8)


def test_marchenko_pastur_median_matches_simulated_noise():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((400, 800))
    eigenvalues = np.linalg.svd(Z, compute_uv=False) ** 2 / 800
    assert np.median(eigenvalues) == pytest.approx(marchenko_pastur_median(0.5), rel=0.01)


def test_known_noise_threshold_uses_the_larger_dimension():
    s = np.linspace(10, 1, 300)
    tau = gavish_donoho_threshold(s, (300, 500), sigma=2.0)
    assert tau == pytest.approx(gavish_donoho_lambda(0.6) * np.sqrt(500) * 2.0)
    assert gavish_donoho_threshold(s, (500, 300), sigma=2.0) == tau  # transposing changes nothing
    square = gavish_donoho_threshold(np.linspace(10, 1, 400), (400, 400), sigma=1.0)
    assert square == pytest.approx(4 / np.sqrt(3) * np.sqrt(400))


def test_unknown_noise_threshold_is_omega_times_the_median():
    s = np.linspace(10, 1, 300)
    assert gavish_donoho_threshold(s, (300, 500)) == pytest.approx(gavish_donoho_omega(0.6) * np.median(s))
    s_square = np.linspace(9, 1, 101)
    assert gavish_donoho_threshold(s_square, (101, 101)) == pytest.approx(2.858 * 5.0, rel=1e-3)


@pytest.mark.parametrize(("m", "n", "rank", "sigma"), [(200, 200, 5, 1.0), (150, 400, 7, 0.3), (400, 150, 3, 2.0)])
def test_gavish_donoho_recovers_the_rank_and_denoises(m, n, rank, sigma):
    X, Y = _noisy_low_rank(m, n, rank, sigma, seed=m + n)
    U, s, Vt = np.linalg.svd(Y, full_matrices=False)
    assert gavish_donoho_rank(s, Y.shape, sigma=sigma) == rank
    assert gavish_donoho_rank(s, Y.shape) == rank
    assert estimate_noise_level(s, Y.shape) == pytest.approx(sigma, rel=0.03)
    assert np.linalg.norm(low_rank_from_svd(U, s, Vt, rank) - X) < 0.5 * np.linalg.norm(Y - X)


def test_pure_noise_has_rank_zero_and_a_good_noise_estimate():
    Y = 0.5 * np.random.default_rng(1).standard_normal((300, 300))
    s = np.linalg.svd(Y, compute_uv=False)
    assert gavish_donoho_rank(s, Y.shape, sigma=0.5) == 0
    assert gavish_donoho_rank(s, Y.shape) == 0
    assert estimate_noise_level(s, Y.shape) == pytest.approx(0.5, rel=0.03)


# Collected by tests/test_bad_input.py, with every other module's table.
_U, _s, _Vt = np.linalg.svd(np.arange(12.0).reshape(4, 3), full_matrices=False)
BAD_INPUTS = [
    BadInput(low_rank_approximation, (np.eye(3), 4), {}, ValueError, "r"),
    BadInput(low_rank_approximation, (np.eye(3), -1), {}, ValueError, "r"),
    BadInput(low_rank_approximation, (np.eye(3), 1.5), {}, TypeError, "r"),
    BadInput(low_rank_approximation, (np.ones(3), 1), {}, ValueError, "A"),
    BadInput(low_rank_approximation, ([[np.nan, 1.0]], 1), {}, ValueError, "A"),
    BadInput(low_rank_from_svd, (_U, _s, _Vt, 4), {}, ValueError, "r"),
    BadInput(low_rank_from_svd, (_U, _s, _Vt, -1), {}, ValueError, "r"),
    BadInput(low_rank_from_svd, (_U[:, :2], _s, _Vt, 1), {}, ValueError, "U"),
    BadInput(low_rank_from_svd, (_U, _s[::-1], _Vt, 1), {}, ValueError, "s"),
    BadInput(low_rank_from_svd, (_U, _s, _Vt[0], 1), {}, ValueError, "Vt"),
    BadInput(svd_storage, (0, 3, 1), {}, ValueError, "m"),
    BadInput(svd_storage, (3, 3.0, 1), {}, TypeError, "n"),
    BadInput(svd_storage, (3, 4, 4), {}, ValueError, "r"),
    BadInput(svd_storage, (3, 4, -1), {}, ValueError, "r"),
    BadInput(svd_break_even_rank, (-2, 3), {}, ValueError, "m"),
    BadInput(svd_break_even_rank, (2, "3"), {}, TypeError, "n"),
    BadInput(eckart_young_error, ([3.0, 1.0], 3), {}, ValueError, "r"),
    BadInput(eckart_young_error, ([3.0, 1.0], -1), {}, ValueError, "r"),
    BadInput(eckart_young_error, ([1.0, 3.0], 1), {}, ValueError, "s"),
    BadInput(eckart_young_error, ([3.0, -1.0], 1), {}, ValueError, "s"),
    BadInput(eckart_young_error, ([3.0, np.nan], 1), {}, ValueError, "s"),
    BadInput(eckart_young_error, ([[3.0, 1.0]], 1), {}, ValueError, "s"),
    BadInput(eckart_young_error, ([3.0, 1.0], 1), {"norm": "nuclear"}, ValueError, "norm"),
    BadInput(cumulative_energy, ([0.0, 0.0],), {}, ValueError, "s"),
    BadInput(cumulative_energy, ([],), {}, ValueError, "s"),
    BadInput(energy_rank, ([3.0, 1.0], 0.0), {}, ValueError, "fraction"),
    BadInput(energy_rank, ([3.0, 1.0], 1.5), {}, ValueError, "fraction"),
    BadInput(energy_rank, ([3.0, 1.0], -0.5), {}, ValueError, "fraction"),
    BadInput(energy_rank, ([3.0, 1.0], np.nan), {}, ValueError, "fraction"),
    BadInput(energy_rank, ([3.0, 1.0], "0.9"), {}, TypeError, "fraction"),
    BadInput(energy_rank, ([1.0, 3.0], 0.9), {}, ValueError, "s"),
    BadInput(gavish_donoho_lambda, (0.0,), {}, ValueError, "beta"),
    BadInput(gavish_donoho_lambda, (1.5,), {}, ValueError, "beta"),
    BadInput(marchenko_pastur_median, (-0.5,), {}, ValueError, "beta"),
    BadInput(marchenko_pastur_median, (None,), {}, TypeError, "beta"),
    BadInput(gavish_donoho_omega, (2.0,), {}, ValueError, "beta"),
    BadInput(gavish_donoho_omega, (0.5,), {"approximate": "yes"}, TypeError, "approximate"),
    BadInput(gavish_donoho_threshold, ([3.0, 2.0, 1.0], (3, 4)), {"sigma": 0.0}, ValueError, "sigma"),
    BadInput(gavish_donoho_threshold, ([3.0, 2.0, 1.0], (3, 4)), {"sigma": -1.0}, ValueError, "sigma"),
    BadInput(gavish_donoho_threshold, ([3.0, 2.0], (3, 4)), {}, ValueError, "s"),
    BadInput(gavish_donoho_threshold, ([3.0, 2.0, 1.0], [3, 4]), {}, TypeError, "shape"),
    BadInput(gavish_donoho_threshold, ([3.0, 2.0, 1.0], (0, 4)), {}, ValueError, "shape[0]"),
    BadInput(gavish_donoho_rank, ([1.0, 2.0, 3.0], (3, 4)), {}, ValueError, "s"),
    BadInput(gavish_donoho_rank, ([3.0, 2.0, 1.0], (3, 4)), {"sigma": np.inf}, ValueError, "sigma"),
    BadInput(estimate_noise_level, ([3.0, 2.0, 1.0], (3, 4.0)), {}, TypeError, "shape[1]"),
    BadInput(estimate_noise_level, ([3.0, 2.0, np.nan], (3, 4)), {}, ValueError, "s"),
]

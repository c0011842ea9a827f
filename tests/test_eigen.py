"""Unit tests for svdlab.eigen (chapter 3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BadInput
from svdlab.eigen import FundamentalSubspaces, eigh_descending, fundamental_subspaces, svd_via_eig
from svdlab.linalg import check_svd, sigma_matrix

WORKED = np.array([[4.0, 0.0, 0.0], [0.0, 3.0, 1.0]])
shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))
seeds = st.integers(0, 2**32 - 1)


def well_conditioned(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A random matrix with singular values in [1, 10] (condition number at most 10)."""
    m, n = shape
    rng = np.random.default_rng(seed)
    P, _ = np.linalg.qr(rng.standard_normal((m, m)))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.sort(rng.uniform(1.0, 10.0, min(m, n)))[::-1]
    return P @ sigma_matrix(s, shape) @ Q.T


def low_rank(shape: tuple[int, int], rank: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((shape[0], rank)) @ rng.standard_normal((rank, shape[1]))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6), seeds)
def test_eigh_descending_is_an_ordered_signed_eigendecomposition(k, seed):
    B = np.random.default_rng(seed).standard_normal((k, k))
    S = B + B.T
    eigenvalues, Q = eigh_descending(S)
    assert np.all(np.diff(eigenvalues) <= 0)
    assert np.allclose(Q.T @ Q, np.eye(k), atol=1e-12)
    assert np.allclose(S @ Q, Q * eigenvalues, atol=1e-10 * max(1.0, np.abs(S).max()))
    assert np.all(Q[np.abs(Q).argmax(axis=0), range(k)] > 0)


def test_eigh_descending_sign_convention_and_no_negative_zeros():
    eigenvalues, Q = eigh_descending([[2.0, 1.0], [1.0, 2.0]])
    assert np.allclose(eigenvalues, [3.0, 1.0])
    assert np.allclose(Q * np.sqrt(2), [[1.0, 1.0], [1.0, -1.0]])  # a tie goes to the first entry
    _, Q = eigh_descending(WORKED.T @ WORKED)
    assert np.allclose(Q[:, 2] * np.sqrt(10), [0.0, -1.0, 3.0])
    assert not np.any(np.signbit(Q[Q == 0]))  # prints as 0., never as -0.


@settings(max_examples=120, deadline=None)
@given(shapes, seeds, st.sampled_from(["auto", "AtA", "AAt"]), st.booleans())
def test_svd_via_eig_reconstructs_well_conditioned_matrices_and_matches_numpy(shape, seed, via, full):
    A = well_conditioned(shape, seed)
    U, s, Vt = svd_via_eig(A, via=via, full_matrices=full)
    p = min(shape)
    assert U.shape == ((shape[0], shape[0]) if full else (shape[0], p))
    assert Vt.shape == ((shape[1], shape[1]) if full else (p, shape[1]))
    assert check_svd(A, U, s, Vt).ok(tol=1e-12)
    assert np.allclose(s, np.linalg.svd(A, compute_uv=False), rtol=1e-12)


@settings(max_examples=120, deadline=None)
@given(shapes, seeds, st.data())
def test_svd_via_eig_handles_rank_deficient_wide_and_tall_matrices(shape, seed, data):
    rank = data.draw(st.integers(0, min(shape) - 1)) if min(shape) > 1 else 0
    A = low_rank(shape, rank, seed)
    for via in ("AtA", "AAt"):
        U, s, Vt = svd_via_eig(A, via=via)
        assert np.count_nonzero(s) == rank == np.linalg.matrix_rank(A)
        assert np.all(s[rank:] == 0.0)
        report = check_svd(A, U, s, Vt)
        assert report.u_orthogonality_error < 1e-10 and report.v_orthogonality_error < 1e-10
        assert np.allclose(U @ sigma_matrix(s, shape) @ Vt, A, atol=1e-10 * max(1.0, np.abs(A).max()))


def test_svd_via_eig_of_the_worked_example():
    U, s, Vt = svd_via_eig(WORKED, via="AtA")
    assert np.allclose(s, [4.0, np.sqrt(10.0)], rtol=1e-15)
    assert np.allclose(U, np.eye(2), atol=1e-15)
    assert np.allclose(Vt, np.array([[np.sqrt(10), 0, 0], [0, 3, 1], [0, -1, 3]]) / np.sqrt(10), atol=1e-15)
    assert check_svd(WORKED, U, s, Vt).ok(tol=1e-15)


def test_svd_via_eig_signs_follow_the_matrix_not_its_gram_matrices():
    """A and −A have the same AᵀA and AAᵀ; only uᵢ = Avᵢ/σᵢ tells them apart."""
    U_plus, s_plus, Vt_plus = svd_via_eig(WORKED, via="AtA")
    U_minus, s_minus, Vt_minus = svd_via_eig(-WORKED, via="AtA")
    assert np.array_equal(Vt_plus, Vt_minus) and np.array_equal(s_plus, s_minus)
    assert np.allclose(U_minus, -U_plus)
    assert check_svd(-WORKED, U_minus, s_minus, Vt_minus).ok(tol=1e-14)


def test_svd_via_eig_fixes_repeated_singular_values():
    A = np.array([[3.0, -4.0], [4.0, 3.0]])  # 5 times a rotation: both Gram matrices are 25 I
    U, s, Vt = svd_via_eig(A)
    assert np.allclose(s, [5.0, 5.0])
    assert check_svd(A, U, s, Vt).ok(tol=1e-14)


def test_the_eigen_route_loses_the_small_singular_values_of_the_lauchli_matrix():
    delta = 1e-9
    L = np.array([[1.0, 1.0, 1.0], [delta, 0, 0], [0, delta, 0], [0, 0, delta]])
    s_eig = svd_via_eig(L)[1]
    s_lapack = np.linalg.svd(L, compute_uv=False)
    assert np.allclose(s_lapack, [np.sqrt(3 + delta**2), delta, delta], rtol=1e-12)
    assert np.array_equal(s_eig[1:], [0.0, 0.0])
    assert s_eig[0] == pytest.approx(np.sqrt(3.0), rel=1e-15)


def test_svd_via_eig_tolerance_decides_which_values_are_zero():
    A = np.diag([1.0, 1e-3])
    assert np.count_nonzero(svd_via_eig(A)[1]) == 2
    assert np.count_nonzero(svd_via_eig(A, tol=1e-5)[1]) == 1
    assert np.count_nonzero(svd_via_eig(np.zeros((2, 3)))[1]) == 0


@settings(max_examples=120, deadline=None)
@given(shapes, seeds, st.data())
def test_fundamental_subspaces_are_orthonormal_complements(shape, seed, data):
    rank = data.draw(st.integers(0, min(shape)))
    A = low_rank(shape, rank, seed)
    spaces = fundamental_subspaces(A)
    m, n = shape
    assert spaces.rank == rank == np.linalg.matrix_rank(A)
    assert spaces.column.shape == (m, rank) and spaces.left_null.shape == (m, m - rank)
    assert spaces.row.shape == (n, rank) and spaces.null.shape == (n, n - rank)
    for name in ("column", "left_null", "row", "null"):
        basis = getattr(spaces, name)
        assert np.allclose(basis.T @ basis, np.eye(basis.shape[1]), atol=1e-12)
    assert np.allclose(spaces.projector("column") + spaces.projector("left_null"), np.eye(m), atol=1e-12)
    assert np.allclose(spaces.projector("row") + spaces.projector("null"), np.eye(n), atol=1e-12)
    scale = 1e-10 * max(1.0, np.abs(A).max())
    assert np.allclose(spaces.projector("column") @ A, A, atol=scale)  # columns of A lie in the column space
    assert np.allclose(A @ spaces.projector("row"), A, atol=scale)  # rows of A lie in the row space
    assert np.allclose(A @ spaces.null, 0.0, atol=scale)
    assert np.allclose(A.T @ spaces.left_null, 0.0, atol=scale)


def test_fundamental_subspaces_use_the_rows_of_vt_not_its_columns():
    A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [1.0, 3.0, 1.0]])  # rank 2, not symmetric
    spaces = fundamental_subspaces(A)
    _, _, Vt = np.linalg.svd(A)
    assert spaces.rank == 2
    assert np.allclose(spaces.null[:, 0], Vt[2])
    assert not np.allclose(A @ Vt[:, 2], 0.0)  # a column of Vt is not a null vector


def test_fundamental_subspaces_tolerance():
    A = np.diag([1.0, 1e-8])
    assert fundamental_subspaces(A).rank == 2
    assert fundamental_subspaces(A, tol=1e-6).rank == 1


BAD_INPUTS = [
    BadInput(eigh_descending, (np.ones((2, 3)),), {}, ValueError, "S"),
    BadInput(eigh_descending, ([[1.0, 2.0], [0.0, 1.0]],), {}, ValueError, "S"),
    BadInput(eigh_descending, ("S",), {}, TypeError, "S"),
    BadInput(eigh_descending, (np.ones(3),), {}, ValueError, "S"),
    BadInput(svd_via_eig, (np.ones(3),), {}, ValueError, "A"),
    BadInput(svd_via_eig, ([[np.inf]],), {}, ValueError, "A"),
    BadInput(svd_via_eig, (np.eye(2),), {"via": "ATA"}, ValueError, "via"),
    BadInput(svd_via_eig, (np.eye(2),), {"tol": -1.0}, ValueError, "tol"),
    BadInput(svd_via_eig, (np.eye(2),), {"tol": "small"}, TypeError, "tol"),
    BadInput(svd_via_eig, (np.eye(2),), {"full_matrices": 1}, TypeError, "full_matrices"),
    BadInput(fundamental_subspaces, (np.ones(3),), {}, ValueError, "A"),
    BadInput(fundamental_subspaces, (np.ones((0, 3)),), {}, ValueError, "A"),
    BadInput(fundamental_subspaces, (np.eye(2),), {"tol": -1e-3}, ValueError, "tol"),
    BadInput(FundamentalSubspaces.projector, (fundamental_subspaces(np.eye(2)), "range"), {}, ValueError, "name"),
]

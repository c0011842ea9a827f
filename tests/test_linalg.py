"""Unit tests for svdlab.linalg (chapter 1) and the shared argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import BadInput
from svdlab.linalg import (
    SVDCheck,
    check_svd,
    default_rank_tolerance,
    fix_signs,
    numerical_rank,
    outer_product_sum,
    sigma_matrix,
    svd_shapes,
    truncated_svd,
)

shapes = st.tuples(st.integers(1, 7), st.integers(1, 7))
entries = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
matrices = shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=entries))


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_numpy_svd_passes_check_svd_in_full_and_thin_form(A):
    for full in (True, False):
        report = check_svd(A, *np.linalg.svd(A, full_matrices=full))
        assert report.sorted_nonnegative
        assert report.reconstruction_error < 1e-12 or np.linalg.norm(A) < 1e-300
        assert report.u_orthogonality_error < 1e-12
        assert report.v_orthogonality_error < 1e-12


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_outer_product_sum_of_all_terms_reconstructs(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    assert np.allclose(outer_product_sum(U, s, Vt), A, atol=1e-10 * max(1.0, np.abs(A).max()))


@settings(max_examples=60, deadline=None)
@given(matrices, st.data())
def test_truncated_svd_shapes_and_ordering(A, data):
    r = data.draw(st.integers(0, min(A.shape)))
    U_r, s_r, Vt_r = truncated_svd(A, r)
    expected = svd_shapes(*A.shape, r=r)["truncated"] if r else {"U": (A.shape[0], 0), "Vt": (0, A.shape[1])}
    assert U_r.shape == expected["U"] and Vt_r.shape == expected["Vt"] and s_r.shape == (r,)
    assert np.all(np.diff(s_r) <= 0) and np.all(s_r >= 0)
    assert np.allclose(U_r.T @ U_r, np.eye(r), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_numerical_rank_recovers_rank_of_a_product(m, n, data):
    k = data.draw(st.integers(0, min(m, n)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    A = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    s = np.linalg.svd(A, compute_uv=False)
    assert numerical_rank(s, shape=A.shape) == np.linalg.matrix_rank(A) == k


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_fix_signs_makes_numpy_and_torch_agree(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    if np.any(np.diff(s) > -1e-6 * max(s[0], 1.0)) or s[-1] < 1e-6 * max(s[0], 1.0):
        return  # repeated or zero singular values: the vectors are not unique, only the signs test applies
    U_t, _, Vt_t = (x.numpy() for x in torch.linalg.svd(torch.from_numpy(A), full_matrices=False))
    U1, Vt1 = fix_signs(U, Vt)
    U2, Vt2 = fix_signs(U_t, Vt_t)
    assert np.allclose(U1, U2, atol=1e-6) and np.allclose(Vt1, Vt2, atol=1e-6)
    assert check_svd(A, U1, s, Vt1).ok(tol=1e-10)


def test_fix_signs_flips_pairs_together():
    U, s, Vt = np.linalg.svd(np.array([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]]))
    U2, Vt2 = fix_signs(-U, -Vt)
    assert np.all(U2[np.abs(U2).argmax(0), [0, 1]] > 0)
    assert np.allclose(U2 @ sigma_matrix(s, (2, 3)) @ Vt2, [[3, 2, 2], [2, 3, -2]])


def test_check_svd_detects_each_kind_of_error():
    A = np.array([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]])
    U, s, Vt = np.linalg.svd(A)
    assert check_svd(A, U, s, Vt).ok()
    assert check_svd(A, U, s * 1.01, Vt).reconstruction_error > 1e-3
    assert check_svd(A, U * 2, s / 2, Vt).u_orthogonality_error > 0.5
    assert not check_svd(A, U[:, ::-1], s[::-1], Vt[[1, 0, 2]]).sorted_nonnegative
    assert check_svd(A, U, s, Vt + 0.1).v_orthogonality_error > 1e-2
    assert not check_svd(A, U, s * 1.01, Vt).ok(tol=1e-6)


def test_svd_shapes_table():
    assert svd_shapes(5, 3, r=2) == {
        "full": {"U": (5, 5), "Sigma": (5, 3), "Vt": (3, 3)},
        "thin": {"U": (5, 3), "Sigma": (3, 3), "Vt": (3, 3)},
        "truncated": {"U": (5, 2), "Sigma": (2, 2), "Vt": (2, 3)},
    }
    assert svd_shapes(2, 4)["thin"] == {"U": (2, 2), "Sigma": (2, 2), "Vt": (2, 4)}


def test_sigma_matrix_places_values_on_the_diagonal():
    assert np.array_equal(sigma_matrix([5, 3], (3, 2)), [[5, 0], [0, 3], [0, 0]])


def test_numerical_rank_default_tolerance_matches_numpy():
    s = np.array([1.0, 1e-14, 1e-17])
    assert default_rank_tolerance(s, (4, 3)) == pytest.approx(4 * np.finfo(float).eps)
    assert numerical_rank(s, shape=(4, 3)) == 2
    assert numerical_rank(s, tol=1e-13) == 1
    assert numerical_rank(s, tol=0) == 3


def _ok_check() -> SVDCheck:
    return check_svd(np.eye(2), np.eye(2), [1.0, 1.0], np.eye(2))


# Collected by tests/test_bad_input.py, with every other module's table.
BAD_INPUTS = [
    BadInput(check_svd, (np.ones(3), np.eye(3), [1.0], np.eye(3)), {}, ValueError, "A"),
    BadInput(check_svd, ([[np.nan]], [[1.0]], [1.0], [[1.0]]), {}, ValueError, "A"),
    BadInput(check_svd, ([[np.inf, 1.0]], [[1.0]], [1.0], np.eye(2)), {}, ValueError, "A"),
    BadInput(check_svd, (np.ones((2, 2)), np.eye(3), [1.0, 1.0], np.eye(2)), {}, ValueError, "U"),
    BadInput(check_svd, (np.ones((2, 2)), np.eye(2), [1.0, 1.0], np.eye(3)), {}, ValueError, "Vt"),
    BadInput(check_svd, (np.ones((2, 2)), np.eye(2), [1.0, 1.0, 1.0], np.eye(2)), {}, ValueError, "s"),
    BadInput(check_svd, ("abc", np.eye(2), [1.0], np.eye(2)), {}, TypeError, "A"),
    BadInput(check_svd, (np.ones((2, 2), dtype=complex), np.eye(2), [1.0], np.eye(2)), {}, TypeError, "A"),
    BadInput(check_svd, (np.ones((0, 2)), np.eye(2), [1.0], np.eye(2)), {}, ValueError, "A"),
    BadInput(SVDCheck.ok, (_ok_check(),), {"tol": 0}, ValueError, "tol"),
    BadInput(sigma_matrix, ([1.0, 2.0], (1, 3)), {}, ValueError, "s"),
    BadInput(sigma_matrix, ([1.0], [2, 2]), {}, TypeError, "shape"),
    BadInput(svd_shapes, (0, 3), {}, ValueError, "m"),
    BadInput(svd_shapes, (3, 2.5), {}, TypeError, "n"),
    BadInput(svd_shapes, (3, 2), {"r": 3}, ValueError, "r"),
    BadInput(default_rank_tolerance, ([], (2, 2)), {}, ValueError, "s"),
    BadInput(numerical_rank, ([[1.0]],), {}, ValueError, "s"),
    BadInput(numerical_rank, ([1.0, -1.0],), {}, ValueError, "s"),
    BadInput(numerical_rank, ([1.0],), {"tol": -1.0}, ValueError, "tol"),
    BadInput(numerical_rank, ([1.0, np.inf],), {}, ValueError, "s"),
    BadInput(numerical_rank, ([],), {}, ValueError, "s"),
    BadInput(truncated_svd, (np.eye(3), 4), {}, ValueError, "r"),
    BadInput(truncated_svd, (np.eye(3), -1), {}, ValueError, "r"),
    BadInput(truncated_svd, (np.eye(3), True), {}, TypeError, "r"),
    BadInput(truncated_svd, (np.eye(3), 1.0), {}, TypeError, "r"),
    BadInput(outer_product_sum, (np.eye(2), [1.0, 1.0], np.eye(2)), {"r": 3}, ValueError, "r"),
    BadInput(outer_product_sum, (np.eye(2)[:, :1], [1.0, 1.0], np.eye(2)), {}, ValueError, "U"),
    BadInput(fix_signs, (np.eye(3), np.eye(2)), {}, ValueError, "Vt"),
    BadInput(fix_signs, ([1.0, 2.0], np.eye(2)), {}, ValueError, "U"),
]


def test_torch_tensors_are_accepted():
    A = torch.tensor([[3.0, 2.0, 2.0], [2.0, 3.0, -2.0]], dtype=torch.float64)
    U, s, Vt = torch.linalg.svd(A)
    assert check_svd(A, U, s, Vt).ok()

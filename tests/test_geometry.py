"""Unit tests for svdlab.geometry (chapter 2)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.figure import Figure

from conftest import BadInput
from svdlab.geometry import (
    circle_map_widget,
    plot_circle_map,
    polygon_area,
    rotation_svd,
    stretch_factors,
    svd_stages,
    unit_circle,
    unit_sphere,
)
from svdlab.linalg import check_svd

shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))
integer_matrices = shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=st.integers(-5, 5).map(float)))
real_matrices = shapes.flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False))
)
plottable = st.sampled_from([(2, 2), (3, 2), (2, 3)]).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False))
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_unit_circle_is_counter_clockwise_equally_spaced_and_starts_at_one_zero():
    X = unit_circle(12)
    assert X.shape == (2, 12)
    assert np.allclose(np.linalg.norm(X, axis=0), 1.0, atol=1e-15)
    assert np.allclose(X[:, 0], [1.0, 0.0])
    steps = np.linalg.norm(np.diff(np.hstack([X, X[:, :1]]), axis=1), axis=0)
    assert np.allclose(steps, steps[0])
    assert polygon_area(X) == pytest.approx(6 * np.sin(2 * np.pi / 12))  # a regular 12-gon, counter-clockwise


def test_unit_sphere_points_have_length_one_and_are_balanced():
    X = unit_sphere(2000)
    assert X.shape == (3, 2000)
    assert np.allclose(np.linalg.norm(X, axis=0), 1.0, atol=1e-14)
    assert np.all(np.diff(X[2]) < 0)  # north to south
    assert np.abs(X.mean(axis=1)).max() < 0.01  # spread over the whole sphere
    assert np.array_equal(unit_sphere(50), unit_sphere(50))


@settings(max_examples=150, deadline=None)
@given(integer_matrices)
def test_rotation_svd_is_an_svd_with_rotations_wherever_possible(A):
    U, s, Vt = rotation_svd(A)
    assert check_svd(A, U, s, Vt).ok(tol=1e-12) or np.linalg.norm(A) == 0
    assert np.allclose(s, np.linalg.svd(A, compute_uv=False), atol=1e-12)
    assert np.linalg.det(Vt) == pytest.approx(1.0)
    m, n = A.shape
    forced_reflection = m == n and round(np.linalg.det(A)) < 0  # integer matrix: det is exact
    assert np.linalg.det(U) == pytest.approx(-1.0 if forced_reflection else 1.0)


def test_rotation_svd_of_a_reflection_keeps_v_a_rotation():
    U, s, Vt = rotation_svd([[1.0, 0.0], [0.0, -2.0]])
    assert np.allclose(s, [2.0, 1.0])
    assert np.linalg.det(Vt) == pytest.approx(1.0) and np.linalg.det(U) == pytest.approx(-1.0)


@settings(max_examples=60, deadline=None)
@given(real_matrices, st.integers(0, 2**32 - 1))
def test_svd_stages_end_at_a_x_and_the_first_step_keeps_lengths(A, seed):
    X = np.random.default_rng(seed).standard_normal((A.shape[1], 7))
    x, rotated, scaled, image = svd_stages(A, X)
    assert np.array_equal(x, X)
    assert np.allclose(np.linalg.norm(rotated, axis=0), np.linalg.norm(X, axis=0))
    assert scaled.shape == image.shape == (A.shape[0], 7)
    assert np.allclose(image, A @ X, atol=1e-10 * max(1.0, np.abs(A).max()) * np.abs(X).max())


@settings(max_examples=60, deadline=None)
@given(real_matrices, st.integers(0, 2**32 - 1))
def test_stretch_factors_lie_between_the_extreme_singular_values(A, seed):
    X = np.random.default_rng(seed).standard_normal((A.shape[1], 20))
    stretch = stretch_factors(A, X)
    s = np.linalg.svd(A, compute_uv=False)
    slack = 1e-10 * max(1.0, s[0])
    assert np.all(stretch <= s[0] + slack)
    if A.shape[0] >= A.shape[1]:
        assert np.all(stretch >= s[-1] - slack)


def test_longest_and_shortest_images_of_the_unit_circle_are_the_singular_values():
    A = np.array([[1.0, 1.5], [0.0, 1.0]])
    stretch = stretch_factors(A, unit_circle(100_000))
    assert stretch.max() == pytest.approx(2.0, rel=1e-8)
    assert stretch.min() == pytest.approx(0.5, rel=1e-8)


def test_stretch_factors_do_not_depend_on_the_length_of_x():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    X = np.array([[1.0, 0.0], [2.0, 1.0]])
    assert np.allclose(stretch_factors(A, X), stretch_factors(A, 7.5 * X))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (2, 2), elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False)))
def test_a_linear_map_multiplies_signed_area_by_its_determinant(A):
    P = unit_circle(50)
    assert polygon_area(A @ P) == pytest.approx(np.linalg.det(A) * polygon_area(P), abs=1e-9 * max(1.0, np.abs(A).max() ** 2))


def test_polygon_area_is_signed():
    square = np.array([[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    assert polygon_area(square) == 1.0
    assert polygon_area(square[:, ::-1]) == -1.0


@pytest.mark.parametrize(("shape", "panels_3d"), [((2, 2), 0), ((3, 2), 2), ((2, 3), 2)])
def test_plot_circle_map_draws_four_panels_and_the_image_of_the_unit_vectors(shape, panels_3d):
    A = np.arange(1.0, 7.0)[: shape[0] * shape[1]].reshape(shape) / 4 - 0.6
    fig = plot_circle_map(A, num_points=64)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 4
    assert sum(ax.name == "3d" for ax in panels) == panels_3d
    X = unit_circle(64) if shape[1] == 2 else unit_sphere(64)
    if shape[0] == 2:  # the last panel is 2-D: its points are exactly A x
        assert np.allclose(np.asarray(panels[3].collections[0].get_offsets()).T, A @ X)


@settings(max_examples=15, deadline=None)
@given(plottable)
def test_plot_circle_map_accepts_any_plottable_matrix(A):
    assert isinstance(plot_circle_map(A, num_points=16), Figure)
    plt.close("all")


def test_plot_circle_map_handles_the_zero_matrix():
    assert isinstance(plot_circle_map(np.zeros((2, 2))), Figure)


def test_circle_map_widget_redraws_when_a_slider_moves():
    widget = circle_map_widget([[1.0, 1.5], [0.0, 1.0]])
    sliders = widget.children[:4]
    assert [slider.description for slider in sliders] == ["a11", "a12", "a21", "a22"]
    first = widget.result
    assert isinstance(first, Figure)
    sliders[1].value = 0.0  # now A = I: the image of the circle is the circle
    assert widget.result is not first
    last_panel = [ax for ax in widget.result.axes if ax.get_label() != "<colorbar>"][3]
    image = np.asarray(last_panel.collections[0].get_offsets())
    assert np.allclose(np.linalg.norm(image, axis=1), 1.0)


BAD_INPUTS = [
    BadInput(unit_circle, (2,), {}, ValueError, "num_points"),
    BadInput(unit_circle, (10.0,), {}, TypeError, "num_points"),
    BadInput(unit_sphere, (3,), {}, ValueError, "num_points"),
    BadInput(unit_sphere, ("many",), {}, TypeError, "num_points"),
    BadInput(rotation_svd, (np.ones(3),), {}, ValueError, "A"),
    BadInput(rotation_svd, ([[np.nan, 1.0]],), {}, ValueError, "A"),
    BadInput(rotation_svd, ("A",), {}, TypeError, "A"),
    BadInput(svd_stages, (np.eye(2), np.ones((3, 4))), {}, ValueError, "X"),
    BadInput(svd_stages, (np.eye(2), np.ones(2)), {}, ValueError, "X"),
    BadInput(svd_stages, (np.ones((2, 2, 2)), np.ones((2, 1))), {}, ValueError, "A"),
    BadInput(stretch_factors, (np.eye(2), np.zeros((2, 1))), {}, ValueError, "X"),
    BadInput(stretch_factors, (np.eye(2), np.ones((3, 1))), {}, ValueError, "X"),
    BadInput(stretch_factors, ([[1j, 0.0]], np.ones((2, 1))), {}, TypeError, "A"),
    BadInput(polygon_area, (np.ones((3, 4)),), {}, ValueError, "points"),
    BadInput(polygon_area, (np.ones((2, 2)),), {}, ValueError, "points"),
    BadInput(polygon_area, ([[0.0, 1.0, np.inf], [0.0, 0.0, 1.0]],), {}, ValueError, "points"),
    BadInput(plot_circle_map, (np.eye(3),), {}, ValueError, "A"),
    BadInput(plot_circle_map, (np.ones((1, 2)),), {}, ValueError, "A"),
    BadInput(plot_circle_map, (np.ones(2),), {}, ValueError, "A"),
    BadInput(plot_circle_map, (np.eye(2),), {"num_points": 4}, ValueError, "num_points"),
    BadInput(plot_circle_map, (np.eye(2),), {"num_points": 100.0}, TypeError, "num_points"),
    BadInput(circle_map_widget, (np.eye(3),), {}, ValueError, "A"),
    BadInput(circle_map_widget, ([[3.0, 0.0], [0.0, 1.0]],), {}, ValueError, "A"),
    BadInput(circle_map_widget, (np.eye(2),), {"limit": 0.0}, ValueError, "limit"),
    BadInput(circle_map_widget, (np.eye(2),), {"limit": "2"}, TypeError, "limit"),
]

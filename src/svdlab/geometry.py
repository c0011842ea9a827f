"""Chapter 2 helpers: what ``A = U Σ Vᵀ`` does to the unit circle and the unit sphere.

The SVD reads a linear map as three steps: ``Vᵀ`` turns the input space, ``Σ`` stretches
each axis by a singular value (and adds or drops dimensions when ``A`` is not square),
and ``U`` turns the output space. These helpers sample unit vectors, follow them through
the three steps, measure stretches and areas, and draw the four stages.
"""

from __future__ import annotations

from typing import Any, Optional

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ._validation import as_matrix, check_positive, check_rank
from .linalg import fix_signs, numerical_rank, sigma_matrix

__all__ = [
    "circle_map_widget",
    "plot_circle_map",
    "polygon_area",
    "rotation_svd",
    "stretch_factors",
    "svd_stages",
    "unit_circle",
    "unit_sphere",
]

_MAX_POINTS = 10**7
_PLOTTABLE_SHAPES = ((2, 2), (3, 2), (2, 3))
_ARROW_COLOURS = ("C3", "C0", "C2")


def unit_circle(num_points: int = 360) -> np.ndarray:
    """Return ``num_points`` equally spaced points of the unit circle as the columns of a 2×N array.

    Introduced in chapter 2. The first point is ``(1, 0)``; the points go round
    counter-clockwise and the last one stops short of the first (no duplicate).

    Parameters
    ----------
    num_points : int
        How many points, at least 3.

    Returns
    -------
    ndarray, shape (2, num_points)

    Examples
    --------
    >>> unit_circle(4).round(12)
    array([[ 1.,  0., -1., -0.],
           [ 0.,  1.,  0., -1.]])
    """
    num_points = check_rank(num_points, "num_points", maximum=_MAX_POINTS, minimum=3)
    angles = 2 * np.pi * np.arange(num_points) / num_points
    return np.vstack([np.cos(angles), np.sin(angles)])


def unit_sphere(num_points: int = 1000) -> np.ndarray:
    """Return ``num_points`` nearly evenly spread points of the unit sphere in R³ (a 3×N array).

    Introduced in chapter 2. The points lie on a Fibonacci spiral from the north pole to
    the south pole: deterministic, no random generator, and every point has length 1.

    Parameters
    ----------
    num_points : int
        How many points, at least 4.

    Returns
    -------
    ndarray, shape (3, num_points)

    Examples
    --------
    >>> np.allclose(np.linalg.norm(unit_sphere(50), axis=0), 1.0)
    True
    """
    num_points = check_rank(num_points, "num_points", maximum=_MAX_POINTS, minimum=4)
    i = np.arange(num_points)
    z = 1 - (2 * i + 1) / num_points
    radius = np.sqrt(1 - z**2)
    angle = np.pi * (3 - np.sqrt(5)) * i  # the golden angle
    return np.vstack([radius * np.cos(angle), radius * np.sin(angle), z])


def rotation_svd(A: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full SVD ``A = U Σ Vt`` whose orthogonal factors are rotations whenever that is possible.

    Introduced in chapter 2. ``numpy.linalg.svd`` may return an orthogonal ``U`` or ``V``
    with determinant −1 (a reflection). Flipping the sign of a singular-vector pair
    ``(uᵢ, vᵢ)``, or of a singular vector that belongs to no nonzero singular value,
    gives another SVD; this function uses that freedom so that ``det V = +1`` always and
    ``det U = +1`` unless ``A`` is square, nonsingular and ``det A < 0`` (then
    ``det U · det V = sign(det A) = −1`` forces one reflection). Before that, each pair is
    signed so that the largest entry of ``uᵢ`` is positive (:func:`svdlab.linalg.fix_signs`),
    which makes the result reproducible.

    Parameters
    ----------
    A : array_like, shape (m, n)

    Returns
    -------
    U : ndarray, shape (m, m)
    s : ndarray, shape (min(m, n),)
    Vt : ndarray, shape (n, n)
        ``Vᵀ``: its rows are the right singular vectors.

    Examples
    --------
    >>> U, s, Vt = rotation_svd([[1.0, 1.5], [0.0, 1.0]])
    >>> s.round(12), round(float(np.linalg.det(U)), 12), round(float(np.linalg.det(Vt)), 12)
    (array([2. , 0.5]), 1.0, 1.0)
    """
    A = as_matrix(A, "A")
    m, n = A.shape
    p = min(m, n)
    U, s, Vt = np.linalg.svd(A)
    U[:, :p], Vt[:p] = fix_signs(U[:, :p], Vt[:p])
    r = numerical_rank(s, shape=A.shape)  # columns r.. of U and rows r.. of Vt are unpaired

    if np.linalg.det(Vt) < 0:
        if n - 1 >= r:
            Vt[n - 1] *= -1
        else:  # v_n is paired (r = n <= m): flip the pair
            Vt[n - 1] *= -1
            U[:, n - 1] *= -1
    if np.linalg.det(U) < 0:
        if m - 1 >= r:
            U[:, m - 1] *= -1
        elif n > r:  # u_m is paired (r = m < n): flip the pair, then the free v_n
            U[:, m - 1] *= -1
            Vt[m - 1] *= -1
            Vt[n - 1] *= -1
        # else: square and nonsingular with det A < 0; one reflection is unavoidable.
    return U, s, Vt


def svd_stages(A: Any, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Follow the columns of ``X`` through ``Vᵀ``, then ``Σ``, then ``U``.

    Introduced in chapter 2. Uses :func:`rotation_svd`, so the first and last steps are
    rotations whenever possible.

    Parameters
    ----------
    A : array_like, shape (m, n)
    X : array_like, shape (n, N)
        Input vectors, one per column.

    Returns
    -------
    tuple of four ndarrays
        ``X`` (n×N), ``Vᵀ X`` (n×N), ``Σ Vᵀ X`` (m×N) and ``U Σ Vᵀ X`` (m×N), the last one
        equal to ``A X`` up to rounding.

    Examples
    --------
    >>> A = np.array([[1.0, 1.5], [0.0, 1.0]])
    >>> stages = svd_stages(A, unit_circle(8))
    >>> np.allclose(stages[-1], A @ unit_circle(8))
    True
    """
    A = as_matrix(A, "A")
    X = _as_points(X, A.shape[1], "X")
    U, s, Vt = rotation_svd(A)
    rotated = Vt @ X
    scaled = sigma_matrix(s, A.shape) @ rotated
    return X, rotated, scaled, U @ scaled


def stretch_factors(A: Any, X: Any) -> np.ndarray:
    """Return ``‖A x‖ / ‖x‖`` for every column ``x`` of ``X``: how much ``A`` stretches it.

    Introduced in chapter 2. For unit vectors the largest value is at most σ₁ (the
    operator 2-norm) and, when ``A`` has at least as many rows as columns, the smallest is
    at least σₙ.

    Parameters
    ----------
    A : array_like, shape (m, n)
    X : array_like, shape (n, N)
        Nonzero vectors, one per column.

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> stretch_factors([[3.0, 0.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 5.0]])
    array([3., 2.])
    """
    A = as_matrix(A, "A")
    X = _as_points(X, A.shape[1], "X")
    lengths = np.linalg.norm(X, axis=0)
    if np.any(lengths == 0):
        raise ValueError("'X' must not contain a zero column (its stretch is undefined)")
    return np.linalg.norm(A @ X, axis=0) / lengths


def polygon_area(points: Any) -> float:
    """Signed area of the polygon whose vertices are the columns of a 2×N array (shoelace formula).

    Introduced in chapter 2. Positive when the vertices go round counter-clockwise,
    negative when clockwise. A linear map ``A`` multiplies every signed area by ``det A``,
    so ``polygon_area(A @ P) == det(A) * polygon_area(P)``.

    Parameters
    ----------
    points : array_like, shape (2, N)
        Vertices in order, ``N >= 3``; the polygon closes itself (last vertex to first).

    Returns
    -------
    float

    Examples
    --------
    >>> polygon_area([[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    1.0
    """
    points = as_matrix(points, "points")
    if points.shape[0] != 2 or points.shape[1] < 3:
        raise ValueError(f"'points' must have shape (2, N) with N >= 3, got {points.shape}")
    x, y = points
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def plot_circle_map(A: Any, num_points: Optional[int] = None) -> Figure:
    """Four panels (2×2, read left to right): unit vectors ``x``, ``Vᵀx``, ``ΣVᵀx`` and ``UΣVᵀx = Ax``.

    Introduced in chapter 2. For a 2×2 or 3×2 matrix the inputs are the unit circle,
    coloured by angle; for a 2×3 matrix they are the unit sphere, coloured by
    ``|v₃ᵀx|``. Panels in R³ are 3-D plots. Arrows follow the right singular vectors
    ``vᵢ`` through the steps: ``vᵢ → eᵢ → σᵢeᵢ → σᵢuᵢ``. All panels share one scale, so
    lengths can be compared across them.

    Parameters
    ----------
    A : array_like, shape (2, 2), (3, 2) or (2, 3)
    num_points : int, optional
        Number of sampled unit vectors, at least 8; default 240 on the circle, 1500 on
        the sphere.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_circle_map([[1.0, 1.5], [0.0, 1.0]])
    >>> len(fig.axes)  # four panels and a colour bar
    5
    """
    A = as_matrix(A, "A")
    if A.shape not in _PLOTTABLE_SHAPES:
        raise ValueError(f"'A' must have shape 2x2, 3x2 or 2x3 to be drawn, got {A.shape[0]}x{A.shape[1]}")
    m, n = A.shape
    if num_points is None:
        num_points = 240 if n == 2 else 1500
    num_points = check_rank(num_points, "num_points", maximum=_MAX_POINTS, minimum=8)

    U, s, Vt = rotation_svd(A)
    X = unit_circle(num_points) if n == 2 else unit_sphere(num_points)
    stages = svd_stages(A, X)
    if n == 2:
        colour, cmap = np.arctan2(X[1], X[0]), "hsv"
    else:
        colour, cmap = np.abs(Vt[2] @ X), "viridis"

    # Each right singular vector v_i, followed through the three steps: v_i, e_i, σ_i e_i, σ_i u_i.
    Sigma = sigma_matrix(s, A.shape)
    arrows = [
        (Vt.T, [f"$v_{i}$" for i in range(1, n + 1)]),
        (np.eye(n), [f"$e_{i}$" for i in range(1, n + 1)]),
        (Sigma, [rf"$\sigma_{i} e_{i}$" for i in range(1, n + 1)]),
        (U @ Sigma, [rf"$\sigma_{i} u_{i}$" for i in range(1, n + 1)]),
    ]
    titles = [
        "$x$" + (" (unit circle)" if n == 2 else " (unit sphere)"),
        r"$V^\top x$ (rotate)",
        r"$\Sigma V^\top x$ (scale" + (")" if m == n else ", add a dimension)" if m > n else ", drop a dimension)"),
        r"$U\Sigma V^\top x = Ax$ (rotate)",
    ]
    limit = 1.15 * max(1.0, float(s[0]))

    fig = plt.figure(figsize=(8.6, 8.0), layout="constrained")
    for k, (points, (vectors, labels), title) in enumerate(zip(stages, arrows, titles)):
        dim = points.shape[0]
        ax = fig.add_subplot(2, 2, k + 1, projection="3d" if dim == 3 else None)
        sphere = n == 3 and k < 2  # a cloud of points on a sphere: lighter, so the arrows show
        scatter = ax.scatter(*points, c=colour, cmap=cmap, s=3 if sphere else 6, alpha=0.6 if sphere else 1.0, linewidths=0)
        for i in range(n):
            if np.linalg.norm(vectors[:, i]) > 0.02 * limit:  # too short to draw (σᵢ tiny or zero)
                _draw_arrow(ax, vectors[:, i], _ARROW_COLOURS[i], labels[i], limit)
        if dim == 3 and m == 3:  # the plane that holds the image of a 3x2 map, and its normal
            _draw_plane(ax, np.eye(3) if k == 2 else U, "$e_3$" if k == 2 else "$u_3$", limit)
        _frame(ax, dim, limit)
        ax.set_title(title, fontsize=11)
    label = "angle of $x$ (radians)" if n == 2 else r"$|v_3^\top x|$"
    fig.colorbar(scatter, ax=fig.axes, shrink=0.7, pad=0.01, label=label)
    return fig


def circle_map_widget(A: Any = ((1.0, 1.5), (0.0, 1.0)), limit: float = 2.0) -> Any:
    """Sliders for the four entries of a 2×2 matrix that redraw :func:`plot_circle_map`.

    Introduced in chapter 2. Needs ``ipywidgets`` and a live Jupyter or Colab frontend
    to be useful; building it anywhere else works but shows nothing.

    Parameters
    ----------
    A : array_like, shape (2, 2)
        The starting matrix; every entry must lie in ``[-limit, limit]``.
    limit : float
        Each slider runs from ``-limit`` to ``limit``.

    Returns
    -------
    ipywidgets.interactive
        Display it to use it; its ``result`` attribute is the latest Figure.
    """
    A = as_matrix(A, "A")
    if A.shape != (2, 2):
        raise ValueError(f"'A' must be 2x2 for the sliders, got shape {A.shape}")
    limit = check_positive(limit, "limit")
    if np.abs(A).max() > limit:
        raise ValueError(f"'A' has an entry outside the slider range [-{limit}, {limit}]")
    import ipywidgets  # optional: installed with the book and test extras, preinstalled on Colab

    sliders = {
        f"a{i + 1}{j + 1}": ipywidgets.FloatSlider(
            value=float(A[i, j]), min=-limit, max=limit, step=0.05,
            description=f"a{i + 1}{j + 1}", continuous_update=False,
        )
        for i in range(2)
        for j in range(2)
    }

    def draw(a11: float, a12: float, a21: float, a22: float) -> Figure:
        return plot_circle_map([[a11, a12], [a21, a22]])

    return ipywidgets.interactive(draw, **sliders)


def _as_points(X: Any, dim: int, name: str) -> np.ndarray:
    X = as_matrix(X, name)
    if X.shape[0] != dim:
        raise ValueError(f"'{name}' must have {dim} rows (one column per vector), got shape {X.shape}")
    return X


def _draw_arrow(ax: Axes, vector: np.ndarray, colour: str, label: str, limit: float) -> None:
    direction = vector / np.linalg.norm(vector)
    if vector.size == 2:
        ax.annotate("", xy=vector, xytext=(0, 0), arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8})
        # The label sits beside the arrow, a little past its middle, on its left-hand side.
        beside = 0.6 * vector + 0.11 * limit * np.array([-direction[1], direction[0]])
        ax.text(*beside, label, color=colour, fontsize=11, ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    else:
        tip = vector + 0.14 * limit * direction  # the label sits just beyond the tip
        ax.quiver(0, 0, 0, *vector, color=colour, linewidth=1.8, arrow_length_ratio=0.12)
        ax.text(*tip, label, color=colour, fontsize=11, ha="center", va="center")


def _draw_plane(ax: Axes, basis: np.ndarray, normal_label: str, limit: float) -> None:
    """Shade the plane spanned by the first two columns of ``basis``; draw the third as a dashed normal."""
    grid = np.linspace(-0.9 * limit, 0.9 * limit, 2)
    a, b = np.meshgrid(grid, grid)
    plane = basis[:, :1, None] * a + basis[:, 1:2, None] * b
    ax.plot_surface(*plane, color="0.6", alpha=0.18, linewidth=0)
    normal = 0.6 * limit * basis[:, 2]
    ax.plot(*np.vstack([np.zeros(3), normal]).T, color="0.35", linestyle="--", linewidth=1.2)
    ax.text(*(1.1 * normal), normal_label, color="0.35", fontsize=10)


def _frame(ax: Axes, dim: int, limit: float) -> None:
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
    if dim == 2:
        ax.set_aspect("equal")
        ax.axhline(0, color="0.85", linewidth=0.8, zorder=0)
        ax.axvline(0, color="0.85", linewidth=0.8, zorder=0)
    else:
        ax.set_zlim(-limit, limit)
        ax.zaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
        ax.set_box_aspect((1, 1, 1), zoom=1.15)
        ax.view_init(elev=22, azim=-58)
    ax.tick_params(labelsize=8)

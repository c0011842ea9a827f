"""Unit tests for svdlab.images (chapter 5): the photograph, rank-r images, byte counts, JPEG."""

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
from svdlab.images import (
    ImageSVD,
    block_dct_approximation,
    dct_matrix,
    decode_factors,
    jpeg_for_size,
    jpeg_round_trip,
    load_grace_hopper,
    plot_image_grid,
    psnr,
    stack_channels,
    unstack_channels,
)
from svdlab.lowrank import eckart_young_error, svd_storage

image_shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))
gray_images = image_shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=st.floats(0, 1)))
colour_images = image_shapes.flatmap(lambda shape: arrays(np.float64, (*shape, 3), elements=st.floats(0, 1)))


@pytest.fixture(scope="module")
def gray() -> np.ndarray:
    return load_grace_hopper("gray")


@pytest.fixture(scope="module")
def colour() -> np.ndarray:
    return load_grace_hopper("rgb")


# --- the photograph -----------------------------------------------------------------


def test_photograph_shapes_and_values(gray, colour):
    assert gray.shape == (600, 512) and colour.shape == (600, 512, 3)
    for image in (gray, colour):
        assert image.dtype == np.float64 and image.min() >= 0 and image.max() <= 1
        assert np.allclose(image * 255, np.round(image * 255), atol=1e-9)


def test_grayscale_is_the_luma_of_the_colour_image(gray, colour):
    luma = colour @ np.array([0.299, 0.587, 0.114])
    assert np.abs(gray - luma).max() <= 1 / 255


# --- PSNR ---------------------------------------------------------------------------


def test_psnr_values():
    assert psnr(np.zeros((2, 2)), np.full((2, 2), 0.1)) == pytest.approx(20.0)
    assert psnr(np.zeros((2, 2)), np.full((2, 2), 25.5), peak=255.0) == pytest.approx(20.0)
    assert psnr(np.ones((3, 3)), np.ones((3, 3))) == np.inf


@settings(max_examples=50, deadline=None)
@given(gray_images, st.data())
def test_psnr_is_symmetric_and_matches_the_mse(a, data):
    b = data.draw(arrays(np.float64, a.shape, elements=st.floats(0, 1)))
    assert psnr(a, b) == psnr(b, a)
    mse = np.mean((a - b) ** 2)
    if mse > 0:
        assert psnr(a, b) == pytest.approx(-10 * np.log10(mse))


# --- stacking channels ------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(colour_images)
def test_stack_and_unstack_are_inverse(image):
    stacked = stack_channels(image)
    assert stacked.shape == (image.shape[0], 3 * image.shape[1])
    assert np.array_equal(stacked[:, : image.shape[1]], image[:, :, 0])
    assert np.array_equal(unstack_channels(stacked), image)


# --- ImageSVD -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.one_of(gray_images, colour_images), st.sampled_from(["per-channel", "stacked"]), st.data())
def test_reconstruction_errors_are_the_eckart_young_values(image, layout, data):
    model = ImageSVD(image, layout=layout)
    r = data.draw(st.integers(0, model.max_rank))
    predicted = np.sqrt(sum(eckart_young_error(s, r) ** 2 for _, s, _ in model.factors))
    assert model.reconstruct(r).shape == image.shape
    assert np.linalg.norm(image - model.reconstruct(r)) == pytest.approx(predicted, abs=1e-9)
    assert np.allclose(model.reconstruct(model.max_rank), image, atol=1e-10)


def test_storage_counts():
    image = np.random.default_rng(0).random((60, 51, 3))
    assert ImageSVD(image[:, :, 0]).storage(10) == svd_storage(60, 51, 10)
    assert ImageSVD(image).storage(10) == 3 * 10 * (60 + 51 + 1)
    stacked = ImageSVD(image, layout="stacked")
    assert stacked.max_rank == 60 and stacked.storage(10) == 10 * (60 + 3 * 51 + 1)


def test_stacking_beats_per_channel_at_equal_storage(colour):
    image = colour[::2, ::2]  # 300×256: the same scene, four times fewer pixels
    per_channel, stacked = ImageSVD(image), ImageSVD(image, layout="stacked")
    for r in (5, 20, 50):
        k = per_channel.storage(r) // (300 + 3 * 256 + 1)
        assert stacked.storage(k) <= per_channel.storage(r)
        assert psnr(image, stacked.reconstruct(k)) > psnr(image, per_channel.reconstruct(r))


@pytest.mark.parametrize(("precision", "width"), [("float16", 2), ("int8", 1)])
@pytest.mark.parametrize("layout", ["per-channel", "stacked"])
def test_encoding_has_the_announced_size_and_decodes(precision, width, layout):
    rng = np.random.default_rng(3)
    for image in (rng.random((20, 16)), rng.random((20, 16, 3))):
        model = ImageSVD(image, layout=layout)
        r = 5
        data = model.encode(r, precision)
        matrices = [(U.shape[0], Vt.shape[1]) for U, _, Vt in model.factors]
        assert len(data) == 13 + sum(4 * r + width * r * (rows + cols) for rows, cols in matrices)
        decoded = decode_factors(data)
        assert decoded.shape == image.shape
        assert decoded.min() >= 0 and decoded.max() <= 1
        # Rounding the factors costs little next to the truncation error itself.
        assert np.linalg.norm(decoded - np.clip(model.reconstruct(r), 0, 1)) < 0.05 * np.linalg.norm(image)


def test_int8_is_half_the_bytes_and_as_good_on_the_photograph(gray):
    model = ImageSVD(gray)
    int8, half = model.encode(50, "int8"), model.encode(50, "float16")
    assert len(int8) < 0.51 * len(half)
    exact = psnr(gray, model.reconstruct(50))
    assert abs(psnr(gray, decode_factors(int8)) - exact) < 0.2
    assert abs(psnr(gray, decode_factors(half)) - exact) < 0.2


def test_decode_rejects_truncated_data():
    data = ImageSVD(np.eye(4) * 0.5).encode(2)
    with pytest.raises(ValueError, match="'data'"):
        decode_factors(data[:-1])


# --- JPEG ---------------------------------------------------------------------------------


def test_jpeg_round_trip(gray, colour):
    for image in (gray[:64, :64], colour[:64, :64]):
        data, decoded = jpeg_round_trip(image, 75)
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"  # JPEG start and end markers
        assert decoded.shape == image.shape and psnr(image, decoded) > 25
        assert jpeg_round_trip(image, 75)[0] == data  # deterministic
        assert len(jpeg_round_trip(image, 20)[0]) < len(data) < len(jpeg_round_trip(image, 95)[0])


def test_jpeg_for_size_finds_the_highest_quality_that_fits(gray):
    image = gray[4:-4, 4:-4]
    quality, data, decoded = jpeg_for_size(image, 20_000)
    assert len(data) <= 20_000 < len(jpeg_round_trip(image, quality + 1)[0])
    assert np.array_equal(decoded, jpeg_round_trip(image, quality)[1])
    assert jpeg_for_size(image, 10**9)[0] == 95


# --- the 8×8 DCT ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 8, 16])
def test_dct_matrix_is_orthogonal_with_a_constant_first_row(size):
    C = dct_matrix(size)
    assert np.allclose(C @ C.T, np.eye(size), atol=1e-14)
    assert np.allclose(C[0], 1 / np.sqrt(size))


def test_dct_matrix_matches_scipy_when_available():
    fft = pytest.importorskip("scipy.fft")
    block = np.random.default_rng(0).random((8, 8))
    C = dct_matrix(8)
    assert np.allclose(C @ block @ C.T, fft.dctn(block, norm="ortho"), atol=1e-13)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_block_dct_error_is_the_energy_of_the_dropped_coefficients(rows, cols, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    image = rng.random((8 * rows, 8 * cols))
    count = data.draw(st.integers(0, image.size))
    approximation = block_dct_approximation(image, count)
    C = dct_matrix(8)
    tiles = image.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3)
    magnitudes = np.sort(np.abs(C @ tiles @ C.T).ravel())
    dropped = magnitudes[: image.size - count]  # random data: no ties at the cut
    assert np.linalg.norm(image - approximation) == pytest.approx(np.linalg.norm(dropped), abs=1e-9)
    if count == image.size:
        assert np.allclose(approximation, image, atol=1e-12)


# --- plotting ---------------------------------------------------------------------------


def test_plot_image_grid_draws_one_panel_per_image(colour):
    images = [colour[:30, :20], colour[:30, :20, 0], colour[:30, :20, 1] * 2]
    fig = plot_image_grid(images, ["a", "b", "c"], ncols=2)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["a", "b", "c"]
    assert panels[2].images[0].get_array().max() <= 1  # clipped for display
    assert len(fig.axes) == 4 and not fig.axes[3].axison  # the unused fourth panel is hidden
    plt.close(fig)


# Collected by tests/test_bad_input.py, with every other module's table.
_SMALL = ImageSVD(np.eye(4) * 0.5)
BAD_INPUTS = [
    BadInput(load_grace_hopper, ("cmyk",), {}, ValueError, "mode"),
    BadInput(psnr, (np.zeros((2, 2)), np.zeros((2, 3))), {}, ValueError, "approximation"),
    BadInput(psnr, (np.full((2, 2), np.nan), np.zeros((2, 2))), {}, ValueError, "reference"),
    BadInput(psnr, (np.zeros(4), np.zeros(4)), {}, ValueError, "reference"),
    BadInput(psnr, (np.zeros((2, 2)), np.zeros((2, 2))), {"peak": 0.0}, ValueError, "peak"),
    BadInput(psnr, ("image", np.zeros((2, 2))), {}, TypeError, "reference"),
    BadInput(stack_channels, (np.zeros((4, 4)),), {}, ValueError, "image"),
    BadInput(stack_channels, (np.zeros((4, 4, 4)),), {}, ValueError, "image"),
    BadInput(unstack_channels, (np.zeros((4, 5)),), {}, ValueError, "matrix"),
    BadInput(unstack_channels, (np.zeros(6),), {}, ValueError, "matrix"),
    BadInput(unstack_channels, (np.full((2, 3), np.nan),), {}, ValueError, "matrix"),
    BadInput(ImageSVD, (np.zeros((0, 4)),), {}, ValueError, "image"),
    BadInput(ImageSVD, (np.zeros((4, 4, 2)),), {}, ValueError, "image"),
    BadInput(ImageSVD, (np.eye(4),), {"layout": "rows"}, ValueError, "layout"),
    BadInput(ImageSVD, ([[np.inf]],), {}, ValueError, "image"),
    BadInput(ImageSVD.reconstruct, (_SMALL, 5), {}, ValueError, "r"),
    BadInput(ImageSVD.reconstruct, (_SMALL, -1), {}, ValueError, "r"),
    BadInput(ImageSVD.reconstruct, (_SMALL, 2.0), {}, TypeError, "r"),
    BadInput(ImageSVD.storage, (_SMALL, 5), {}, ValueError, "r"),
    BadInput(ImageSVD.encode, (_SMALL, 5), {}, ValueError, "r"),
    BadInput(ImageSVD.encode, (_SMALL, 2), {"precision": "float8"}, ValueError, "precision"),
    BadInput(decode_factors, ("SVD1",), {}, TypeError, "data"),
    BadInput(decode_factors, (b"JPEG and more bytes",), {}, ValueError, "data"),
    BadInput(jpeg_round_trip, (np.zeros((8, 8)), 0), {}, ValueError, "quality"),
    BadInput(jpeg_round_trip, (np.zeros((8, 8)), 96), {}, ValueError, "quality"),
    BadInput(jpeg_round_trip, (np.zeros((8, 8)), 50.0), {}, TypeError, "quality"),
    BadInput(jpeg_round_trip, (np.zeros((8, 8, 4)), 50), {}, ValueError, "image"),
    BadInput(jpeg_for_size, (np.zeros((64, 64)), 10), {}, ValueError, "max_bytes"),
    BadInput(jpeg_for_size, (np.zeros((64, 64)), 0), {}, ValueError, "max_bytes"),
    BadInput(dct_matrix, (0,), {}, ValueError, "size"),
    BadInput(block_dct_approximation, (np.zeros((8, 12)), 4), {}, ValueError, "image"),
    BadInput(block_dct_approximation, (np.zeros((8, 8, 3)), 4), {}, ValueError, "image"),
    BadInput(block_dct_approximation, (np.zeros((8, 8)), 65), {}, ValueError, "count"),
    BadInput(block_dct_approximation, (np.zeros((8, 8)), 4), {"block": 0}, ValueError, "block"),
    BadInput(plot_image_grid, ([np.zeros((4, 4))], ["a", "b"]), {}, ValueError, "titles"),
    BadInput(plot_image_grid, ([np.zeros((4, 4))], ["a"]), {"ncols": 0}, ValueError, "ncols"),
    BadInput(plot_image_grid, (np.zeros((4, 4)), ["a"]), {}, TypeError, "images"),
    BadInput(plot_image_grid, ([np.zeros(4)], ["a"]), {}, ValueError, "images"),
]

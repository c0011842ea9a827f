"""Chapter 5 helpers: a real photograph, its rank-r approximations, and JPEG for comparison.

Images are float arrays with values in ``[0, 1]``: shape ``(height, width)`` for
grayscale, ``(height, width, 3)`` for colour. The photograph is the portrait of Grace
Hopper that ships with matplotlib, so nothing is downloaded.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import Any, Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cbook import get_sample_data
from matplotlib.figure import Figure
from PIL import Image

from ._validation import as_image, as_matrix, check_positive, check_rank
from .lowrank import low_rank_from_svd

__all__ = [
    "ImageSVD",
    "block_dct_approximation",
    "dct_matrix",
    "decode_factors",
    "jpeg_for_size",
    "jpeg_round_trip",
    "load_grace_hopper",
    "plot_image_grid",
    "psnr",
    "stack_channels",
    "unstack_channels",
]

_LAYOUTS = ("per-channel", "stacked")
_PRECISIONS = ("float16", "int8")
# Header of an encoded image: magic, layout, precision, height, width, channels, rank.
_HEADER = struct.Struct("<4sBBHHBH")
_MAGIC = b"SVD1"


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def load_grace_hopper(mode: Literal["gray", "rgb"] = "gray") -> np.ndarray:
    """Matplotlib's sample portrait of Grace Hopper as floats in ``[0, 1]``.

    Introduced in chapter 5.

    Parameters
    ----------
    mode : {"gray", "rgb"}
        ``"gray"``: shape (600, 512), converted by Pillow with the ITU-R 601 luma
        weights ``0.299 R + 0.587 G + 0.114 B``. ``"rgb"``: shape (600, 512, 3).

    Returns
    -------
    ndarray
        Every value is a multiple of 1/255 (the file stores 8-bit pixels).
    """
    if mode not in ("gray", "rgb"):
        raise ValueError(f"'mode' must be 'gray' or 'rgb', got {mode!r}")
    with get_sample_data("grace_hopper.jpg") as file:
        picture = Image.open(file).convert("L" if mode == "gray" else "RGB")
    return np.asarray(picture, dtype=np.float64) / 255


def psnr(reference: Any, approximation: Any, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio ``10 log10(peak² / MSE)`` in decibels.

    Higher is better; ``inf`` for identical images. Introduced in chapter 5.

    Parameters
    ----------
    reference, approximation : array_like
        Images of the same shape.
    peak : float
        Largest possible pixel value (1 for images in ``[0, 1]``).

    Examples
    --------
    >>> round(psnr(np.zeros((2, 2)), np.full((2, 2), 0.1)), 6)
    20.0
    """
    reference = as_image(reference, "reference")
    approximation = as_image(approximation, "approximation")
    if approximation.shape != reference.shape:
        raise ValueError(f"'approximation' must have the shape of 'reference' {reference.shape}, got {approximation.shape}")
    peak = check_positive(peak, "peak")
    mse = float(np.mean((reference - approximation) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))


def stack_channels(image: Any) -> np.ndarray:
    """Put the three channels of an (h, w, 3) image side by side: an h × 3w matrix.

    Introduced in chapter 5. :func:`unstack_channels` undoes it.
    """
    image = as_image(image)
    if image.ndim != 3:
        raise ValueError(f"'image' must be a colour image of shape (height, width, 3), got {image.shape}")
    return np.hstack([image[:, :, c] for c in range(3)])


def unstack_channels(matrix: Any) -> np.ndarray:
    """Turn an h × 3w matrix of side-by-side channels back into an (h, w, 3) image. Chapter 5."""
    matrix = as_matrix(matrix, "matrix")
    if matrix.shape[1] % 3 != 0:
        raise ValueError(f"'matrix' must have a number of columns divisible by 3, got shape {matrix.shape}")
    return np.stack(np.hsplit(matrix, 3), axis=2)


class ImageSVD:
    """The SVD of an image, computed once, truncated at any rank.

    Introduced in chapter 5.

    Parameters
    ----------
    image : array_like
        Shape (h, w) or (h, w, 3), values in ``[0, 1]``.
    layout : {"per-channel", "stacked"}
        For a colour image: one SVD per channel (three h×w matrices), or one SVD of the
        h × 3w matrix of side-by-side channels (:func:`stack_channels`), whose left
        singular vectors the channels share. A grayscale image has one matrix either way.

    Attributes
    ----------
    shape : tuple
        The image's shape.
    factors : list of (U, s, Vt)
        The thin SVD of each matrix.
    max_rank : int
        The largest rank :meth:`reconstruct` accepts.

    Examples
    --------
    >>> photo = ImageSVD(np.eye(4) * 0.5)
    >>> float(psnr(np.eye(4) * 0.5, photo.reconstruct(4))) > 250
    True
    """

    def __init__(self, image: Any, layout: Literal["per-channel", "stacked"] = "per-channel") -> None:
        image = as_image(image)
        if layout not in _LAYOUTS:
            raise ValueError(f"'layout' must be one of {_LAYOUTS}, got {layout!r}")
        self.shape = image.shape
        self.layout = layout
        if image.ndim == 2:
            matrices = [image]
        elif layout == "stacked":
            matrices = [stack_channels(image)]
        else:
            matrices = [image[:, :, c] for c in range(3)]
        self.factors = [np.linalg.svd(matrix, full_matrices=False) for matrix in matrices]
        self.max_rank = min(matrices[0].shape)

    def reconstruct(self, r: int) -> np.ndarray:
        """The image made of the rank-r truncation of each matrix (not clipped to ``[0, 1]``)."""
        r = check_rank(r, "r", maximum=self.max_rank)
        parts = [low_rank_from_svd(U, s, Vt, r) for U, s, Vt in self.factors]
        if len(self.shape) == 2:
            return parts[0]
        return unstack_channels(parts[0]) if self.layout == "stacked" else np.stack(parts, axis=2)

    def storage(self, r: int) -> int:
        """Numbers stored at rank ``r``: ``r (rows + columns + 1)`` for each matrix."""
        r = check_rank(r, "r", maximum=self.max_rank)
        return sum(r * (U.shape[0] + Vt.shape[1] + 1) for U, _, Vt in self.factors)

    def encode(self, r: int, precision: Literal["float16", "int8"] = "float16") -> bytes:
        """The rank-r factors as bytes; ``len()`` of the result is the exact storage cost.

        ``"float16"`` stores ``U_r`` and ``V_rᵀ`` as half-precision floats and the singular
        values as float32. ``"int8"`` scales each singular vector so its largest entry
        is ±127, rounds it to 8-bit integers, and folds the two scales into the float32
        singular value. A 13-byte header records the layout, precision and shapes;
        :func:`decode_factors` reads it all back.
        """
        r = check_rank(r, "r", maximum=self.max_rank)
        if precision not in _PRECISIONS:
            raise ValueError(f"'precision' must be one of {_PRECISIONS}, got {precision!r}")
        height, width = self.shape[:2]
        channels = 1 if len(self.shape) == 2 else 3
        chunks = [
            _HEADER.pack(_MAGIC, _LAYOUTS.index(self.layout), _PRECISIONS.index(precision), height, width, channels, r)
        ]
        for U, s, Vt in self.factors:
            U_r, s_r, Vt_r = U[:, :r], s[:r], Vt[:r]
            if precision == "float16":
                chunks += [s_r.astype("<f4").tobytes(), U_r.astype("<f2").tobytes(), Vt_r.astype("<f2").tobytes()]
            else:
                u_scale = np.abs(U_r).max(axis=0) / 127
                v_scale = np.abs(Vt_r).max(axis=1) / 127
                chunks += [
                    (s_r * u_scale * v_scale).astype("<f4").tobytes(),
                    np.rint(U_r / u_scale).astype(np.int8).tobytes(),
                    np.rint(Vt_r / v_scale[:, None]).astype(np.int8).tobytes(),
                ]
        return b"".join(chunks)


def decode_factors(data: bytes) -> np.ndarray:
    """The image that :meth:`ImageSVD.encode` stored in ``data``, clipped to ``[0, 1]``.

    Introduced in chapter 5.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"'data' must be bytes from ImageSVD.encode, got {type(data).__name__}")
    if len(data) < _HEADER.size or data[:4] != _MAGIC:
        raise ValueError("'data' does not start with an ImageSVD.encode header")
    _, layout, precision, height, width, channels, r = _HEADER.unpack_from(data)
    dtype = np.dtype("<f2") if _PRECISIONS[precision] == "float16" else np.dtype(np.int8)
    stacked = _LAYOUTS[layout] == "stacked" and channels == 3
    rows, cols = height, width * 3 if stacked else width
    count = 1 if stacked or channels == 1 else 3
    expected = _HEADER.size + count * (4 * r + dtype.itemsize * r * (rows + cols))
    if len(data) != expected:
        raise ValueError(f"'data' must be {expected} bytes for its header, got {len(data)}")
    offset, parts = _HEADER.size, []
    for _ in range(count):
        s = np.frombuffer(data, "<f4", r, offset).astype(np.float64)
        offset += 4 * r
        U = np.frombuffer(data, dtype, rows * r, offset).reshape(rows, r).astype(np.float64)
        offset += dtype.itemsize * rows * r
        Vt = np.frombuffer(data, dtype, r * cols, offset).reshape(r, cols).astype(np.float64)
        offset += dtype.itemsize * r * cols
        parts.append((U * s) @ Vt)
    if channels == 1:
        image = parts[0]
    else:
        image = unstack_channels(parts[0]) if stacked else np.stack(parts, axis=2)
    return np.clip(image, 0.0, 1.0)


def jpeg_round_trip(image: Any, quality: int) -> tuple[bytes, np.ndarray]:
    """Encode ``image`` as a JPEG in memory with Pillow, then decode it.

    The image is rounded to 8-bit pixels first. Pillow's defaults are kept (for colour,
    4:2:0 chroma subsampling) and the Huffman tables are optimised (``optimize=True``),
    the best plain JPEG Pillow writes. Introduced in chapter 5.

    Parameters
    ----------
    image : array_like
        Shape (h, w) or (h, w, 3), values in ``[0, 1]``.
    quality : int
        JPEG quality, 1 (smallest file) to 95 (Pillow advises against more).

    Returns
    -------
    data : bytes
        The complete JPEG file.
    decoded : ndarray
        The decoded image, floats in ``[0, 1]``, same shape as ``image``.
    """
    image = as_image(image)
    quality = check_rank(quality, "quality", maximum=95, minimum=1)
    buffer = io.BytesIO()
    Image.fromarray(_to_uint8(image)).save(buffer, format="JPEG", quality=quality, optimize=True)
    data = buffer.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(data)), dtype=np.float64) / 255
    return data, decoded


def jpeg_for_size(image: Any, max_bytes: int) -> tuple[int, bytes, np.ndarray]:
    """The highest JPEG quality whose file is at most ``max_bytes`` long.

    Bisection over the qualities 1 to 95, assuming (as holds for Pillow in practice)
    that the file grows with the quality. Introduced in chapter 5.

    Returns
    -------
    quality : int
    data : bytes
    decoded : ndarray
        As :func:`jpeg_round_trip` returns them for that quality.
    """
    image = as_image(image)
    max_bytes = check_rank(max_bytes, "max_bytes", maximum=np.iinfo(np.int64).max, minimum=1)
    data, decoded = jpeg_round_trip(image, 1)
    if len(data) > max_bytes:
        raise ValueError(f"'max_bytes' is {max_bytes}, below the {len(data)} bytes of the smallest JPEG (quality 1)")
    best, low, high = (1, data, decoded), 2, 95
    while low <= high:
        quality = (low + high) // 2
        data, decoded = jpeg_round_trip(image, quality)
        if len(data) <= max_bytes:
            best, low = (quality, data, decoded), quality + 1
        else:
            high = quality - 1
    return best


def dct_matrix(size: int = 8) -> np.ndarray:
    """The orthonormal DCT-II matrix ``C``: row ``k`` is the cosine ``cos(π (2j + 1) k / 2 size)``.

    ``C @ block @ C.T`` gives the 2-D DCT coefficients of a square block, as JPEG
    computes them on 8×8 blocks; ``C.T @ coefficients @ C`` undoes it. Introduced in
    chapter 5.

    Examples
    --------
    >>> C = dct_matrix(8)
    >>> bool(np.allclose(C @ C.T, np.eye(8)))
    True
    """
    size = check_rank(size, "size", maximum=4096, minimum=1)
    j = np.arange(size)
    C = np.sqrt(2 / size) * np.cos(np.pi * np.outer(j, 2 * j + 1) / (2 * size))
    C[0] /= np.sqrt(2)
    return C


def block_dct_approximation(image: Any, count: int, block: int = 8) -> np.ndarray:
    """Keep the ``count`` largest 2-D DCT coefficients over all blocks of a grayscale image.

    The image is cut into ``block × block`` tiles, each tile expanded in the DCT basis
    (:func:`dct_matrix`), every coefficient but the ``count`` largest in absolute value
    (over the whole image; ties at the cut are kept) set to zero, and the tiles
    transformed back. It is the local-basis counterpart of a truncated SVD: both keep
    a given number of numbers. Introduced in chapter 5.

    Parameters
    ----------
    image : array_like, shape (h, w)
        Grayscale, with ``h`` and ``w`` multiples of ``block``.
    count : int
        Coefficients kept, ``0 <= count <= h w``.
    block : int
        Tile size (8 in JPEG).

    Returns
    -------
    ndarray, shape (h, w)
    """
    image = as_image(image)
    block = check_rank(block, "block", maximum=4096, minimum=1)
    if image.ndim != 2 or image.shape[0] % block or image.shape[1] % block:
        raise ValueError(f"'image' must be grayscale with sides divisible by {block}, got shape {image.shape}")
    count = check_rank(count, "count", maximum=image.size)
    height, width = image.shape
    C = dct_matrix(block)
    tiles = image.reshape(height // block, block, width // block, block).transpose(0, 2, 1, 3)
    coefficients = C @ tiles @ C.T
    if count == 0:
        return np.zeros_like(image)
    cut = np.partition(np.abs(coefficients).ravel(), image.size - count)[image.size - count]
    kept = np.where(np.abs(coefficients) >= cut, coefficients, 0.0)
    return (C.T @ kept @ C).transpose(0, 2, 1, 3).reshape(height, width)


def plot_image_grid(images: Sequence[Any], titles: Sequence[str], ncols: int = 3, width: float = 9.0) -> Figure:
    """Show images in a grid with a title over each; values are clipped to ``[0, 1]``.

    Introduced in chapter 5.

    Parameters
    ----------
    images : sequence of array_like
        Grayscale (h, w) or colour (h, w, 3) images.
    titles : sequence of str
        One per image.
    ncols : int
        Images per row (>= 1).
    width : float
        Figure width in inches; the height follows from the images' aspect ratio.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(images, np.ndarray) or not isinstance(images, Sequence) or len(images) == 0:
        raise TypeError("'images' must be a non-empty list of images")
    pictures = [as_image(image, "images") for image in images]
    if isinstance(titles, str) or len(titles) != len(pictures):
        raise ValueError(f"'titles' must be a list of {len(pictures)} strings, one per image")
    ncols = check_rank(ncols, "ncols", maximum=len(pictures), minimum=1)
    width = check_positive(width, "width")
    nrows = -(-len(pictures) // ncols)
    height, image_width = pictures[0].shape[:2]
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, width / ncols * height / image_width * nrows + 0.35 * nrows),
        squeeze=False, layout="constrained",
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, picture, title in zip(axes.flat, pictures, titles):
        ax.imshow(np.clip(picture, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(str(title), fontsize=12)
    return fig

"""Unit tests for svdlab.compress (chapter 6: compressing a trained network with the SVD)."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given, settings
from torch import nn

from conftest import BadInput
from svdlab.compress import (
    FactorizedLinear,
    break_even_rank,
    compress_model,
    measure_latency,
    linear_parameter_count,
    state_dict_bytes,
)
from svdlab.training import count_parameters, make_mlp

LAYER = nn.Linear(6, 4)
MLP = make_mlp((6, 5, 3), seed=0)
X = torch.randn(10, 6, generator=torch.Generator().manual_seed(0))

BAD_INPUTS = [
    BadInput(FactorizedLinear, (6, 4, 0), {}, ValueError, "rank"),
    BadInput(FactorizedLinear, (6, 4, 5), {}, ValueError, "rank"),
    BadInput(FactorizedLinear, (0, 4, 1), {}, ValueError, "in_features"),
    BadInput(FactorizedLinear, (6, 2.0, 1), {}, TypeError, "out_features"),
    BadInput(FactorizedLinear, (6, 4, 2), {"bias": "yes"}, TypeError, "bias"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 0), {}, ValueError, "rank"),
    BadInput(FactorizedLinear.from_linear, (LAYER, -1), {}, ValueError, "rank"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 5), {}, ValueError, "rank"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2.0), {}, TypeError, "rank"),
    BadInput(FactorizedLinear.from_linear, (nn.Conv1d(6, 4, 1), 2), {}, TypeError, "linear"),
    BadInput(FactorizedLinear.from_linear, (nn.ReLU(), 2), {}, TypeError, "linear"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X[:, :5]}, ValueError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X.numpy()}, TypeError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X[0]}, TypeError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X * float("nan")}, ValueError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X * float("inf")}, ValueError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X[:0]}, ValueError, "calibration"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X[:2], "damping": 0.0}, ValueError, "damping"),
    BadInput(FactorizedLinear.from_linear, (LAYER, 2), {"calibration": X, "damping": -1.0}, ValueError, "damping"),
    BadInput(compress_model, ("model",), {"rank": 2}, TypeError, "model"),
    BadInput(compress_model, (MLP,), {}, ValueError, "rank"),
    BadInput(compress_model, (MLP, 2), {"energy": 0.9}, ValueError, "energy"),
    BadInput(compress_model, (MLP,), {"energy": 0.0}, ValueError, "energy"),
    BadInput(compress_model, (MLP,), {"energy": 1.5}, ValueError, "energy"),
    BadInput(compress_model, (MLP, 0), {}, ValueError, "rank"),
    BadInput(compress_model, (MLP, 4), {}, ValueError, "rank"),  # layer "2" is 5 → 3: rank <= 3
    BadInput(compress_model, (MLP, {"0": 2}), {"layers": ["0", "2"]}, ValueError, "rank"),
    BadInput(compress_model, (MLP, {"0": 2, "2": 1}), {"layers": ["0"]}, ValueError, "rank"),
    BadInput(compress_model, (MLP, 2), {"layers": ["1"]}, TypeError, "layers"),
    BadInput(compress_model, (MLP, 2), {"layers": ["7"]}, ValueError, "layers"),
    BadInput(compress_model, (MLP, 2), {"layers": "0"}, TypeError, "layers"),
    BadInput(compress_model, (MLP, 2), {"layers": []}, ValueError, "layers"),
    BadInput(compress_model, (MLP, 2), {"calibration": X.numpy()}, TypeError, "calibration"),
    BadInput(compress_model, (MLP, 2), {"damping": float("inf")}, ValueError, "damping"),
    BadInput(linear_parameter_count, (6, 4, 0), {}, ValueError, "rank"),
    BadInput(linear_parameter_count, (6, 4, 5), {}, ValueError, "rank"),
    BadInput(linear_parameter_count, (0, 4), {}, ValueError, "in_features"),
    BadInput(linear_parameter_count, (6, 4), {"bias": 1}, TypeError, "bias"),
    BadInput(break_even_rank, (6, -4), {}, ValueError, "out_features"),
    BadInput(break_even_rank, ("6", 4), {}, TypeError, "in_features"),
    BadInput(state_dict_bytes, ({"weight": 1},), {}, TypeError, "model"),
    BadInput(measure_latency, (lambda x: x, X), {}, TypeError, "module"),
    BadInput(measure_latency, (LAYER, X.numpy()), {}, TypeError, "inputs"),
    BadInput(measure_latency, (LAYER, X), {"min_run_time": 0.0}, ValueError, "min_run_time"),
    BadInput(measure_latency, (LAYER, X), {"num_threads": 0}, ValueError, "num_threads"),
]


def trained_like_layer(in_features: int, out_features: int, seed: int) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(in_features, out_features).double()


@given(in_features=st.integers(1, 12), out_features=st.integers(1, 12), seed=st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_full_rank_factorisation_reproduces_the_layer(in_features, out_features, seed):
    linear = nn.Linear(in_features, out_features)
    torch.manual_seed(seed)
    nn.init.normal_(linear.weight)
    nn.init.normal_(linear.bias)
    x = torch.randn(7, in_features)
    layer = FactorizedLinear.from_linear(linear, min(in_features, out_features))
    torch.testing.assert_close(layer(x), linear(x), atol=1e-5, rtol=1e-5)
    assert layer.second.bias is not None and torch.equal(layer.second.bias, linear.bias)


def test_truncated_factorisation_is_the_best_rank_r_matrix_with_balanced_factors():
    linear = trained_like_layer(9, 7, seed=1)
    W = linear.weight.detach()
    U, s, Vt = torch.linalg.svd(W, full_matrices=False)
    layer = FactorizedLinear.from_linear(linear, 3)
    assert layer.first.weight.dtype == torch.float64
    W_3 = U[:, :3] @ torch.diag(s[:3]) @ Vt[:3]
    torch.testing.assert_close(layer.effective_weight, W_3)
    assert torch.isclose(torch.linalg.matrix_norm(W - layer.effective_weight, ord=2), s[3])
    # √σ on each side: both factors have squared Frobenius norm σ₁ + σ₂ + σ₃.
    for factor in (layer.first.weight, layer.second.weight):
        assert torch.isclose(factor.square().sum(), s[:3].sum())


def test_a_layer_without_bias_stays_without_bias():
    layer = FactorizedLinear.from_linear(nn.Linear(5, 5, bias=False), 2)
    assert layer.second.bias is None
    assert count_parameters(layer) == linear_parameter_count(5, 5, rank=2, bias=False) == 20


@pytest.mark.parametrize("in_features, out_features, rank", [(64, 256, 8), (256, 256, 16), (256, 10, 3), (1, 1, 1)])
def test_parameter_counts_are_exact(in_features, out_features, rank):
    assert linear_parameter_count(in_features, out_features) == count_parameters(nn.Linear(in_features, out_features))
    factorised = FactorizedLinear(in_features, out_features, rank)
    expected = rank * (in_features + out_features) + out_features
    assert linear_parameter_count(in_features, out_features, rank=rank) == count_parameters(factorised) == expected


@pytest.mark.parametrize("in_features, out_features", [(256, 256), (64, 256), (256, 10), (1, 1), (1, 100), (3, 3), (2, 2)])
def test_break_even_rank_is_the_last_rank_that_saves(in_features, out_features):
    r = break_even_rank(in_features, out_features)
    dense = in_features * out_features
    assert r * (in_features + out_features) < dense or r == 0
    assert (r + 1) * (in_features + out_features) >= dense
    assert break_even_rank(out_features, in_features) == r


def test_break_even_of_a_square_layer_is_below_half_its_width():
    assert [break_even_rank(n, n) for n in (2, 3, 4, 256, 1024)] == [0, 1, 1, 127, 511]


def test_compress_model_returns_a_new_model_and_leaves_the_original_untouched():
    model = make_mlp((6, 5, 3), seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    compressed = compress_model(model, rank=2, calibration=X)
    assert compressed is not model
    assert all(type(m) is nn.Linear for m in (model[0], model[2]))
    assert model.state_dict().keys() == before.keys()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())
    assert [m.rank for m in (compressed[0], compressed[2])] == [2, 2]
    assert count_parameters(compressed) == linear_parameter_count(6, 5, rank=2) + linear_parameter_count(5, 3, rank=2)
    assert not compressed.training


def test_compress_model_with_per_layer_ranks_and_named_layers():
    model = make_mlp((8, 6, 6, 3), seed=0)
    compressed = compress_model(model, {"0": 2, "2": 5})
    assert (compressed[0].rank, compressed[2].rank) == (2, 5)
    assert type(compressed[4]) is nn.Linear
    only_middle = compress_model(model, 3, layers=["2"])
    assert type(only_middle[0]) is nn.Linear and only_middle[2].rank == 3


def test_compress_model_reaches_nested_layers():
    model = nn.Sequential(nn.Sequential(nn.Linear(6, 6), nn.ReLU()), nn.Linear(6, 2))
    compressed = compress_model(model, rank=1, layers=["0.0"])
    assert isinstance(compressed[0][0], FactorizedLinear) and type(model[0][0]) is nn.Linear


def test_energy_keeps_the_smallest_rank_that_holds_the_share():
    torch.manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    s = torch.tensor([4.0, 2.0, 1.0, 1.0, 0.5, 0.5], dtype=torch.float64)  # s² = 16, 4, 1, 1, .25, .25
    linear = nn.Linear(6, 6).double()
    with torch.no_grad():
        linear.weight.copy_(U @ torch.diag(s) @ V.T)
    model = nn.Sequential(linear)
    total = float((s**2).sum())  # 22.5
    for energy, rank in [(0.7, 1), (0.72, 2), (20.5 / total, 3), (0.98, 5), (1.0, 6)]:
        assert compress_model(model, energy=energy)[0].rank == rank


def correlated_inputs(n_samples: int, width: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    mixing = torch.randn(width, width, generator=generator, dtype=torch.float64)
    scales = torch.logspace(0, -2, width, dtype=torch.float64)
    return (torch.randn(n_samples, width, generator=generator, dtype=torch.float64) * scales) @ mixing


@pytest.mark.parametrize("rank", [1, 3, 6])
def test_activation_aware_beats_plain_svd_on_the_calibration_objective(rank):
    linear = trained_like_layer(10, 8, seed=2)
    X_cal = correlated_inputs(200, 10, seed=3)
    W = linear.weight.detach()

    def objective(layer: FactorizedLinear) -> float:
        return float(torch.linalg.matrix_norm((W - layer.effective_weight) @ X_cal.T))

    plain = FactorizedLinear.from_linear(linear, rank)
    aware = FactorizedLinear.from_linear(linear, rank, calibration=X_cal, damping=0.0)
    assert objective(aware) < 0.9 * objective(plain)
    # The optimum is the tail of the singular values of W L, L Lᵀ = XᵀX (SVD-LLM's Cholesky whitening).
    L = torch.linalg.cholesky(X_cal.T @ X_cal)
    tail = torch.linalg.svdvals(W @ L)[rank:]
    assert objective(aware) == pytest.approx(float(tail.square().sum().sqrt()), rel=1e-8)


def test_any_square_root_of_the_second_moment_gives_the_same_layer():
    linear = trained_like_layer(7, 9, seed=4)
    X_cal = correlated_inputs(100, 7, seed=5)
    C = X_cal.T @ X_cal / len(X_cal)
    eigenvalues, Q = torch.linalg.eigh(C)
    root = Q @ torch.diag(eigenvalues.sqrt()) @ Q.T  # the symmetric C^{1/2}
    U, s, Vt = torch.linalg.svd(linear.weight.detach() @ root)
    expected = U[:, :3] @ torch.diag(s[:3]) @ Vt[:3] @ torch.linalg.inv(root)
    aware = FactorizedLinear.from_linear(linear, 3, calibration=X_cal, damping=0.0)
    torch.testing.assert_close(aware.effective_weight, expected)


def test_damping_moves_the_activation_aware_layer_towards_plain_svd():
    linear = trained_like_layer(10, 8, seed=6)
    X_cal = correlated_inputs(200, 10, seed=7)
    plain = FactorizedLinear.from_linear(linear, 2).effective_weight
    gaps = [
        float(torch.linalg.matrix_norm(FactorizedLinear.from_linear(linear, 2, calibration=X_cal, damping=d).effective_weight - plain))
        for d in (0.0, 1.0, 1e6)
    ]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4 * gaps[0]


def test_compress_model_calibrates_each_layer_on_the_inputs_it_sees():
    model = make_mlp((6, 5, 3), seed=1).double()
    X_cal = correlated_inputs(50, 6, seed=8)
    compressed = compress_model(model, rank=2, calibration=X_cal, damping=0.1)
    hidden = model[1](model[0](X_cal)).detach()
    expected = FactorizedLinear.from_linear(model[2], 2, calibration=hidden, damping=0.1)
    torch.testing.assert_close(compressed[2].effective_weight, expected.effective_weight)
    assert model.training  # the original's mode is restored after the calibration pass


def test_calibration_collects_every_call_of_a_shared_layer_and_refuses_unused_layers():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared, self.unused = nn.Linear(4, 4).double(), nn.Linear(4, 4).double()

        def forward(self, x):
            return self.shared(torch.relu(self.shared(x)))

    model = Twice()
    X_cal = correlated_inputs(30, 4, seed=9)
    compressed = compress_model(model, rank=2, layers=["shared"], calibration=X_cal, damping=0.0)
    both_calls = torch.cat([X_cal, torch.relu(model.shared(X_cal)).detach()])
    expected = FactorizedLinear.from_linear(model.shared, 2, calibration=both_calls, damping=0.0)
    torch.testing.assert_close(compressed.shared.effective_weight, expected.effective_weight)
    with pytest.raises(ValueError, match="'calibration' never reaches"):
        compress_model(model, rank=2, layers=["unused"], calibration=X_cal)


def test_state_dict_bytes_is_the_size_of_the_saved_file(tmp_path):
    for model in (nn.Linear(100, 100), compress_model(make_mlp((64, 32, 10)), rank=4)):
        # torch.save names the records inside its zip archive after the file ("archive" for a
        # buffer), so a file of that name has exactly the measured size.
        torch.save(model.state_dict(), tmp_path / "archive.pt")
        size = state_dict_bytes(model)
        assert (tmp_path / "archive.pt").stat().st_size == size
        assert 4 * count_parameters(model) < size < 4 * count_parameters(model) + 4096  # float32 + a little metadata


def test_measure_latency_runs_without_autograd_and_restores_grad_mode():
    layer = nn.Linear(4, 4)
    measurement = measure_latency(layer, torch.randn(2, 4), min_run_time=0.01)
    assert measurement.median > 0 and torch.is_grad_enabled()


"""Unit tests for svdlab.lora (chapter 7: LoRA, merging, PiSSA, subspace similarity)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from conftest import BadInput
from svdlab.lora import (
    LoRALinear,
    ParameterCount,
    add_lora,
    energy_captured,
    merge_lora,
    parameter_count,
    set_merged,
    subspace_similarity,
)
from svdlab.training import count_parameters, make_mlp, train


def _merged_layer() -> LoRALinear:
    layer = LoRALinear(nn.Linear(6, 4), r=2, alpha=2.0)
    layer.merge()
    return layer


def _trained(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every B a nonzero value (as training would), so that ΔW ≠ 0."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, LoRALinear):
                module.B.copy_(torch.randn(module.B.shape, generator=generator))
    return model


MLP = make_mlp((8, 6, 3), seed=0)
WIDE = np.arange(12.0).reshape(2, 6)

BAD_INPUTS = [
    BadInput(LoRALinear, (nn.ReLU(), 2, 1.0), {}, TypeError, "base"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 0, 1.0), {}, ValueError, "r"),
    BadInput(LoRALinear, (nn.Linear(6, 4), -1, 1.0), {}, ValueError, "r"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 5, 1.0), {}, ValueError, "r"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2.0, 1.0), {}, TypeError, "r"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, 0.0), {}, ValueError, "alpha"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, -1.0), {}, ValueError, "alpha"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, float("nan")), {}, ValueError, "alpha"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, "8"), {}, TypeError, "alpha"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, 1.0), {"rank_stabilized": "yes"}, TypeError, "rank_stabilized"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, 1.0), {"init": "gaussian"}, ValueError, "init"),
    BadInput(LoRALinear, (nn.Linear(6, 4), 2, 1.0), {"seed": 0.5}, TypeError, "seed"),
    BadInput(LoRALinear.merge, (_merged_layer(),), {}, ValueError, "merged"),
    BadInput(LoRALinear.unmerge, (LoRALinear(nn.Linear(6, 4), r=2, alpha=2.0),), {}, ValueError, "merged"),
    BadInput(add_lora, ("model", ["0"], 2, 1.0), {}, TypeError, "model"),
    BadInput(add_lora, (MLP, "0", 2, 1.0), {}, TypeError, "targets"),
    BadInput(add_lora, (MLP, [], 2, 1.0), {}, ValueError, "targets"),
    BadInput(add_lora, (MLP, [0], 2, 1.0), {}, ValueError, "targets"),
    BadInput(add_lora, (MLP, [""], 2, 1.0), {}, ValueError, "targets"),  # "" is the model itself
    BadInput(add_lora, (MLP, ["0", "0"], 2, 1.0), {}, ValueError, "targets"),
    BadInput(add_lora, (MLP, ["7"], 2, 1.0), {}, ValueError, "targets"),
    BadInput(add_lora, (MLP, ["1"], 2, 1.0), {}, TypeError, "targets"),  # "1" is the ReLU
    BadInput(add_lora, (MLP, ["0", "2"], 0, 1.0), {}, ValueError, "r"),
    BadInput(add_lora, (MLP, ["0", "2"], 4, 1.0), {}, ValueError, "r"),  # layer "2" has 3 outputs
    BadInput(add_lora, (MLP, ["0"], 2, 0.0), {}, ValueError, "alpha"),
    BadInput(add_lora, (MLP, ["0"], 2, 1.0), {"seed": "0"}, TypeError, "seed"),
    BadInput(parameter_count, ([nn.Linear(2, 2)],), {}, TypeError, "model"),
    BadInput(set_merged, (None, True), {}, TypeError, "model"),
    BadInput(set_merged, (MLP, 1), {}, TypeError, "merged"),
    BadInput(merge_lora, ("model",), {}, TypeError, "model"),
    BadInput(merge_lora, (MLP,), {}, ValueError, "model"),
    BadInput(subspace_similarity, (WIDE, WIDE[:, :5]), {}, ValueError, "A2"),
    BadInput(subspace_similarity, (WIDE.T, WIDE.T), {}, ValueError, "A1"),
    BadInput(subspace_similarity, (WIDE, np.ones(6)), {}, ValueError, "A2"),
    BadInput(subspace_similarity, (np.zeros((0, 6)), WIDE), {}, ValueError, "A1"),
    BadInput(subspace_similarity, ([[1.0, np.nan]], [[1.0, 0.0]]), {}, ValueError, "A1"),
    BadInput(subspace_similarity, ([[1.0, 0.0]], [[np.inf, 0.0]]), {}, ValueError, "A2"),
    BadInput(subspace_similarity, (WIDE.astype(complex), WIDE), {}, TypeError, "A1"),
    BadInput(subspace_similarity, ("A", WIDE), {}, TypeError, "A1"),
    BadInput(energy_captured, (WIDE, 0), {}, ValueError, "r"),
    BadInput(energy_captured, (WIDE, 3), {}, ValueError, "r"),
    BadInput(energy_captured, (WIDE, 1.0), {}, TypeError, "r"),
    BadInput(energy_captured, (np.zeros((3, 3)), 1), {}, ValueError, "delta"),
    BadInput(energy_captured, (torch.ones(4), 1), {}, ValueError, "delta"),
]


X = torch.rand(7, 8, generator=torch.Generator().manual_seed(1))


def test_a_wrapped_model_starts_exactly_at_the_base_model():
    lora = add_lora(MLP, ["0", "2"], r=2, alpha=4.0)
    assert torch.equal(lora(X), MLP(X))
    assert all(torch.count_nonzero(m.B) == 0 for m in lora.modules() if isinstance(m, LoRALinear))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.data(), st.booleans(), st.integers(0, 2**31 - 1))
def test_a_fresh_layer_computes_exactly_what_its_base_computes(n_in, n_out, data, rank_stabilized, seed):
    r = data.draw(st.integers(1, min(n_in, n_out)))
    torch.manual_seed(seed)
    base = nn.Linear(n_in, n_out)
    x = torch.randn(3, n_in)
    expected = base(x)
    layer = LoRALinear(base, r, alpha=data.draw(st.floats(0.1, 100.0)), rank_stabilized=rank_stabilized, seed=seed)
    assert torch.equal(layer(x), expected)
    bound = 1 / math.sqrt(n_in)  # Kaiming-uniform with a = √5, as nn.Linear draws its weights
    assert float(layer.A.detach().abs().max()) <= bound * (1 + 1e-6)


def test_only_A_and_B_receive_gradients():
    lora = _trained(add_lora(MLP, ["0", "2"], r=2, alpha=4.0))
    lora(X).square().sum().backward()
    with_gradient = {name for name, p in lora.named_parameters() if p.grad is not None}
    assert with_gradient == {"0.A", "0.B", "2.A", "2.B"}
    assert {name for name, p in lora.named_parameters() if p.requires_grad} == with_gradient
    assert all(float(lora.get_parameter(name).grad.abs().max()) > 0 for name in with_gradient)


def test_training_moves_the_factors_and_nothing_else():
    lora = add_lora(MLP, ["0", "2"], r=2, alpha=4.0)
    frozen = {name: p.detach().clone() for name, p in lora.named_parameters() if not p.requires_grad}
    y = torch.arange(7) % 3
    train(lora, X, y, epochs=3, lr=1e-2, batch_size=7)
    assert all(torch.equal(lora.get_parameter(name), value) for name, value in frozen.items())
    assert torch.count_nonzero(lora.get_submodule("0").B) > 0


def test_add_lora_copies_the_model_and_freezes_the_rest():
    model = make_mlp((8, 6, 3), seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    lora = _trained(add_lora(model, ["2"], r=1, alpha=1.0))
    assert isinstance(lora.get_submodule("2"), LoRALinear) and isinstance(lora.get_submodule("0"), nn.Linear)
    assert not lora.get_submodule("0").weight.requires_grad
    assert all(isinstance(m, nn.Linear) for m in (model[0], model[2]))  # the original is untouched
    assert all(p.requires_grad and torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_targets_are_found_by_dotted_name_in_nested_models():
    model = nn.Sequential()
    model.add_module("encoder", nn.Sequential())
    model.encoder.add_module("proj", nn.Linear(8, 5))
    model.add_module("head", nn.Linear(5, 2))
    lora = add_lora(model, ["encoder.proj", "head"], r=2, alpha=2.0)
    assert isinstance(lora.encoder.proj, LoRALinear) and isinstance(lora.head, LoRALinear)
    with pytest.raises(ValueError, match="encoder.projection"):
        add_lora(model, ["encoder.projection"], r=2, alpha=2.0)


def test_parameter_counts_are_exact():
    r = 3
    lora = add_lora(MLP, ["0", "2"], r=r, alpha=1.0, rank_stabilized=True)
    adapters = r * (8 + 6) + r * (6 + 3)
    assert parameter_count(lora) == ParameterCount(trainable=adapters, total=count_parameters(MLP) + adapters)
    assert parameter_count(lora).share == pytest.approx(adapters / (count_parameters(MLP) + adapters))
    assert parameter_count(MLP) == ParameterCount(count_parameters(MLP), count_parameters(MLP))


def test_scaling_is_alpha_over_r_or_alpha_over_root_r():
    plain = LoRALinear(nn.Linear(9, 9), r=4, alpha=8.0)
    stable = LoRALinear(nn.Linear(9, 9), r=4, alpha=8.0, rank_stabilized=True)
    assert plain.scaling == 2.0 and stable.scaling == 4.0
    _trained(plain)
    assert torch.allclose(plain.delta_weight, 2.0 * plain.B @ plain.A)
    assert "scaling=2 (α/r)" in repr(plain)


def test_the_seed_fixes_A_and_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a = LoRALinear(nn.Linear(8, 8), r=3, alpha=1.0, seed=5).A
    b = LoRALinear(nn.Linear(8, 8), r=3, alpha=1.0, seed=5).A
    c = LoRALinear(nn.Linear(8, 8), r=3, alpha=1.0, seed=6).A
    torch.random.set_rng_state(state)  # nn.Linear itself draws from the global generator
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_merge_then_unmerge_restores_W0_and_the_forward_pass_is_right_in_both_states():
    layer = _trained(LoRALinear(nn.Linear(8, 5), r=2, alpha=3.0))
    W0 = layer.base.weight.detach().clone()
    x = torch.randn(4, 8)
    unmerged = layer(x).detach()
    layer.merge()
    assert layer.merged
    assert torch.allclose(layer.base.weight, W0 + layer.delta_weight, atol=1e-6)
    assert torch.allclose(layer(x), unmerged, atol=1e-5)
    with pytest.raises(ValueError, match="already merged"):
        layer.merge()
    layer.unmerge()
    assert not layer.merged
    assert torch.allclose(layer.base.weight, W0, atol=1e-6)
    assert torch.allclose(layer(x), unmerged, atol=1e-6)


def test_set_merged_toggles_every_layer_and_skips_those_already_there():
    lora = _trained(add_lora(MLP, ["0", "2"], r=2, alpha=4.0))
    expected = lora(X).detach()
    lora.get_submodule("0").merge()
    assert set_merged(lora, True) is lora
    assert all(m.merged for m in lora.modules() if isinstance(m, LoRALinear))
    assert torch.allclose(lora(X), expected, atol=1e-5)
    set_merged(lora, False)
    assert not any(m.merged for m in lora.modules() if isinstance(m, LoRALinear))
    assert torch.allclose(lora(X), expected, atol=1e-6)


@pytest.mark.parametrize("merged_first", [False, True])
def test_the_merged_plain_model_matches_the_adapter(merged_first):
    lora = _trained(add_lora(MLP, ["0", "2"], r=2, alpha=4.0))
    expected = lora(X).detach()
    set_merged(lora, merged_first)
    plain = merge_lora(lora)
    assert not any(isinstance(m, LoRALinear) for m in plain.modules())
    assert [type(m) for m in plain] == [type(m) for m in MLP]
    assert count_parameters(plain) == count_parameters(MLP)
    assert not any(p.requires_grad for p in plain.parameters())
    assert torch.allclose(plain(X), expected, atol=1e-5)
    assert isinstance(lora.get_submodule("0"), LoRALinear)  # the adapter model is untouched
    assert lora.get_submodule("0").merged is merged_first


def test_pissa_puts_the_top_singular_triplets_in_the_adapter_and_the_rest_in_the_base():
    base = make_mlp((10, 7), seed=3)[0]
    W = base.weight.detach().clone()
    x = torch.randn(5, 10)
    expected = base(x).detach()
    layer = LoRALinear(base, r=3, alpha=6.0, init="pissa")
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    best = U[:, :3] @ torch.diag(S[:3]) @ Vh[:3]
    assert torch.allclose(layer.delta_weight, best, atol=1e-5)
    assert torch.allclose(layer.base.weight, W - best, atol=1e-5)
    assert torch.allclose(layer(x), expected, atol=1e-5)
    # A and B share the singular values evenly: A Aᵀ = BᵀB = Σ_r / scaling
    assert torch.allclose(layer.A @ layer.A.T, torch.diag(S[:3]) / layer.scaling, atol=1e-5)
    assert torch.allclose(layer.B.T @ layer.B, torch.diag(S[:3]) / layer.scaling, atol=1e-5)


def _phi_by_the_formula(A1: np.ndarray, A2: np.ndarray, i: int, j: int) -> float:
    U1 = np.linalg.svd(A1)[2].T  # right-singular matrices
    U2 = np.linalg.svd(A2)[2].T
    return np.linalg.norm(U1[:, :i].T @ U2[:, :j]) ** 2 / min(i, j)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(4, 9), st.integers(0, 2**31 - 1))
def test_subspace_similarity_follows_the_papers_formula(r1, r2, n, seed):
    rng = np.random.default_rng(seed)
    A1, A2 = rng.standard_normal((r1, n)), rng.standard_normal((r2, n))
    phi = subspace_similarity(A1, A2)
    assert phi.shape == (r1, r2)
    assert np.all(phi >= -1e-12) and np.all(phi <= 1 + 1e-12)
    for i in range(1, r1 + 1):
        for j in range(1, r2 + 1):
            assert phi[i - 1, j - 1] == pytest.approx(_phi_by_the_formula(A1, A2, i, j), abs=1e-10)
    assert np.allclose(subspace_similarity(A2, A1), phi.T)
    # The whole row spaces: φ(r1, r2) does not change when A1 is replaced by M A1 (M invertible).
    M = rng.standard_normal((r1, r1)) + 3 * np.eye(r1)
    assert subspace_similarity(M @ A1, A2)[-1, -1] == pytest.approx(phi[-1, -1], abs=1e-8)


def test_subspace_similarity_of_equal_and_orthogonal_subspaces():
    A = torch.tensor([[3.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]])
    assert np.allclose(subspace_similarity(A, A), 1.0)
    assert np.allclose(subspace_similarity(A, [[0.0, 0.0, 1.0, 0.0]]), 0.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_energy_captured_is_the_eckart_young_fit(m, n, seed):
    delta = np.random.default_rng(seed).standard_normal((m, n))
    U, s, Vt = np.linalg.svd(delta, full_matrices=False)
    shares = [energy_captured(delta, r) for r in range(1, min(m, n) + 1)]
    for r, share in enumerate(shares, start=1):
        residual = delta - U[:, :r] @ np.diag(s[:r]) @ Vt[:r]
        assert share == pytest.approx(1 - np.linalg.norm(residual) ** 2 / np.linalg.norm(delta) ** 2, abs=1e-10)
    assert all(a <= b + 1e-15 for a, b in zip(shares, shares[1:]))
    assert shares[-1] == pytest.approx(1.0)

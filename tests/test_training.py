"""Unit tests for svdlab.training (data and training loops of chapters 6 and 7)."""

from __future__ import annotations

import torch
from torch import nn

from conftest import BadInput
from svdlab.training import accuracy, count_parameters, load_digits_split, make_mlp, train

SPLIT = load_digits_split()

BAD_INPUTS = [
    BadInput(load_digits_split, (), {"test_fraction": 0.0}, ValueError, "test_fraction"),
    BadInput(load_digits_split, (), {"test_fraction": 1.0}, ValueError, "test_fraction"),
    BadInput(load_digits_split, (), {"seed": 1.5}, TypeError, "seed"),
    BadInput(load_digits_split, (), {"classes": [3, 12]}, ValueError, "classes"),
    BadInput(load_digits_split, (), {"classes": []}, ValueError, "classes"),
    BadInput(make_mlp, ((64,),), {}, ValueError, "sizes"),
    BadInput(make_mlp, ("64",), {}, TypeError, "sizes"),
    BadInput(make_mlp, ((64, 0, 10),), {}, ValueError, "sizes"),
    BadInput(make_mlp, ((64, 10.0),), {}, TypeError, "sizes"),
    BadInput(train, ("model", SPLIT.X_train, SPLIT.y_train), {}, TypeError, "model"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train[0], SPLIT.y_train), {}, TypeError, "X"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train, SPLIT.y_train.float()), {}, TypeError, "y"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train, SPLIT.y_train[:5]), {}, ValueError, "X"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train, SPLIT.y_train), {"epochs": 0}, ValueError, "epochs"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train, SPLIT.y_train), {"lr": -1.0}, ValueError, "lr"),
    BadInput(train, (nn.Linear(64, 10), SPLIT.X_train, SPLIT.y_train), {"parameters": []}, ValueError, "parameters"),
    BadInput(accuracy, (nn.Linear(64, 10), SPLIT.X_test, SPLIT.y_test[:3]), {}, ValueError, "X"),
    BadInput(accuracy, (None, SPLIT.X_test, SPLIT.y_test), {}, TypeError, "model"),
    BadInput(count_parameters, ([1, 2],), {}, TypeError, "model"),
]


def test_split_is_stratified_scaled_and_deterministic():
    assert SPLIT.X_train.shape == (1347, 64) and SPLIT.X_test.shape == (450, 64)
    assert 0.0 <= float(SPLIT.X_train.min()) and float(SPLIT.X_train.max()) <= 1.0
    assert torch.equal(load_digits_split().X_test, SPLIT.X_test)
    all_labels = torch.cat([SPLIT.y_train, SPLIT.y_test])
    expected = torch.bincount(all_labels, minlength=10) * 0.25
    assert torch.all((torch.bincount(SPLIT.y_test, minlength=10) - expected).abs() <= 1)


def test_classes_are_filtered():
    split = load_digits_split(classes=range(5))
    assert set(split.y_train.tolist()) == set(range(5)) == set(split.y_test.tolist())


def test_make_mlp_is_seeded_and_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a, b = make_mlp((64, 32, 10), seed=3), make_mlp((64, 32, 10), seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert count_parameters(a) == 64 * 32 + 32 + 32 * 10 + 10


def test_training_learns_the_digits_and_is_reproducible():
    losses = []
    for _ in range(2):
        model = make_mlp((64, 64, 10), seed=0)
        losses.append(train(model, SPLIT.X_train, SPLIT.y_train, epochs=20, lr=3e-3, seed=1))
    assert losses[0] == losses[1]
    assert losses[0][-1] < losses[0][0] / 5
    assert accuracy(model, SPLIT.X_test, SPLIT.y_test) > 0.93


def test_train_only_touches_the_given_parameters():
    model = make_mlp((64, 16, 10), seed=0)
    frozen = model[0].weight.detach().clone()
    train(model, SPLIT.X_train, SPLIT.y_train, epochs=1, parameters=model[2].parameters())
    assert torch.equal(model[0].weight, frozen)
    model[0].weight.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == count_parameters(model) - 64 * 16

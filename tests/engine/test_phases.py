"""The phase stepper is training itself, one phase at a time; `trace` reports its numbers."""

import copy

import numpy as np
import pytest

from playground import Experiment, Trainer
from playground.presets import PRESETS
from playground.training.trace import trace_iteration


def spiral(**training):
    return Experiment.from_dict({
        "seed": 4,
        "data": {"source": "spiral", "samples": 80, "noise": 0.1},
        "network": {"layers": [{"units": 5, "activation": "tanh", "dropout": 0.2},
                               {"units": 4, "activation": "relu"},
                               {"units": 2, "activation": "softmax"}],
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 8,
                     **training},
    })


def test_phases_in_textbook_order():
    trainer = Trainer(spiral())
    phases = list(trainer.phases())
    assert [(p.kind, p.layer) for p in phases] == [
        ("forward", 0), ("forward", 1), ("forward", 2), ("loss", None),
        ("backward", 2), ("backward", 1), ("backward", 0), ("update", None)]
    assert phases[0].title == "forward · layer 1 of 3"
    assert phases[5].label.startswith("backward · layer 2 of 3: δ₂ = (δ₃ W₃ᵀ) ⊙ f′(z₂)")
    assert "⊙ m₁" in phases[6].formula          # dropout appears as what it is
    assert "mask" in phases[0].values and "mask" not in phases[1].values
    assert "w ← w − η" in phases[-1].formula


@pytest.mark.parametrize("training", [
    {}, {"l1": 0.01, "l2": 0.02}, {"clip_norm": 0.05},
    {"optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True}},
])
def test_stepping_equals_step_batch_bitwise(training):
    stepped, plain = Trainer(spiral(**training)), Trainer(spiral(**training))
    for _ in range(3):                      # a few iterations, so optimizer state matters
        for _ in stepped.phases():
            pass
        plain.train_batch()
        np.testing.assert_array_equal(stepped.network.params, plain.network.params)
    assert stepped.iteration == plain.iteration == 3
    for key, value in plain.optimizer.state_arrays().items():
        np.testing.assert_array_equal(stepped.optimizer.state_arrays()[key], value)
    np.testing.assert_array_equal(stepped.rng.random(3), plain.rng.random(3))


@pytest.mark.parametrize("change", [
    {"training.dtype": "float64"},
    {"network.loss": "mse", "network.layers": [
        {"units": 5, "activation": "tanh", "dropout": 0.2},
        {"units": 4, "activation": "relu", "use_bias": False},
        {"units": 2, "activation": "sigmoid"}]},
    {"network.layers": [{"units": 5, "activation": "linear", "use_bias": False},
                        {"units": 4, "activation": "elu", "dropout": 0.3},
                        {"units": 2, "activation": "softmax"}],
     "training.shuffle": False},
])
def test_stepping_equals_training_bitwise_across_epochs(change):
    """The plain training path (train_batch, train_epoch) and the phase stepper make the same
    calls: mixing them over epoch boundaries gives bitwise the weights of plain training, in
    float64 too, with bias-free and linear layers, MSE, dropout and unshuffled data."""
    d = spiral().to_dict()
    for key, value in change.items():
        part, name = key.split(".")
        d[part][name] = value
    exp = Experiment.from_dict(d)
    stepped, plain = Trainer(exp), Trainer(exp)
    for i in range(25):                     # 80 samples · 0.8 / 8 = 8 batches an epoch
        if i % 3 == 0:
            for _ in stepped.phases():
                pass
        else:
            stepped.train_batch()
        plain.train_batch()
        np.testing.assert_array_equal(stepped.network.params, plain.network.params)
    stepped.train_epoch()
    plain.train_epoch()
    np.testing.assert_array_equal(stepped.network.params, plain.network.params)
    assert stepped.history.columns()["train_loss"].tolist() == \
        plain.history.columns()["train_loss"].tolist()


NO_DROPOUT = [{"units": 5, "activation": "tanh"}, {"units": 4, "activation": "relu"},
              {"units": 3, "activation": "sigmoid"}, {"units": 2, "activation": "softmax"}]


@pytest.mark.parametrize("dtype, batch, samples, layers", [
    ("float32", 6, 80, None), ("float64", 6, 80, None), ("float32", 8, 80, None),
    ("float32", 200, 80, None), ("float32", 50, 500, None), ("float64", 37, 500, None),
    ("float32", 6, 80, NO_DROPOUT), ("float64", 37, 500, NO_DROPOUT),
    ("float32", 10, 500, NO_DROPOUT[:1] + NO_DROPOUT[-1:])])
def test_deferred_cross_entropy_losses_equal_the_stepper_s_bitwise(dtype, batch, samples,
                                                                    layers):
    """Training leaves cross-entropy's log and sum of each batch to the epoch's end, and
    without dropout takes the planned step (backprop.planned_step); the weights and the
    epoch's train_loss must still be bitwise what the stepper gets through the layer methods,
    computing every batch's loss as it goes (CrossEntropy.value): full and partial batches,
    float32 and float64."""
    exp = spiral(batch_size=batch, dtype=dtype).replace("data.samples", samples)
    if layers is not None:
        exp = exp.replace("network.layers", layers)
    stepped, plain = Trainer(exp), Trainer(exp)
    for _ in range(3 * stepped.batches_per_epoch):
        for _ in stepped.phases():
            pass
    plain.train_batch()
    assert plain._result.staged            # the deferred path is the one measured here
    planned = plain.network.workspace(plain.batch_size, True).plan
    assert bool(planned) == (layers is not None)
    while plain.epoch < 3:
        plain.train_epoch()
    assert plain.epoch == stepped.epoch == 3
    np.testing.assert_array_equal(stepped.network.params, plain.network.params)
    losses = stepped.history.columns()["train_loss"].tolist()
    assert plain.history.columns()["train_loss"].tolist() == losses
    assert all(np.isfinite(losses))


def test_a_batch_whose_right_class_probability_underflows_takes_the_general_step():
    """The planned step defers the loss only while every right-class probability is above
    1e-30; below (a confidently wrong network: weights ×300) the batch must fall back to the
    general step, which computes the loss at once — and still give bitwise the stepper's
    weights and epoch loss."""
    exp = spiral(batch_size=6, dtype="float64").replace("network.layers", NO_DROPOUT)
    stepped, plain = Trainer(exp), Trainer(exp)
    for trainer in (stepped, plain):
        trainer.network.params *= 300.0
    staged = []
    while plain.epoch < 1:
        plain.train_batch()
        staged.append(plain._result.staged)
    assert plain.network.workspace(plain.batch_size, True).plan
    assert not all(staged) and any(staged)      # both paths were taken in this epoch
    for _ in range(len(staged)):
        for _ in stepped.phases():
            pass
    np.testing.assert_array_equal(stepped.network.params, plain.network.params)
    assert stepped.history.columns()["train_loss"].tolist() == \
        plain.history.columns()["train_loss"].tolist()


def test_penalty_and_clipping_are_visible():
    trainer = Trainer(spiral(l2=0.1, clip_norm=1e-3))
    phases = {(p.kind, p.layer): p for p in trainer.phases()}
    loss = phases[("loss", None)]
    assert loss.values["penalty"] > 0
    assert loss.values["loss"] == pytest.approx(loss.values["data_loss"] + loss.values["penalty"])
    assert "l2·ΣW²" in loss.formula
    back = phases[("backward", 1)]
    np.testing.assert_allclose(back.values["penalty_grad_W"],
                               2 * 0.1 * phases[("forward", 1)].values["W"], rtol=1e-6)
    update = phases[("update", None)]
    assert update.values["clip_scale"] < 1
    assert update.formula.startswith("∂L/∂w ← ∂L/∂w·min(1, 0.001/‖∇L‖);  ")


def test_phase_values_are_copies():
    trainer = Trainer(spiral())
    first = next(trainer.phases())
    z = first.values["z"].copy()
    trainer.train_batch()
    trainer.train_batch()
    np.testing.assert_array_equal(first.values["z"], z)


def test_update_phase_shows_the_sgd_rule():
    exp = Experiment.from_dict(copy.deepcopy(PRESETS["xor_classic"]))
    trainer = Trainer(exp)
    update = list(trainer.phases())[-1]
    for layer in update.per_layer:
        np.testing.assert_allclose(layer["W_after"], layer["W_before"] - 1.0 * layer["grad_W"],
                                   rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(layer["delta_W"], layer["W_after"] - layer["W_before"])


def test_trace_agrees_with_engine_gradients_and_central_differences():
    exp = Experiment.from_dict(copy.deepcopy(PRESETS["xor_classic"])).replace(
        "training.dtype", "float64")
    trainer = Trainer(exp)
    reference = Trainer(exp)
    result = trace_iteration(trainer)
    x = np.array(result["input"])
    y = np.array(result["target"])
    np.testing.assert_array_equal(x, reference.X_train)
    from playground.nn.backprop import gradients
    _, grads = gradients(reference.network, reference.loss, x, y)
    net = reference.network
    for layer, (w_slice, b_slice), entry in zip(net.layers, net.slices, result["layers"]):
        np.testing.assert_allclose(entry["grad_W"], grads[w_slice].reshape(layer.W.shape),
                                   rtol=1e-12)
        np.testing.assert_allclose(entry["grad_b"], grads[b_slice], rtol=1e-12)
    # central differences of the loss with respect to each weight
    h = 1e-6
    params = net.params
    numeric = np.empty_like(params)
    for j in range(params.size):
        old = params[j]
        losses = []
        for value in (old + h, old - h):
            params[j] = value
            out = net.predict(x)
            losses.append(np.mean((out - y) ** 2))
        params[j] = old
        numeric[j] = (losses[0] - losses[1]) / (2 * h)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6, atol=1e-10)
    # forward numbers by hand: z1 = x W1 + b1, a1 = sigmoid(z1)
    first = result["layers"][0]
    W1, b1 = np.array(first["W_before"]), np.array(first["b_before"])
    np.testing.assert_allclose(first["z"], x @ W1 + b1, rtol=1e-12)
    np.testing.assert_allclose(first["a"], 1 / (1 + np.exp(-(x @ W1 + b1))), rtol=1e-12)
    assert result["loss"] == pytest.approx(np.mean((np.array(result["prediction"]) - y) ** 2))


def test_trace_batch_k_traces_the_kth_iteration():
    exp = spiral()
    result = trace_iteration(Trainer(exp), batch=3)
    assert result["iteration"] == 3 and result["batch"] == 3
    other = Trainer(exp)
    other.train_batch()
    other.train_batch()
    np.testing.assert_array_equal(np.array(result["layers"][0]["W_before"], np.float32),
                                  other.network.layers[0].W)


def test_abandoned_stepper_leaves_weights_alone():
    trainer = Trainer(spiral())
    before = trainer.network.params.copy()
    stepper = trainer.phases()
    for _ in range(5):
        next(stepper)
    stepper.close()
    np.testing.assert_array_equal(trainer.network.params, before)
    assert trainer.iteration == 0
    trainer.train_batch()                         # not completed later: it was closed
    assert trainer.iteration == 1


def _stepped_into(trainer, phases=3):
    """An iteration opened and left part-way (the stepper is kept, as the window keeps it)."""
    stepper = trainer.phases()
    for _ in range(phases):
        next(stepper)
    return stepper


def _same_run(a, b):
    np.testing.assert_array_equal(a.network.params, b.network.params)
    assert a.iteration == b.iteration and a.epoch == b.epoch
    np.testing.assert_array_equal(a.history.column("train_loss"), b.history.column("train_loss"))


@pytest.mark.parametrize("phases", [1, 3, 7])
def test_a_batch_size_changed_inside_an_open_iteration_takes_effect_after_it(phases):
    # the monkey test found this: the change took effect at once inside the epoch's first,
    # still open iteration, the epoch counted batches of one size and gathered another, and
    # adding up its running loss failed (ValueError: cannot reshape …)
    stepped, plain = Trainer(spiral()), Trainer(spiral())
    kept = _stepped_into(stepped, phases)
    stepped.update("training.batch_size", 7)
    assert next(kept, None) is None               # the open iteration was completed
    plain.train_batch()                           # the same: the iteration, then the change
    plain.update("training.batch_size", 7)
    for trainer in (stepped, plain):
        trainer.train_epoch()
        trainer.train_epoch()
    _same_run(stepped, plain)
    assert np.isfinite(stepped.history.column("train_loss")).all()
    stepped.state_dict()                          # the running metrics add up


def test_weights_set_by_hand_inside_an_open_iteration_wait_for_its_end():
    stepped, plain = Trainer(spiral()), Trainer(spiral())
    kept = _stepped_into(stepped, 5)              # the backward pass half done
    stepped.set_parameter(0, "W", 1, 2, 0.5)
    plain.train_batch()
    plain.set_parameter(0, "W", 1, 2, 0.5)
    assert stepped.history.edits == plain.history.edits
    assert next(kept, None) is None
    stepped.train_epoch()
    plain.train_epoch()
    _same_run(stepped, plain)


def test_training_or_stepping_again_completes_the_open_iteration_first():
    trainer, plain = Trainer(spiral()), Trainer(spiral())
    first = _stepped_into(trainer, 2)
    second = _stepped_into(trainer, 1)            # a new stepper: the first one ends
    assert trainer.iteration == 1 and next(first, None) is None
    for _ in second:
        pass
    assert trainer.iteration == 2
    third = _stepped_into(trainer, 4)
    trainer.train_batches(lambda: True)           # one more batch after the open one
    assert trainer.iteration == 4 and next(third, None) is None
    for _ in range(4):
        plain.train_batch()
    _same_run(trainer, plain)


@pytest.mark.parametrize("at_batch", [0, 2])
@pytest.mark.parametrize("phases", [1, 3, "all but the close"])
def test_a_run_saved_while_stepping_resumes_as_training_on(at_batch, phases, tmp_path):
    """Saved in the middle of an iteration being stepped through, a run resumes as if it
    had been saved just before that iteration: the same weights after the epoch as training
    straight on. Saved as it was, the first iteration of an epoch had drawn the epoch's order
    (the resumed run drew another), and after the update phase the weights were updated
    with the batch not yet counted (the resumed run trained it twice)."""
    from playground.files.runfile import load_run, save_run
    exp = spiral(batch_size=10).replace("data.samples", 80)
    stepped, straight = Trainer(exp), Trainer(exp)
    for trainer in (stepped, straight):
        for _ in range(at_batch):
            trainer.train_batch()
    n = len(list(Trainer(exp).phases()))               # phases of one iteration
    steps = stepped.phases()
    for _ in range(n - 1 if phases == "all but the close" else phases):
        next(steps)
    if phases == "all but the close":
        next(steps)                                     # the update phase: weights changed
    assert stepped.stepping
    path = tmp_path / "stepping.bpp"
    save_run(stepped, path)
    resumed = load_run(path)
    assert resumed.batch_in_epoch == at_batch and resumed.iteration == at_batch
    for trainer in (resumed, straight):
        trainer.train_epoch()
        trainer.train_epoch()
    np.testing.assert_array_equal(resumed.network.params, straight.network.params)
    assert resumed.history.columns()["train_loss"].tolist() == \
        straight.history.columns()["train_loss"].tolist()
    # the stepped trainer itself completes its iteration and trains on to the same numbers
    stepped.train_epoch()
    stepped.train_epoch()
    np.testing.assert_array_equal(stepped.network.params, straight.network.params)


@pytest.mark.parametrize("at_batch", [0, 2])
@pytest.mark.parametrize("phases", [1, 3, "all"])
def test_an_iteration_dropped_while_open_is_undone(at_batch, phases):
    """A stepper closed mid-iteration (the window drops it when another run becomes the
    current one) leaves the trainer as before the iteration: it trains on to the numbers of
    a trainer never stepped. Left half done, an epoch's first iteration had drawn the order
    (training on drew it again) and the update phase had changed the weights uncounted."""
    exp = spiral(batch_size=10).replace("data.samples", 80)
    stepped, straight = Trainer(exp), Trainer(exp)
    for trainer in (stepped, straight):
        for _ in range(at_batch):
            trainer.train_batch()
    n = len(list(Trainer(exp).phases()))
    steps = stepped.phases()
    for _ in range(n if phases == "all" else phases):   # "all": up to the update phase
        next(steps)
    assert stepped.stepping
    steps.close()
    assert not stepped.stepping
    assert stepped.iteration == at_batch and stepped.batch_in_epoch == at_batch
    for trainer in (stepped, straight):
        trainer.train_epoch()
        trainer.train_epoch()
    np.testing.assert_array_equal(stepped.network.params, straight.network.params)
    assert stepped.history.columns()["train_loss"].tolist() == \
        straight.history.columns()["train_loss"].tolist()


def test_a_dropped_iteration_keeps_a_batch_size_waiting_for_the_next_epoch():
    """Mid-epoch, a new batch size waits for the next epoch; a stepper dropped meanwhile
    must not lose it (undoing the iteration put back the batch size in use and forgot the
    waiting one: the random sequences in test_trainer_sequences found it)."""
    exp = spiral(batch_size=10).replace("data.samples", 80)
    stepped, straight = Trainer(exp), Trainer(exp)
    for trainer in (stepped, straight):
        trainer.train_batch()
        trainer.train_batch()
        trainer.update("training.batch_size", 7)
    steps = stepped.phases()
    next(steps)
    steps.close()
    for trainer in (stepped, straight):
        trainer.train_epoch()
        assert trainer.batch_size == 10            # this epoch ends at the old size
        trainer.train_epoch()
        assert trainer.batch_size == 7             # the next one takes the new
    np.testing.assert_array_equal(stepped.network.params, straight.network.params)

"""Learning-rate schedules: hand values, torch's StepLR/ExponentialLR, Keras' plateau rule."""

from __future__ import annotations

import json
import warnings

import pytest

from playground.errors import ExperimentError, PlaygroundError
from playground.optim.schedules import SCHEDULE_DEFAULTS, make_schedule


def rates(schedule, lr, epochs, logs=None):
    """The learning rate after each of ``epochs`` epochs, fed back like the trainer does."""
    out = []
    for epoch in range(1, epochs + 1):
        lr = schedule.on_epoch_end(epoch, lr, logs or {})
        out.append(lr)
    return out


def plateau(values, monitor="val_loss", lr=1.0, **config):
    """Run a plateau schedule over ``values`` of ``monitor``; return lrs and waits."""
    s = make_schedule({"name": "plateau", "monitor": monitor, **config}, lr)
    lrs, waits = [], []
    for epoch, value in enumerate(values, start=1):
        lr = s.on_epoch_end(epoch, lr, {monitor: value})
        lrs.append(lr)
        waits.append(s.wait)
    return lrs, waits


# -- step and exponential ----------------------------------------------------------------------

def test_step_hand_values():
    s = make_schedule({"name": "step", "step_size": 3, "gamma": 0.5}, 1.0)
    assert rates(s, 1.0, 10) == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]


def test_exponential_hand_values():
    s = make_schedule({"name": "exponential", "gamma": 0.5}, 2.0)
    assert rates(s, 2.0, 4) == [1.0, 0.5, 0.25, 0.125]


def test_step_and_exponential_continue_from_a_live_change():
    s = make_schedule({"name": "step", "step_size": 2, "gamma": 0.1}, 1.0)
    assert s.on_epoch_end(1, 1.0, {}) == 1.0
    assert s.on_epoch_end(2, 1.0, {}) == pytest.approx(0.1)
    assert s.on_epoch_end(3, 0.5, {}) == 0.5          # the user set 0.5 by hand
    assert s.on_epoch_end(4, 0.5, {}) == pytest.approx(0.05)
    e = make_schedule({"name": "exponential", "gamma": 0.5}, 1.0)
    assert e.on_epoch_end(7, 3.0, {}) == 1.5


@pytest.mark.parametrize("config", [
    {"name": "step", "step_size": 3, "gamma": 0.1},
    {"name": "step", "step_size": 1, "gamma": 0.7},
    {"name": "exponential", "gamma": 0.95},
    {"name": "exponential", "gamma": 0.3},
])
def test_matches_torch(config):
    torch = pytest.importorskip("torch")
    base = 0.1
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=base)
    kwargs = {k: v for k, v in config.items() if k != "name"}
    cls = (torch.optim.lr_scheduler.StepLR if config["name"] == "step"
           else torch.optim.lr_scheduler.ExponentialLR)
    sched = cls(opt, **kwargs)
    ours = make_schedule(config, base)
    lr = base
    for epoch in range(1, 41):
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step()
        lr = ours.on_epoch_end(epoch, lr, {})
        assert lr == opt.param_groups[0]["lr"], f"epoch {epoch}"      # bit for bit


# -- plateau (Keras ReduceLROnPlateau, traced by hand) -----------------------------------------

def test_plateau_patience_min_delta_min_lr():
    losses = [1.0, 0.95, 0.94, 0.8, 0.85, 0.9, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65, 0.65]
    lrs, waits = plateau(losses, patience=2, factor=0.5, min_delta=0.1, min_lr=0.1)
    # e1 best=1.0 | e2 0.95 !< 0.9 wait 1 | e3 wait 2 → lr .5 | e4 0.8 < 0.9 best .8
    # e5, e6 → wait 2 → .25 | e7 0.65 < 0.7 best .65 | e8, e9 → .125 | e10, e11 → max(.0625, .1)
    # e12 wait 1 | e13 wait 2 but lr = min_lr: no change, wait keeps counting | e14 wait 3
    assert lrs == [1, 1, .5, .5, .5, .25, .25, .25, .125, .125, .1, .1, .1, .1]
    assert waits == [0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 2, 3]


def test_plateau_cooldown():
    losses = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6]
    lrs, waits = plateau(losses, patience=1, factor=0.1, min_delta=0.0, cooldown=2)
    # e1 best 1 | e2 no gain → wait 1 → lr .1, cooldown 2 | e3 cooldown 2→1, not counted
    # e4 cooldown 1→0, counted → wait 1 → lr .01, cooldown 2 | e5 cooldown 2→1
    # e6 cooldown 1→0, 0.5 improves | e7 no gain → lr .001, cooldown 2 | e8 cooldown 2→1
    assert lrs == pytest.approx([1, .1, .1, .01, .01, .01, .001, .001], rel=1e-12)
    assert waits == [0, 0, 0, 0, 0, 0, 0, 0]


def test_plateau_min_delta_is_strict():
    # with min_delta 0 an equal value is no improvement; a tiny gain is one
    lrs, _ = plateau([1.0, 1.0], patience=1, min_delta=0.0, factor=0.5)
    assert lrs == [1.0, 0.5]
    lrs, _ = plateau([1.0, 0.9999], patience=1, min_delta=0.0, factor=0.5)
    assert lrs == [1.0, 1.0]
    lrs, _ = plateau([1.0, 0.9999], patience=1, min_delta=1e-3, factor=0.5)
    assert lrs == [1.0, 0.5]


def test_plateau_auto_mode_maximises_accuracy():
    acc = [0.5, 0.505, 0.6, 0.6, 0.62, 0.62]
    lrs, _ = plateau(acc, monitor="val_accuracy", patience=1, factor=0.5, min_delta=0.01)
    # e1 best .5 | e2 .505 !> .51 → .5 | e3 .6 best | e4 .6 !> .61 → .25 | e5 .62 best | e6 → .125
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    s = make_schedule({"name": "plateau", "monitor": "train_accuracy"}, 1.0)
    assert s.mode == "max" and s.best == float("-inf")
    s = make_schedule({"name": "plateau", "monitor": "train_loss"}, 1.0)
    assert s.mode == "min" and s.best == float("inf")


def test_plateau_explicit_mode():
    # a rising loss counts as improvement in mode max (the user asked for it)
    lrs, _ = plateau([1.0, 2.0, 3.0, 3.0], mode="max", patience=1, factor=0.5, min_delta=0.0)
    assert lrs == [1.0, 1.0, 1.0, 0.5]
    lrs, _ = plateau([0.5, 0.4], monitor="val_accuracy", mode="min", patience=1, factor=0.5,
                     min_delta=0.0)
    assert lrs == [1.0, 1.0]


def test_plateau_falls_back_to_training_values():
    s = make_schedule({"name": "plateau", "patience": 1, "min_delta": 0.0, "factor": 0.5}, 1.0)
    lr = s.on_epoch_end(1, 1.0, {"train_loss": 1.0, "val_loss": None})
    lr = s.on_epoch_end(2, lr, {"train_loss": 1.0})                 # no val_loss key at all
    assert lr == 0.5 and s.best == 1.0
    # nothing to monitor (accuracy on a regression task): the epoch is ignored, as in Keras
    s = make_schedule({"name": "plateau", "monitor": "val_accuracy", "patience": 0}, 1.0)
    before = s.state()
    assert s.on_epoch_end(1, 1.0, {"train_loss": 0.3, "train_r2": 0.5}) == 1.0
    assert s.state() == before


# -- state ---------------------------------------------------------------------------------------

def test_plateau_state_round_trip_is_exact():
    config = {"name": "plateau", "patience": 2, "factor": 0.5, "cooldown": 1, "min_delta": 0.01}
    losses = [1.0, 0.9, 0.95, 0.97, 0.96, 0.7, 0.8, 0.8, 0.8, 0.75, 0.9, 0.9]
    a = make_schedule(config, 1.0)
    # the initial state (best = +∞) must already be strict JSON
    assert json.loads(json.dumps(a.state(), allow_nan=False)) == {
        "best": "inf", "wait": 0, "cooldown_counter": 0}
    lr = 1.0
    for epoch, loss in enumerate(losses[:5], start=1):
        lr = a.on_epoch_end(epoch, lr, {"val_loss": loss})
    b = make_schedule(config, 1.0)
    b.load_state(json.loads(json.dumps(a.state(), allow_nan=False)))
    lr_b = lr
    for epoch, loss in enumerate(losses[5:], start=6):
        lr = a.on_epoch_end(epoch, lr, {"val_loss": loss})
        lr_b = b.on_epoch_end(epoch, lr_b, {"val_loss": loss})
        assert lr == lr_b and a.state() == b.state()
    fresh = make_schedule(config, 1.0)
    fresh.load_state({"best": "inf", "wait": 0, "cooldown_counter": 0})
    assert fresh.best == float("inf")


@pytest.mark.parametrize("state", [
    {"best": 1.0, "wait": -1, "cooldown_counter": 0},
    {"best": 1.0, "wait": 0.5, "cooldown_counter": 0},
    {"best": "big", "wait": 0, "cooldown_counter": 0},
    {"best": 1.0, "wait": 0},
    [1, 2, 3],
])
def test_plateau_load_state_rejects_damage(state):
    s = make_schedule({"name": "plateau"}, 1.0)
    with pytest.raises(PlaygroundError):
        s.load_state(state)
    assert s.state() == {"best": "inf", "wait": 0, "cooldown_counter": 0}


def test_stateless_schedules_round_trip():
    for config in ({"name": "step"}, {"name": "exponential"}):
        s = make_schedule(config, 0.1)
        assert json.loads(json.dumps(s.state())) == {}
        s.load_state({})


# -- configuration -------------------------------------------------------------------------------

def test_defaults_and_config():
    assert make_schedule(None, 0.1) is None
    for name, defaults in SCHEDULE_DEFAULTS.items():
        s = make_schedule({"name": name}, 0.1)
        assert s.name == name and s.config == defaults and s.base_learning_rate == 0.1
        assert json.loads(json.dumps(s.config)) == s.config
        assert s.describe()
    assert SCHEDULE_DEFAULTS["plateau"] == {
        "monitor": "val_loss", "factor": 0.1, "patience": 10, "min_delta": 1e-4,
        "cooldown": 0, "min_lr": 0.0, "mode": "auto"}
    s = make_schedule({"name": "step", "step_size": 5.0, "gamma": 1}, 0.1)
    assert s.config == {"step_size": 5, "gamma": 1.0}
    assert type(s.config["step_size"]) is int and type(s.config["gamma"]) is float


@pytest.mark.parametrize("config,path", [
    ("step", "training.lr_schedule"),
    ({"gamma": 0.5}, "training.lr_schedule.name"),
    ({"name": "cosine"}, "training.lr_schedule.name"),
    ({"name": "step", "factor": 0.5}, "training.lr_schedule.factor"),
    ({"name": "step", "step_size": 0}, "training.lr_schedule.step_size"),
    ({"name": "step", "step_size": 2.5}, "training.lr_schedule.step_size"),
    ({"name": "step", "step_size": True}, "training.lr_schedule.step_size"),
    ({"name": "step", "gamma": 0}, "training.lr_schedule.gamma"),
    ({"name": "step", "gamma": 1.5}, "training.lr_schedule.gamma"),
    ({"name": "exponential", "gamma": -0.5}, "training.lr_schedule.gamma"),
    ({"name": "exponential", "gamma": "0.9"}, "training.lr_schedule.gamma"),
    ({"name": "exponential", "step_size": 3}, "training.lr_schedule.step_size"),
    ({"name": "plateau", "factor": 1.0}, "training.lr_schedule.factor"),
    ({"name": "plateau", "factor": 0.0}, "training.lr_schedule.factor"),
    ({"name": "plateau", "monitor": "loss"}, "training.lr_schedule.monitor"),
    ({"name": "plateau", "mode": "up"}, "training.lr_schedule.mode"),
    ({"name": "plateau", "patience": -1}, "training.lr_schedule.patience"),
    ({"name": "plateau", "cooldown": 1.5}, "training.lr_schedule.cooldown"),
    ({"name": "plateau", "min_delta": -0.1}, "training.lr_schedule.min_delta"),
    ({"name": "plateau", "min_lr": -1e-3}, "training.lr_schedule.min_lr"),
    ({"name": "plateau", "min_lr": float("nan")}, "training.lr_schedule.min_lr"),
])
def test_make_schedule_rejects_bad_config(config, path):
    with pytest.raises(ExperimentError) as info:
        make_schedule(config, 0.1)
    assert info.value.path == path

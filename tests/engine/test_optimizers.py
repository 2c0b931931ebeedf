"""Optimizers: hand-computed steps, agreement with torch.optim, state, validation."""

from __future__ import annotations

import inspect
import io
import json
import math
import tracemalloc

import numpy as np
import pytest

from playground.errors import ExperimentError, PlaygroundError
from playground.optim.rules import OPTIMIZER_DEFAULTS, OPTIMIZERS, make_optimizer

EPS_ADAM = 1e-8

# Settings exercised everywhere (every branch of every rule at least once).
CONFIGS = [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "dampening": 0.3,
     "weight_decay": 0.01},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True,
     "weight_decay": 0.02},
    {"name": "adam"},
    {"name": "adam", "learning_rate": 0.01, "betas": [0.8, 0.99], "weight_decay": 0.05},
    {"name": "adam", "learning_rate": 0.02, "betas": [0.3, 0.9], "amsgrad": True,
     "eps": 1e-6},
    {"name": "adam", "learning_rate": 0.01, "amsgrad": True, "weight_decay": 0.1},
    {"name": "rmsprop"},
    {"name": "rmsprop", "learning_rate": 0.001, "alpha": 0.9, "momentum": 0.5},
    {"name": "rmsprop", "learning_rate": 0.001, "centered": True, "weight_decay": 0.01},
    {"name": "rmsprop", "learning_rate": 0.002, "alpha": 0.4, "centered": True,
     "momentum": 0.7, "weight_decay": 0.03, "eps": 1e-5},
    {"name": "adagrad"},
    {"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.01,
     "initial_accumulator_value": 0.1, "weight_decay": 0.01},
]
IDS = [json.dumps({k: v for k, v in c.items()}) for c in CONFIGS]


def run(config, p0, grads, dtype=np.float64):
    """Params after each step, starting from ``p0``."""
    opt = make_optimizer(config, len(p0), dtype)
    p = np.array(p0, dtype=dtype)
    out = []
    for g in grads:
        opt.step(p, np.array(g, dtype=dtype))
        out.append(p.copy())
    return out


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-14, atol=1e-15)


# -- hand-computed steps (float64) -------------------------------------------------------------

def test_sgd_plain_hand():
    # w ← w − 0.1·g
    p1, p2 = run({"name": "sgd", "learning_rate": 0.1}, [1.0, -2.0, 0.5],
                 [[0.5, -1.0, 2.0], [1.0, 0.0, -1.0]])
    close(p1, [0.95, -1.9, 0.3])
    close(p2, [0.85, -1.9, 0.4])


def test_sgd_momentum_hand_first_step_takes_gradient():
    # step 1: v = g1 = [0.5, -1]            w = [1 − .05, −2 + .1]        = [0.95, −1.9]
    # step 2: v = .9·[.5, −1] + [1, 2]       = [1.45, 1.1]; w = [0.805, −2.01]
    # step 3: v = .9·[1.45, 1.1] + 0         = [1.305, 0.99]; w = [0.6745, −2.109]
    ps = run({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}, [1.0, -2.0],
             [[0.5, -1.0], [1.0, 2.0], [0.0, 0.0]])
    close(ps[0], [0.95, -1.9])
    close(ps[1], [0.805, -2.01])
    close(ps[2], [0.6745, -2.109])


def test_sgd_dampening_hand_not_applied_on_first_step():
    # step 1: v = g1 (no dampening yet) = [.5, −1];  w = [0.95, −1.9]
    # step 2: v = .9·[.5, −1] + (1 − .5)·[1, 2] = [0.95, 0.1];  w = [0.855, −1.91]
    ps = run({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "dampening": 0.5},
             [1.0, -2.0], [[0.5, -1.0], [1.0, 2.0]])
    close(ps[0], [0.95, -1.9])
    close(ps[1], [0.855, -1.91])


def test_sgd_nesterov_hand():
    # step 1: v = g1 = [.5, −1]; step along g1 + .9·v = [.95, −1.9];  w = [0.905, −1.81]
    # step 2: v = [1.45, 1.1]; step along [1, 2] + .9·v = [2.305, 2.99];  w = [0.6745, −2.109]
    ps = run({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
             [1.0, -2.0], [[0.5, -1.0], [1.0, 2.0]])
    close(ps[0], [0.905, -1.81])
    close(ps[1], [0.6745, -2.109])


def test_sgd_weight_decay_hand():
    # step 1: g = [.5, −1] + .1·[1, −2] = [.6, −1.2];             w = [0.94, −1.88]
    # step 2: g = [1, 2] + .1·[.94, −1.88] = [1.094, 1.812];     w = [0.8306, −2.0612]
    ps = run({"name": "sgd", "learning_rate": 0.1, "weight_decay": 0.1}, [1.0, -2.0],
             [[0.5, -1.0], [1.0, 2.0]])
    close(ps[0], [0.94, -1.88])
    close(ps[1], [0.8306, -2.0612])


def test_adam_hand_bias_correction():
    lr, e = 0.1, EPS_ADAM
    p1, p2 = run({"name": "adam", "learning_rate": lr}, [1.0, -2.0, 0.5],
                 [[0.5, -1.0, 0.0], [1.0, 2.0, -0.5]])
    # t=1: m = .1·g = [.05, −.1, 0];  v = .001·g² = [.00025, .001, 0]
    #      step_size = .1/(1−.9) = 1;  denom = √v/√(1−.999) + ε = [.5, 1, 0] + ε
    close(p1, [1.0 - 0.05 / (0.5 + e), -2.0 + 0.1 / (1.0 + e), 0.5])
    # Adam's first step is lr·sign(g), whatever the size of g:
    np.testing.assert_allclose(p1, [0.9, -1.9, 0.5], atol=1e-7)
    # t=2: m = .9·m + .1·g = [.145, .11, −.05];  v = .999·v + .001·g² = [.00124975, .004999,
    #      .00025];  step_size = .1/(1−.81) = .1/.19;  √(1−.999²) = √.001999
    m = [0.145, 0.11, -0.05]
    v = [0.00124975, 0.004999, 0.00025]
    denom = [math.sqrt(x) / math.sqrt(0.001999) + e for x in v]
    expected = [w - 0.1 / 0.19 * mi / di for w, mi, di in zip(p1, m, denom)]
    np.testing.assert_allclose(p2, expected, rtol=1e-13)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_hand_amsgrad(amsgrad):
    # betas (.5, .5): the running averages are easy, and lerp takes torch's second branch.
    e = EPS_ADAM
    p1, p2 = run({"name": "adam", "learning_rate": 0.1, "betas": [0.5, 0.5], "amsgrad": amsgrad},
                 [1.0, 1.0], [[2.0, 0.0], [0.0, 2.0]])
    # t=1: m = [1, 0], v = [2, 0], step_size = .1/.5 = .2, denom = √v/√.5 + ε = [2, 0] + ε
    close(p1, [1.0 - 0.2 * 1.0 / (2.0 + e), 1.0])
    # t=2: m = [.5, 1], v = [1, 2] (AMSGrad: max(v) = [2, 2]), step_size = .1/.75
    vv = [2.0, 2.0] if amsgrad else [1.0, 2.0]
    denom = [math.sqrt(x) / math.sqrt(0.75) + e for x in vv]
    expected = [p1[0] - 0.1 / 0.75 * 0.5 / denom[0], 1.0 - 0.1 / 0.75 * 1.0 / denom[1]]
    np.testing.assert_allclose(p2, expected, rtol=1e-14)


def test_adam_hand_weight_decay():
    # g = 0 + .5·2 = 1 → m = .1, v = .001, step_size = 1, denom = 1 + ε
    (p1,) = run({"name": "adam", "learning_rate": 0.1, "weight_decay": 0.5}, [2.0], [[0.0]])
    close(p1, [2.0 - 0.1 / (1.0 + EPS_ADAM)])


def test_rmsprop_hand_plain_first_step():
    # s = .01·g² → √s = .1·|g|;  w ← w − .01·g/(√s + ε) ≈ w − .1·sign(g)
    (p1,) = run({"name": "rmsprop"}, [1.0, -1.0], [[0.1, -0.2]])
    close(p1, [1.0 - 0.01 * 0.1 / (0.01 + 1e-8), -1.0 + 0.01 * 0.2 / (0.02 + 1e-8)])


def test_rmsprop_hand_centered_momentum():
    e = 1e-8
    p1, p2 = run({"name": "rmsprop", "learning_rate": 0.1, "alpha": 0.5, "momentum": 0.5,
                  "centered": True}, [1.0, 2.0], [[1.0, -2.0], [3.0, 0.0]])
    # t=1: s = .5·g² = [.5, 2];  ḡ = .5·g = [.5, −1];  d = √(s − ḡ²) + ε = [.5, 1] + ε
    #      b = g/d = [2, −2] (≈);  w = w − .1·b
    b1 = [1.0 / (0.5 + e), -2.0 / (1.0 + e)]
    close(p1, [1.0 - 0.1 * b1[0], 2.0 - 0.1 * b1[1]])
    # t=2: s = .5·[.5, 2] + .5·[9, 0] = [4.75, 1];  ḡ = .5·[.5, −1] + .5·[3, 0] = [1.75, −.5]
    #      d = √([4.75 − 3.0625, 1 − .25]) + ε;  b = .5·b1 + g/d
    d = [math.sqrt(1.6875) + e, math.sqrt(0.75) + e]
    b2 = [0.5 * b1[0] + 3.0 / d[0], 0.5 * b1[1] + 0.0]
    np.testing.assert_allclose(p2, [p1[0] - 0.1 * b2[0], p1[1] - 0.1 * b2[1]], rtol=1e-14)


def test_rmsprop_hand_weight_decay():
    # g = 1 + 1·1 = 2;  s = .5·4 = 2;  w = 1 − .1·2/(√2 + ε)
    (p1,) = run({"name": "rmsprop", "learning_rate": 0.1, "alpha": 0.5, "weight_decay": 1.0},
                [1.0], [[1.0]])
    close(p1, [1.0 - 0.1 * 2.0 / (math.sqrt(2.0) + 1e-8)])


def test_adagrad_hand_lr_decay_and_initial_accumulator():
    e = 1e-10
    p1, p2 = run({"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.5,
                  "initial_accumulator_value": 16.0}, [1.0, -1.0], [[3.0, 0.0], [0.0, 3.0]])
    # t=1: ηₜ = .1;  G = 16 + g² = [25, 16];  w = [1 − .1·3/(5 + ε), −1]
    close(p1, [1.0 - 0.1 * 3.0 / (5.0 + e), -1.0])
    # t=2: ηₜ = .1/(1 + 1·.5) = 1/15;  G = [25, 25];  w₁ = −1 − (1/15)·3/(5 + ε)
    close(p2, [p1[0], -1.0 - (0.1 / 1.5) * 3.0 / (5.0 + e)])


def test_adagrad_hand_weight_decay():
    # g = 0 + .5·2 = 1;  G = 1;  w = 2 − .1·1/(1 + ε)
    (p1,) = run({"name": "adagrad", "learning_rate": 0.1, "weight_decay": 0.5}, [2.0], [[0.0]])
    close(p1, [2.0 - 0.1 / (1.0 + 1e-10)])


# -- against torch -----------------------------------------------------------------------------

def _torch_optimizer(torch, config, tensor):
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad}[config["name"]]
    kwargs = {("lr" if k == "learning_rate" else k): (tuple(v) if isinstance(v, list) else v)
              for k, v in config.items() if k != "name"}
    return cls([tensor], foreach=False, **kwargs)


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float64, 1e-12, 1e-13),
                                              (np.float32, 1e-6, 1e-6)])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_torch(config, dtype, rtol, atol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    n = 37
    p = rng.standard_normal(n).astype(dtype)
    tp = torch.tensor(p.copy(), requires_grad=True)
    topt = _torch_optimizer(torch, config, tp)
    opt = make_optimizer(config, n, dtype)
    for step in range(20):
        scale = 10.0 ** rng.uniform(-3, 1)       # gradients of varying size
        g = (rng.standard_normal(n) * scale).astype(dtype)
        if step == 12:                            # a live learning-rate change
            opt.learning_rate = opt.learning_rate * 0.5
            topt.param_groups[0]["lr"] = opt.learning_rate
        tp.grad = torch.tensor(g.copy())
        topt.step()
        opt.step(p, g)
        assert p.dtype == dtype
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"step {step + 1}")
    # the state buffers carry torch's names and values
    tstate = topt.state[tp]
    for key, value in opt.state_arrays().items():
        np.testing.assert_allclose(value, tstate[key].numpy(), rtol=rtol * 10, atol=atol)


def test_live_momentum_change_matches_torch():
    """Turning momentum on mid-run starts the buffer with torch's first-step rule."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    p = rng.standard_normal(10)
    tp = torch.tensor(p.copy(), requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, foreach=False)
    opt = make_optimizer({"name": "sgd", "learning_rate": 0.1}, 10, np.float64)
    for step in range(8):
        if step == 4:
            opt.hyper["momentum"] = 0.9
            opt.configure()
            topt.param_groups[0]["momentum"] = 0.9
        g = rng.standard_normal(10)
        tp.grad = torch.tensor(g.copy())
        topt.step()
        opt.step(p, g)
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-13)


def test_defaults_are_torch_defaults():
    torch = pytest.importorskip("torch")
    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam,
               "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}
    for name, defaults in OPTIMIZER_DEFAULTS.items():
        params = inspect.signature(classes[name]).parameters
        for key, value in defaults.items():
            torch_default = params["lr" if key == "learning_rate" else key].default
            if isinstance(torch_default, tuple):
                torch_default = list(torch_default)
            assert value == torch_default, (name, key)


# -- behaviour ---------------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_leaves_grads_alone_and_reuses_buffers(config, dtype):
    rng = np.random.default_rng(0)
    n = 1000
    opt = make_optimizer(config, n, dtype)
    p = rng.standard_normal(n).astype(dtype)
    buffers = {k: b for k, b in opt._buffers.items()}
    for _ in range(3):
        g = rng.standard_normal(n).astype(dtype)
        g_before = g.copy()
        opt.step(p, g)
        assert np.array_equal(g, g_before)
        assert p.dtype == dtype
    assert all(opt._buffers[k] is b for k, b in buffers.items())
    assert all(b.dtype == dtype for b in opt._buffers.values())


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_step_does_not_allocate(config):
    n = 100_000                           # 400 KB per float32 array
    opt = make_optimizer(config, n, np.float32)
    p = np.ones(n, np.float32)
    g = np.full(n, 0.5, np.float32)
    opt.step(p, g)                        # warm up
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        opt.step(p, g)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 20_000, f"step allocated {peak} bytes"


def _npz_round_trip(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_round_trip_continues_bitwise(config, dtype):
    rng = np.random.default_rng(1)
    n = 50
    grads = [rng.standard_normal(n).astype(dtype) for _ in range(10)]
    p = rng.standard_normal(n).astype(dtype)
    a = make_optimizer(config, n, dtype)
    for g in grads[:5]:
        a.step(p, g)
    arrays = _npz_round_trip(a.state_arrays())
    scalars = json.loads(json.dumps(a.state_scalars()))
    p_resumed = p.copy()
    b = make_optimizer(config, n, dtype)
    b.load_state(arrays, scalars)
    for g in grads[5:]:
        a.step(p, g)
        b.step(p_resumed, g)
    assert np.array_equal(p, p_resumed)
    assert a.state_scalars() == b.state_scalars()
    for key, value in a.state_arrays().items():
        assert np.array_equal(value, b.state_arrays()[key])


def test_state_arrays_are_copies_and_reset_restarts():
    rng = np.random.default_rng(2)
    opt = make_optimizer({"name": "adam", "amsgrad": True}, 5, np.float64)
    p = rng.standard_normal(5)
    p_start = p.copy()
    g = rng.standard_normal(5)
    opt.step(p, g)
    arrays = opt.state_arrays()
    assert set(arrays) == {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    arrays["exp_avg"][:] = 123.0
    assert not np.any(opt.state_arrays()["exp_avg"] == 123.0)
    opt.reset()
    assert opt.state_scalars() == {"name": "adam", "step": 0}
    q = p_start.copy()
    opt.step(q, g)
    fresh = p_start.copy()
    make_optimizer({"name": "adam", "amsgrad": True}, 5, np.float64).step(fresh, g)
    assert np.array_equal(q, fresh)


def test_state_names():
    def names(config):
        return set(make_optimizer(config, 3, np.float32).state_arrays())
    assert names({"name": "sgd"}) == set()
    assert names({"name": "sgd", "momentum": 0.5}) == {"momentum_buffer"}
    assert names({"name": "adam"}) == {"exp_avg", "exp_avg_sq"}
    assert names({"name": "rmsprop", "momentum": 0.5, "centered": True}) == \
        {"square_avg", "momentum_buffer", "grad_avg"}
    assert names({"name": "adagrad", "initial_accumulator_value": 0.5}) == {"sum"}
    sgd = make_optimizer({"name": "sgd", "momentum": 0.5}, 3, np.float32)
    assert sgd.state_scalars() == {"name": "sgd", "step": 0, "momentum_initialized": False}
    ada = make_optimizer({"name": "adagrad", "initial_accumulator_value": 0.5}, 3, np.float32)
    assert np.array_equal(ada.state_arrays()["sum"], np.full(3, 0.5, np.float32))


def test_load_state_rejects_what_does_not_fit():
    opt = make_optimizer({"name": "adam"}, 4, np.float32)
    good = opt.state_arrays()
    scalars = opt.state_scalars()
    bad_cases = [
        ({**good, "exp_avg": np.zeros(5, np.float32)}, scalars, "shape"),
        ({**good, "exp_avg": np.zeros((2, 2), np.float32)}, scalars, "shape"),
        ({**good, "exp_avg_sq": np.zeros(4, np.float64)}, scalars, "dtype"),
        ({"exp_avg": good["exp_avg"]}, scalars, "exp_avg_sq"),
        ({**good, "max_exp_avg_sq": good["exp_avg"]}, scalars, "max_exp_avg_sq"),
        (good, {**scalars, "name": "sgd"}, "sgd"),
        (good, {**scalars, "step": -1}, "step"),
        (good, {**scalars, "step": 1.5}, "step"),
        (good, {"name": "adam"}, "step"),
    ]
    marker = np.full(4, 7.0, np.float32)
    opt.load_state({"exp_avg": marker, "exp_avg_sq": marker}, {"name": "adam", "step": 3})
    for arrays, sc, word in bad_cases:
        with pytest.raises(PlaygroundError, match=word):
            opt.load_state(arrays, sc)
        # a rejected load changes nothing
        assert opt.state_scalars()["step"] == 3
        assert np.array_equal(opt.state_arrays()["exp_avg"], marker)
    sgd = make_optimizer({"name": "sgd", "momentum": 0.9}, 4, np.float32)
    with pytest.raises(PlaygroundError, match="momentum_initialized"):
        sgd.load_state(sgd.state_arrays(), {"name": "sgd", "step": 1,
                                            "momentum_initialized": "yes"})


def test_step_rejects_wrong_arrays():
    opt = make_optimizer({"name": "sgd"}, 4, np.float32)
    with pytest.raises(PlaygroundError):
        opt.step(np.zeros(4, np.float64), np.zeros(4, np.float64))
    with pytest.raises(PlaygroundError):
        opt.step(np.zeros(5, np.float32), np.zeros(5, np.float32))
    with pytest.raises(PlaygroundError):
        opt.step(np.zeros(4, np.float32), np.zeros(3, np.float32))


def test_learning_rate_is_live_and_a_python_float():
    opt = make_optimizer({"name": "sgd", "learning_rate": 0.5}, 2, np.float32)
    assert opt.learning_rate == 0.5 and opt.hyper["learning_rate"] == 0.5
    opt.learning_rate = np.float64(0.25)
    assert type(opt.learning_rate) is float and opt.hyper["learning_rate"] == 0.25
    p = np.ones(2, np.float32)
    opt.step(p, np.ones(2, np.float32))
    assert np.array_equal(p, np.float32([0.75, 0.75]))
    for bad in (-1.0, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(PlaygroundError):
            opt.learning_rate = bad


def test_hyper_is_complete_and_json_ready():
    for name in OPTIMIZERS:
        opt = make_optimizer({"name": name}, 1, "float32")
        assert opt.hyper == OPTIMIZER_DEFAULTS[name]
        assert json.loads(json.dumps(opt.hyper)) == opt.hyper
    opt = make_optimizer({"name": "adam", "betas": (0.5, 0.6), "learning_rate": 1}, 1,
                         np.float64)
    assert opt.hyper["betas"] == [0.5, 0.6] and type(opt.hyper["learning_rate"]) is float


def test_configure_applies_live_changes():
    opt = make_optimizer({"name": "adam"}, 3, np.float32)
    p, g = np.ones(3, np.float32), np.ones(3, np.float32)
    opt.step(p, g)
    exp_avg = opt.state_arrays()["exp_avg"]
    opt.hyper["amsgrad"] = True
    opt.configure()
    assert set(opt.state_arrays()) == {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert np.array_equal(opt.state_arrays()["exp_avg"], exp_avg)   # kept
    opt.step(p, g)
    opt.hyper["betas"] = [0.9, 1.5]
    with pytest.raises(ExperimentError) as info:
        opt.configure()
    assert info.value.path == "training.optimizer.betas[1]"


def test_update_formulas():
    def formula(**config):
        return make_optimizer(config, 1, np.float32).update_formula()
    assert "w ← w − η·g" in formula(name="sgd")
    assert "μ" in formula(name="sgd", momentum=0.9)
    assert "g + μ·v" in formula(name="sgd", momentum=0.9, nesterov=True)
    assert "λ" in formula(name="sgd", weight_decay=0.1)
    assert "λ" not in formula(name="sgd")
    assert "m̂" in formula(name="adam") and "max" in formula(name="adam", amsgrad=True)
    assert "ḡ" in formula(name="rmsprop", centered=True)
    assert "lr_decay" in formula(name="adagrad", lr_decay=0.1)


# -- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("config,path", [
    ({"name": "adamw"}, "training.optimizer.name"),
    ({"learning_rate": 0.1}, "training.optimizer.name"),
    ({"name": 3}, "training.optimizer.name"),
    ({"name": "sgd", "lr": 0.1}, "training.optimizer.lr"),
    ({"name": "sgd", "betas": [0.9, 0.99]}, "training.optimizer.betas"),
    ({"name": "sgd", "learning_rate": 0}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "learning_rate": -0.1}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "learning_rate": float("nan")}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "learning_rate": float("inf")}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "learning_rate": "0.1"}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "learning_rate": True}, "training.optimizer.learning_rate"),
    ({"name": "sgd", "momentum": 1.0}, "training.optimizer.momentum"),
    ({"name": "sgd", "momentum": -0.1}, "training.optimizer.momentum"),
    ({"name": "sgd", "dampening": 1.5}, "training.optimizer.dampening"),
    ({"name": "sgd", "weight_decay": -1e-4}, "training.optimizer.weight_decay"),
    ({"name": "sgd", "nesterov": 1}, "training.optimizer.nesterov"),
    ({"name": "sgd", "nesterov": "true"}, "training.optimizer.nesterov"),
    ({"name": "sgd", "nesterov": True}, "training.optimizer.nesterov"),
    ({"name": "sgd", "nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "training.optimizer.nesterov"),
    ({"name": "adam", "betas": [0.9, 1.0]}, "training.optimizer.betas[1]"),
    ({"name": "adam", "betas": [-0.1, 0.9]}, "training.optimizer.betas[0]"),
    ({"name": "adam", "betas": [0.9, "x"]}, "training.optimizer.betas[1]"),
    ({"name": "adam", "betas": [0.9]}, "training.optimizer.betas"),
    ({"name": "adam", "betas": 0.9}, "training.optimizer.betas"),
    ({"name": "adam", "eps": 0.0}, "training.optimizer.eps"),
    ({"name": "adam", "amsgrad": 0}, "training.optimizer.amsgrad"),
    ({"name": "adam", "momentum": 0.9}, "training.optimizer.momentum"),
    ({"name": "rmsprop", "alpha": 1.0}, "training.optimizer.alpha"),
    ({"name": "rmsprop", "centered": None}, "training.optimizer.centered"),
    ({"name": "rmsprop", "momentum": 1.2}, "training.optimizer.momentum"),
    ({"name": "adagrad", "lr_decay": -1}, "training.optimizer.lr_decay"),
    ({"name": "adagrad", "initial_accumulator_value": -0.1},
     "training.optimizer.initial_accumulator_value"),
    ({"name": "adagrad", "eps": -1e-10}, "training.optimizer.eps"),
])
def test_make_optimizer_rejects_bad_config(config, path):
    with pytest.raises(ExperimentError) as info:
        make_optimizer(config, 3, np.float32)
    assert info.value.path == path


def test_make_optimizer_rejects_non_object_and_bad_dtype():
    with pytest.raises(ExperimentError) as info:
        make_optimizer(["sgd"], 3, np.float32)
    assert info.value.path == "training.optimizer"
    with pytest.raises(PlaygroundError):
        make_optimizer({"name": "sgd"}, 3, np.int32)
    with pytest.raises(PlaygroundError):
        make_optimizer({"name": "sgd"}, -1, np.float32)


def test_make_optimizer_accepts_edge_values():
    make_optimizer({"name": "sgd", "momentum": 0.0, "dampening": 1.0}, 1, np.float32)
    make_optimizer({"name": "adam", "betas": [0, 0.0], "weight_decay": 0}, 1, np.float32)
    make_optimizer({"name": "rmsprop", "alpha": 0.0}, 1, np.float32)
    opt = make_optimizer({"name": "sgd"}, 0, np.float32)       # an empty network is fine
    opt.step(np.zeros(0, np.float32), np.zeros(0, np.float32))


# -- the BLAS update for large vectors ----------------------------------------------------------
def _blas_axpy_available():
    from playground import blas
    blas.default_threads()                    # loads what threadpoolctl finds
    return blas._state["axpy"] is not None


def test_numpy_wheels_blas_offers_axpy():
    """NumPy's wheels bundle OpenBLAS (scipy_…64_ symbols): the fast update must be found
    there, or big networks silently lose it."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    np.ones(2) @ np.ones(2)
    libs = threadpoolctl.threadpool_info()
    if not any(lib.get("internal_api") == "openblas" for lib in libs):
        pytest.skip("NumPy is not linked to OpenBLAS here")
    assert _blas_axpy_available()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blas_axpy_is_y_plus_alpha_x_or_declines(dtype):
    from playground import blas
    if not _blas_axpy_available():
        pytest.skip("no BLAS axpy")
    rng = np.random.default_rng(0)
    n = blas.AXPY_MIN + 3
    x, y = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
    expected, scale = y - dtype(0.3) * x, np.abs(y) + 0.3 * np.abs(x)
    assert blas.axpy(-0.3, x, y)
    # at most a rounding or two of the terms' size (cancellation makes relative errors big)
    assert np.all(np.abs(y - expected) <= 2 * np.finfo(dtype).eps * scale)
    before = y.copy()
    assert not blas.axpy(1.0, x[:100], y[:100])                   # short: NumPy's job
    assert not blas.axpy(1.0, x[::2], y[::2])                     # strided
    assert not blas.axpy(1.0, x.astype(np.float16), y)            # mixed or odd dtypes
    assert not blas.axpy(1.0, x.reshape(-1, 1)[:n - 3], y[:n - 3].reshape(-1, 1))
    np.testing.assert_array_equal(y, before)                      # and then left alone


@pytest.mark.parametrize("config", [{"name": "sgd", "learning_rate": 0.1},
                                    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9,
                                     "nesterov": True, "weight_decay": 0.01}])
def test_sgd_on_a_large_vector_matches_the_two_pass_rule(config):
    """Above AXPY_MIN parameters SGD updates through the BLAS; the result is the rule's, to
    one rounding (a fused multiply-add), for several steps."""
    from playground import blas
    if not _blas_axpy_available():
        pytest.skip("no BLAS axpy")
    n = blas.AXPY_MIN * 2
    rng = np.random.default_rng(5)
    p0 = rng.standard_normal(n).astype(np.float32)
    grads = [rng.standard_normal(n).astype(np.float32) for _ in range(3)]
    p = p0.copy()
    opt = make_optimizer(config, n, np.float32)
    reference, v = p0.astype(np.float64), None
    mu, lr, wd = config.get("momentum", 0.0), config["learning_rate"], \
        config.get("weight_decay", 0.0)
    for g in grads:
        opt.step(p, g)
        d = g + wd * reference
        if mu:
            v = d if v is None else mu * v + d
            d = d + mu * v if config.get("nesterov") else v
        reference = reference - lr * d
        np.testing.assert_allclose(p, reference, rtol=1e-5, atol=1e-6)
    changed = np.count_nonzero(p != p0)
    assert changed > 0.99 * n


def test_a_new_optimizer_is_one_class_that_experiments_controls_and_rules_pick_up():
    from conftest import small_experiment
    from playground import Experiment
    from playground.optim.base import REGISTRY, Optimizer

    class SignSGD(Optimizer):
        """w ← w − η·sign(g): hand-checkable on a three-weight vector."""
        name, title = "signsgd_test", "SignSGD"
        defaults = {"learning_rate": 0.1, "weight_decay": 0.0}
        how = "Every weight moves by η against the sign of its gradient"

        def _kernel(self, p, g, b, lr):
            np.subtract(p, lr * np.sign(g), out=p)

        def _rule(self):
            return ["w ← w − η·sign(g)"]

    try:
        d = small_experiment()
        d["training"]["optimizer"] = {"name": "signsgd_test"}
        exp = Experiment.from_dict(d)
        assert exp.get("training.optimizer") == {"name": "signsgd_test", "learning_rate": 0.1,
                                                 "weight_decay": 0.0}
        opt = make_optimizer(exp.get("training.optimizer"), 3, np.float64)
        p = np.array([1.0, 2.0, 3.0])
        opt.step(p, np.array([0.5, -2.0, 0.0]))
        np.testing.assert_array_equal(p, [0.9, 2.1, 3.0])
        assert opt.update_formula() == "g = ∂L/∂w;  w ← w − η·sign(g)"
        with pytest.raises(ExperimentError, match="learning_rate"):
            make_optimizer({"name": "signsgd_test", "learning_rate": -1}, 3, np.float64)
    finally:
        REGISTRY.pop("signsgd_test")


def test_each_optimizer_describes_itself():
    for name, cls in OPTIMIZERS.items():
        assert cls.name == name and cls.title and cls.how
        for key in cls.defaults:
            label, _ = cls.setting_help(key)
            assert label
    assert OPTIMIZERS["sgd"].variant_title({"momentum": 0.9, "nesterov": True}) == \
        "SGD with Nesterov momentum"
    assert OPTIMIZERS["rmsprop"].variant_title({"centered": True, "momentum": 0.5}) == \
        "RMSprop (centered, momentum)"

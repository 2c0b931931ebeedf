"""Export to PyTorch: a standalone script that trains the app's network the way the app does.

:func:`pytorch_files` turns a trainer into the files of the export: the script, filled in from
``assets/export/pytorch_script.py.tmpl``, and beside it ``.npz`` files with the exact training
and validation arrays, the weights (initial, or a run's trained ones) and, for a run that has
trained, the optimizer's and early stopping's state. The script keeps only the parts the run
uses (a penalty, clipping, a schedule, dropout, early stopping), so it reads like one written
for this network; every number it needs comes from the trainer, never from defaults of torch.
"""

from __future__ import annotations

import datetime
import io
import math
import pprint
import string
import textwrap
from pathlib import Path

import numpy as np

from playground import __version__
from playground.errors import PlaygroundError
from playground.files.resources import asset_path
from playground.training.trainer_state import capture

TEMPLATE = ("export", "pytorch_script.py.tmpl")
TORCH_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
ACTIVATION_MODULES = {"relu": "nn.ReLU()", "leaky_relu": "nn.LeakyReLU(0.01)",
                      "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()", "elu": "nn.ELU()",
                      "gelu": "nn.GELU()", "softmax": "nn.Softmax(dim=1)"}
#: loss → (torch loss, the output activation folded into it, how predict() reads the output)
LOSS_BLOCKS = {
    "cross_entropy": ("nn.CrossEntropyLoss()", "softmax", "torch.softmax(output, dim=1)"),
    "binary_cross_entropy": ("nn.BCEWithLogitsLoss()", "sigmoid", "torch.sigmoid(output)"),
    "mse": ("nn.MSELoss()", None, "output"),
}
WIDTH = 92


def render(template: str, sections: set[str], values: dict[str, str]) -> str:
    """Keep the ``##if NAME`` … ``##else`` … ``##end`` blocks that apply (NAME in
    ``sections``; blocks nest), then fill in the ``$name`` placeholders."""
    kept, stack = [], []
    for line in template.splitlines(keepends=True):
        directive = line.strip()
        if directive.startswith("##if "):
            stack.append(directive[5:] in sections and all(stack))
        elif directive == "##else":
            stack[-1] = not stack[-1] and all(stack[:-1])
        elif directive == "##end":
            stack.pop()
        elif all(stack):
            kept.append(line)
    if stack:
        raise ValueError("the export template has an ##if without its ##end")
    return string.Template("".join(kept)).substitute(values)


def literal(value) -> str:
    """``value`` as Python source (floats exactly, infinities through ``math``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "math.nan" if math.isnan(value) else ("-math.inf" if value < 0 else "math.inf")
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    return repr(value)


def wrapped_call(name: str, args: list[str], indent: int) -> str:
    """``name(arg, …)`` wrapped at :data:`WIDTH`, continuation lines under the first argument
    (``indent`` is where the call starts; the first line comes without it)."""
    lead = " " * indent + name + "("
    lines, line = [], lead
    for i, arg in enumerate(args):
        piece = arg + (", " if i < len(args) - 1 else ")")
        if len(line + piece.rstrip()) > WIDTH and line != lead:
            lines.append(line.rstrip())
            line = " " * len(lead) + piece
        else:
            line += piece
    lines.append(line)
    return "\n".join(lines)[indent:]


def keywords(settings: dict) -> list[str]:
    return [f"{key}={literal(value)}" for key, value in settings.items()]


def split_like_weights(network, flat: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    """A flat parameter-sized vector cut into ``{prefix}W0, {prefix}b0, …`` like the weights."""
    out = {}
    for i, (w, b) in enumerate(network.slices):
        layer = network.layers[i]
        out[f"{prefix}W{i}"] = flat[w].reshape(layer.fan_in, layer.units).copy()
        if b is not None:                      # a layer without a bias has no b
            out[f"{prefix}b{i}"] = flat[b].copy()
    return out


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def data_arrays(trainer) -> dict[str, np.ndarray]:
    ds = trainer.dataset
    targets = {"Y_train": trainer.Y_train, "Y_val": trainer.Y_val}
    if trainer.loss.target_kind == "labels":          # torch's class indices are int64
        targets = {k: v.astype(np.int64) for k, v in targets.items()}
    return {"X_train": trainer.X_train, "X_val": trainer.X_val, **targets,
            "feature_names": np.array(ds.feature_names, dtype=str),
            "class_names": np.array(ds.class_names, dtype=str),
            "target_names": np.array(ds.target_names, dtype=str)}


def optimizer_state_arrays(trainer) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The names of the optimizer's torch state buffers and their arrays, split per layer."""
    opt = trainer.optimizer
    arrays = opt.state_arrays()
    if opt.name == "sgd" and not opt.state_scalars()["momentum_initialized"]:
        arrays = {}                       # torch's SGD has no buffer before its first step
    out = {}
    for key, flat in arrays.items():
        out.update(split_like_weights(trainer.network, flat, key + "."))
    if opt.name != "sgd":
        out["step"] = np.array(opt.step_count, dtype=np.int64)
    return tuple(arrays), out


def layer_lines(trainer) -> list[str]:
    net = trainer.network
    fused = LOSS_BLOCKS[trainer.loss.name][1]
    lines = []
    for i, layer in enumerate(net.layers):
        bias = "" if layer.use_bias else ", bias=False"
        lines.append(f"nn.Linear({layer.fan_in}, {layer.units}{bias}),")
        act = layer.activation.name
        last = i == len(net.layers) - 1
        if last and act == fused:
            lines[-1] += (f"  # its {act} is folded into the loss (predict() applies it)")
        elif act != "linear":
            lines.append(ACTIVATION_MODULES[act] + ",")
        if layer.dropout > 0:
            lines.append(f"AppDropout({layer.dropout!r}, rng),")
    return [" " * 8 + line for line in lines]


def loss_block(trainer) -> str:
    torch_loss, fused, prediction = LOSS_BLOCKS[trainer.loss.name]
    comment = (f"# {torch_loss.split('(')[0]} takes the logits: the app's {fused} output "
               f"layer is folded into it" if fused else
               "# mean over the samples and the outputs of (ŷ − y)², as the app's mse")
    doc = (f"The app's output: the {fused} of the logits." if fused else
           "The app's output: the model's own (its last activation is part of it).")
    return (f"{comment}\nloss_fn = {torch_loss}\n\n\n"
            f"def predict(output: torch.Tensor) -> torch.Tensor:\n"
            f'    """{doc}"""\n    return {prediction}')


def quality_code(regression: bool) -> dict[str, str]:
    """How the script measures accuracy (classification) or R² (regression)."""
    if regression:
        return {"running": "sse", "quality_name": "R²",
                "running_update": "sse += squared_error(output.detach(), y)",
                "running_result": '"train_r2": r2(sse, total_sum_of_squares(Y))',
                "eval_quality": '"r2": r2(squared_error(output, Y), total_sum_of_squares(Y))'}
    return {"running": "correct", "quality_name": "accuracy",
            "running_update": "correct += right_answers(output.detach(), y)",
            "running_result": '"train_accuracy": correct / seen',
            "eval_quality": '"accuracy": right_answers(output, Y) / len(X)'}


# -- the whole export -------------------------------------------------------------------------
class ExportNames:
    """The files of one export, all beside the script and named after it."""

    def __init__(self, script: Path):
        self.script = script
        stem = script.stem
        self.data = script.with_name(f"{stem}_data.npz")
        self.weights = script.with_name(f"{stem}_weights.npz")
        self.state = script.with_name(f"{stem}_state.npz")
        self.state_dict = f"{stem}.pt"


def is_resumed(trainer) -> bool:
    """Has the trainer trained (its export continues a run) or not (it starts one)?"""
    return trainer.iteration > 0 or trainer.epoch > 0


def pytorch_files(trainer, script: str | Path, source: str) -> dict[Path, bytes]:
    """The script and its ``.npz`` files for ``trainer``, keyed by where they go (nothing is
    written here). ``source`` says in the script what it was made from."""
    state_now = capture(trainer)
    if state_now.next_batching is not None:
        raise PlaygroundError(
            f"the batch size or shuffling changed in the middle of epoch {trainer.epoch + 1}; "
            "finish the epoch, then export (the script uses one batch size per epoch)")
    names = ExportNames(Path(script))
    resumed = is_resumed(trainer)
    state_keys, state = optimizer_state_arrays(trainer) if resumed else ((), {})
    es = trainer.early_stopping
    keep_best = resumed and es.enabled and es.restore_best_weights \
        and es.best_weights is not None
    if keep_best:
        state.update(split_like_weights(trainer.network, es.best_weights, "best."))
    files = {names.data: npz_bytes(data_arrays(trainer)),
             names.weights: npz_bytes(trainer.network.weights())}
    if state_now.mid_epoch is not None:
        order = state_now.mid_epoch[0]
        state["order"] = np.arange(len(trainer.X_train)) if order is None else order
    if resumed:
        files[names.state] = npz_bytes(state)
    sections = script_sections(trainer, resumed, state_keys, keep_best)
    values = script_values(trainer, names, source, resumed, state_keys)
    values.update(resume_values(trainer, state_now))
    template = asset_path(*TEMPLATE).read_text(encoding="utf-8")
    text = render(template, sections, values)
    return {names.script: text.encode("utf-8"), **files}


def script_sections(trainer, resumed: bool, state_keys, keep_best: bool) -> set[str]:
    schedule = trainer.schedule
    es = trainer.early_stopping
    flags = {
        "resumed": resumed, "optimizer_state": bool(state_keys),
        "step_count": bool(state_keys) and trainer.optimizer.name != "sgd",
        "penalty": bool(trainer.l1 or trainer.l2), "clipping": trainer.clip_norm is not None,
        "regression": trainer.dataset.task == "regression",
        "dropout": any(layer.dropout > 0 for layer in trainer.network.layers),
        "shuffle": trainer.experiment.training["shuffle"],
        "schedule": schedule is not None,
        "monitoring": es.enabled or (schedule is not None and schedule.name == "plateau"),
        "early_stopping": es.enabled, "es_best_weights": keep_best,
        "mid_epoch": trainer.batch_in_epoch > 0,
    }
    if schedule is not None:
        flags["schedule_" + schedule.name] = True
    return {name for name, on in flags.items() if on}


def script_values(trainer, names: ExportNames, source: str, resumed: bool,
                  state_keys) -> dict[str, str]:
    cfg = trainer.experiment.training
    n = len(trainer.X_train)
    net = trainer.network
    penalty_terms = [term for weight, term in (
        (trainer.l1, "L1 * sum(w.abs().sum() for w in weights)"),
        (trainer.l2, "L2 * sum((w * w).sum() for w in weights)")) if weight]
    plus_penalty = " + penalty(model)" if penalty_terms else ""
    values = {
        **header_values(trainer, names, source, resumed),
        "data_file": names.data.name, "weights_file": names.weights.name,
        "state_file": names.state.name, "state_dict_file": names.state_dict,
        "dtype": trainer.dtype.name, "batch_size": str(min(cfg["batch_size"], max(1, n))),
        "default_epochs": str(default_epochs(trainer, resumed)),
        "first_epoch": str(trainer.epoch + 1),
        "learning_rate": literal(trainer.optimizer.learning_rate),
        "l1": literal(trainer.l1), "l2": literal(trainer.l2),
        "clip_norm": literal(trainer.clip_norm),
        "seed": str(trainer.experiment.seed),
        "rng_state": pprint.pformat(trainer.rng.bit_generator.state, width=WIDTH - 12,
                                    sort_dicts=False).replace("\n", "\n" + " " * 12),
        "architecture": f"{net.n_inputs} inputs → " + " → ".join(
            layer.describe() for layer in net.layers),
        "layers": "\n".join(layer_lines(trainer)), "loss_block": loss_block(trainer),
        "penalty_expr": " + ".join(penalty_terms),
        "train_loss_expr": "loss_fn(output, y)" + plus_penalty,
        "loss_name": "Loss (with the penalty, as the app reports it)" if penalty_terms
                     else "Loss",
        "eval_loss_expr": "loss_fn(output, Y).item()" + plus_penalty + (
            ".item()" if plus_penalty else ""),
        "optimizer_call": optimizer_call(trainer.optimizer),
        "state_keys": repr(tuple(state_keys)),
        "state_names": ", ".join(state_keys + ("step",) * (trainer.optimizer.name != "sgd")),
        **quality_code(trainer.dataset.task == "regression"),
        **schedule_values(trainer, resumed),
        **early_stopping_values(trainer, resumed),
    }
    return values


def resume_values(trainer, state) -> dict[str, str]:
    """Where a run saved mid-epoch stands: batches done, running sums, how to shuffle."""
    shuffled = trainer.experiment.training["shuffle"]
    values = {"order_expr": "torch.from_numpy(rng.permutation(n)).to(X.device)" if shuffled
              else "torch.arange(n, device=X.device)"}
    if state.mid_epoch is not None:
        loss_sum, seen, correct, sse = state.mid_epoch[1]
        running = sse if trainer.dataset.task == "regression" else correct
        values.update(resume_batches=str(trainer.batch_in_epoch),
                      resume_sums=literal((float(loss_sum), running, int(seen))))
    return values


def default_epochs(trainer, resumed: bool) -> int:
    left = trainer.max_epochs - trainer.epoch
    return left if left > 0 else trainer.max_epochs


def optimizer_call(optimizer) -> str:
    hyper = {k: v for k, v in optimizer.hyper.items() if k != "learning_rate"}
    args = ["model.parameters()", "lr=LEARNING_RATE", *keywords(hyper)]
    return wrapped_call(f"torch.optim.{TORCH_OPTIMIZERS[optimizer.name]}", args,
                        len("    return "))


def schedule_values(trainer, resumed: bool) -> dict[str, str]:
    schedule = trainer.schedule
    if schedule is None:
        return {}
    c = schedule.config
    if schedule.name != "plateau":
        return {"gamma": literal(c["gamma"]), "step_size": str(c.get("step_size", ""))}
    args = {"monitor": c["monitor"], "factor": c["factor"], "patience": c["patience"],
            "min_delta": c["min_delta"], "cooldown": c["cooldown"], "min_lr": c["min_lr"],
            "maximize": schedule.mode == "max"}
    return {"plateau_call": wrapped_call("ReduceLROnPlateau", keywords(args),
                                         len("next_learning_rate = ")),
            "plateau_best": literal(schedule.best), "plateau_wait": str(schedule.wait),
            "plateau_cooldown_counter": str(schedule.cooldown_counter)}


def early_stopping_values(trainer, resumed: bool) -> dict[str, str]:
    es = trainer.early_stopping
    if not es.enabled:
        return {}
    args = {"monitor": es.monitor, "patience": es.patience, "min_delta": abs(es.min_delta),
            "maximize": es.maximize, "start_from_epoch": es.start_from_epoch,
            "restore_best_weights": es.restore_best_weights}
    return {"early_stopping_call": wrapped_call("EarlyStopping", keywords(args),
                                                len("    early_stopping = ")),
            "es_best": literal(es.best), "es_best_epoch": str(es.best_epoch),
            # a finished run goes on as the app's "continue training" does: patience anew
            "es_wait": str(0 if trainer.finished else es.wait)}


def header_values(trainer, names: ExportNames, source: str, resumed: bool) -> dict[str, str]:
    exp = trainer.experiment
    title = exp.to_dict().get("name") or Path(source).stem or "Backprop Playground network"
    epoch = trainer.epoch
    if resumed:
        kept = ["optimizer"] + ["early-stopping"] * trainer.early_stopping.enabled \
            + ["schedule"] * (trainer.schedule is not None)
        kept = [", ".join(kept[:-1]), kept[-1]] if len(kept) > 1 else kept
        if trainer.batch_in_epoch:
            where = f"after batch {trainer.batch_in_epoch} of epoch {epoch + 1}"
            goes_on = f"epoch {epoch + 1}, batch {trainer.batch_in_epoch + 1}"
        else:
            where, goes_on = f"after epoch {epoch}", f"epoch {epoch + 1}"
        made_from = (f"(a run saved {where}: training goes on at {goes_on} from its trained "
                     f"weights, its {' and '.join(kept)} state and its random generator, as the "
                     f"app would go on)")
    else:
        made_from = "(an experiment: training starts at epoch 1 from its initial weights)"
    weights_doc = ("the weights W0, b0, W1, b1, … " + (where if resumed else "to start from")
                   + " (each W is fan_in × fan_out)")
    files = [(names.data.name, "the exact training and validation arrays the app used "
                               "(X_*, Y_*)"), (names.weights.name, weights_doc)]
    if resumed:
        files.append((names.state.name, "the optimizer's state (named as in torch) and what "
                                        "early stopping kept"))
    width = max(len(name) for name, _ in files)
    return {"title": title, "version": __version__,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "source": source, "made_from": fill(made_from, "    "),
            "files_doc": "".join(
                textwrap.fill(doc, WIDTH, initial_indent=f"    {name:<{width}}  ",
                              subsequent_indent=" " * (width + 6)) + "\n" for name, doc in files),
            "script_name": names.script.name, "summary": summary(trainer, resumed)}


def fill(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def summary(trainer, resumed: bool) -> str:
    """The paragraph of the script's docstring that says what it does like the app."""
    left = trainer.max_epochs - trainer.epoch
    if not resumed:
        epochs = f"{trainer.max_epochs} epochs by default (the experiment's budget)"
    elif left > 0:
        epochs = f"by default the {left} epochs left of the run's budget of {trainer.max_epochs}"
    else:
        epochs = (f"by default {trainer.max_epochs} more epochs (the run had used its budget "
                  f"of {trainer.max_epochs})")
    same = [f"the loss ({trainer.loss.name})",
            f"{TORCH_OPTIMIZERS[trainer.optimizer.name]} with every setting"]
    if trainer.l1 or trainer.l2:
        same.append("the L1/L2 penalty on the weights (l1·Σ|W| + l2·ΣW², as in Keras)")
    if trainer.clip_norm is not None:
        same.append(f"gradient clipping to a global norm of {trainer.clip_norm:g}")
    if trainer.schedule is not None:
        same.append(f"the {trainer.schedule.name} learning-rate schedule")
    if any(layer.dropout > 0 for layer in trainer.network.layers):
        same.append("dropout with the app's own masks")
    if trainer.early_stopping.enabled:
        same.append(f"early stopping on {trainer.early_stopping.monitor}")
    order = ("the batch order (the same NumPy generator draws the same permutations)"
             if trainer.experiment.training["shuffle"] else "the batch order (unshuffled)")
    text = (f"It trains {epochs} and prints one CSV row per epoch, with the columns of the "
            f"app's history.csv, then saves the model's state_dict. As in the app: the network "
            f"and its weights, {', '.join(same)}, and {order}. On the CPU the history agrees "
            f"with the app's to about 1e-5 in float32 (1e-10 in float64): only the order of "
            f"the floating-point operations inside the matrix products differs.")
    return fill(text)

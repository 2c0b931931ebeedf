"""The Trainer: builds data, network and optimizer from an experiment, and trains on request.

The trainer is driven from outside, one small step at a time, so that a window, a command line
or a test can decide when to look:

``train_batch()``  one iteration (no report); returns True when it completed an epoch
``step_batch()``   one iteration, then a :class:`~playground.training.snapshot.Snapshot`
``step_epoch()``   the rest of the current epoch, then a Snapshot
``run()``          an iterator of Snapshots, one per epoch, until training ends
``phases()``       one iteration, phase by phase (see :mod:`playground.nn.backprop`)

Training ends when the epoch budget is used up, early stopping triggers, or the loss stops
being a finite number (divergence); ``stop_reason`` says which. Every random draw comes from
generators spawned from the experiment's seed — one for the data, one for the initial weights,
one for shuffling and dropout — so the same experiment trains to bitwise the same weights, and
changing the architecture does not change the data.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator, NamedTuple

import numpy as np

from playground import blas
from playground.nn.backprop import IterationResult, Phase, iteration, plan_for, planned_step, step
from playground.data import Dataset, load_dataset
from .budget import check_experiment_fits

from .batches import BatchGather, gather_rows
from .divergence import check_runaway, likely_cause
from .gradient_flow import probe_error_signal
from .early_stopping import EarlyStopping
from playground.errors import Cancelled, PlaygroundError
from playground.experiment import Experiment, check_weight_rows
from .history import History
from playground.nn.losses import get_loss
from .metrics import EpochMetrics, encode_targets, evaluate
from .output_layer import check_compatibility
from .state import Resumable
from .trajectory import Trajectory
from playground.nn.network import Network
from playground.optim.rules import make_optimizer
from playground.optim.schedules import make_schedule
from .live import LIVE_KEYS, is_live_key, live_changes, rebuild_reason

__all__ = ["Trainer", "LIVE_KEYS"]

#: the epoch's inputs are gathered in batch order (with a column of ones) when that copy is
#: at most this many bytes; larger data are gathered batch by batch
EPOCH_COPY_LIMIT = 64 << 20
#: a batch with more multiply-adds than this (forward and backward: 3 × batch × weights)
#: can be interrupted between its layers (:meth:`Trainer.interrupt_with`)
INTERRUPT_MACS = 150_000_000


class EpochData(NamedTuple):
    """An epoch's training data in batch order (see :meth:`Trainer._epoch_arrays`); all but
    ``perm`` and ``batch_size`` are None for data larger than :data:`EPOCH_COPY_LIMIT`."""

    perm: np.ndarray | None          # the permutation it was gathered in (None: unshuffled)
    batch_size: int
    inputs: np.ndarray | None        # [X, 1] in batch order
    targets: np.ndarray | None       # Y in batch order
    blocks: list | None              # cross-entropy's one-hot targets, (classes × batch) blocks
    views: list | None               # per batch (x, y, [x, 1], one-hot or None, stage or None)
    picks: tuple | None              # where each sample's right class sits in its batch's output


class Trainer(Resumable):
    def __init__(self, experiment: Experiment | dict, *, dataset: Dataset | None = None):
        if isinstance(experiment, dict):
            experiment = Experiment.from_dict(experiment)
        self.experiment = experiment
        data_seq, init_seq, train_seq = np.random.SeedSequence(experiment.seed).spawn(3)
        self.dataset = dataset if dataset is not None else load_dataset(
            experiment.data, np.random.default_rng(data_seq), base_dir=experiment.base_dir)
        net_cfg, train_cfg = experiment.network, experiment.training
        self.dtype = np.dtype(train_cfg["dtype"])
        self.loss = get_loss(net_cfg["loss"])
        check_experiment_fits(self.dataset, net_cfg, train_cfg, self.dtype.itemsize)
        check_compatibility(self.dataset, net_cfg)
        if "weights" in net_cfg["layers"][0]:
            check_weight_rows(len(net_cfg["layers"][0]["weights"]), self.dataset.n_inputs,
                              "network.layers[0]")
        ds = self.dataset
        with np.errstate(over="ignore"):    # data that overflow the dtype: see divergence
            self.X_train = np.ascontiguousarray(ds.X_train, dtype=self.dtype)
            self.X_val = np.ascontiguousarray(ds.X_val, dtype=self.dtype)
        self.Y_train = encode_targets(ds, ds.y_train, self.loss, net_cfg, self.dtype)
        self.Y_val = encode_targets(ds, ds.y_val, self.loss, net_cfg, self.dtype)
        self.network = Network(ds.n_inputs, net_cfg["layers"], self.dtype,
                               np.random.default_rng(init_seq))
        self.optimizer = make_optimizer(train_cfg["optimizer"], self.network.n_params,
                                        self.dtype)
        self.schedule = make_schedule(train_cfg["lr_schedule"], self.optimizer.learning_rate)
        self.early_stopping = EarlyStopping.from_config(train_cfg["early_stopping"])
        self.rng = np.random.default_rng(train_seq)
        #: the weights at the start and after every epoch (bounded; see trajectory.py)
        self.trajectory = Trajectory(self.network.params)
        self.history = History()
        self.epoch = 0                 # completed epochs
        self.iteration = 0             # completed iterations (batches) in total
        self.batch_in_epoch = 0        # completed iterations in the current epoch
        self.stop_reason: str | None = None
        self.stopped_early = False
        self.diverged = False
        #: ‖δ‖ per layer at the last finite weights, once training diverged (else None)
        self.last_finite_error_signal: list[float] | None = None
        #: the epoch whose weights early stopping restored (else None)
        self.restored_epoch: int | None = None
        self._perm: np.ndarray | None = None
        self._metrics = EpochMetrics(self.dataset.task, self.dataset.n_classes, self.Y_train)
        #: (counts, what they were counted on) of the last finished epoch; None before one
        self.confusion: tuple[np.ndarray, str] | None = None
        self._result = IterationResult()
        self._gather = BatchGather()
        #: the epoch's training data in batch order (see :meth:`_epoch_arrays`)
        self._epoch_data: EpochData | None = None
        self._checkpoint: tuple[np.ndarray, dict] | None = None
        self.batch_size, self.shuffle = 1, False
        self._apply_training_config(train_cfg)

    # -- configuration -------------------------------------------------------------------
    def _apply_training_config(self, cfg: dict) -> None:
        batching = (min(cfg["batch_size"], max(1, len(self.X_train))), cfg["shuffle"])
        if self.batch_in_epoch and batching != (self.batch_size, self.shuffle):
            self._next_batching = batching     # mid-epoch: takes effect with the next epoch
        else:
            self.batch_size, self.shuffle = batching
            self._next_batching = None
            self._blas_threads = blas.threads_for(self.network.sizes, self.batch_size)
            self._apply_interrupt()
        self.max_epochs = cfg["epochs"]
        self.l1, self.l2 = cfg["l1"], cfg["l2"]
        self.clip_norm = cfg["clip_norm"]

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.X_train) // self.batch_size)

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None

    @property
    def best_epoch(self) -> int:
        return self.early_stopping.best_epoch

    def live_changes(self, experiment: Experiment) -> list[tuple[str, object]] | None:
        """What :meth:`update` must apply to train ``experiment`` instead, or None when it
        needs a new Trainer (see :mod:`playground.training.live`)."""
        return live_changes(self.experiment, experiment)

    def update(self, dotted: str, value) -> None:
        """Change a setting while training (learning rate, dropout, early stopping, …).

        ``dotted`` is an experiment key path such as ``training.optimizer.learning_rate`` or
        ``network.layers[1].dropout``. The new experiment is validated first; a change that
        would need a new network or new data raises ValueError (build a new Trainer)."""
        if not is_live_key(dotted):
            raise ValueError(f"{dotted} cannot change during training; start a new run")
        new = self.experiment.replace(dotted, value)
        reason = rebuild_reason(self.experiment, new)
        if reason is not None:
            raise ValueError(reason)
        self.finish_iteration()             # a change applies between iterations
        new_layers = new.network["layers"]
        self.experiment = new
        cfg = new.training
        for i, layer in enumerate(new_layers):
            if layer["dropout"] != self.network.layers[i].dropout:
                self.network.set_dropout(i, layer["dropout"])
        opt = cfg["optimizer"]
        if dotted.startswith("training.optimizer"):   # else keep what a schedule made of it
            self.optimizer.learning_rate = opt["learning_rate"]
        self.optimizer.hyper.update({k: v for k, v in opt.items()
                                     if k not in ("name", "learning_rate")})
        self.optimizer.configure()
        if self._checkpoint is not None:    # taken under the old settings: as configure() did
            params, arrays, *scalars = self._checkpoint
            arrays, conformed = self.optimizer.conformed_state(arrays, scalars[0] if scalars
                                                               else {})
            self._checkpoint = (params, arrays, conformed) if scalars else (params, arrays)
        if dotted.startswith("training.lr_schedule"):
            self.schedule = make_schedule(cfg["lr_schedule"], opt["learning_rate"])
        self.early_stopping.configure(cfg["early_stopping"])
        self._apply_training_config(cfg)

    def set_learning_rate(self, learning_rate: float) -> None:
        self.update("training.optimizer.learning_rate", float(learning_rate))

    def set_dropout(self, rate: float) -> None:
        """Set the dropout rate of every hidden layer (the output layer has none)."""
        layers = self.experiment.network["layers"]
        for layer in layers[:-1]:
            layer["dropout"] = float(rate)
        self.update("network.layers", layers)

    def continue_training(self, extra_epochs: int | None = None) -> None:
        """Clear the stop reason so training can go on (after early stopping or the budget);
        ``extra_epochs`` raises the budget beyond the current epoch."""
        if extra_epochs is not None:
            self.update("training.epochs", max(self.epoch + int(extra_epochs), 1))
        elif self.epoch >= self.max_epochs:
            raise ValueError("the epoch budget is used up; pass extra_epochs")
        self.stop_reason = None
        self.stopped_early = False
        self.diverged = False
        #: ‖δ‖ per layer at the last finite weights, once training diverged (else None)
        self.last_finite_error_signal: list[float] | None = None
        #: the epoch whose weights early stopping restored (else None)
        self.restored_epoch: int | None = None
        self.early_stopping.wait = 0
        self.early_stopping.stopped_epoch = 0

    # -- training ------------------------------------------------------------------------
    def _epoch_arrays(self) -> EpochData:
        """The :class:`EpochData` of this epoch's training samples in batch
        order, gathered once per epoch so that each batch is a slice (a view): the inputs
        beside a column of ones (the first layer's bias joins its matrix product), and for
        cross-entropy the labels as one-hot rows, stored per batch as the transposed
        (classes × batch) blocks the layers compute in (see :class:`LayerBuffers`). Rebuilt
        when the order or the batch size changes (a new permutation, a resumed run, shuffling
        switched; the buffers are refilled in place); ``views`` is every batch's
        ``(x, y, [x, 1], one-hot or None)`` views, made once per buffers and batch size (so a
        batch costs a list lookup). Data larger than :data:`EPOCH_COPY_LIMIT` are gathered
        batch by batch instead."""
        perm, size = (self._perm if self.shuffle else None), self.batch_size
        data = self._epoch_data
        if data is not None and data.perm is perm and data.batch_size == size:
            return data
        X, Y = self.X_train, self.Y_train
        n, d = X.shape
        if n * (d + 1) * X.itemsize > EPOCH_COPY_LIMIT:
            data = EpochData(perm, size, None, None, None, None, None)
        else:
            old = data if data is not None and data.inputs is not None else None
            Xe, Yg = (old.inputs, old.targets) if old is not None else \
                (np.ones((n, d + 1), X.dtype), np.empty_like(Y))
            if perm is None:
                np.copyto(Xe[:, :d], X)
                np.copyto(Yg, Y)
            else:
                gather_rows(X, perm, Xe[:, :d])
                Y.take(perm, 0, Yg, "clip")
            blocks = None
            if self.loss.target_kind == "labels":
                k = self.network.n_outputs
                onehot = np.eye(k, dtype=self.dtype).take(Yg, 0)   # raises on a bad label
                full = n // size
                parts = [onehot[:full * size].reshape(full, size, k).transpose(0, 2, 1)]
                if n > full * size:
                    parts.append(onehot[full * size:].T)
                if old is not None and old.blocks is not None and old.batch_size == size:
                    blocks = old.blocks         # the same buffers, refilled in place
                    for block, part in zip(blocks, parts):
                        np.copyto(block, part)
                else:
                    blocks = [np.ascontiguousarray(part) for part in parts]
            if old is not None and old.batch_size == size and old.blocks is blocks:
                views, picks = old.views, old.picks     # the same buffers: the same views
            else:
                views, picks = [], None
                if blocks is not None:
                    # where each sample's right class sits in its batch's C-ordered
                    # (classes × batch) output: label · batch size + column
                    column = np.arange(n) % size
                    width = np.full(n, size)
                    width[full * size:] = n - full * size
                    picks = (np.empty(n, np.intp), column, width)
                    p = self._metrics.staging(self.dtype)
                for b, start in enumerate(range(0, n, size)):
                    x_ext = Xe[start:start + size]
                    hot = stage = None
                    if blocks is not None:
                        hot = (blocks[0][b] if b < len(blocks[0]) else blocks[1]).T
                        stage = (picks[0][start:start + size], p[start:start + size])
                    views.append((x_ext[:, :-1], Yg[start:start + size], x_ext, hot, stage))
            if picks is not None:
                np.multiply(Yg, picks[2], out=picks[0])
                np.add(picks[0], picks[1], out=picks[0])
            data = EpochData(perm, size, Xe, Yg, blocks, views, picks)
        self._epoch_data = data
        # the labels in batch order are the epoch's true labels: the metrics read them there
        self._metrics.shared_truth = data.targets if self.loss.target_kind == "labels" else None
        return data

    def _batch(self) -> tuple:
        """``(x, y, [x, 1] or None, one-hot y or None, stage or None)`` of the next batch
        (``stage``: see :func:`~playground.nn.backprop.step`)."""
        data = self._epoch_arrays()
        if data.views is not None:
            return data.views[self.batch_in_epoch]
        start = self.batch_in_epoch * self.batch_size
        stop = min(start + self.batch_size, len(self.X_train))
        if not self.shuffle:
            return self.X_train[start:stop], self.Y_train[start:stop], None, None, None
        return (*self._gather.take(self.X_train, self.Y_train, self._perm[start:stop]),
                None, None, None)

    def _start_epoch(self) -> None:
        if self.network.interrupt is not None:    # an interrupted first batch goes back here
            self._epoch_rng_state = self.rng.bit_generator.state
        if self._next_batching is not None:
            (self.batch_size, self.shuffle), self._next_batching = self._next_batching, None
            self._blas_threads = blas.threads_for(self.network.sizes, self.batch_size)
            self._apply_interrupt()             # the batch's size decides whether it is big
        if self.shuffle:
            self._perm = self.rng.permutation(len(self.X_train))
        self._metrics.reset()
        self._checkpoint = (self.network.params.copy(), self.optimizer.state_arrays(),
                            self.optimizer.state_scalars())

    def _next_batch(self):
        """Start the epoch if due; the next batch and its workspace."""
        if self.batch_in_epoch == 0:
            if self.stop_reason is not None:
                raise RuntimeError(f"training has ended ({self.stop_reason})")
            if len(self.X_train) == 0:
                raise RuntimeError("there are no training samples")
            self._start_epoch()
        elif self.stop_reason is not None:
            raise RuntimeError(f"training has ended ({self.stop_reason})")
        blas.use(self._blas_threads)        # one thread for small products (see blas.py)
        batch = self._batch()
        return batch, self.network.workspace(batch[0].shape[0], training=True)

    def _iteration_done(self, ws, yb) -> None:
        result = self._result
        if not result.updated:      # the loss was not finite: the iteration stopped early
            self._diverge(result.loss)
            return
        self._metrics.add_batch(None if result.staged else result.loss, ws.layers[-1].a, yb)
        self.iteration += 1
        self.batch_in_epoch += 1
        if self.batch_in_epoch * self.batch_size >= len(self.X_train):
            self._end_epoch()
            self.trajectory.record(self.epoch, self.network.params)

    def _train_one(self) -> None:
        """One iteration on the next batch, as a plain call (:func:`train_step`)."""
        data, b = self._epoch_data, self.batch_in_epoch
        if b and self.stop_reason is None and data is not None and data.views is not None \
                and data.perm is (self._perm if self.shuffle else None) \
                and data.batch_size == self.batch_size:
            # mid-epoch with the epoch's views ready: what _next_batch does, without its calls
            xb, yb, x_ext, onehot, stage = data.views[b]
            blas.use(self._blas_threads)
            ws = self.network.workspace(xb.shape[0], True)
        else:
            (xb, yb, x_ext, onehot, stage), ws = self._next_batch()
        result = self._result
        result.updated = False
        l1, l2 = self.l1, self.l2
        if self.network.interrupt is None:
            step(self.network, self.loss, xb, yb, ws, self.rng, True, l1, l2, self.clip_norm,
                 self.optimizer, result, x_ext, onehot, None if l1 or l2 else stage)
        else:
            self._interruptible_step(xb, yb, ws, x_ext, onehot, None if l1 or l2 else stage)
        self._iteration_done(ws, yb)

    def _planned_run(self, stop: Callable[[], bool] | None) -> bool:
        """Mid-epoch batches in one loop, each through the planned step (the common case: a
        small network, cross-entropy on softmax, no penalty, clipping or dropout): what
        :meth:`_train_one` does for each, the same calls in the same order, without its
        per-batch checks, which hold for the whole run (on a tiny network they were ~12 % of
        a batch). It stops before the epoch's last batch (that one ends the epoch: the
        general path's), before a batch the planned step refuses (nothing trained for it),
        and when ``stop()``, asked after each batch, says so: True then, else False."""
        data, b = self._epoch_data, self.batch_in_epoch
        if not b or self.stop_reason is not None or data is None or data.views is None \
                or data.perm is not (self._perm if self.shuffle else None) \
                or data.batch_size != self.batch_size or self.network.interrupt is not None \
                or self.l1 or self.l2 or self.clip_norm is not None:
            return False
        views = data.views
        last = len(views) - 1
        if b >= last:
            return False
        xb, yb, x_ext, onehot, stage = views[b]
        if stage is None or onehot is None:
            return False
        network = self.network
        ws = network.workspace(xb.shape[0], True)    # every batch but the last: one size
        plan = plan_for(network, self.loss, ws)
        if not plan:
            return False
        blas.use(self._blas_threads)
        optimizer, result = self.optimizer, self._result
        add = self._metrics.staged_adder(ws.layers[-1].a, xb.shape[0])   # as _iteration_done
        if add is None:
            return False
        while True:
            result.updated = False
            if not planned_step(plan, x_ext, onehot, stage, network, optimizer, result):
                return False                # this batch goes the general way
            if not add():
                self._metrics.add_batch(None, ws.layers[-1].a, yb)
            self.iteration += 1
            b = self.batch_in_epoch = b + 1
            if stop is not None and stop():
                return True
            if b >= last:
                return False
            xb, yb, x_ext, onehot, stage = views[b]

    def interrupt_with(self, check: Callable[[], bool] | None) -> None:
        """Let ``check()`` stop a batch of a big network from inside: with more than
        :data:`INTERRUPT_MACS` multiply-adds a batch (~5 ms and more) it is asked before each
        layer of the forward and backward pass and before the update, and True makes the
        batch raise :class:`~playground.errors.Cancelled`, leaving the trainer as it was
        before the batch (weights, optimizer, counters, random generator: training on gives
        the same numbers as never interrupted). Smaller networks are stopped between batches
        and keep their fast path. ``None`` turns it off."""
        if check is not self._interrupt_check:
            self._interrupt_check = check
            self._apply_interrupt()

    _interrupt_check = None

    def _apply_interrupt(self) -> None:
        """The network asks the check when its batch (at the current batch size) is big."""
        check, sizes = self._interrupt_check, self.network.sizes
        macs = 3 * self.batch_size * sum(a * b for a, b in zip(sizes, sizes[1:]))
        self.network.interrupt = check if check is not None and macs > INTERRUPT_MACS else None

    def _interruptible_step(self, xb, yb, ws, x_ext, onehot, stage) -> None:
        generator = self.rng.bit_generator
        before = generator.state                  # dropout masks draw from it
        try:
            step(self.network, self.loss, xb, yb, ws, self.rng, True, self.l1, self.l2,
                 self.clip_norm, self.optimizer, self._result, x_ext, onehot, stage)
        except Cancelled:
            generator.state = before
            if self.batch_in_epoch == 0:          # the epoch starts again, as if not begun
                generator.state = self._epoch_rng_state
            raise

    def _iteration(self, observe: bool) -> Iterator[Phase]:
        """One iteration on the next batch, phase by phase: the same calls as
        :meth:`_train_one` (see :mod:`playground.nn.backprop`)."""
        (xb, yb, x_ext, onehot, _), ws = self._next_batch()
        result = self._result
        result.updated = False
        result.staged = False
        yield from iteration(self.network, self.loss, xb, yb, ws, rng=self.rng, training=True,
                             l1=self.l1, l2=self.l2, clip_norm=self.clip_norm,
                             optimizer=self.optimizer, result=result, observe=observe,
                             x_ext=x_ext, onehot=onehot)
        self._iteration_done(ws, yb)

    # Overflow and invalid values of a diverging network raise no RuntimeWarnings: the
    # divergence is detected from the loss and reported in ``stop_reason``.
    def train_batch(self) -> bool:
        """Train on one batch; True when this completed an epoch (or ended training)."""
        self.finish_iteration()
        epoch = self.epoch
        with np.errstate(all="ignore"):
            self._train_one()
        return self.epoch != epoch or self.finished

    def train_batches(self, stop: Callable[[], bool] | None = None) -> bool:
        """Train batch after batch until one completes an epoch (or ends training) — True —
        or ``stop()``, asked after each batch, says so — False. The same batches as
        :meth:`train_batch` called in turn, under one ``errstate`` (on a small network
        that and the caller's loop were ~10 % of a batch: the window's worker trains so)."""
        self.finish_iteration()
        epoch = self.epoch
        with np.errstate(all="ignore"):
            while True:
                if self._planned_run(stop):
                    return False
                self._train_one()
                if self.epoch != epoch or self.finished:
                    return True
                if stop is not None and stop():
                    return False

    def phases(self) -> Iterator[Phase]:
        """Step through one iteration: each ``next()`` performs one phase and returns it.
        NumPy's warnings are off while a phase is computed, not while the caller holds one.

        From the first phase until the last the iteration is *open*: its epoch has begun
        (the order drawn, the running metrics reset) but its batch is not counted yet.
        Anything that trains or changes a setting meanwhile (:meth:`update`,
        :meth:`set_parameter`, the ``train_*`` methods, another :meth:`phases`) first
        completes it with the settings it began with (:meth:`finish_iteration`): a batch size
        changed inside an open first iteration made the epoch count its batches at one size
        and gather them at another (its running loss then failed to add up).

        :meth:`state_dict` while the iteration is open gives the state from just before it
        began (saved, it resumes by doing that iteration anew): its first phase may already
        have drawn the epoch's order, its last updated the weights before the batch is
        counted, and either, saved as it was, resumed into other numbers than training on.
        Closed while open (the caller drops it), the iteration is undone: the trainer is put
        back as it was before (it trains on as if never stepped)."""
        self.finish_iteration()
        before = self.state_dict(history=False)
        pending = self._next_batching       # a batch size waiting for the next epoch
        steps = self._iteration(observe=True)
        started = False
        try:
            while True:
                with np.errstate(all="ignore"):
                    try:
                        phase = next(steps)
                    except StopIteration:
                        return
                if not started:
                    started, self._open_iteration = True, steps
                    self._open_state = before
                yield phase
        except GeneratorExit:
            # closed while open (the caller dropped it): the iteration never happened
            if self._open_iteration is steps:
                steps.close()
                self._open_iteration = self._open_state = None
                self.load_state_dict(dict(before, history=self.history))
                self._next_batching = pending
            raise
        finally:
            if self._open_iteration is steps:
                self._open_iteration = self._open_state = None
            steps.close()

    #: the inner generator of an iteration being stepped through (see :meth:`phases`)
    _open_iteration = None
    #: the :meth:`state_dict` (without history) from just before that iteration began
    _open_state = None

    @property
    def stepping(self) -> bool:
        """An iteration is open: :meth:`phases` has begun it and not finished it."""
        return self._open_iteration is not None

    def finish_iteration(self) -> None:
        """Complete an iteration being stepped through with :meth:`phases`, if one is open
        (a generator the caller still holds then just ends)."""
        steps, self._open_iteration, self._open_state = self._open_iteration, None, None
        if steps is not None:
            with np.errstate(all="ignore"):
                for _ in steps:
                    pass

    def step_batch(self):
        self.train_batch()
        return self.snapshot()

    def train_epoch(self) -> None:
        """Finish the current epoch (or start and finish a new one), without a report."""
        self.finish_iteration()
        epoch = self.epoch
        with np.errstate(all="ignore"):
            while self.epoch == epoch and self.stop_reason is None:
                self._planned_run(None)
                self._train_one()

    def step_epoch(self):
        self.train_epoch()
        return self.snapshot()

    def run(self, epochs: int | None = None) -> Iterator:
        """Yield a Snapshot after every epoch until training ends (or ``epochs`` more)."""
        target = None if epochs is None else self.epoch + epochs
        while not self.finished and (target is None or self.epoch < target):
            yield self.step_epoch()

    def _end_epoch(self) -> None:
        self.batch_in_epoch = 0
        self.epoch += 1
        logs = self._metrics.epoch_logs()
        val = evaluate(self, self.X_val, self.Y_val, with_confusion=True)
        # the confusion matrix of this epoch, for the snapshot: a by-product of the passes
        # that already ran (validation evaluation, or the epoch's own training batches)
        confusion = val.pop("confusion", None)
        if confusion is not None:
            self.confusion = (confusion, f"validation set after epoch {self.epoch}")
        elif (train_confusion := self._metrics.confusion()) is not None:
            self.confusion = (train_confusion,
                              f"training batches of epoch {self.epoch} (while learning)")
        for key, value in val.items():
            logs["val_" + key] = value
        lr = self.optimizer.learning_rate
        self.history.append(epoch=self.epoch, learning_rate=lr, **logs)
        for key in ("train_loss", "val_loss"):
            if logs.get(key) is not None and not np.isfinite(logs[key]):
                self._diverge(logs[key], validation=True,
                              what="validation loss" if key == "val_loss" else "loss")
                return
        if not np.all(np.isfinite(self.network.params)):
            self._diverge("infinite or NaN", validation=True, what="weights")
            return
        runaway = check_runaway(self)
        if runaway:
            self._diverge(None, validation=True, happened=runaway)
            return
        if self.early_stopping.on_epoch_end(self.epoch, logs, self.network.params):
            self.stopped_early = True
            es = self.early_stopping
            self._finish(f"early stopping: {es.monitored or es.monitor} did not improve for "
                         f"{self.early_stopping.patience} epochs (best epoch "
                         f"{self.early_stopping.best_epoch})")
            return
        if self.schedule is not None:
            self.optimizer.learning_rate = self.schedule.on_epoch_end(self.epoch, lr, logs)
        if self.epoch >= self.max_epochs:
            self._finish(f"completed {self.max_epochs} epochs")

    def _finish(self, reason: str) -> None:
        es = self.early_stopping
        if es.enabled and es.restore_best_weights and es.best_weights is not None:
            self.network.params[...] = es.best_weights
            self.restored_epoch = es.best_epoch
            reason += f"; restored the weights of epoch {es.best_epoch}"
        self.stop_reason = reason

    def _diverge(self, value, validation: bool = False, what: str = "loss",
                 happened: str | None = None) -> None:
        where = (f"epoch {self.epoch}" if validation else
                 f"epoch {self.epoch + 1}, batch {self.batch_in_epoch + 1}")
        start = self._checkpoint[0] if self._checkpoint is not None else None
        # the error signal where it was last finite: the badge and the cause need it
        self.last_finite_error_signal = probe_error_signal(self, start)
        happened = happened or f"the {what} became {value} at {where}"
        reason = f"diverged: {happened} — {likely_cause(self, self._checkpoint)}"
        if not np.all(np.isfinite(self.network.params)) and self._checkpoint is not None \
                and np.all(np.isfinite(self._checkpoint[0])):
            params, arrays, *scalars = self._checkpoint
            self.network.params[...] = params
            try:
                self.optimizer.load_state(arrays, scalars[0] if scalars
                                          else self.optimizer.state_scalars())
            except PlaygroundError:     # the optimizer's settings changed since the checkpoint
                self.optimizer.reset()
            reason += "; weights restored to the last finite values (start of the epoch)"
        elif np.all(np.isfinite(self.network.params)):
            reason += "; the weights are the last finite ones"
        if not validation:
            self.batch_in_epoch = 0
        self.diverged = True
        self.stop_reason = reason

    def set_parameter(self, layer: int, kind: str, row: int | None, column: int,
                      value: float) -> float:
        """Set one weight W[row, column] (``kind`` "W") or bias b[column] ("b") of layer
        ``layer`` (0-based) by hand, between iterations; training goes on from it. The edit
        is recorded in ``history.edits``. Returns the old value."""
        self.finish_iteration()             # an open iteration ends with the weights it began with
        old = self.network.set_parameter(layer, kind, row, column, value)
        where = f"W{layer}[{row}, {column}]" if kind == "W" else f"b{layer}[{column}]"
        new = float(self.network.layers[layer].W[row, column] if kind == "W"
                    else self.network.layers[layer].b[column])
        self.history.edits.append({"epoch": self.epoch, "iteration": self.iteration,
                                   "parameter": where, "old": old, "new": new})
        return old

    # -- looking -------------------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.network.predict(X)

    @property
    def data_view(self):
        """The data as plots show it (:class:`~playground.training.snapshot.DataView`): made
        once per Dataset, so every snapshot of every trainer on it carries the same object."""
        from .snapshot import data_view
        return data_view(self.dataset)

    def snapshot(self, history_from: int = 0, detail: bool = True):
        from .snapshot import take_snapshot
        return take_snapshot(self, history_from=history_from, detail=detail)

    # -- saving --------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        from playground.files.runfile import save_run
        save_run(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Trainer":
        from playground.files.runfile import load_run
        return load_run(path)

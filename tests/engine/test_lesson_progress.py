"""StepProgress: a step followed live from the snapshots a worker would send (with the history
in pieces) is done and passes exactly when the headless runner says so."""

from __future__ import annotations

from conftest import ROOT
from playground.lessons import load_lesson
from playground.lessons.progress import StepProgress, budget_for
from playground.lessons.runner import LessonRun
from playground.training.trainer import Trainer

LESSONS = ROOT / "assets" / "lessons"


def feed(progress, trainer, sent=0):
    """One snapshot with the history since ``sent``, as the training worker sends it."""
    snap = trainer.snapshot(history_from=sent)
    progress.add_snapshot(snap)
    return snap.history_start + len(snap.history["epoch"])


def test_a_play_step_fed_piecewise_passes_with_the_headless_numbers():
    lesson = load_lesson(LESSONS / "10_overfitting.json")
    step = lesson.steps[0]
    trainer = Trainer(step.experiment.replace("training.epochs", budget_for(step, 0)))
    progress = StepProgress(step)
    sent = feed(progress, trainer)
    while not trainer.finished:
        for _ in range(37):                          # snapshots now and then, not per epoch
            if not trainer.finished:
                trainer.train_epoch()
        assert progress.done() is False or trainer.epoch >= 500
        sent = feed(progress, trainer, sent)
    assert progress.done() and progress.passed()
    headless = next(LessonRun(lesson).run())
    assert [c.seen for c in progress.checks()] == [c.seen for c in headless.checks]


def test_snapshots_of_the_old_run_are_ignored_until_the_new_one_reports():
    lesson = load_lesson(LESSONS / "06_epochs_batches.json")
    old = Trainer(lesson.steps[0].experiment)
    old.train_epoch()
    progress = StepProgress(lesson.steps[0])
    feed(progress, old)                               # a late snapshot of the previous run
    assert progress.snapshot is None and not progress.done()
    new = Trainer(lesson.steps[0].experiment)
    feed(progress, new)
    new.train_batch()
    feed(progress, new)
    assert progress.passed()


def test_a_step_that_asks_for_a_change_waits_for_it_and_counts_from_there():
    lesson = load_lesson(LESSONS / "06_epochs_batches.json")
    trainer = Trainer(lesson.steps[0].experiment)
    trainer.train_epoch()
    step = lesson.steps[2]                            # batch size 400, then one epoch
    progress = StepProgress(step, trainer.snapshot(), {}, {})
    trainer.train_epoch()
    feed(progress, trainer)
    assert not progress.done()                        # trained, but the change is not made
    progress.experiment_changed(step.after)
    trainer.update("training.batch_size", 400)
    trainer.train_epoch()
    feed(progress, trainer)
    assert progress.done() and progress.passed()

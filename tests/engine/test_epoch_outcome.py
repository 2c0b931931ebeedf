"""The confusion matrix comes from passes training makes anyway, and BLAS threads per size."""

import numpy as np
import pytest

from playground import Experiment, Trainer, blas
from playground.training.metrics import confusion_matrix, predicted_labels


def blobs(validation_split):
    return Experiment.from_dict({
        "seed": 3,
        # digits: 64 features, so no 2-D decision surface; the snapshot shows a confusion matrix
        "data": {"source": "digits", "validation_split": validation_split},
        "network": {"layers": [{"units": 16, "activation": "tanh"},
                               {"units": 10, "activation": "softmax"}],
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": 16,
                     "epochs": 50},
    })


def test_validation_confusion_is_that_of_the_final_weights():
    trainer = Trainer(blobs(0.3))
    trainer.train_epoch()
    snap = trainer.snapshot()
    expected = confusion_matrix(trainer.Y_val, predicted_labels(trainer.predict(trainer.X_val)),
                                10)
    np.testing.assert_array_equal(snap.confusion, expected)
    assert snap.confusion.sum() == len(trainer.X_val)
    assert np.trace(snap.confusion) / len(trainer.X_val) == pytest.approx(snap.val_accuracy)
    assert snap.confusion_source == "validation set after epoch 1"


def test_training_confusion_counts_every_sample_of_the_epoch_once():
    trainer = Trainer(blobs(0.0))
    trainer.train_epoch()
    trainer.train_epoch()
    snap = trainer.snapshot()
    assert snap.confusion.sum() == len(trainer.X_train)
    assert np.trace(snap.confusion) / len(trainer.X_train) == pytest.approx(
        snap.train_accuracy)
    assert "training batches of epoch 2" in snap.confusion_source


def test_before_the_first_epoch_the_snapshot_counts_itself():
    trainer = Trainer(blobs(0.3))
    snap = trainer.snapshot()
    assert snap.confusion.sum() == len(trainer.X_val)
    assert snap.confusion_source == "validation set before training"


def test_blas_threads_follow_the_size_of_the_products():
    assert blas.threads_for([2, 8, 8, 2], 10) == 1
    assert blas.threads_for([784, 1024, 1024, 10], 256) == blas.default_threads()


def test_use_sets_the_library_thread_count():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if blas.default_threads() is None:
        pytest.skip("no controllable BLAS")
    try:
        blas.use(1)
        info = threadpoolctl.threadpool_info()
        assert all(lib["num_threads"] == 1 for lib in info if lib["user_api"] == "blas")
    finally:
        blas.use(blas.default_threads())
    info = threadpoolctl.threadpool_info()
    assert all(lib["num_threads"] == blas.default_threads()
               for lib in info if lib["user_api"] == "blas")

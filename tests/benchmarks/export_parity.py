"""How closely the exported PyTorch script follows the app: the largest difference between the
app's history and the script's, per column, over 50 epochs of the shipped examples.

Run (not part of the test suite; needs torch: ``pip install ".[bench]"``)::

    python tests/benchmarks/export_parity.py                 # spiral and digits, 50 epochs
    python tests/benchmarks/export_parity.py --epochs 300 assets/examples/circle.json

Each example trains in the app's Trainer and in the script that ``export --to pytorch`` writes
for it (run as a program of its own, one CPU thread), and the two ``history.csv`` tables are
compared column by column; the script's final state_dict is compared with the app's weights
(the best epoch's where early stopping restores them: the script's training has ended).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playground import Experiment, Trainer  # noqa: E402
from playground.files.export import export_trainer  # noqa: E402
from playground.training.history import COLUMNS, History  # noqa: E402

COMPARED = [c for c in COLUMNS if c != "epoch"]


def compare(path: Path, epochs: int) -> dict[str, float]:
    experiment = Experiment.from_file(path)
    app = Trainer(experiment)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / f"{path.stem}.py"
        export_trainer(app, "pytorch", script, str(path))
        for _ in app.run(epochs):
            pass
        done = subprocess.run([sys.executable, str(script), "--epochs", str(epochs),
                               "--threads", "1"], capture_output=True, text=True, check=True)
        import torch
        state = torch.load(Path(folder) / f"{path.stem}.pt", weights_only=True)
    script_history = History.from_csv(done.stdout)
    if len(script_history) != len(app.history):
        raise SystemExit(f"{path.name}: the app ran {len(app.history)} epochs, "
                         f"the script {len(script_history)}")
    out = {}
    for name in COMPARED:
        a, s = app.history.column(name), script_history.column(name)
        known = ~(np.isnan(a) & np.isnan(s))
        out[name] = float(np.max(np.abs(a[known] - s[known]))) if known.any() else 0.0
    es = app.early_stopping
    if not app.finished and es.enabled and es.restore_best_weights and es.best_weights is not None:
        app.network.params[...] = es.best_weights    # the script's training ended: it restored
    linears = sorted({key.split(".")[0] for key in state}, key=int)
    out["weights"] = max(float(np.max(np.abs(state[f"{n}.weight"].numpy().T
                                              - app.network.layers[i].W)))
                         for i, n in enumerate(linears))
    out["epochs"] = len(app.history)
    out["stop"] = app.stop_reason or f"--epochs {epochs} of a budget of {app.max_epochs}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path,
                        default=[ROOT / "assets/examples/spiral.json",
                                 ROOT / "assets/examples/digits.json"])
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    for path in args.files:
        result = compare(path, args.epochs)
        print(f"{path.name}: {result.pop('epochs')} epochs ({result.pop('stop')})")
        worst = max(v for k, v in result.items())
        for name, value in result.items():
            print(f"    {name:15s} {value:.2e}")
        print(f"    {'largest':15s} {worst:.2e}")


if __name__ == "__main__":
    main()

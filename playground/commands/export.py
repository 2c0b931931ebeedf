"""``export FILE_OR_RUN --to pytorch OUT.py`` or ``--to onnx OUT.onnx``: a standalone PyTorch
script (with its ``.npz`` files beside it) that trains the network as the app does, or the
network as an ONNX model for inference (needs the ``onnx`` extra)."""

from __future__ import annotations

import sys
from pathlib import Path

from playground.errors import PlaygroundError
from playground.files.export import FORMATS, export_trainer

from . import EXIT_OK, load_trainer

NAME = "export"
HELP = "export an experiment or a saved run as a PyTorch script or an ONNX model"


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE_OR_RUN", help="experiment .json or saved run .bpp")
    p.add_argument("--to", required=True, choices=tuple(FORMATS),
                   help="pytorch: a script that trains the same way (plus .npz files beside "
                        "it); onnx: the network for inference")
    p.add_argument("out", metavar="OUT", help="the script (.py) or model (.onnx) to write")


def run(args) -> int:
    try:
        trainer = load_trainer(args.file)
    except PlaygroundError as exc:
        if Path(args.file).suffix.lower() in (".json", ".bpp"):
            raise
        raise PlaygroundError(f"{args.file} is not an experiment (.json) or a saved run "
                              f"(.bpp): {exc}") from None
    written = export_trainer(trainer, args.to, args.out, str(Path(args.file)))
    for path in written:
        print(path)
    print(f"exported {args.file} to {args.out}", file=sys.stderr)
    return EXIT_OK

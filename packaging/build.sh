#!/usr/bin/env bash
# Build the one-folder executable into packaging/dist/backprop-playground/ and smoke-test it.
# Needs only Python and pip; everything else goes into a throw-away virtual environment.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
work="$(mktemp -d "${TMPDIR:-/tmp}/bpp-pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"${PYTHON:-python3}" -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet . "pyinstaller>=6.10"
pyinstaller --noconfirm --clean --distpath packaging/dist --workpath "$work/build" \
    packaging/backprop_playground.spec
exe="packaging/dist/backprop-playground/backprop-playground"
"$exe" --version
QT_QPA_PLATFORM=offscreen "$exe" --self-test
"$exe" train assets/examples/xor_classic.json --epochs 50 --json --quiet
echo "built: $exe ($(du -sh packaging/dist/backprop-playground | cut -f1))"

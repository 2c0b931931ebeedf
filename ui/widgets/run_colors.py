"""One colour per run, the same in the Runs panel and on every plot that overlays runs.

Colours follow a run's number (never reused), so removing a run does not recolour the others.
Ten colours from the Tableau 10 palette, far enough apart on a light and a dark background;
the current run's own curves keep the plots' usual training/validation colours."""

from __future__ import annotations

RUN_COLORS = ("#4e79a7", "#e15759", "#59a14f", "#b07aa1", "#f28e2b", "#76b7b2", "#edc948",
              "#ff9da7", "#9c755f", "#bab0ac")


def run_color(number: int) -> str:
    return RUN_COLORS[(number - 1) % len(RUN_COLORS)]

"""The window's views, one line each: every panel says where it goes and how it is redrawn.

Each class in :data:`PANELS` declares, as class attributes, its place in the window and in the
redraw (:mod:`ui.window.docks` places it, :mod:`ui.live.redraw` draws it, the window feeds and
exports it); nothing else names it. To add a plot: write its module (a
:class:`~ui.plots.base.PlotPanel` subclass with the attributes below) and add its class to
:data:`PANELS` — the View menu, the default layout, the
redraw, *Export every plot* and the self-test pick it up.

=================  =========================================================================
attribute          meaning
=================  =========================================================================
``view_name``      key in ``window.views`` and ``window.docks`` (unique)
``dock_title``     the dock's title bar and View-menu entry (unique)
``dock_name``      the dock's objectName (saved layouts refer to it: never rename)
``dock_area``      ``"left"``, ``"right"``, ``"bottom"`` or ``"central"`` (no dock)
``dock_below``     ``view_name`` of the dock it sits under (else beside the area's previous)
``tab_group``      docks with the same group are tabbed, in table order; the first in front
``dock_size``      (width, height) it starts with, either None
``dock_scrolls``   put it in a scroll area (a tall panel in a short dock)
``redraw``         ``"primary"`` (every snapshot), ``"secondary"`` (at most every
                   ``SECONDARY_PERIOD`` while training plays) or None (not a live view)
=================  =========================================================================

Only ``view_name`` is required; the others default as :class:`Placement` says. A live view
(``redraw`` set) has ``add_snapshot(snapshot)`` (store, cheap), ``refresh()`` (draw what is
new; True when it drew) and ``pending`` (something new, and on screen). A view that does not
edit the experiment builds itself with ``for_window(model, parent, behind_tab)``; a panel
without it is an editor, made with ``cls(model, parent)``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtWidgets import QWidget

from ui.diagram.phase_panel import PhasePanel
from ui.panels.controls import ControlsPanel
from ui.panels.data_panel import DataPanel
from ui.panels.layer_editor import LayerEditor
from ui.panels.lesson_panel import LessonPanel
from ui.plots import DecisionBoundaryPlot, ErrorSignalPlot, LossPlot, WeightHistogramPlot
from ui.plots.landscape_plot import LandscapePlot
from ui.panels.runs_panel import RunsPanel
from ui.plots.run_gallery import RunGallery

#: every view of the window, in the order of the View menu, the tabs and the export files
PANELS = (
    DataPanel,
    LayerEditor,
    ControlsPanel,
    LossPlot,
    DecisionBoundaryPlot,
    PhasePanel,
    ErrorSignalPlot,
    WeightHistogramPlot,
    LandscapePlot,
    LessonPanel,
    RunsPanel,
    RunGallery,
)

AREAS = ("left", "right", "bottom", "central")
REDRAWS = (None, "primary", "secondary")


@dataclass(frozen=True)
class Placement:
    """What a panel class declares about its place in the window (see the table above)."""
    view_name: str
    dock_title: str = ""
    dock_name: str = ""
    dock_area: str = "bottom"
    dock_below: str | None = None
    tab_group: str | None = None
    dock_size: tuple[int | None, int | None] = (None, None)
    dock_scrolls: bool = False
    redraw: str | None = None


def placement(panel: type | QWidget) -> Placement:
    """The placement a panel class (or one of its instances) declares."""
    return Placement(**{field.name: getattr(panel, field.name)
                        for field in fields(Placement) if hasattr(panel, field.name)})


def behind_tab(panel: type, panels) -> bool:
    """True when ``panel`` starts in a tab behind another (it may build itself when shown)."""
    group = placement(panel).tab_group
    return group is not None and next(
        p for p in panels if placement(p).tab_group == group) is not panel


def build_views(model, parent: QWidget, panels=None) -> dict[str, QWidget]:
    """One instance of every panel (of :data:`PANELS` by default), by ``view_name``, in
    table order. The central view is made first: the keyboard focus goes from the toolbar
    to it, then through the docks."""
    panels = PANELS if panels is None else panels
    made = {}
    for panel in sorted(panels, key=lambda p: placement(p).dock_area != "central"):
        if hasattr(panel, "for_window"):
            made[panel] = panel.for_window(model, parent, behind_tab(panel, panels))
        else:
            made[panel] = panel(model, parent)
    return {panel.view_name: made[panel] for panel in panels}


def live_views(views: dict[str, QWidget], redraw: str) -> list[QWidget]:
    """The views redrawn as ``redraw`` (``"primary"`` or ``"secondary"``), in table order."""
    return [view for view in views.values() if placement(view).redraw == redraw]

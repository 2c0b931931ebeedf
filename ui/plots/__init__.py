"""Live plots of training, fed with Snapshots by the main window.

Each plot is a QWidget: a small control row over a ``pg.PlotWidget`` canvas (found by its
objectName). Common API: ``add_snapshot(snapshot)`` (cheap: store), ``refresh()`` (redraw if
something changed; call it from a ~25 Hz timer), ``clear()``, ``export_png(path)``,
``export_csv(path)``, property ``plot_widget``.

================================  =====================  ====================================
class                             canvas objectName      shows
================================  =====================  ====================================
:class:`LossPlot`                 ``lossPlot``           train/validation loss, accuracy / R²
:class:`WeightHistogramPlot`      ``weightHistogramPlot`` weight or gradient distribution
:class:`ErrorSignalPlot`          ``errorSignalPlot``    ‖δ‖ and ‖∂L/∂W‖ per layer over time
:class:`DecisionBoundaryPlot`     ``decisionBoundaryPlot`` decision surface / confusion / fit
================================  =====================  ====================================

Each plot class also declares its dock, tab group and redraw priority; a new plot is its
module plus one line in :data:`ui.window.views.PANELS` (see that module).
"""

from ui.widgets.qt_workarounds import guard_none_refcount

guard_none_refcount()     # PySide6 6.12 on CPython 3.11 (see ui.widgets.qt_workarounds); no-op elsewhere

from .decision_boundary import DecisionBoundaryPlot  # noqa: E402
from .error_signal import ErrorSignalPlot  # noqa: E402
from .loss_plot import LossPlot  # noqa: E402
from .weight_histogram import WeightHistogramPlot  # noqa: E402

__all__ = ["LossPlot", "WeightHistogramPlot", "ErrorSignalPlot", "DecisionBoundaryPlot"]

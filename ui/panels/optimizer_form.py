"""The settings of the chosen optimizer, built from the optimizer class's own description.

Each optimizer has its own hyper-parameters with torch's names — SGD: momentum, dampening,
Nesterov; Adam: betas and eps; RMSprop: alpha, momentum, centered; Adagrad: lr_decay … The
form shows exactly the keys of the class's ``defaults`` (except the learning rate, which has
its own field), labelled by its ``setting_help``, so a new optimizer in the engine appears here
without UI changes. Switches become check boxes, numbers become :class:`~ui.widgets.fields.NumberInput` fields
named ``<camelCase key>Input`` (``momentumInput``, ``beta1Input`` …). All of them apply live.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QWidget

from playground.optim.rules import OPTIMIZERS

from ui.widgets.fields import FieldError, ModelBinding, NumberInput, with_error

PATH = "training.optimizer"

#: how the arrow keys step each hyper-parameter (ladder or linear step); labels and tooltips
#: come from the optimizer class (``Optimizer.setting_help``)
STEPS = {"momentum": dict(ladder=(0.0, 0.5, 0.8, 0.9, 0.95, 0.99)),
         "betas": dict(ladder=(0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999)),
         "dampening": dict(step=0.1, minimum=0.0, maximum=1.0),
         "alpha": dict(ladder=(0.9, 0.95, 0.99, 0.999)),
         "eps": dict(ladder=(1e-10, 1e-8, 1e-7, 1e-6, 1e-4)),
         "weight_decay": dict(ladder=(0.0, 0.0001, 0.001, 0.01, 0.1)),
         "lr_decay": dict(ladder=(0.0, 0.0001, 0.001, 0.01)),
         "initial_accumulator_value": dict(step=0.1, minimum=0.0)}


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


class OptimizerForm(QWidget):
    """Fields for the current optimizer's hyper-parameters (rebuilt when it changes)."""

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("optimizerForm")
        self.model = model
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(5)
        self.name: str | None = None
        self.fields: dict[str, QWidget] = {}
        # the fields of the current optimizer; the controls panel calls refresh
        self.binding = ModelBinding(model, follow=False)

    def refresh(self) -> None:
        name = self.model.get(f"{PATH}.name")
        if name != self.name:
            self._build(name)
        self.binding.refresh()

    def _build(self, name: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.name, self.fields = name, {}
        self.binding = ModelBinding(self.model, follow=False)
        optimizer = OPTIMIZERS[name]
        for key, default in optimizer.defaults.items():
            if key == "learning_rate":
                continue
            label, tip = optimizer.setting_help(key)
            if isinstance(default, bool):
                self._add_check(key, label, tip)
            elif isinstance(default, list):
                for i, (element, element_label) in enumerate(optimizer.elements(key)):
                    self._add_number(f"{key}[{i}]", f"{element}Input", element_label, tip,
                                     STEPS.get(key, {}))
            else:
                self._add_number(key, f"{camel(key)}Input", label, tip, STEPS.get(key, {}))

    def _add_number(self, key: str, object_name: str, label: str, tip: str, stepping) -> None:
        field = NumberInput(object_name, tooltip=tip + " Applies live.", **stepping)
        self.binding.bind_number(field, f"{PATH}.{key}")
        self.fields[key] = field
        self.form.addRow(label, with_error(field, field.error))

    def _add_check(self, key: str, label: str, tip: str) -> None:
        check = QCheckBox(label)
        check.setObjectName(f"{camel(key)}Check")
        check.setToolTip(tip + " Applies live.")
        error = FieldError(self)
        self.binding.bind_check(check, f"{PATH}.{key}", error, tip + " Applies live.")
        self.fields[key] = check
        self.form.addRow(with_error(check, error))

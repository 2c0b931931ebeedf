"""Network.predict on wide networks: memory bounded per chunk, stoppable between chunks."""

from __future__ import annotations

import numpy as np
import pytest

from playground.errors import Cancelled
from playground.nn.network import PREDICT_BYTES, Network


def network(units: int, layers: int) -> Network:
    specs = [{"units": units, "activation": "tanh"} for _ in range(layers)]
    specs.append({"units": 2, "activation": "softmax"})
    return Network(2, specs, rng=np.random.default_rng(0))


def workspace_bytes(ws) -> int:
    arrays = [ws.x_ext] + [getattr(buf, name) for buf in ws.layers
                           for name in ("ext", "z", "delta", "scratch")
                           if getattr(buf, name, None) is not None]
    return sum(a.base.nbytes if a.base is not None else a.nbytes for a in arrays)


def test_a_wide_networks_prediction_chunk_keeps_its_workspace_small():
    # 16 layers of 2,048 units: 4,096 rows at a time made a ~2 GB workspace
    net = network(2048, 16)
    rows = net.predict_rows()
    assert 1 <= rows < 4096
    net.predict(np.zeros((rows * 3 + 1, 2), np.float32))
    for (batch, training), ws in net._workspaces.items():
        assert workspace_bytes(ws) <= 1.2 * PREDICT_BYTES, (batch, workspace_bytes(ws))
    assert network(8, 2).predict_rows() == 4096          # small networks: as before


def test_prediction_in_chunks_gives_the_rows_one_pass_gives():
    net = network(64, 3)
    x = np.random.default_rng(1).standard_normal((1000, 2)).astype(np.float32)
    whole = net.predict(x, chunk=1000)
    np.testing.assert_allclose(net.predict(x, chunk=7), whole, rtol=1e-5, atol=1e-6)


def test_a_stop_check_ends_a_long_prediction_between_chunks():
    net = network(64, 3)
    asked = []
    net.interrupt = lambda: asked.append(1) or True
    with pytest.raises(Cancelled):
        net.predict(np.zeros((50, 2), np.float32), chunk=10)
    assert len(asked) == 1                               # after the first chunk
    net.interrupt = lambda: False
    assert net.predict(np.zeros((50, 2), np.float32), chunk=10).shape == (50, 2)

"""NetworkCanvas: the anywidget that draws a frame (canvas.js); the numbers come from frames.py.

Heat maps are bytes traits (sent as binary buffers, not JSON); a frame is every trait set under
one `hold_sync`, so it reaches the browser as one message, and `frame_id` changes last: the view
redraws on it and answers {"painted": frame_id}. Clicks on a neuron arrive as {"select": [column,
unit]} and the page's URL hash as {"hash": text}; `on_message` hands them to the playground.
"""

from pathlib import Path

import anywidget
import traitlets


class NetworkCanvas(anywidget.AnyWidget):
    """The network, the output's heat map with the points, and the loss curve, on one canvas."""

    _esm = Path(__file__).with_name("canvas.js")

    layers = traitlets.List(traitlets.Int()).tag(sync=True)  # [features, *hidden, 1]
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)  # the features' names
    resolution = traitlets.Int(1).tag(sync=True)  # R: every map is R x R bytes
    inputs = traitlets.Bytes(b"").tag(sync=True)  # each feature's map
    hidden = traitlets.Bytes(b"").tag(sync=True)  # each hidden neuron's map, layer by layer
    output = traitlets.Bytes(b"").tag(sync=True)  # the network's output
    weights = traitlets.List().tag(sync=True)  # each Linear's (out, in) weight as nested lists
    train_points = traitlets.List().tag(sync=True)  # [[x1, x2, target], ...]
    test_points = traitlets.List().tag(sync=True)
    losses = traitlets.List().tag(sync=True)  # [[step, train loss, test loss], ...]
    show_test = traitlets.Bool(False).tag(sync=True)
    discretize = traitlets.Bool(False).tag(sync=True)
    selected = traitlets.List(traitlets.Int()).tag(sync=True)  # [column, unit] or []
    state = traitlets.Unicode("").tag(sync=True)  # Settings.to_string(), for the URL hash
    frame_id = traitlets.Int(0).tag(sync=True)

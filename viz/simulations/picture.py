"""ClickablePicture: a PNG shown in the page that says where it was clicked (an anywidget)."""

import anywidget
import traitlets

# The view: an <img> of the PNG bytes (a DataView in the browser), redrawn when they change; a
# click sets `click` to where it landed, as fractions of the image's width and height.
_ESM = """
function render({ model, el }) {
  const img = document.createElement("img");
  let url = null;
  const show = () => {
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob([model.get("value")], { type: "image/png" }));
    img.src = url;
  };
  img.addEventListener("click", (event) => {
    const box = img.getBoundingClientRect();
    model.set("click", [(event.clientX - box.left) / box.width,
                        (event.clientY - box.top) / box.height]);
    model.save_changes();
  });
  model.on("change:value", show);
  show();
  el.appendChild(img);
}
export default { render };
"""


class ClickablePicture(anywidget.AnyWidget):
    """`value`: PNG bytes, shown as an image; `click`: where a person last clicked it, [fx, fy]
    as fractions of its width (from the left) and height (from the top)."""

    _esm = _ESM
    value = traitlets.Bytes(b"").tag(sync=True)
    click = traitlets.List(traitlets.Float(), default_value=[]).tag(sync=True)

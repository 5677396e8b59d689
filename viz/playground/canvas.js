// The playground's canvas: the network (a heat map per neuron, weights as edges), the output's
// heat map with the data points, and the loss curve. It only draws what Python sends
// (canvas.py); it computes nothing about the network.
// Messages to Python: {painted: frame_id} after each frame is drawn (back-pressure),
// {select: [column, unit]} when a neuron is clicked, {hash: text} with the page's URL hash.

const WIDTH = 960, HEIGHT = 450;
const NET = { x: 10, y: 34, w: 590, h: 400 };      // the network's area
const OUT = { x: 630, y: 10, size: 310 };           // the output's heat map
const CURVE = { x: 630, y: 345, w: 310, h: 90 };    // the loss curve
const RADIUS = 6;                                   // the data lie in [-6, 6]^2
const NEGATIVE = [245, 147, 34], ZERO = [232, 234, 235], POSITIVE = [8, 119, 189];

function colour(byte) {  // 0..255 (-1..+1) -> [r, g, b]: orange, white, blue
  const t = byte / 127.5 - 1;
  const end = t < 0 ? NEGATIVE : POSITIVE;
  return ZERO.map((z, i) => Math.round(z + (end[i] - z) * Math.abs(t)));
}
const LUT = Array.from({ length: 256 }, (_, b) => colour(b));

function heatImage(bytes, offset, resolution, discretize) {
  const image = new ImageData(resolution, resolution);
  for (let row = 0; row < resolution; row++) {
    for (let col = 0; col < resolution; col++) {
      let b = bytes.getUint8(offset + row * resolution + col);
      if (discretize) b = b >= 128 ? 255 : 0;
      const [r, g, bl] = LUT[b];
      // byte row 0 is x2 = -6, the bottom of the picture
      const p = 4 * ((resolution - 1 - row) * resolution + col);
      image.data[p] = r; image.data[p + 1] = g; image.data[p + 2] = bl; image.data[p + 3] = 255;
    }
  }
  return image;
}

const tile = document.createElement("canvas");  // one heat map at its own size, then scaled

function drawHeat(ctx, bytes, offset, resolution, x, y, size, discretize) {
  if (tile.width !== resolution) tile.width = tile.height = resolution;
  tile.getContext("2d").putImageData(heatImage(bytes, offset, resolution, discretize), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, x, y, size, size);
}

function networkLayout(layers) {  // the square of every neuron: layout[column][unit] = {x, y, s}
  const columns = layers.length;
  const gap = NET.w / columns;
  const biggest = Math.max(...layers);
  const s = Math.min(40, NET.h / biggest - 10, gap - 40);
  return layers.map((units, c) => {
    const x = NET.x + gap * c + (gap - s) / 2;
    const top = NET.y + (NET.h - units * (s + 10)) / 2;
    return Array.from({ length: units }, (_, u) => ({ x, y: top + u * (s + 10), s }));
  });
}

function drawEdges(ctx, layout, weights) {
  const biggest = Math.max(1e-9, ...weights.flat(2).map(Math.abs));
  weights.forEach((matrix, l) => matrix.forEach((row, j) => row.forEach((w, i) => {
    const a = layout[l][i], b = layout[l + 1][j];
    ctx.strokeStyle = `rgb(${(w < 0 ? NEGATIVE : POSITIVE).join(",")})`;
    ctx.lineWidth = 0.5 + 5 * Math.abs(w) / biggest;
    ctx.globalAlpha = 0.25 + 0.75 * Math.abs(w) / biggest;
    ctx.beginPath();
    const x0 = a.x + a.s, y0 = a.y + a.s / 2, x1 = b.x, y1 = b.y + b.s / 2;
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1, y1);
    ctx.stroke();
  })));
  ctx.globalAlpha = 1;
}

function drawNetwork(ctx, model, layout) {
  const res = model.get("resolution"), cell = res * res;
  const maps = [model.get("inputs"), model.get("hidden"), model.get("output")];
  const labels = model.get("labels");
  const selected = model.get("selected");
  drawEdges(ctx, layout, model.get("weights"));
  let hiddenIndex = 0;
  layout.forEach((column, c) => column.forEach((sq, u) => {
    const last = c === layout.length - 1;
    const [bytes, offset] = c === 0 ? [maps[0], u * cell]
      : last ? [maps[2], 0] : [maps[1], (hiddenIndex++) * cell];
    drawHeat(ctx, bytes, offset, res, sq.x, sq.y, sq.s, last && model.get("discretize"));
    const chosen = selected.length === 2 && selected[0] === c && selected[1] === u;
    ctx.strokeStyle = chosen ? "#000" : "#999";
    ctx.lineWidth = chosen ? 3 : 1;
    ctx.strokeRect(sq.x, sq.y, sq.s, sq.s);
    if (c === 0) {
      ctx.fillStyle = "#333"; ctx.font = "12px sans-serif"; ctx.textAlign = "right";
      ctx.fillText(labels[u], sq.x - 4, sq.y + sq.s / 2 + 4);
    }
  }));
  ctx.fillStyle = "#333"; ctx.font = "13px sans-serif"; ctx.textAlign = "center";
  layout.forEach((column, c) => {
    const title = c === 0 ? "features" : c === layout.length - 1 ? "output" : `layer ${c}`;
    ctx.fillText(title, column[0].x + column[0].s / 2, 20);
  });
}

function drawPoints(ctx, pointList, outline) {
  const scale = OUT.size / (2 * RADIUS);
  for (const [x1, x2, target] of pointList) {
    const [r, g, b] = LUT[Math.max(0, Math.min(255, Math.round((target + 1) * 127.5)))];
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.strokeStyle = outline;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.arc(OUT.x + (x1 + RADIUS) * scale, OUT.y + (RADIUS - x2) * scale, 3.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

function drawOutput(ctx, model) {
  const res = model.get("resolution");
  drawHeat(ctx, model.get("output"), 0, res, OUT.x, OUT.y, OUT.size, model.get("discretize"));
  ctx.fillStyle = "rgba(255, 255, 255, 0.35)";  // a paler background, so the points stand out
  ctx.fillRect(OUT.x, OUT.y, OUT.size, OUT.size);
  drawPoints(ctx, model.get("train_points"), "#fff");
  if (model.get("show_test")) drawPoints(ctx, model.get("test_points"), "#000");
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.strokeRect(OUT.x, OUT.y, OUT.size, OUT.size);
}

function drawCurve(ctx, losses) {  // losses: [[step, train, test], ...]
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.strokeRect(CURVE.x, CURVE.y, CURVE.w, CURVE.h);
  ctx.fillStyle = "#333"; ctx.font = "12px sans-serif"; ctx.textAlign = "left";
  ctx.fillText("loss (train dark, test light)", CURVE.x + 4, CURVE.y + 13);
  const finite = losses.filter((p) => Number.isFinite(p[1]) && Number.isFinite(p[2]));
  if (finite.length < 2) return;
  const last = finite[finite.length - 1][0] || 1;
  const top = Math.max(1e-9, ...finite.map((p) => Math.max(p[1], p[2])));
  [[2, "#aaa"], [1, "#222"]].forEach(([k, style]) => {
    ctx.strokeStyle = style; ctx.lineWidth = 1.5;
    ctx.beginPath();
    finite.forEach((p, i) => {
      const x = CURVE.x + (p[0] / last) * CURVE.w;
      const y = CURVE.y + CURVE.h - (p[k] / top) * (CURVE.h - 18);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
}

function hit(layout, x, y) {
  for (let c = 0; c < layout.length; c++) {
    for (let u = 0; u < layout[c].length; u++) {
      const sq = layout[c][u];
      if (x >= sq.x && x <= sq.x + sq.s && y >= sq.y && y <= sq.y + sq.s) return [c, u];
    }
  }
  return null;
}

function onVoilaPage() {
  return document.body.dataset.voila === "voila";
}

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.width = WIDTH; canvas.height = HEIGHT;
  canvas.className = "tracegrad-playground-canvas";
  canvas.setAttribute("aria-label", "the network, its output and the loss curve");
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let layout = [];
  let pending = false;
  let paints = 0;

  function paint() {
    pending = false;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    layout = networkLayout(model.get("layers"));
    drawNetwork(ctx, model, layout);
    drawOutput(ctx, model);
    drawCurve(ctx, model.get("losses"));
    canvas.dataset.frame = model.get("frame_id");  // the last frame received...
    canvas.dataset.paints = paints += 1;            // ...and how many were painted
    model.send({ painted: model.get("frame_id") });
  }
  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(paint); }
  }
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const found = hit(layout, (event.clientX - box.left) * WIDTH / box.width,
      (event.clientY - box.top) * HEIGHT / box.height);
    if (found) model.send({ select: found });
  });
  function writeHash() {
    if (onVoilaPage()) history.replaceState(null, "", "#" + model.get("state"));
  }
  model.on("change:frame_id", schedule);
  model.on("change:show_test", schedule);
  model.on("change:discretize", schedule);
  model.on("change:selected", schedule);
  model.on("change:state", writeHash);
  if (onVoilaPage() && location.hash.length > 1) {
    model.send({ hash: decodeURIComponent(location.hash.slice(1)) });
  } else {
    writeHash();
  }
  schedule();
}

export default { render };

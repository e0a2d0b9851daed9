// The report page of `strata board --html`: HTML, CSS and one script, all inline. The script draws
// an SVG chart per tag from the JSON data block, as TensorBoard's scalars tab: a faint raw line and
// a smoothed line per run (exponential moving average with debiasing, TensorBoard's formula), an x
// axis by step, relative time or wall time, run toggles, a tag filter, a hover read-out, and a
// marker where a value is NaN or infinite. Placeholders: {{NONCE}}, {{TITLE}}, {{DATA}}.
#include "strata/tools/board/board_report.hpp"

namespace strata::board {

const char* page_template() {
  return R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-{{NONCE}}'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
body { font: 14px/1.4 Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #212121; background: #f5f5f5; }
header { background: #f57c00; color: #fff; padding: 10px 16px; font-size: 18px; white-space: pre-wrap; }
#controls { display: flex; flex-wrap: wrap; gap: 18px; align-items: center; padding: 10px 16px; background: #fff;
            border-bottom: 1px solid #ddd; }
#controls label { white-space: nowrap; }
#runs label { margin-right: 10px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 2px; }
#charts { display: flex; flex-wrap: wrap; gap: 12px; padding: 12px; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 8px; position: relative; }
.chart h3 { margin: 0 0 4px; font-size: 14px; font-weight: 500; white-space: pre-wrap; word-break: break-all; max-width: 480px; }
.chart svg { display: block; }
.axis text { font-size: 10px; fill: #666; }
.grid { stroke: #eee; }
.raw { fill: none; stroke-width: 1; opacity: 0.3; }
.smoothed { fill: none; stroke-width: 2; }
.anomaly { stroke: #fff; stroke-width: 0.5; }
.tooltip { position: absolute; pointer-events: none; background: rgba(33,33,33,0.9); color: #fff; font-size: 12px;
           padding: 4px 6px; border-radius: 3px; white-space: pre; display: none; z-index: 1; }
#empty { padding: 16px; }
</style>
</head>
<body>
<header id="title">{{TITLE}}</header>
<div id="controls">
  <label>Smoothing <input id="smoothing" type="range" min="0" max="0.999" step="0.001" value="0.6">
    <output id="smoothing-value">0.600</output></label>
  <span>Horizontal axis
    <label><input type="radio" name="xaxis" value="step" checked> Step</label>
    <label><input type="radio" name="xaxis" value="relative"> Relative</label>
    <label><input type="radio" name="xaxis" value="wall"> Wall</label></span>
  <label>Filter tags <input id="filter" type="search" placeholder="regular expression"></label>
  <span id="runs"></span>
</div>
<div id="charts"></div>
<script type="application/json" id="board-data">{{DATA}}</script>
<script nonce="{{NONCE}}">
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 480, HEIGHT = 300, LEFT = 56, RIGHT = 12, TOP = 10, BOTTOM = 30;
  const COLORS = ["#ff7043", "#0077bb", "#009988", "#ee3377", "#33bbee", "#cc3311", "#bbbbbb", "#aa3377"];
  const data = JSON.parse(document.getElementById("board-data").textContent);
  const number = (v) => (typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity);
  const state = { smoothing: 0.6, xaxis: "step", hidden: new Set(), filter: null };
  const starts = data.runs.map(() => Infinity);
  for (const chart of data.tags)
    for (const s of chart.series)
      for (const p of s.points) starts[s.run] = Math.min(starts[s.run], p[1]);

  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(name, text, parent) {
    const node = document.createElement(name);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  const color = (run) => COLORS[run % COLORS.length];
  const format = (v) => (Number.isFinite(v) ? Number(v.toPrecision(5)).toString() : String(v));

  // TensorBoard's smoothing: an exponential moving average debiased by 1 - w^n (as Adam's moments),
  // non-finite values passed through unsmoothed, a constant series left as it is.
  function smooth(values, weight) {
    let last = 0, count = 0;
    const constant = values.every((v) => v === values[0]);
    return values.map((v) => {
      if (constant || !Number.isFinite(v)) return v;
      last = last * weight + (1 - weight) * v;
      count++;
      return weight === 1 ? last : last / (1 - Math.pow(weight, count));
    });
  }
  function xOf(point, run) {
    if (state.xaxis === "step") return point[0];
    if (state.xaxis === "relative") return point[1] - starts[run];
    return point[1];
  }
  function formatX(x) {
    if (state.xaxis === "step") return format(x);
    if (state.xaxis === "relative") {
      if (Math.abs(x) < 120) return format(x) + "s";
      if (Math.abs(x) < 7200) return format(x / 60) + "m";
      return format(x / 3600) + "h";
    }
    const d = new Date(x * 1000), pad = (n) => String(n).padStart(2, "0");
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  // About `count` round tick values over [lo, hi].
  function ticks(lo, hi, count) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / count, power = Math.pow(10, Math.floor(Math.log10(raw)));
    const error = raw / power;  // d3's thresholds: the step nearest `raw` among 1, 2, 5 x 10^k
    const step = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return out;
  }
  function extent(values) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (lo > hi) return [0, 1];
    if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
    return [lo, hi];
  }
  // A path through the finite points; a NaN or infinite value breaks the line, as in TensorBoard.
  function pathOf(xs, ys, sx, sy) {
    let d = "", pen = false;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(ys[i]) || !Number.isFinite(xs[i])) { pen = false; continue; }
      d += (pen ? "L" : "M") + sx(xs[i]).toFixed(1) + "," + sy(ys[i]).toFixed(1);
      pen = true;
    }
    return d;
  }

  const charts = [];
  function build() {
    const runs = document.getElementById("runs");
    data.runs.forEach((name, run) => {
      const label = html("label", undefined, runs);
      const box = html("input", undefined, label);
      box.type = "checkbox";
      box.checked = true;
      box.addEventListener("change", () => { box.checked ? state.hidden.delete(run) : state.hidden.add(run); render(); });
      const swatch = html("span", undefined, label);
      swatch.className = "swatch";
      swatch.style.background = color(run);
      html("span", name, label);
    });
    const holder = document.getElementById("charts");
    if (data.tags.length === 0) html("div", "No scalar data in this log directory.", holder).id = "empty";
    for (const tag of data.tags) {
      const box = html("div", undefined, holder);
      box.className = "chart";
      html("h3", tag.tag, box);
      const svg = el("svg", { width: WIDTH, height: HEIGHT, viewBox: "0 0 " + WIDTH + " " + HEIGHT }, box);
      svg.setAttribute("class", "chart-svg");
      const tip = html("div", undefined, box);
      tip.className = "tooltip";
      const chart = { tag, box, svg, tip, lines: [] };
      svg.addEventListener("mousemove", (event) => hover(chart, event));
      svg.addEventListener("mouseleave", () => { tip.style.display = "none"; chart.cursor && chart.cursor.remove(); });
      charts.push(chart);
    }
  }

  function render() {
    document.getElementById("smoothing-value").textContent = state.smoothing.toFixed(3);
    for (const chart of charts) {
      const visible = !state.filter || state.filter.test(chart.tag.tag);
      chart.box.style.display = visible ? "" : "none";
      while (chart.svg.firstChild) chart.svg.removeChild(chart.svg.firstChild);
      chart.lines = chart.tag.series.filter((s) => !state.hidden.has(s.run)).map((s) => {
        const values = s.points.map((p) => number(p[2]));
        return { run: s.run, points: s.points, xs: s.points.map((p) => xOf(p, s.run)), values,
                 smoothed: smooth(values, state.smoothing) };
      });
      const [x0, x1] = extent([].concat(...chart.lines.map((l) => l.xs)));
      const [y0, y1] = extent([].concat(...chart.lines.map((l) => l.values.concat(l.smoothed))));
      const pad = (y1 - y0) * 0.05;
      const sx = (x) => LEFT + ((x - x0) / ((x1 - x0) || 1)) * (WIDTH - LEFT - RIGHT);
      const sy = (y) => TOP + (1 - (y - (y0 - pad)) / ((y1 - y0 + 2 * pad) || 1)) * (HEIGHT - TOP - BOTTOM);
      chart.sx = sx;
      const axis = el("g", { class: "axis" }, chart.svg);
      for (const t of ticks(y0 - pad, y1 + pad, 5)) {
        el("line", { class: "grid", x1: LEFT, x2: WIDTH - RIGHT, y1: sy(t), y2: sy(t) }, axis);
        el("text", { x: LEFT - 4, y: sy(t) + 3, "text-anchor": "end" }, axis).textContent = format(t);
      }
      for (const t of ticks(x0, x1, 5)) {
        el("line", { class: "grid", x1: sx(t), x2: sx(t), y1: TOP, y2: HEIGHT - BOTTOM }, axis);
        el("text", { x: sx(t), y: HEIGHT - BOTTOM + 14, "text-anchor": "middle" }, axis).textContent = formatX(t);
      }
      el("rect", { x: LEFT, y: TOP, width: WIDTH - LEFT - RIGHT, height: HEIGHT - TOP - BOTTOM, fill: "none", stroke: "#ccc" }, axis);
      for (const line of chart.lines) {
        const common = { stroke: color(line.run), "data-run": data.runs[line.run], "data-points": line.points.length };
        el("path", Object.assign({ class: "raw", d: pathOf(line.xs, line.values, sx, sy) }, common), chart.svg);
        el("path", Object.assign({ class: "smoothed", d: pathOf(line.xs, line.smoothed, sx, sy) }, common), chart.svg);
        // A NaN or infinite value: a triangle at the top (NaN, +Infinity) or bottom (-Infinity) edge.
        line.values.forEach((v, i) => {
          if (Number.isFinite(v) || !Number.isFinite(line.xs[i])) return;
          const x = sx(line.xs[i]), y = v === -Infinity ? HEIGHT - BOTTOM - 2 : TOP + 2;
          const dy = v === -Infinity ? -7 : 7;
          const mark = el("path", { class: "anomaly", fill: color(line.run),
                                    d: "M" + (x - 5) + "," + y + "L" + (x + 5) + "," + y + "L" + x + "," + (y + dy) + "Z" }, chart.svg);
          el("title", {}, mark).textContent = data.runs[line.run] + ": " + String(v) + " at step " + line.points[i][0];
        });
      }
    }
    document.body.setAttribute("data-rendered", String(charts.length));
  }

  // The read-out at the pointer: each run's point nearest in x.
  function hover(chart, event) {
    if (!chart.lines.length) return;
    const box = chart.svg.getBoundingClientRect();
    const px = event.clientX - box.left;
    let text = "", cursorX = null;
    for (const line of chart.lines) {
      let best = -1;
      line.xs.forEach((x, i) => { if (best < 0 || Math.abs(chart.sx(x) - px) < Math.abs(chart.sx(line.xs[best]) - px)) best = i; });
      if (best < 0) continue;
      cursorX = chart.sx(line.xs[best]);
      const p = line.points[best];
      text += data.runs[line.run] + "  step " + p[0] + "  value " + format(line.values[best]) + "  smoothed " +
              format(line.smoothed[best]) + "  " + new Date(p[1] * 1000).toLocaleString() + "\n";
    }
    if (cursorX === null) return;
    chart.tip.textContent = text.trim();
    chart.tip.style.display = "block";
    chart.tip.style.left = Math.min(px + 12, WIDTH - 160) + "px";
    chart.tip.style.top = (event.clientY - box.top + 30) + "px";
    if (!chart.cursor) chart.cursor = el("line", { stroke: "#999", "stroke-dasharray": "3,3" });
    chart.cursor.setAttribute("x1", cursorX); chart.cursor.setAttribute("x2", cursorX);
    chart.cursor.setAttribute("y1", TOP); chart.cursor.setAttribute("y2", HEIGHT - BOTTOM);
    chart.svg.appendChild(chart.cursor);
  }

  build();
  const slider = document.getElementById("smoothing");
  slider.addEventListener("input", () => { state.smoothing = Number(slider.value); render(); });
  for (const radio of document.querySelectorAll("input[name=xaxis]"))
    radio.addEventListener("change", () => { state.xaxis = radio.value; render(); });
  const filter = document.getElementById("filter");
  filter.addEventListener("input", () => {
    try { state.filter = filter.value ? new RegExp(filter.value, "i") : null; filter.style.color = ""; }
    catch (e) { filter.style.color = "#c00"; return; }
    render();
  });
  // The page's state can be set from its address: #smoothing=0.9&xaxis=wall (used by the tests).
  for (const part of location.hash.slice(1).split("&")) {
    const [key, value] = part.split("=");
    if (key === "smoothing") slider.value = state.smoothing = Number(value);
    if (key === "xaxis" && ["step", "relative", "wall"].includes(value)) {
      state.xaxis = value;
      document.querySelector("input[name=xaxis][value=" + value + "]").checked = true;
    }
  }
  render();
})();
</script>
</body>
</html>
)PAGE";
}

}  // namespace strata::board

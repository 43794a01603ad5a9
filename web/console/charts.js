// Small SVG charts for the statistics page, drawn by hand (no library, nothing from a CDN): bars
// stacked by series, and lines over days. Every mark carries a <title>, so hovering shows the
// number; the numbers themselves are also downloadable as CSV beside each chart.

const NS = "http://www.w3.org/2000/svg";
export const COLORS = ["#1769aa", "#1f8a4c", "#c62828", "#a15c00", "#6236a8"];

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function legend(series, width) {
  return s(
    "g",
    { class: "legend", transform: `translate(${Math.max(0, width - series.length * 96)},4)` },
    series.map((name, i) =>
      s("g", { transform: `translate(${i * 96},0)` }, s("rect", { width: 10, height: 10, fill: COLORS[i % COLORS.length] }), s("text", { x: 14, y: 9, "font-size": 11 }, name)),
    ),
  );
}

function niceMax(value) {
  if (value <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/** Horizontal bars, one row per label, each row stacked by series. rows: [{label, values: []}] */
export function stackedBars({ id, series, rows, width = 560 }) {
  const rowH = 22;
  const left = 130;
  const top = 22;
  const height = top + Math.max(rows.length, 1) * rowH + 20;
  const max = niceMax(Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0))));
  const scale = (width - left - 40) / max;
  const svg = s("svg", { id, class: "chart", role: "img", viewBox: `0 0 ${width} ${height}`, width, height, "data-rows": rows.length });
  svg.append(legend(series, width));
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    svg.append(s("text", { x: left - 6, y: y + 14, "text-anchor": "end", "font-size": 12 }, row.label));
    let x = left;
    row.values.forEach((v, k) => {
      if (!v) return;
      svg.append(s("rect", { class: "bar", x, y: y + 3, width: Math.max(1, v * scale), height: rowH - 6, fill: COLORS[k % COLORS.length] }, s("title", {}, `${row.label} · ${series[k]}：${v}`)));
      x += v * scale;
    });
    const total = row.values.reduce((a, b) => a + b, 0);
    svg.append(s("text", { x: x + 4, y: y + 14, "font-size": 11, fill: "#5f6b78" }, total));
  });
  if (!rows.length) svg.append(s("text", { x: width / 2, y: top + 14, "text-anchor": "middle", fill: "#5f6b78" }, "暂无数据"));
  return svg;
}

/** Vertical bars with a value on top. bars: [{label, value}] */
export function columns({ id, bars, width = 560, color = COLORS[0] }) {
  const height = 200;
  const bottom = 24;
  const max = niceMax(Math.max(1, ...bars.map((b) => b.value)));
  const slot = (width - 20) / Math.max(bars.length, 1);
  const svg = s("svg", { id, class: "chart", role: "img", viewBox: `0 0 ${width} ${height}`, width, height, "data-rows": bars.length });
  bars.forEach((b, i) => {
    const h = ((height - bottom - 20) * b.value) / max;
    const x = 10 + i * slot + slot * 0.2;
    const y = height - bottom - h;
    if (b.value) svg.append(s("rect", { class: "bar", x, y, width: slot * 0.6, height: Math.max(h, 1), fill: b.color || color }, s("title", {}, `${b.label}：${b.value}`)));
    svg.append(
      s("text", { x: x + slot * 0.3, y: y - 4, "text-anchor": "middle", "font-size": 11 }, b.value),
      s("text", { x: x + slot * 0.3, y: height - 8, "text-anchor": "middle", "font-size": 11 }, b.label),
    );
  });
  return svg;
}

/** Lines over days. days: ["2026-03-01", …]; series: [{name, values: []}] */
export function lines({ id, days, series, width = 560 }) {
  const height = 220;
  const left = 36;
  const bottom = 28;
  const top = 22;
  const max = niceMax(Math.max(1, ...series.flatMap((line) => line.values)));
  const x = (i) => left + (days.length > 1 ? (i * (width - left - 10)) / (days.length - 1) : (width - left) / 2);
  const y = (v) => height - bottom - ((height - bottom - top) * v) / max;
  const svg = s("svg", { id, class: "chart", role: "img", viewBox: `0 0 ${width} ${height}`, width, height, "data-rows": days.length });
  svg.append(legend(series.map((line) => line.name), width));
  for (const frac of [0, 0.5, 1]) {
    svg.append(
      s("line", { x1: left, x2: width - 10, y1: y(max * frac), y2: y(max * frac), stroke: "#dde3ea" }),
      s("text", { x: left - 4, y: y(max * frac) + 4, "text-anchor": "end", "font-size": 10 }, Math.round(max * frac)),
    );
  }
  series.forEach((line, k) => {
    const color = COLORS[k % COLORS.length];
    const points = line.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    svg.append(s("polyline", { class: "line", points, fill: "none", stroke: color, "stroke-width": 2 }));
    line.values.forEach((v, i) => svg.append(s("circle", { cx: x(i), cy: y(v), r: 3, fill: color }, s("title", {}, `${days[i]} · ${line.name}：${v}`))));
  });
  const every = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((d, i) => {
    if (i % every === 0) svg.append(s("text", { x: x(i), y: height - 8, "text-anchor": "middle", "font-size": 10 }, d.slice(5)));
  });
  if (!days.length) svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", fill: "#5f6b78" }, "暂无数据"));
  return svg;
}

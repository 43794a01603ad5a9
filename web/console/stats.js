// Statistics of one period (admins, operators): cases per region, major and level, decisions,
// how long submitted cases wait, each examiner's decisions and registrations per day — as charts,
// each with its numbers as CSV (the same figures, computed by the server).

import { api, staffFetch } from "./api.js";
import { busy, clear, errorBox, formatTime, h } from "../common/dom.js";
import { COLORS, columns, lines, stackedBars } from "./charts.js";

const STATE_SERIES = ["待审/退回", "通过", "不通过"];

async function downloadCsv(table, periodId) {
  const res = await staffFetch(`/stats/${table}.csv?period_id=${encodeURIComponent(periodId)}`);
  const link = h("a", { href: URL.createObjectURL(await res.blob()), download: `stats-${periodId}-${table}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

function chartPanel(title, table, periodId, chart, note) {
  const err = errorBox();
  const csv = h("button", { type: "button", class: "btn", text: "下载 CSV", "data-csv": table });
  csv.addEventListener("click", () => busy(csv, "下载中…", () => downloadCsv(table, periodId), err));
  return h("section", { class: "panel stat", "data-table": table }, h("h3", {}, title, h("span", { class: "spacer" }), csv), note ? h("p", { class: "muted", text: note }) : null, chart, err);
}

const breakdownRows = (rows, name) => rows.map((r) => ({ label: name(r.key), values: [r.pending, r.approved, r.rejected] }));

function draw(ctx, body, stats, majors) {
  const majorName = (code) => (majors.find((m) => m.code === code) || ctx.catalogs.major.find((m) => m.code === code))?.name || "";
  const levelName = (code) => ({ zhuanke: "专科", benke: "专升本" })[code] || code;
  const d = stats.decisions;
  const decided = d.approved + d.returned + d.rejected;
  const rate = (n) => (decided ? `${Math.round((100 * n) / decided)}%` : "—");
  const age = stats.queue_age;
  clear(
    body,
    h(
      "div",
      { class: "cols" },
      chartPanel("各地区申请", "regions", stats.period_id, stackedBars({ id: "chart-regions", series: STATE_SERIES, rows: breakdownRows(stats.by_region, (k) => ctx.catalogs.region[k] || k) })),
      chartPanel("各专业申请", "majors", stats.period_id, stackedBars({ id: "chart-majors", series: STATE_SERIES, rows: breakdownRows(stats.by_major, (k) => `${k} ${majorName(k)}`) })),
      chartPanel("各层次申请", "levels", stats.period_id, stackedBars({ id: "chart-levels", series: STATE_SERIES, rows: breakdownRows(stats.by_level, levelName) })),
      chartPanel(
        "审核决定",
        "decisions",
        stats.period_id,
        columns({
          id: "chart-decisions",
          bars: [
            { label: `通过 ${rate(d.approved)}`, value: d.approved, color: COLORS[1] },
            { label: `退回 ${rate(d.returned)}`, value: d.returned, color: COLORS[3] },
            { label: `不通过 ${rate(d.rejected)}`, value: d.rejected, color: COLORS[2] },
          ],
        }),
        "每一次审核决定都计入（同一申请退回后再通过，计退回一次、通过一次）。",
      ),
      chartPanel(
        "待领取申请的等待时长",
        "queue_age",
        stats.period_id,
        columns({ id: "chart-queue-age", bars: age.buckets.map((b) => ({ label: b.label, value: b.count })) }),
        age.oldest_submitted_at ? `等待最久的申请提交于 ${formatTime(age.oldest_submitted_at)}` : "目前没有待领取的申请。",
      ),
      chartPanel("审核员工作量", "examiners", stats.period_id, stackedBars({ id: "chart-examiners", series: ["通过", "退回", "不通过"], rows: stats.examiners.map((e) => ({ label: e.examiner, values: [e.approved, e.returned, e.rejected] })) })),
      chartPanel(
        "每日注册与提交",
        "daily",
        stats.period_id,
        lines({ id: "chart-daily", days: stats.daily.map((x) => x.day), series: [{ name: "注册", values: stats.daily.map((x) => x.registered) }, { name: "提交", values: stats.daily.map((x) => x.submitted) }] }),
        "按北京时间计日。",
      ),
    ),
  );
}

export function render(ctx, root) {
  const err = errorBox();
  const picker = h("select", { id: "stats-period", "aria-label": "考期" });
  const body = h("div", { id: "stats" }, h("p", { class: "loading", text: "正在统计…" }));
  root.append(h("section", { class: "panel" }, h("h2", {}, "统计", picker), err), body);
  const show = async () => {
    clear(body, h("p", { class: "loading", text: "正在统计…" }));
    const [stats, majors] = await Promise.all([api.get("/stats", { period_id: picker.value }), api.get("/majors", { period_id: picker.value })]);
    draw(ctx, body, stats, majors);
  };
  picker.addEventListener("change", () => show().catch((e) => err.show(e)));
  (async () => {
    const periods = await api.get("/admin/periods");
    if (!periods.length) return clear(body, h("p", { class: "empty", text: "还没有考期。" }));
    clear(picker, periods.slice().reverse().map((p) => h("option", { value: p.period_id, text: p.period_id })));
    await show();
  })().catch((e) => err.show(e));
}

// The queue: filters (region, level, major, status, manual review, submitted date), counts per
// status, a paged table (the API pages and indexes it), keyboard j/k/Enter/n/p.

import { api, staff } from "./api.js";
import { clear, errorBox, formatTime, h, select } from "../common/dom.js";
import { LEVELS, majorLabel } from "./labels.js";

export const STATUS = {
  SUBMITTED: "待审核",
  UNDER_REVIEW: "审核中",
  RETURNED: "已退回",
  APPROVED: "审核通过",
  REJECTED: "审核不通过",
  TICKET_ISSUED: "已生成准考证号",
  WITHDRAWN: "已撤回",
};
const resubmitted = (r) => r.decision === "returned" && ["SUBMITTED", "UNDER_REVIEW"].includes(r.status);
const PAGE_SIZE = 50;
const FILTERS = ["status", "region", "level", "major", "manual", "from", "to", "page"];

function toParams(q) {
  const day = (d, plus = 0) => {
    if (!d) return "";
    const t = new Date(`${d}T00:00:00`);
    t.setDate(t.getDate() + plus);
    return t.toISOString();
  };
  return {
    status: q.get("status") ?? "SUBMITTED",
    region: q.get("region") || "",
    level: q.get("level") || "",
    major: q.get("major") || "",
    manual: q.get("manual") || "",
    submitted_from: day(q.get("from")),
    submitted_to: day(q.get("to"), 1),
    page: q.get("page") || 1,
    size: PAGE_SIZE,
  };
}

function navigate(q, changes) {
  const next = new URLSearchParams(q);
  for (const [k, v] of Object.entries(changes)) next.set(k, v);
  if (!("page" in changes)) next.set("page", "1");
  for (const k of [...next.keys()]) if (!FILTERS.includes(k)) next.delete(k);
  location.hash = `#/queue?${next}`;
}

function filterBar(ctx, q) {
  const { catalogs } = ctx;
  const s = staff.session;
  const regions = Object.entries(catalogs.region).filter(([code]) => s.role === "admin" || s.regions.includes(code));
  const level = q.get("level") || "";
  const majors = catalogs.major.filter((m) => !level || m.level === level).map((m) => [m.code, `${m.code} ${m.name}（${m.level_label}）`]);
  const controls = {
    region: select("region", regions, q.get("region") || "", "全部地区"),
    level: select("level", Object.entries(LEVELS), level, "全部层次"),
    major: select("major", majors, q.get("major") || "", "全部专业"),
    status: select("status", Object.entries(STATUS), q.get("status") ?? "SUBMITTED", "全部状态"),
    manual: select("manual", [["true", "需人工复核"], ["false", "无需人工复核"]], q.get("manual") || "", "人工复核：全部"),
    from: h("input", { type: "date", name: "from", value: q.get("from") || "", "aria-label": "提交日期从" }),
    to: h("input", { type: "date", name: "to", value: q.get("to") || "", "aria-label": "提交日期到" }),
  };
  for (const [key, control] of Object.entries(controls)) {
    control.addEventListener("change", () => navigate(q, { [key]: control.value, ...(key === "level" ? { major: "" } : {}) }));
  }
  return h(
    "form",
    { class: "filters", id: "filters", onsubmit: (e) => e.preventDefault() },
    controls.region,
    controls.level,
    controls.major,
    controls.status,
    controls.manual,
    h("label", { class: "inline" }, "提交日期 ", controls.from, " 至 ", controls.to),
    h("button", { type: "button", class: "btn", text: "清除筛选", onclick: () => (location.hash = "#/queue?status=") }),
  );
}

function countsBar(q, page) {
  const total = Object.values(page.counts).reduce((a, b) => a + b, 0);
  const current = q.get("status") ?? "SUBMITTED";
  const chip = (code, label, n) =>
    h("button", { type: "button", class: `chip${current === code ? " on" : ""}`, "data-status": code, onclick: () => navigate(q, { status: code }) }, `${label} `, h("b", { text: n }));
  return h(
    "div",
    { class: "counts", id: "counts" },
    chip("", "全部", total),
    Object.entries(STATUS).map(([code, label]) => chip(code, label, page.counts[code] || 0)),
  );
}

export function render(ctx, root, q) {
  const err = errorBox();
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  const table = h(
    "table",
    { class: "grid", id: "queue" },
    h("thead", {}, h("tr", {}, ["提交时间", "姓名", "证件号码", "入籍地区", "入籍专业", "层次", "人工复核", "状态", "领取人"].map((t) => h("th", { text: t })))),
    body,
  );
  const countsSlot = h("div");
  root.append(h("section", { class: "panel" }, h("h2", { text: "审核队列" }), filterBar(ctx, q), countsSlot, err, table, pager));

  let selected = 0;
  let rows = [];
  const open = (i) => rows[i] && (location.hash = `#/case/${encodeURIComponent(rows[i].application_id)}`);
  const mark = () => {
    [...body.children].forEach((tr, i) => tr.classList.toggle("sel", i === selected));
    body.children[selected]?.scrollIntoView({ block: "nearest" });
  };
  const params = toParams(q);
  const page = Number(params.page);
  api
    .get("/examiner/applications", params)
    .then((data) => {
      rows = data.rows;
      ctx.lastQueue = { rows: rows.map((r) => r.application_id), hash: location.hash };
      const me = staff.accountId;
      clear(countsSlot, countsBar(q, data));
      clear(
        body,
        rows.length
          ? rows.map((r, i) =>
              h(
                "tr",
                { "data-id": r.application_id, onclick: () => open(i) },
                h("td", { text: formatTime(r.submitted_at) }),
                h("td", { text: r.name }),
                h("td", { class: "mono", text: r.id_number }),
                h("td", { text: ctx.catalogs.region[r.region] || r.region || "" }),
                h("td", { text: majorLabel(ctx, r) }),
                h("td", { text: LEVELS[r.level] || "" }),
                h("td", {}, r.needs_manual_review ? h("span", { class: "tag warn", text: "需人工复核" }) : ""),
                h("td", {}, h("span", { class: `tag s-${r.status}`, text: STATUS[r.status] || r.status }), resubmitted(r) ? h("span", { class: "tag warn", "data-resubmitted": "", text: "退回后重新提交" }) : null),
                h("td", { text: r.claimed_by ? (r.claimed_by === me ? "我" : data.staff[r.claimed_by] || "其他审核员") : "" }),
              ),
            )
          : h("tr", {}, h("td", { colspan: 9, class: "empty", text: "没有符合条件的申请" })),
      );
      const pages = Math.max(1, Math.ceil(data.total / data.size));
      clear(
        pager,
        h("button", { type: "button", class: "btn", text: "上一页", disabled: page <= 1, onclick: () => navigate(q, { page: page - 1 }) }),
        h("span", { text: `第 ${page} / ${pages} 页，共 ${data.total} 条` }),
        h("button", { type: "button", class: "btn", text: "下一页", disabled: page >= pages, onclick: () => navigate(q, { page: page + 1 }) }),
      );
      ctx.keys = {
        j: () => ((selected = Math.min(rows.length - 1, selected + 1)), mark()),
        k: () => ((selected = Math.max(0, selected - 1)), mark()),
        Enter: () => open(selected),
        o: () => open(selected),
        n: () => page < pages && navigate(q, { page: page + 1 }),
        p: () => page > 1 && navigate(q, { page: page - 1 }),
        "/": () => root.querySelector("#filters select")?.focus(),
      };
      mark();
      table.dataset.loaded = "true";
    })
    .catch((e) => err.show(e));
}

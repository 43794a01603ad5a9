// Finding a case: by ID number, phone, name or ticket number (exact), optionally within a
// period, or the cases I hold. Every role may search; the API limits examiners to their regions.

import { api, staff } from "./api.js";
import { busy, clear, errorBox, formatTime, h, select } from "../common/dom.js";
import { actionLabel, actorLabel, majorLabel } from "./labels.js";

const ROLE_LABELS = { examiner: "审核员", admin: "管理员" };

const KEYS = [
  ["id_number", "证件号码"],
  ["phone", "手机号码"],
  ["name", "姓名"],
  ["ticket", "准考证号"],
];

export function resultsTable(ctx, rows, staffNames = {}) {
  return h(
    "table",
    { class: "grid", id: "search-results" },
    h("thead", {}, h("tr", {}, ["姓名", "证件号码", "手机", "考期", "状态", "地区", "专业", "准考证号", "领取人"].map((t) => h("th", { text: t })))),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((r) =>
            h(
              "tr",
              { "data-id": r.application_id, onclick: () => (location.hash = `#/office-case/${encodeURIComponent(r.application_id)}`) },
              h("td", {}, h("a", { href: `#/office-case/${encodeURIComponent(r.application_id)}`, text: r.name || "（未填写）" })),
              h("td", { class: "mono", text: r.id_number }),
              h("td", { class: "mono", text: r.phone }),
              h("td", { text: r.period_id }),
              h("td", {}, h("span", { class: `tag s-${r.status}`, text: r.status_label })),
              h("td", { text: ctx.catalogs.region[r.region] || "" }),
              h("td", { text: majorLabel(ctx, r) }),
              h("td", { class: "mono", text: r.ticket_number || "" }),
              h("td", { text: r.claimed_by ? staffNames[r.claimed_by] || r.claimed_by : "" }),
            ),
          )
        : h("tr", {}, h("td", { colspan: 9, class: "empty", text: "没有找到符合条件的申请" })),
    ),
  );
}

export function render(ctx, root, query) {
  const err = errorBox();
  const kind = select("kind", KEYS, query.get("kind") || "id_number", "查询方式");
  const value = h("input", { name: "value", value: query.get("value") || "", placeholder: "输入完整内容（精确匹配）", "aria-label": "查询内容", autofocus: true });
  const period = h("input", { name: "period", value: query.get("period") || "", placeholder: "考期，如 2026-2", "aria-label": "考期", size: 16 });
  const mine = h("input", { type: "checkbox", name: "mine", checked: query.get("mine") === "true" });
  const go = h("button", { type: "submit", class: "btn primary", text: "查询" });
  const out = h("div", { id: "search-out", class: "panel", hidden: true });
  const examiner = staff.session.role !== "operator";
  const form = h(
    "form",
    { class: "panel filters", id: "search" },
    kind,
    value,
    period,
    examiner ? h("label", { class: "inline" }, mine, "只看我领取的") : null,
    go,
  );
  const run = () =>
    busy(go, "查询中…", async () => {
      const params = { period: period.value.trim(), mine: mine.checked ? "true" : "" };
      if (value.value.trim()) params[kind.value] = value.value.trim();
      const page = await api.get("/office/cases", params);
      clear(out, h("p", { class: "muted", text: `共 ${page.total} 件` }), resultsTable(ctx, page.rows, page.staff));
      out.hidden = false;
    }, err);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  root.append(
    h("section", { class: "panel" }, h("h2", { text: "查找申请" }), h("p", { class: "muted", text: "按证件号码、手机号码、姓名或准考证号精确查找；查询记录留存备查。" })),
    form,
    err,
    out,
  );
  if (query.get("value") || query.get("mine") === "true") run();
  value.focus();
}

export function renderCase(ctx, root, applicationId) {
  const err = errorBox();
  const body = h("div", {}, h("p", { class: "loading", text: "正在加载…" }));
  root.append(err, body);
  const s = staff.session;
  const load = async () => {
    const c = await api.get(`/office/cases/${encodeURIComponent(applicationId)}`);
    const r = c.row;
    const actions = h("div", { class: "actions" });
    if (s.role !== "operator" && ["SUBMITTED", "UNDER_REVIEW"].includes(r.status)) {
      actions.append(h("a", { class: "btn primary", href: `#/case/${encodeURIComponent(r.application_id)}`, text: "打开审核页" }));
    }
    if (r.status === "UNDER_REVIEW" && r.claimed_by === staff.accountId) {
      const release = h("button", { type: "button", class: "btn", id: "release", text: "释放领取" });
      release.addEventListener("click", () => busy(release, "释放中…", async () => { await api.post(`/office/cases/${encodeURIComponent(r.application_id)}/release`); await load(); }, err));
      actions.append(release);
    }
    if (s.role === "admin" && r.status === "UNDER_REVIEW") {
      // the accounts that may take the case, by name: account ids are nowhere else on screen
      const eligible = (await api.get("/admin/accounts")).filter(
        (a) => a.active && a.id !== r.claimed_by && (a.role === "admin" || (a.role === "examiner" && a.regions.includes(r.region))),
      );
      const to = select("examiner", eligible.map((a) => [a.id, `${a.username}（${ROLE_LABELS[a.role]}）`]), "", "选择改派给的审核员");
      to.setAttribute("aria-label", "改派给");
      const move = h("button", { type: "button", class: "btn", id: "reassign", text: "改派" });
      move.addEventListener("click", () =>
        busy(move, "改派中…", async () => {
          if (!to.value) throw new Error("请选择改派给的审核员");
          await api.post(`/office/cases/${encodeURIComponent(r.application_id)}/reassign`, { examiner: to.value });
          await load();
        }, err),
      );
      actions.append(h("span", { class: "inline" }, to, move));
    }
    actions.append(h("a", { class: "btn", id: "web-ui", href: c.web_ui_url, target: "_blank", rel: "noopener noreferrer", text: "在 Temporal Web UI 中查看流程" }));
    clear(
      body,
      h(
        "section",
        { class: "panel case-head", id: "office-case", "data-status": r.status },
        h("h2", {}, `${r.name || "（未填写）"}`, h("span", { class: `tag s-${r.status}`, text: r.status_label })),
        h(
          "dl",
          { class: "kv" },
          h("dt", { text: "证件号码" }), h("dd", { class: "mono", text: r.id_number }),
          h("dt", { text: "手机" }), h("dd", { class: "mono", text: r.phone }),
          h("dt", { text: "考期" }), h("dd", { text: r.period_id }),
          h("dt", { text: "地区" }), h("dd", { text: ctx.catalogs.region[r.region] || "" }),
          h("dt", { text: "准考证号" }), h("dd", { class: "mono", text: r.ticket_number || "" }),
          h("dt", { text: "提交时间" }), h("dd", { text: formatTime(r.submitted_at) }),
          h("dt", { text: "领取人" }), h("dd", { id: "holder", text: r.claimed_by ? c.staff[r.claimed_by] || r.claimed_by : "" }),
          h("dt", { text: "申请编号" }), h("dd", { class: "mono", text: r.application_id }),
        ),
        actions,
      ),
      h(
        "section",
        { class: "panel" },
        h("h3", { text: "处理记录" }),
        h("table", { class: "grid compact", id: "trail" }, h("tbody", {}, c.audit.map((a) => h("tr", { "data-action": a.action }, h("td", { text: formatTime(a.at) }), h("td", { text: actorLabel(a.actor, staff.accountId, c.staff) }), h("td", { text: actionLabel(a.action, c.staff) }))))),
      ),
    );
  };
  load().catch((e) => err.show(e));
}

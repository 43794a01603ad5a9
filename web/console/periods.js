// Enrollment periods for admins and operators: the window and the review deadline (moved without a
// redeploy), tickets issued, and the supplementary run for cases approved after the deadline.

import { api, staff } from "./api.js";
import { busy, clear, errorBox, formatTime, h } from "../common/dom.js";

export const STATES = {
  SCHEDULED: "未开始",
  OPEN: "入籍中",
  CLOSED: "入籍已截止，审核中",
  ISSUING: "正在生成准考证号",
  ISSUED: "已生成准考证号",
};

const local = (iso) => {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

function timeInput(name, label, iso, enabled) {
  const input = h("input", { type: "datetime-local", step: 1, name, value: local(iso), disabled: !enabled, "aria-label": label });
  const dirty = () => (input.closest(".period").dataset.dirty = "true");
  const now = h("button", { type: "button", class: "btn", text: "设为现在", "data-now": name, disabled: !enabled });
  now.addEventListener("click", () => {
    input.value = local(new Date().toISOString());
    dirty();
  });
  input.addEventListener("input", dirty);
  return { input, el: h("label", { class: "inline" }, `${label} `, input, now) };
}

function periodCard(p, refresh) {
  const err = errorBox();
  const ok = h("p", { class: "ok-line", hidden: true });
  const admin = staff.session.role === "admin";
  const open = ["SCHEDULED", "OPEN"].includes(p.state);
  const closes = timeInput("closes_at", "入籍截止时间", p.closes_at, admin && open);
  const deadline = timeInput("review_deadline", "审核截止时间", p.review_deadline, !["ISSUING", "ISSUED"].includes(p.state));
  const save = h("button", { type: "button", class: "btn primary", id: `save-${p.period_id}`, text: "保存调整" });
  save.addEventListener("click", () =>
    busy(save, "保存中…", async () => {
      ok.hidden = true;
      const path = `/admin/periods/${p.period_id}`;
      if (!closes.input.disabled && closes.input.value !== local(p.closes_at)) {
        await api.put(`${path}/window`, { closes_at: new Date(closes.input.value).toISOString() });
      }
      if (!deadline.input.disabled && deadline.input.value !== local(p.review_deadline)) {
        await api.put(`${path}/review-deadline`, { review_deadline: new Date(deadline.input.value).toISOString() });
      }
      await refresh("已保存。审核截止时间到达后，系统自动为审核通过的申请生成准考证号。", p.period_id);
    }, err),
  );
  save.hidden = closes.input.disabled && deadline.input.disabled; // nothing left to adjust
  const supplementary = h("button", { type: "button", class: "btn", "data-supplementary": "", text: "补充生成准考证号", hidden: p.state !== "ISSUED" });
  supplementary.addEventListener("click", () =>
    busy(supplementary, "提交中…", async () => {
      await api.post(`/admin/periods/${p.period_id}/supplementary-issuing`);
      await refresh("已开始为截止后审核通过的申请补充生成准考证号。", p.period_id);
    }, err),
  );
  return h(
    "section",
    { class: "panel box period", "data-period": p.period_id, "data-state": p.state },
    h("h3", {}, `${p.year} 年第 ${p.window} 次入籍（${p.period_id}）`, h("span", { class: "tag", text: STATES[p.state] || p.state })),
    h(
      "dl",
      { class: "kv" },
      h("dt", { text: "开放时间" }), h("dd", { text: formatTime(p.opens_at) }),
      h("dt", { text: "入籍截止" }), h("dd", { text: formatTime(p.closes_at) }),
      h("dt", { text: "审核截止" }), h("dd", { text: formatTime(p.review_deadline) }),
      h("dt", { text: "已生成准考证号" }), h("dd", { class: "issued", text: String(p.issued ?? "") }),
      // after the run, approvals still without a number: what 「补充生成准考证号」 would issue
      h("dt", { text: "审核通过待生成" }), h("dd", { "data-waiting": "", class: p.state === "ISSUED" && p.awaiting_tickets ? "warn" : "", text: String(p.awaiting_tickets ?? 0) }),
    ),
    h("div", { class: "period-form" }, closes.el, deadline.el, save, supplementary),
    admin ? null : h("p", { class: "muted", text: "调整入籍截止时间需要管理员权限。" }),
    ok,
    err,
  );
}

const VIEW_WAIT_MS = 5000;

function soon(promise) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), VIEW_WAIT_MS))]);
}

export function render(ctx, root) {
  const err = errorBox();
  const list = h("div", { id: "periods" });
  root.append(h("section", { class: "panel" }, h("h2", { text: "考期管理" }), h("p", { class: "muted", text: "审核截止时间不能早于入籍截止时间；到达审核截止时间后自动生成准考证号。" }), err, list));
  const refresh = async (message, periodId) => {
    const rows = await api.get("/admin/periods");
    // a period whose workflow does not answer soon (its workers down, a busy server) is shown
    // from the read model's row instead of holding up every other card and the save's answer
    const views = await Promise.all(rows.map((r) => soon(api.get(`/admin/periods/${r.period_id}`).catch(() => null))));
    clear(
      list,
      rows
        .slice()
        .reverse()
        .map((r) => {
          const v = views[rows.indexOf(r)];
          const card = periodCard({ ...r, state: v?.state.state || r.state, issued: v?.state.issued }, refresh);
          if (message && r.period_id === periodId) {
            const ok = card.querySelector(".ok-line");
            ok.textContent = message;
            ok.hidden = false;
          }
          return card;
        }),
    );
  };
  refresh().catch((e) => err.show(e));
  const timer = setInterval(() => {
    if (!document.querySelector(".period[data-dirty]")) refresh().catch(() => {});
  }, 5000);
  ctx.onLeave(() => clearInterval(timer));
}

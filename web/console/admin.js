// 系统管理 (admins): staff accounts, each period's majors (versioned: an edit applies to new
// choices only) and creating / closing enrollment periods. Every change is audited by the server.

import { api } from "./api.js";
import { busy, clear, errorBox, field, h } from "../common/dom.js";
import { confirmDialog } from "./dialogs.js";
import { LEVELS } from "./labels.js";
import { STATES } from "./periods.js";

const ROLES = { examiner: "审核员", admin: "管理员", operator: "运维人员" };

const options = (entries, value) => Object.entries(entries).map(([v, label]) => h("option", { value: v, text: label, selected: v === value }));

function regionPicker(ctx, chosen = []) {
  const box = h(
    "span",
    { class: "regions" },
    Object.entries(ctx.catalogs.region)
      .sort(([a], [b]) => a.localeCompare(b)) // "10"… would come first: integer-like keys lead
      .map(([code, name]) => h("label", { class: "inline" }, h("input", { type: "checkbox", value: code, checked: chosen.includes(code) }), name)),
  );
  box.value = () => [...box.querySelectorAll("input:checked")].map((i) => i.value);
  return box;
}

function shownOnce(box, issued) {
  clear(box, h("p", { class: "ok-line", id: "issued-password" }, `账号 ${issued.account.username} 的密码：`, h("code", { class: "mono", text: issued.password }), "（只显示这一次，请交给本人）"));
  box.hidden = false;
}

// --- accounts ----------------------------------------------------------------------------------
function accountRow(ctx, a, refresh, issued, err) {
  const role = h("select", { "aria-label": "角色" }, options(ROLES, a.role));
  const regions = regionPicker(ctx, a.regions);
  const act = (button, label, work) => button.addEventListener("click", () => busy(button, label, work, err));
  const save = h("button", { type: "button", class: "btn", text: "保存" });
  act(save, "保存中…", async () => {
    await api.put(`/admin/accounts/${encodeURIComponent(a.username)}/access`, { role: role.value, regions: role.value === "examiner" ? regions.value() : [] });
    await refresh();
  });
  const toggle = h("button", { type: "button", class: a.active ? "btn bad" : "btn", text: a.active ? "停用" : "启用" });
  act(toggle, "提交中…", async () => {
    await api.post(`/admin/accounts/${encodeURIComponent(a.username)}/${a.active ? "disable" : "enable"}`);
    await refresh();
  });
  const reset = h("button", { type: "button", class: "btn", text: "重置密码" });
  act(reset, "重置中…", async () => shownOnce(issued, await api.post(`/admin/accounts/${encodeURIComponent(a.username)}/password`)));
  return h("tr", { "data-account": a.username, class: a.active ? "" : "muted" }, h("td", { text: a.username }), h("td", {}, role), h("td", {}, regions), h("td", { text: a.active ? "启用" : "已停用" }), h("td", {}, save, toggle, reset));
}

function accountsPanel(ctx) {
  const err = errorBox();
  const issued = h("div", { hidden: true });
  const body = h("tbody");
  const refresh = async () => clear(body, (await api.get("/admin/accounts")).map((a) => accountRow(ctx, a, refresh, issued, err)));
  const username = h("input", { name: "username", maxlength: 60, placeholder: "字母、数字、. _ -" });
  const role = h("select", { name: "role" }, options(ROLES, "examiner"));
  const regions = regionPicker(ctx);
  const create = h("button", { type: "submit", class: "btn primary", text: "创建账号" });
  const form = h("form", { id: "new-account", class: "period-form" }, field("用户名", username), field("角色", role), field("负责地区（审核员）", regions), create);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(create, "创建中…", async () => {
      shownOnce(issued, await api.post("/admin/accounts", { username: username.value.trim(), role: role.value, regions: role.value === "examiner" ? regions.value() : [] }));
      username.value = "";
      await refresh();
    }, err);
  });
  refresh().catch((e) => err.show(e));
  return h(
    "section",
    { class: "panel", id: "accounts" },
    h("h3", { text: "账号管理" }),
    h("table", { class: "grid compact" }, h("thead", {}, h("tr", {}, ["用户名", "角色", "负责地区", "状态", ""].map((t) => h("th", { text: t })))), body),
    issued,
    err,
    form,
  );
}

// --- majors ------------------------------------------------------------------------------------
function majorEditor(m, periodId, done, err) {
  const name = h("input", { name: "name", value: m.name, maxlength: 60 });
  const level = h("select", { name: "level" }, options(LEVELS, m.level));
  const restricted = h("input", { type: "checkbox", name: "restricted", checked: m.restricted });
  const offered = h("input", { type: "checkbox", name: "offered", checked: m.offered });
  const condition = h("textarea", { name: "condition_text", rows: 3, maxlength: 1000, text: m.condition_text });
  const save = h("button", { type: "button", class: "btn primary", text: "保存为新版本" });
  save.addEventListener("click", () =>
    busy(save, "保存中…", async () => {
      const body = { name: name.value.trim(), level: level.value, restricted: restricted.checked, offered: offered.checked, condition_text: condition.value.trim() };
      await api.put(`/admin/periods/${periodId}/majors/${encodeURIComponent(m.code)}`, body);
      await done(`已保存 ${m.code} 的新版本；已选择该专业的申请保留原版本。`);
    }, err),
  );
  return h(
    "div",
    { class: "major-editor", "data-editing": m.code },
    field("专业名称", name),
    field("层次", level),
    h("label", { class: "inline" }, restricted, "限制性专业"),
    h("label", { class: "inline" }, offered, "本考期接受入籍"),
    field("《附件1》报考条件（考生选择该专业时显示）", condition),
    save,
  );
}

function majorsPanel(periods) {
  const err = errorBox();
  const ok = h("p", { class: "ok-line", hidden: true });
  const picker = h("select", { id: "majors-period", "aria-label": "考期" }, periods.map((p) => h("option", { value: p.period_id, text: p.period_id })));
  const body = h("tbody");
  const editor = h("div");
  const show = async (message) => {
    clear(editor);
    ok.hidden = !message;
    ok.textContent = message || "";
    const majors = await api.get(`/admin/periods/${picker.value}/majors`);
    clear(
      body,
      majors.map((m) => {
        const edit = h("button", { type: "button", class: "btn", text: "编辑", "data-edit": m.code });
        edit.addEventListener("click", () => clear(editor, majorEditor(m, picker.value, show, err)));
        return h(
          "tr",
          { "data-major": m.code, class: m.offered ? "" : "muted" },
          h("td", { class: "mono", text: m.code }),
          h("td", { text: m.name }),
          h("td", { text: LEVELS[m.level] }),
          h("td", { text: m.restricted ? "限制性" : "" }),
          h("td", { text: m.offered ? "接受" : "不接受" }),
          h("td", { class: "condition", text: m.condition_text }),
          h("td", { text: m.version ? `第 ${m.version} 版` : "初始" }),
          h("td", {}, edit),
        );
      }),
    );
  };
  const code = h("input", { name: "code", maxlength: 12, placeholder: "如 080902" });
  const add = h("button", { type: "button", class: "btn", text: "新增专业" });
  add.addEventListener("click", () => clear(editor, majorEditor({ code: code.value.trim(), name: "", level: "benke", restricted: false, offered: true, condition_text: "" }, picker.value, show, err)));
  picker.addEventListener("change", () => show().catch((e) => err.show(e)));
  if (periods.length) show().catch((e) => err.show(e));
  return h(
    "section",
    { class: "panel", id: "majors" },
    h("h3", {}, "专业目录", picker),
    h("p", { class: "muted", text: "每次保存生成新版本，只对此后选择该专业的考生生效；已选择的申请保留其选择时的版本。" }),
    h("table", { class: "grid compact" }, h("thead", {}, h("tr", {}, ["代码", "名称", "层次", "限制性", "本考期", "报考条件", "版本", ""].map((t) => h("th", { text: t })))), body),
    editor,
    h("div", { class: "period-form" }, field("新专业代码", code), add),
    ok,
    err,
  );
}

// --- periods -----------------------------------------------------------------------------------
function periodsPanel(periods, reload) {
  const err = errorBox();
  const id = h("input", { name: "period_id", placeholder: "如 2027-1", maxlength: 40 });
  const times = ["opens_at", "closes_at", "review_deadline"].map((name) => h("input", { type: "datetime-local", name, step: 1 }));
  const create = h("button", { type: "submit", class: "btn primary", text: "创建考期" });
  const form = h("form", { id: "new-period", class: "period-form" }, field("考期编号", id), field("开放时间", times[0]), field("入籍截止时间", times[1]), field("审核截止时间", times[2]), create);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(create, "创建中…", async () => {
      const iso = (input) => (input.value ? new Date(input.value).toISOString() : null);
      await api.post("/admin/periods", { period_id: id.value.trim(), opens_at: iso(times[0]), closes_at: iso(times[1]), review_deadline: iso(times[2]) });
      await reload(`考期 ${id.value.trim()} 已创建。`);
    }, err);
  });
  const list = h("ul", { id: "admin-period-list" }, periodRows(periods, reload, err));
  return h("section", { class: "panel", id: "admin-periods" }, h("h3", { text: "考期" }), list, form, err);
}

/** A period's line: its state in Chinese, and 「立即截止入籍」 while it is open. */
function periodRows(periods, reload, err) {
  return periods.map((p) => {
    const close = h("button", { type: "button", class: "btn bad", text: "立即截止入籍", "data-close": p.period_id, hidden: p.state !== "OPEN" });
    // not undone: every application of the period not yet submitted ends with the window
    const ask = `确认立即截止考期 ${p.period_id} 的入籍？截止后，该考期尚未提交的申请将全部终止，且不能撤销。`;
    close.addEventListener("click", () =>
      confirmDialog(ask, () =>
        busy(close, "提交中…", async () => {
          await api.put(`/admin/periods/${p.period_id}/window`, { closes_at: new Date().toISOString() });
          await reload(`考期 ${p.period_id} 已截止入籍。`);
        }, err),
      ),
    );
    return h("li", { "data-period": p.period_id }, `${p.period_id}（${STATES[p.state] || p.state}）`, close);
  });
}

export function render(ctx, root) {
  const err = errorBox();
  const ok = h("p", { class: "ok-line", hidden: true });
  const periodsBox = h("div");
  const majorsBox = h("div");
  const reload = async (message) => {
    const periods = (await api.get("/admin/periods")).slice().reverse();
    clear(periodsBox, periodsPanel(periods, reload));
    clear(majorsBox, majorsPanel(periods));
    ok.textContent = message || "";
    ok.hidden = !message;
  };
  root.append(h("section", { class: "panel" }, h("h2", { text: "系统管理" }), ok, err), accountsPanel(ctx), majorsBox, periodsBox);
  reload().catch((e) => err.show(e));
  // a period opens and closes at its own times: its line follows without a reload, as 考期管理's
  // cards do (the form above it and the majors panel are left as the admin is filling them)
  const timer = setInterval(async () => {
    const list = periodsBox.querySelector("#admin-period-list");
    if (!list || list.querySelector("button:disabled")) return; // a close on its way: left as it is
    try {
      const periods = (await api.get("/admin/periods")).slice().reverse();
      clear(list, periodRows(periods, reload, periodsBox.querySelector("#admin-periods > .err")));
    } catch {
      // the next tick tries again; a failed read says nothing the page must show
    }
  }, 5000);
  ctx.onLeave(() => clearInterval(timer));
}

// R13: 「提交」 opens a warning whose confirm button unlocks only after a countdown; then a
// confirmation, then 「我的考籍信息」.

import { api } from "../api.js";
import { busy, errorBox, h } from "../../common/dom.js";
import { pendingNames } from "../returned.js";

export const COUNTDOWN_S = 5;

export function summary(ctx, view) {
  const f = view.form || {};
  const major = ctx.catalogs.major.find((m) => m.code === f.major);
  return h(
    "dl",
    { class: "kv" },
    h("dt", { text: "姓名" }), h("dd", { text: view.name }),
    h("dt", { text: "证件号码" }), h("dd", { text: view.id_number }),
    h("dt", { text: "入籍地区" }), h("dd", { text: ctx.catalogs.region[f.region] || "" }),
    h("dt", { text: "入籍专业" }), h("dd", { text: major ? `${major.code} ${major.name}（${major.level_label}）` : "" }),
    h("dt", { text: "学信网校验" }), h("dd", { text: { verified: "已通过", failed: "未通过，已上传证明材料", not_needed: "无需校验", pending: "未完成" }[view.chsi_status] }),
    h("dt", { text: "附件材料" }), h("dd", { text: view.required_attachments.length ? `${view.required_attachments.filter((r) => r.satisfied).length}/${view.required_attachments.length} 项已上传` : "无需上传" }),
  );
}

export function modal(...children) {
  const m = h("div", { class: "modal", role: "dialog", "aria-modal": "true" }, h("div", { class: "card" }, children));
  document.body.append(m);
  return m;
}

function confirmDialog(ctx) {
  const err = errorBox();
  const ok = h("button", { type: "button", class: "primary", id: "submit-confirm", disabled: true });
  const cancel = h("button", { type: "button", class: "secondary", text: "返回检查" });
  // what may still change and when the number comes depend on the period's dates now (the
  // window, the review deadline): the server words it (view.submit_note), asked afresh here
  const dates = h("p", { id: "submit-note", text: ctx.view.submit_note || "提交后将进入审核。" });
  api.get("/me").then((fresh) => { if (fresh.submit_note) dates.textContent = [fresh.resubmit_note, fresh.submit_note].join(""); }).catch(() => {});
  const dialog = modal(
    h("h2", { text: "温馨提示" }),
    h("p", { text: "请确认所填信息和所传材料真实、准确。" }),
    dates,
    err,
    ok,
    cancel,
  );
  let left = COUNTDOWN_S;
  const tick = () => {
    ok.textContent = left > 0 ? `提交（${left} 秒）` : "提交";
    ok.disabled = left > 0;
    if (left-- <= 0) clearInterval(timer);
  };
  const timer = setInterval(tick, 1000);
  tick();
  const close = () => {
    clearInterval(timer);
    dialog.remove();
  };
  ctx.onLeave(close);
  cancel.addEventListener("click", close);
  ok.addEventListener("click", () =>
    busy(ok, "提交中…", async () => {
      const view = await api.post("/me/submit");
      close();
      const done = modal(
        h("h2", { text: "提交成功" }),
        h("p", { text: "您的入籍申请已提交，请留意审核进度。" }),
        h("button", { type: "button", class: "primary", id: "submit-done", text: "确认", onclick: () => {
          done.remove();
          ctx.adopt(view, "mine");
        } }),
      );
      ctx.onLeave(() => done.remove());
    }, err),
  );
}

export function render(ctx, root) {
  const view = ctx.view;
  const left = pendingNames(view); // a return's steps not redone yet: the server would refuse
  const submit = h("button", { type: "button", class: "primary", id: "submit-open", text: "提交", disabled: left.length > 0 });
  submit.addEventListener("click", () => confirmDialog(ctx));
  root.append(
    h(
      "section",
      { class: "card", id: "submit" },
      h("h2", { text: view.state === "RETURNED" ? "重新提交入籍申请" : "提交入籍申请" }),
      summary(ctx, view),
      left.length
        ? h("div", { class: "err", id: "resubmit-hint" }, h("p", { class: "err-msg", text: `请先按退回意见完成：${left.join("、")}。` }), h("button", { type: "button", class: "link", text: "查看退回意见", onclick: () => ctx.go("mine") }))
        : null,
      h("button", { type: "button", class: "secondary", text: "修改报名信息", onclick: () => ctx.go("form") }),
      view.required_attachments.length
        ? h("button", { type: "button", class: "secondary", text: "查看附件材料", onclick: () => ctx.go("attachments") })
        : null,
      submit,
    ),
  );
}

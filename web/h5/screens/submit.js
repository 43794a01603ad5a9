// R13: 「提交」 opens a warning whose confirm button unlocks only after a countdown; then a
// confirmation, then 「我的考籍信息」. A first-pass form held by the phone (web/h5/held.js) is
// shown as typed, and 「提交」 saves and submits it in one request; 「暂存」 only saves it.

import { api } from "../api.js";
import { nextDraftScreen } from "../flow.js";
import { busy, errorBox, h } from "../../common/dom.js";
import { PRE_SUBMIT, held, hold, release } from "../held.js";
import { answersReturn, isReturned, pendingNames, returnedItems } from "../returned.js";

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

/** `send(close)`: the request; it answers the submitted view, or nothing when it has taken the
 * candidate elsewhere (a refusal shown on another screen). */
function confirmDialog(ctx, send) {
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
      const view = await send(close);
      if (!view) return;
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

/** Refusals that mean the form was not saved (its own checks): back to the form. */
const unsaved = (code) => code?.startsWith("FORM_") || ["INVALID_REQUEST", "FIELD_INVALID"].includes(code);
/** Refusals of the submission itself, given after the form was saved (domain/case_completeness). */
const SUBMIT_REFUSALS = ["ATTACHMENTS_MISSING"];

/** Whether the case's saved form is the one typed (a refusal code this page does not know). */
const sameForm = (saved, typed) => Object.keys(typed).every((key) => String(saved[key] ?? "") === String(typed[key] ?? ""));

/** The held form saved and submitted in one request. A refusal of the submission (CHSI or an
 * attachment still needed) has saved the form: the candidate goes on to what is missing. */
async function saveAndSubmit(ctx, typed, close) {
  const view = ctx.view;
  const body = { ...typed.form, submit: true };
  if (view.state === "NOTICE_PENDING" && typed.notice_version) body.notice_version = typed.notice_version;
  const leave = (screen, refusal, fresh = null) => {
    close();
    ctx.carry(screen, refusal.message);
    if (fresh) ctx.adopt(fresh, screen);
    else ctx.go(screen);
    return null;
  };
  try {
    const submitted = await api.put("/me/form", body);
    ctx.noticeAccepted = null;
    return submitted;
  } catch (e) {
    if (unsaved(e.code)) return leave("form", e);
    if (e.code === "NOTICE_OUTDATED") {
      // the form stays held, without the notice, which is to be read again
      hold(view, "form", { ...typed, notice_version: null });
      ctx.noticeAccepted = null;
      return leave("notice", e);
    }
    const fresh = await api.get("/me").catch(() => null);
    if (fresh?.state === "SUBMITTED") return fresh; // the answer was lost, not the submission
    const saved = fresh?.state === "DRAFT" && fresh.form && (SUBMIT_REFUSALS.includes(e.code) || sameForm(fresh.form, typed.form));
    if (!saved) throw e;
    release(view, "form");
    ctx.noticeAccepted = null;
    return leave(nextDraftScreen(fresh), e, fresh);
  }
}

function heldForm(ctx, root, typed) {
  const view = ctx.view;
  const err = errorBox();
  const asTyped = { ...view, form: typed.form, chsi_status: "not_needed", required_attachments: [] };
  const submit = h("button", { type: "button", class: "primary", id: "submit-open", text: "提交" });
  submit.addEventListener("click", () => confirmDialog(ctx, (close) => saveAndSubmit(ctx, typed, close)));
  const keep = h("button", { type: "button", class: "secondary", id: "submit-keep", text: "暂存" });
  keep.addEventListener("click", () =>
    busy(keep, "保存中…", async () => {
      const body = { ...typed.form };
      if (view.state === "NOTICE_PENDING" && typed.notice_version) body.notice_version = typed.notice_version;
      const saved = await api.put("/me/form", body);
      release(view, "form");
      ctx.noticeAccepted = null;
      const next = nextDraftScreen(saved);
      ctx.carry(next, "报名信息已暂存，可稍后再提交。", "ok");
      ctx.adopt(saved, next);
    }, err),
  );
  root.append(
    h(
      "section",
      { class: "card", id: "submit" },
      h("h2", { text: "提交入籍申请" }),
      summary(ctx, asTyped),
      h("p", { class: "muted", id: "submit-unsaved", text: "以上报名信息尚未提交，请核对无误后点击「提交」；暂不提交可点击「暂存」保存。" }),
      err,
      h("button", { type: "button", class: "secondary", id: "submit-edit", text: "修改报名信息", onclick: () => ctx.go("form") }),
      keep,
      submit,
    ),
  );
}

export function render(ctx, root) {
  const view = ctx.view;
  const typed = PRE_SUBMIT.includes(view.state) ? held(view, "form") : null;
  if (typed) return heldForm(ctx, root, typed);
  const left = pendingNames(view); // a return's steps not redone yet: the server would refuse
  const submit = h("button", { type: "button", class: "primary", id: "submit-open", text: "提交", disabled: left.length > 0 });
  submit.addEventListener("click", () => confirmDialog(ctx, () => api.post("/me/submit")));
  root.append(
    h(
      "section",
      { class: "card", id: "submit" },
      h("h2", { text: answersReturn(view) ? "重新提交入籍申请" : "提交入籍申请" }),
      // a returned case a change put back to its steps has no 「我的考籍信息」 to read them on
      answersReturn(view) && !isReturned(view) ? returnedItems(ctx, view) : null,
      summary(ctx, view),
      left.length
        ? h(
            "div",
            { class: "err", id: "resubmit-hint" },
            h("p", { class: "err-msg", text: `请先按退回意见完成：${left.join("、")}。` }),
            isReturned(view) ? h("button", { type: "button", class: "link", text: "查看退回意见", onclick: () => ctx.go("mine") }) : null,
          )
        : null,
      h("button", { type: "button", class: "secondary", text: "修改报名信息", onclick: () => ctx.go("form") }),
      view.required_attachments.length
        ? h("button", { type: "button", class: "secondary", text: "查看附件材料", onclick: () => ctx.go("attachments") })
        : null,
      submit,
    ),
  );
}

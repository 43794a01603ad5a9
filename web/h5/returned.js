// A returned application (R14 「退回修改」): what the examiner named, in the candidate's words, and
// where each item is redone. What is still to do comes from the server (view.return_pending: the
// steps, then an attachment to upload again or the form to save again), the same list its
// resubmit check uses, so the page and the check cannot disagree.

import { h } from "../common/dom.js";

/** Steps a return can reopen, in the order the candidate first met them, with their screen. */
export const REDO_STEPS = [
  ["id_card", "idcard", "身份证", "重新上传身份证"],
  ["photo", "photo", "寸照", "重新上传寸照"],
  ["face", "face", "人脸核验", "重新人脸核验"],
];
const SCREEN_OF = Object.fromEntries(REDO_STEPS.map(([item, screen]) => [item, screen]));
const STEP_LABEL = Object.fromEntries(REDO_STEPS.map(([item, , label]) => [item, label]));

const FORM_FIELDS = {
  postal_code: "邮政编码",
  household_type: "户口性质",
  household_province: "户籍所在地",
  occupation: "职业",
  political_status: "政治面貌",
  email: "电子邮箱",
  contact_phone: "联系电话",
  region: "入籍地区",
  major: "入籍专业",
  non_hunan_category: "非本省户籍情形",
  social_insurance_months: "社保缴纳月数",
  identity_changed: "身份信息变更",
  old_name: "原姓名",
  old_id_number: "原证件号码",
};

export const isReturned = (view) => view?.state === "RETURNED";

/** Returned, or put back to its steps by a change made while returned (a new major asking for a
 * proof): the server says so (`answering_return`). The examiner's reasons stand until it goes in
 * again, so the step screens show them in both. */
export const answersReturn = (view) => isReturned(view) || Boolean(view?.answering_return);

/** Redo screens a return opened: the steps still pending and those redone (he may redo again). */
export function redoScreens(view) {
  if (!isReturned(view)) return [];
  const open = new Set([...view.return_pending, ...view.review.redone]);
  return REDO_STEPS.filter(([item]) => open.has(item)).map(([, screen]) => screen);
}

/** After a redo step: the next step the return still needs, else the list of what was asked. */
export function nextReturnScreen(view) {
  const next = REDO_STEPS.find(([item]) => view.return_pending.includes(item));
  return next ? next[1] : "mine";
}

/** What the return still needs (the server's list) in the candidate's words: its steps in the
 * order he first met them, then what he uploads or saves again. */
export function pendingNames(view) {
  const steps = REDO_STEPS.map(([item]) => item).filter((item) => view.return_pending.includes(item));
  const others = view.return_pending.filter((item) => !SCREEN_OF[item]);
  return [...steps, ...others].map((item) => itemLabel(view, item));
}

function attachmentLabel(view, code) {
  for (const req of view.required_attachments) {
    if (req.code === code) return `附件：${req.title}`;
    const doc = req.options.flat().find((d) => d.code === code);
    if (doc) return `附件：${doc.name}`;
  }
  return "附件材料";
}

/** The Chinese name of a review item: a step, the form (or one field of it), an attachment. */
export function itemLabel(view, item) {
  if (STEP_LABEL[item]) return STEP_LABEL[item];
  if (item === "form") return "报名信息";
  if (item.startsWith("form.")) return `报名信息（${FORM_FIELDS[item.slice(5)] || "其他项"}）`;
  if (item === "chsi") return "学信网校验";
  if (item === "other") return "其他";
  return attachmentLabel(view, item);
}

/** Where the candidate acts on an item: a redo step, the form, or the attachments. */
function actionFor(view, item) {
  const step = REDO_STEPS.find(([code]) => code === item);
  // a case a change put back to its steps walks them in order; the app opens redo screens of
  // returned cases only
  if (step) return isReturned(view) ? { screen: step[1], label: step[3] } : null;
  if (item === "form" || item.startsWith("form.")) return { screen: "form", label: "修改报名信息" };
  if (isAttachment(item) && !attachmentAsked(view, item)) return null;
  if (view.required_attachments.length) return { screen: "attachments", label: "修改附件材料" };
  return null;
}

/** Whether the case's choices still ask for this attachment (a new major may not). */
function attachmentAsked(view, code) {
  return view.required_attachments.some((req) => req.code === code || req.options.flat().some((d) => d.code === code));
}

function isAttachment(item) {
  return !SCREEN_OF[item] && item !== "form" && !item.startsWith("form.") && item !== "chsi" && item !== "other";
}

function stepState(view, item) {
  // a proof the examiner named that the case no longer needs (another major): the server no
  // longer waits for it, and 「已完成」 would say it had been uploaded
  if (isAttachment(item) && !attachmentAsked(view, item)) return h("span", { class: "state ok", text: "已无需提交" });
  // a step, or an item answered by a new upload or a saved form (returns made since that rule)
  if (!SCREEN_OF[item] && !(view.review.answers_tracked || []).includes(item)) return null;
  const done = !view.return_pending.includes(item);
  return h("span", { class: done ? "state ok" : "state todo", text: done ? "✓ 已完成" : "待完成" });
}

function row(ctx, view, item, text) {
  const action = actionFor(view, item);
  return h(
    "li",
    { "data-item": item },
    h("p", {}, h("b", { text: itemLabel(view, item) }), " ", stepState(view, item)),
    h("p", { class: "reason", text }),
    action ? h("button", { type: "button", class: "secondary", "data-redo": action.screen, text: action.label, onclick: () => ctx.go(action.screen) }) : null,
  );
}

/** 「我的考籍信息」 of a returned case: each item with the examiner's reason, its state and where
 * to act; a face check voided by a new photo or ID card is listed although no one named it. */
export function returnedItems(ctx, view) {
  const named = view.review.items.map((i) => i.item);
  const implied = REDO_STEPS.map(([item]) => item).filter((item) => !named.includes(item) && (view.return_pending.includes(item) || view.review.redone.includes(item)));
  return h(
    "div",
    { class: "notice-box returned", id: "review-reasons" },
    h("p", { class: "err-msg", text: "审核退回，请按以下意见修改后重新提交：" }),
    h(
      "ul",
      { class: "return-items" },
      view.review.items.map((i) => row(ctx, view, i.item, `审核意见：${i.reason}`)),
      implied.map((item) => row(ctx, view, item, "更换寸照或身份证后，须重新进行人脸核验。")),
    ),
  );
}

/** On the screen where an item is redone: the examiner's reasons for it (「form」 also gathers the
 * form's fields), so the candidate knows what to fix; for a voided face check, why it is asked. */
export function returnNote(view, item) {
  if (!answersReturn(view)) return null;
  const named = view.review.items.filter((i) => i.item === item || i.item.startsWith(`${item}.`));
  const lines = named.map((i) => `审核意见：${i.reason}`);
  if (!lines.length && item === "face" && view.return_pending.includes("face")) lines.push("您更换了寸照或身份证，须重新进行人脸核验。");
  return lines.length ? h("div", { class: "notice-box", id: "return-note" }, lines.map((text) => h("p", { text }))) : null;
}

/** On the attachments screen: the examiner's reasons for the proofs the case still has to give. */
export function attachmentNotes(view) {
  if (!answersReturn(view)) return null;
  const named = view.review.items.filter((i) => isAttachment(i.item) && attachmentAsked(view, i.item));
  if (!named.length) return null;
  return h(
    "div",
    { class: "notice-box", id: "return-note" },
    named.map((i) => h("p", { "data-item": i.item, text: `${itemLabel(view, i.item)}　审核意见：${i.reason}` })),
  );
}

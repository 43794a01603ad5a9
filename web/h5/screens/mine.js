// R14: 「我的考籍信息」 — review progress and result, 「修改」 until review starts; R16: the
// admission-ticket number once issued. Refreshes itself while a decision is still to come.

import { api } from "../api.js";
import { formatTime, h } from "../../common/dom.js";
import { itemLabel, pendingNames, returnedItems } from "../returned.js";
import { summary } from "./submit.js";

const POLL_MS = 5000;
const FINAL = ["REJECTED", "TICKET_ISSUED", "EXPIRED", "WITHDRAWN", "SUPERSEDED"];
// SUPERSEDED: an application of the same ID number from another phone passed the ID-card and
// face checks first, so this one has ended (docs/decisions.md, "Identity takeover").
const SUPERSEDED_TEXT =
  "该证件号码已在其他手机号上通过身份证和人脸核验并报名，本申请已终止。如非本人操作或有疑问，请携带身份证到考区自考办咨询。";
const PROGRESS = [
  ["SUBMITTED", "已提交"],
  ["UNDER_REVIEW", "审核中"],
  ["APPROVED", "审核通过"],
  ["TICKET_ISSUED", "生成准考证号"],
];
const ORDER = { SUBMITTED: 0, RETURNED: 0, UNDER_REVIEW: 1, APPROVED: 2, REJECTED: 2, TICKET_ISSUED: 4 };

function reviewBox(ctx, view) {
  if (view.state === "RETURNED") return returnedItems(ctx, view);
  if (view.state !== "REJECTED" || !view.review.items.length) return null;
  return h(
    "div",
    { class: "err", id: "review-reasons" },
    h("p", { class: "err-msg", text: "审核不通过，原因如下：" }),
    h("ul", {}, view.review.items.map((i) => h("li", { text: `${itemLabel(view, i.item)}：${i.reason}` }))),
  );
}

/** By when the case must go in again (the period's close-out): the server words it from the
 * period's current dates; an update's answer does not carry it, so /me is asked then. */
function resubmitBy(view) {
  const note = h("p", { class: "err-msg", id: "resubmit-by", text: view.resubmit_note || "" });
  if (!view.resubmit_note) api.get("/me").then((fresh) => { note.textContent = fresh.resubmit_note || ""; }).catch(() => {});
  return note;
}

/** 「重新提交」 opens only when every step the return reopened is redone; it says what is left. */
function resubmit(ctx, view) {
  const left = pendingNames(view);
  return [
    resubmitBy(view),
    left.length ? h("p", { class: "muted", id: "resubmit-hint", text: `请先完成：${left.join("、")}，再重新提交。` }) : null,
    h("button", { type: "button", class: "primary", id: "resubmit", text: "重新提交", disabled: left.length > 0, onclick: () => ctx.go("submit") }),
  ];
}

export function render(ctx, root) {
  const view = ctx.view;
  const at = ORDER[view.state] ?? -1;
  const canChange = ["SUBMITTED", "RETURNED"].includes(view.state);
  const ticket = view.ticket_number
    ? h(
        "div",
        { class: "ticket", id: "ticket" },
        h("p", { text: "您的准考证号" }),
        h("p", { class: "number", id: "ticket-number", text: view.ticket_number }),
        h("p", { class: "muted", text: "请登录「湖南自考服务平台」选择专业课程报考。" }),
      )
    : null;
  root.append(
    h(
      "section",
      { class: "card", id: "mine" },
      h("h2", { text: "我的考籍信息" }),
      h("p", {}, "审核状态：", h("span", { class: "status", id: "state-label", text: view.state_label })),
      at >= 0
        ? h("ol", { class: "steps progress" }, PROGRESS.map(([, label], i) => h("li", { class: i < at ? "done" : i === at ? "current" : "", text: label })))
        : null,
      view.ticket_note ? h("p", { class: "ok", id: "ticket-note", text: view.ticket_note }) : null,
      view.state === "SUPERSEDED" ? h("p", { class: "err-msg", id: "superseded", text: SUPERSEDED_TEXT }) : null,
      view.closed_reason ? h("p", { class: "notice-box", id: "closed-reason", text: view.closed_reason }) : null,
      ticket,
      reviewBox(ctx, view),
      view.submitted_at ? h("p", { class: "muted", text: `提交时间：${formatTime(view.submitted_at)}` }) : null,
      summary(ctx, view),
      canChange ? h("button", { type: "button", class: "primary", id: "modify", text: "修改", onclick: () => ctx.go("form") }) : null,
      view.state === "RETURNED" ? resubmit(ctx, view) : null,
      canChange && view.required_attachments.length
        ? h("button", { type: "button", class: "secondary", text: "附件材料", onclick: () => ctx.go("attachments") })
        : null,
      h("button", { type: "button", class: "secondary", id: "refresh", text: "刷新", onclick: () => ctx.reload() }),
    ),
  );
  if (FINAL.includes(view.state)) return;
  const timer = setInterval(async () => {
    try {
      const fresh = await api.get("/me");
      if (fresh.state !== view.state || fresh.ticket_number !== view.ticket_number) ctx.adopt(fresh, "mine");
    } catch {
      /* the next poll tries again */
    }
  }, POLL_MS);
  ctx.onLeave(() => clearInterval(timer));
}

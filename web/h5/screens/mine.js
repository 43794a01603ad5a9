// R14: 「我的考籍信息」 — review progress and result, 「修改」 until review starts; R16: the
// admission-ticket number once issued. Refreshes itself while a decision is still to come.

import { api } from "../api.js";
import { formatTime, h } from "../../common/dom.js";
import { summary } from "./submit.js";

const POLL_MS = 5000;
const FINAL = ["REJECTED", "TICKET_ISSUED", "EXPIRED", "WITHDRAWN"];
const PROGRESS = [
  ["SUBMITTED", "已提交"],
  ["UNDER_REVIEW", "审核中"],
  ["APPROVED", "审核通过"],
  ["TICKET_ISSUED", "生成准考证号"],
];
const ORDER = { SUBMITTED: 0, RETURNED: 0, UNDER_REVIEW: 1, APPROVED: 2, REJECTED: 2, TICKET_ISSUED: 4 };

const ITEMS = { id_card: "身份证", photo: "寸照", face: "人脸核验", form: "报名信息", chsi: "学信网校验", other: "其他" };

function itemLabel(view, item) {
  const req = view.required_attachments.find((r) => r.code === item);
  return ITEMS[item] || req?.title || item;
}

function reviewBox(ctx, view) {
  const r = view.review;
  if (!["RETURNED", "REJECTED"].includes(view.state) || !r.items.length) return null;
  return h(
    "div",
    { class: "err", id: "review-reasons" },
    h("p", { class: "err-msg", text: view.state === "RETURNED" ? "审核退回，请按以下意见修改后重新提交：" : "审核不通过，原因如下：" }),
    h("ul", {}, r.items.map((i) => h("li", { text: `${itemLabel(view, i.item)}：${i.reason}` }))),
  );
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
      view.state === "APPROVED" ? h("p", { class: "ok", text: "审核已通过，准考证号将在审核截止时间后生成。" }) : null,
      view.closed_reason ? h("p", { class: "notice-box", id: "closed-reason", text: view.closed_reason }) : null,
      ticket,
      reviewBox(ctx, view),
      view.submitted_at ? h("p", { class: "muted", text: `提交时间：${formatTime(view.submitted_at)}` }) : null,
      summary(ctx, view),
      canChange ? h("button", { type: "button", class: "primary", id: "modify", text: "修改", onclick: () => ctx.go("form") }) : null,
      view.state === "RETURNED" ? h("button", { type: "button", class: "primary", text: "重新提交", onclick: () => ctx.go("submit") }) : null,
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

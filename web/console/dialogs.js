// Modal dialogs: a confirmation (Enter confirms, Esc cancels) and per-item reasons for a
// rejection or a return (tick the items, give each a reason or pick one of the item's common
// reasons; Ctrl+Enter sends). A return offers only what the candidate can redo.

import { errorBox, h } from "../common/dom.js";
import { ATTACHMENT_HINT, COMMON_REASONS, REJECT_ITEMS, RETURN_ITEMS } from "./labels.js";

function modal(title, body, buttons, onKey) {
  const panel = h("div", { class: "panel dialog", role: "dialog", "aria-modal": "true", "aria-label": title }, h("h2", { text: title }), body, h("div", { class: "actions" }, buttons));
  const overlay = h("div", { class: "modal" }, panel);
  const close = () => {
    document.removeEventListener("keydown", keys, true);
    overlay.remove();
  };
  const keys = (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    } else onKey?.(event);
  };
  document.addEventListener("keydown", keys, true);
  document.body.append(overlay);
  return { close, panel };
}

export function confirmDialog(message, onConfirm) {
  const ok = h("button", { type: "button", class: "btn primary", id: "dialog-ok", text: "确定（Enter）" });
  const cancel = h("button", { type: "button", class: "btn", text: "取消（Esc）" });
  const run = () => {
    dialog.close();
    onConfirm();
  };
  const dialog = modal("请确认", h("p", { text: message }), [ok, cancel], (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      run();
    }
  });
  ok.addEventListener("click", run);
  cancel.addEventListener("click", () => dialog.close());
  ok.focus();
}

/** The items a return ("return") or a rejection ("reject") of this case may name. */
export function reviewItems(kind, required) {
  const returning = kind === "return";
  return [
    ...(returning ? RETURN_ITEMS : REJECT_ITEMS).map(([code, label, hint]) => ({ code, label, hint, reasons: COMMON_REASONS[code] })),
    ...required.map((r) => ({ code: r.code, label: `附件：${r.title}`, hint: returning ? ATTACHMENT_HINT : "", reasons: COMMON_REASONS.attachment })),
  ];
}

function reasonRow({ code, label, hint, reasons }) {
  const tick = h("input", { type: "checkbox", "data-item": code });
  const reason = h("input", { type: "text", placeholder: "原因（考生可见）", "data-reason": code, disabled: true });
  const picks = h(
    "div",
    { class: "reason-picks", hidden: true },
    reasons.map((text) => h("button", { type: "button", class: "chip", "data-pick": text, text, onclick: () => ((reason.value = text), reason.focus()) })),
  );
  tick.addEventListener("change", () => {
    reason.disabled = !tick.checked;
    picks.hidden = !tick.checked;
    if (tick.checked) reason.focus();
  });
  const name = h("span", {}, label, hint ? h("small", { class: "muted", text: hint }) : null);
  return { code, tick, reason, el: h("div", { class: "reason-item", "data-row": code }, h("label", { class: "reason-row" }, tick, name, reason), picks) };
}

/** `draft`: the items and reasons of an attempt that did not go through, ticked and filled again. */
export function reasonsDialog(title, items, onSubmit, draft = null) {
  const err = errorBox();
  const rows = items.map(reasonRow);
  for (const { item, reason } of draft || []) {
    const row = rows.find((r) => r.code === item);
    if (!row) continue;
    row.tick.checked = true;
    row.tick.dispatchEvent(new Event("change"));
    row.reason.value = reason;
  }
  const send = h("button", { type: "button", class: "btn primary", id: "dialog-send", text: `${title}（Ctrl+Enter）` });
  const cancel = h("button", { type: "button", class: "btn", text: "取消（Esc）" });
  const submit = () => {
    const list = rows.filter((r) => r.tick.checked).map((r) => ({ item: r.code, reason: r.reason.value.trim() }));
    if (!list.length) return err.show({ message: "请至少勾选一项并填写原因" });
    if (list.some((i) => !i.reason)) return err.show({ message: "请为每个勾选的项目填写原因" });
    dialog.close();
    onSubmit(list);
  };
  const dialog = modal(title, h("div", { class: "reasons" }, h("p", { class: "muted", text: "勾选有问题的项目，并逐项填写原因：" }), rows.map((r) => r.el), err), [send, cancel], (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
  send.addEventListener("click", submit);
  cancel.addEventListener("click", () => dialog.close());
  rows[0].tick.focus();
}

// Approving a case whose checklist is not complete: the examiner says why (kept and audited).
export function overrideDialog(missing, onSubmit) {
  const err = errorBox();
  const reason = h("textarea", { id: "override-reason", rows: 3, maxlength: 500, placeholder: "例如：已现场核验证书原件" });
  const send = h("button", { type: "button", class: "btn primary", id: "override-send", text: "仍然通过" });
  const cancel = h("button", { type: "button", class: "btn", text: "取消（Esc）" });
  const submit = () => {
    if (!reason.value.trim()) return err.show({ message: "请填写通过理由" });
    dialog.close();
    onSubmit(reason.value.trim());
  };
  const body = h("div", {}, h("p", { text: "以下材料尚未齐全：" }), h("ul", {}, missing.map((m) => h("li", { text: m }))), h("p", { class: "muted", text: "如已核实，请填写通过理由（记入审核记录）：" }), reason, err);
  const dialog = modal("材料不完整", body, [send, cancel]);
  send.addEventListener("click", submit);
  cancel.addEventListener("click", () => dialog.close());
  reason.focus();
}

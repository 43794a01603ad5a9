// A header action behind a confirmation that says what it means: 「撤回申请」, 「退出所有设备」.

import { busy, errorBox, h } from "../common/dom.js";
import { modal } from "./screens/submit.js";

/** Buttons `#<id>-confirm` and `#<id>-cancel`; `act(close)` runs on confirm, its error shown
 * in the dialog (which stays open for another try). */
export function confirmAction(ctx, { id, title, lines, confirm, cancel, doing, act }) {
  const err = errorBox();
  const ok = h("button", { type: "button", class: "danger", id: `${id}-confirm`, text: confirm });
  const dismiss = h("button", { type: "button", class: "secondary", id: `${id}-cancel`, text: cancel });
  const dialog = modal(h("h2", { text: title }), ...lines, err, ok, dismiss);
  const close = () => dialog.remove();
  ctx.onLeave(close);
  dismiss.addEventListener("click", close);
  ok.addEventListener("click", () => busy(ok, doing, () => act(close), err));
}

// R6: 《新生入籍须知》 as the server serves it (its version is kept on the case when accepted),
// the commitment tick, then 「去入籍」: the form, which sends the accepted version with its first
// save (the case records both at once; a reload before that shows the notice again, unless the
// form was held for 「提交」 with the acceptance: web/h5/held.js).

import { api } from "../api.js";
import { clear, errorBox, h } from "../../common/dom.js";

export function render(ctx, root) {
  const err = errorBox();
  const tick = h("input", { type: "checkbox", id: "notice-agree", disabled: true });
  const go = h("button", { type: "button", class: "primary", id: "notice-go", text: "去入籍", disabled: true });
  const text = h("div", { class: "notice-text", tabindex: 0 }, h("p", { class: "muted", text: "正在加载…" }));
  let version = null;
  tick.addEventListener("change", () => {
    go.disabled = !tick.checked;
  });
  go.addEventListener("click", () => {
    ctx.noticeAccepted = version;
    ctx.go("form");
  });
  root.append(h("section", { class: "card" }, h("h2", { text: "新生入籍须知" }), text, h("label", { class: "tick" }, tick, "承诺书我已阅读，并同意所有条款"), err, go));
  api
    .get("/notice")
    .then((notice) => {
      version = notice.version;
      clear(text, notice.paragraphs.map((p) => h("p", { text: p })), h("p", { class: "muted", id: "notice-version", text: `版本：${notice.version}` }));
      tick.disabled = false;
    })
    .catch((e) => err.show(e));
}

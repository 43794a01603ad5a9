// R9–R12: the required-attachments checklist. A requirement is met by any one of its options; an
// option by all of its documents. The list comes from the same rules the submit check uses.

import { api } from "../api.js";
import { errorBox, h } from "../../common/dom.js";

const RULES = { R9: "学信网校验失败", R10: "非本省户籍", R11: "限制性专业", R12: "身份信息变更" };

function documentRow(ctx, doc, uploaded, err) {
  const input = h("input", { type: "file", accept: "image/jpeg,image/png", "data-doc": doc.code, "aria-label": `上传${doc.name}` });
  const state = uploaded ? h("span", { class: "up", text: "已上传 ✓" }) : null;
  input.addEventListener("change", async () => {
    if (!input.files[0]) return;
    const data = new FormData();
    data.append("file", input.files[0]);
    const label = input.parentElement.firstChild;
    label.textContent = "上传中…";
    input.disabled = true;
    err.hide();
    try {
      ctx.adopt(await api.post(`/me/attachments/${doc.code}`, data), "attachments");
    } catch (e) {
      err.show(e);
      label.textContent = uploaded ? "重新上传" : "上传";
      input.disabled = false;
    }
  });
  const picker = h("label", { class: "file-btn" }, uploaded ? "重新上传" : "上传", input);
  return h("div", { class: "doc" }, h("span", { text: doc.name }), state, picker);
}

export function render(ctx, root) {
  const view = ctx.view;
  const err = errorBox();
  const uploaded = new Set(view.uploaded_attachments);
  const list = view.required_attachments.map((req) =>
    h(
      "div",
      { class: `req${req.satisfied ? " done" : ""}`, "data-req": req.code },
      h("span", { class: "state", text: req.satisfied ? "✓ 已满足" : "待上传" }),
      h("h3", { text: req.title }),
      h("p", { class: "muted", text: `${RULES[req.rule] || req.rule}${req.options.length > 1 ? " · 以下任选一种" : ""}` }),
      req.options.map((option, i) => [
        i ? h("p", { class: "or", text: "或" }) : null,
        option.map((doc) => documentRow(ctx, doc, uploaded.has(doc.code), err)),
      ]),
    ),
  );
  const missing = view.required_attachments.filter((r) => !r.satisfied).length;
  const next = h("button", { type: "button", class: "primary", id: "attachments-next", text: view.state === "DRAFT" ? "下一步" : "完成", disabled: missing > 0 });
  next.addEventListener("click", () => ctx.go(view.state === "DRAFT" ? "submit" : "mine"));
  root.append(
    h(
      "section",
      { class: "card", id: "attachments" },
      h("h2", { text: "上传附件材料" }),
      list.length ? list : h("p", { class: "ok", text: "您无需上传附件材料。" }),
      missing ? h("p", { class: "muted", text: `还有 ${missing} 项材料未上传。支持 JPG、PNG 图片，每个文件不超过 10 MB。` }) : null,
      err,
      next,
    ),
  );
}

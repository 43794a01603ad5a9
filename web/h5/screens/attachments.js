// R9–R12: the required-attachments checklist. A requirement is met by any one of its options; an
// option by all of its documents. The list comes from the same rules the submit check uses.
// Each upload carries an Idempotency-Key, so the retry after a lost answer adds no second file;
// the candidate's own files are listed and can be deleted until review starts.

import { api } from "../api.js";
import { errorBox, h } from "../../common/dom.js";
import { attachmentNotes } from "../returned.js";

const RULES = { R9: "学信网校验失败", R10: "非本省户籍", R11: "限制性专业", R12: "身份信息变更" };

const ACCEPT = "image/jpeg,image/png,application/pdf,.pdf";

/** One upload; sent once more with the same key if the network dropped the answer. */
async function send(code, file) {
  const data = new FormData();
  data.append("file", file);
  const headers = { "idempotency-key": crypto.randomUUID() };
  try {
    return await api.post(`/me/attachments/${code}`, data, headers);
  } catch (e) {
    if (e.code !== "NETWORK") throw e;
    return api.post(`/me/attachments/${code}`, data, headers);
  }
}

function fileList(ctx, code, files, err) {
  if (!files.length) return null;
  return h(
    "ul",
    { class: "files" },
    files.map((f, i) => {
      const del = h("button", { type: "button", class: "link", "data-file": f.id, text: "删除" });
      del.addEventListener("click", async () => {
        if (!window.confirm("确定删除该文件吗？")) return;
        err.hide();
        try {
          ctx.adopt(await api.del(`/me/attachments/${code}/${f.id}`), "attachments");
        } catch (e) {
          err.show(e);
        }
      });
      const kind = f.content_type === "application/pdf" ? "PDF" : "图片";
      return h("li", {}, `文件 ${i + 1}（${kind}，${Math.ceil(f.size / 1024)} KB） `, del);
    }),
  );
}

function documentRow(ctx, doc, uploaded, files, err) {
  const input = h("input", { type: "file", accept: ACCEPT, "data-doc": doc.code, "aria-label": `上传${doc.name}` });
  const state = uploaded ? h("span", { class: "up", text: "已上传 ✓" }) : null;
  input.addEventListener("change", async () => {
    if (!input.files[0]) return;
    const label = input.parentElement.firstChild;
    label.textContent = "上传中…";
    input.disabled = true;
    err.hide();
    try {
      ctx.adopt(await send(doc.code, input.files[0]), "attachments");
    } catch (e) {
      err.show(e);
      label.textContent = uploaded ? "重新上传" : "上传";
      input.disabled = false;
    }
  });
  const picker = h("label", { class: "file-btn" }, uploaded ? "再上传一份" : "上传", input);
  const mine = fileList(ctx, doc.code, files.filter((f) => f.code === doc.code), err);
  return h("div", { class: "doc" }, h("span", { text: doc.name }), state, picker, mine);
}

export async function render(ctx, root) {
  const view = ctx.view;
  const err = errorBox();
  const uploaded = new Set(view.uploaded_attachments);
  let left = false;
  ctx.onLeave(() => (left = true));
  const files = view.uploaded_attachments.length ? await api.get("/me/attachments").catch(() => []) : [];
  if (left) return; // another screen was shown while the list loaded
  const list = view.required_attachments.map((req) =>
    h(
      "div",
      { class: `req${req.satisfied ? " done" : ""}`, "data-req": req.code },
      h("span", { class: "state", text: req.satisfied ? "✓ 已满足" : "待上传" }),
      h("h3", { text: req.title }),
      h("p", { class: "muted", text: `${RULES[req.rule] || req.rule}${req.options.length > 1 ? " · 以下任选一种" : ""}` }),
      req.options.map((option, i) => [
        i ? h("p", { class: "or", text: "或" }) : null,
        option.map((doc) => documentRow(ctx, doc, uploaded.has(doc.code), files, err)),
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
      attachmentNotes(view),
      list.length ? list : h("p", { class: "ok", text: "您无需上传附件材料。" }),
      missing ? h("p", { class: "muted", text: `还有 ${missing} 项材料未上传。支持 JPG、PNG 图片或 PDF 文件（不超过 10 页），每个文件不超过 10 MB。` }) : null,
      err,
      next,
    ),
  );
}

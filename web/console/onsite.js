// 「现场核验」: a candidate the live face check cannot pass comes to the counter with his ID card.
// The examiner types the card's number, compares the card and the person with the portraits on
// file, and records the check in person with what he checked; the case then goes on past its
// face step, flagged for review. Only cases waiting for their face check are listed.

import { api } from "./api.js";
import { busy, clear, errorBox, h } from "../common/dom.js";
import { confirmDialog } from "./dialogs.js";

const img = (url, alt) =>
  h("figure", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt, class: "doc-img" })) : h("p", { class: "muted", text: "无" }), h("figcaption", { text: alt }));

function outcome(view) {
  const flagged = view.needs_manual_review ? "，已标记为需人工审核" : "";
  return `已登记现场核验，人脸核验步骤已通过；当前状态：${view.state_label}${flagged}`;
}

function candidate(ctx, found) {
  const r = found.row;
  const err = errorBox();
  const done = h("p", { class: "ok-line", hidden: true });
  const tag = h("span", { class: `tag s-${r.status}`, text: r.status_label });
  const reason = h("textarea", { name: "reason", rows: 2, maxlength: 500, "aria-label": "核验说明", placeholder: "例如：已核对身份证原件，本人与证件照片一致" });
  const confirm = h("button", { type: "button", class: "btn good", "data-on-site": r.application_id, text: "确认现场核验通过" });
  confirm.addEventListener("click", () => {
    if (!reason.value.trim()) return err.show({ message: "请填写核验说明（核对了什么）" });
    confirmDialog(`确认已现场核验 ${r.name || "该考生"}（${r.id_number}）本人与身份证一致？此操作记入该申请的处理记录。`, () =>
      busy(confirm, "登记中…", async () => {
        const view = await api.post(`/examiner/applications/${encodeURIComponent(r.application_id)}/face-on-site`, { reason: reason.value.trim() });
        tag.className = `tag s-${view.state}`;
        tag.textContent = view.state_label;
        done.textContent = outcome(view);
        done.hidden = false;
        confirm.remove();
        reason.disabled = true;
      }, err),
    );
  });
  return h(
    "section",
    { class: "panel on-site", "data-id": r.application_id, "data-status": r.status },
    h("h3", {}, r.name || "（姓名未确认）", tag),
    h(
      "dl",
      { class: "kv" },
      h("dt", { text: "证件号码" }), h("dd", { class: "mono", text: r.id_number }),
      h("dt", { text: "手机" }), h("dd", { class: "mono", text: r.phone }),
      h("dt", { text: "考期" }), h("dd", { text: r.period_id }),
      h("dt", { text: "地区" }), h("dd", { text: ctx.catalogs.region[r.region] || "（尚未选择）" }),
      h("dt", { text: "人脸核验次数" }), h("dd", { text: String(found.face_attempts) }),
    ),
    h("div", { class: "imgs" }, img(found.files.id_portrait, "证件头像"), img(found.files.photo, "寸照"), img(found.files.face_frame, "最近一次核验画面")),
    h("label", { class: "field" }, h("span", { class: "label", text: "核验说明（记入处理记录）" }), reason),
    err,
    h("div", { class: "actions" }, confirm),
    done,
  );
}

export function render(ctx, root) {
  const err = errorBox();
  const number = h("input", { name: "id_number", placeholder: "身份证件号码（完整）", "aria-label": "证件号码", size: 24, autofocus: true });
  const go = h("button", { type: "submit", class: "btn primary", text: "查找" });
  const out = h("div", { id: "on-site-out" });
  const form = h("form", { class: "panel filters", id: "on-site-search" }, number, go);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(go, "查找中…", async () => {
      const { cases } = await api.get("/examiner/face-on-site", { id_number: number.value.trim() });
      clear(out, cases.length ? cases.map((c) => candidate(ctx, c)) : h("p", { class: "panel empty", text: "没有待人脸核验的申请：尚未到达该步骤、已经通过，或证件号码有误" }));
    }, err);
  });
  root.append(
    h(
      "section",
      { class: "panel" },
      h("h2", { text: "现场核验" }),
      h("p", { class: "muted", text: "考生人脸核验多次未通过、到考区现场核验时使用：按考生出示的身份证件号码查找，核对证件原件、本人与下方照片一致后登记。查询和登记均留存记录。" }),
    ),
    form,
    err,
    out,
  );
  number.focus();
}

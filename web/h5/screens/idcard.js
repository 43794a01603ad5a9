// R3: both sides of the ID card, photographed or from the album; then the OCR values to check.
// On the first pass the values confirmed here go with the photo upload (web/h5/held.js): the
// photo screen follows without a request of its own.

import { api, inLine } from "../api.js";
import { busy, errorBox, field, h } from "../../common/dom.js";
import { confirmsAtPhoto, hold } from "../held.js";
import { answersReturn, isReturned, returnNote } from "../returned.js";
import { cardGuide, cardRefusals } from "./guide.js";

const FIELDS = [
  ["name", "姓名"],
  ["sex", "性别"],
  ["ethnicity", "民族"],
  ["birth_date", "出生日期", "date"],
  ["address", "住址"],
  ["id_number", "公民身份号码"],
  ["issuer", "签发机关"],
  ["valid_from", "有效期限（起）", "date"],
  ["valid_until", "有效期限（止）", "date"],
];

function sidePicker(name, label) {
  const preview = h("span", { text: label });
  const input = h("input", { type: "file", name, accept: "image/jpeg,image/png", "aria-label": label });
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (file) preview.replaceChildren(h("img", { src: URL.createObjectURL(file), alt: label }), h("span", { class: "name", text: file.name }));
  });
  return { input, el: h("label", { class: "pick" }, preview, input) };
}

function uploadStep(ctx, root) {
  const err = errorBox();
  const front = sidePicker("front", "头像面（拍摄或从相册选择）");
  const back = sidePicker("back", "国徽面（拍摄或从相册选择）");
  const go = h("button", { type: "button", class: "primary", id: "upload-id", text: "上传完成请核对信息" });
  go.addEventListener("click", () =>
    busy(go, "正在识别，请稍候…", async () => {
      if (!front.input.files[0] || !back.input.files[0]) throw new Error("请上传身份证头像面和国徽面");
      const data = new FormData();
      data.append("front", front.input.files[0]);
      data.append("back", back.input.files[0]);
      try {
        ctx.adopt(await api.upload("/me/id-card", data, inLine(go)), "");
      } catch (e) {
        if (!e.code) throw e;
        err.show(e, cardRefusals(e)); // each refusal: which side, what was measured, what to do
      }
    }, err),
  );
  root.append(
    h(
      "section",
      { class: "card" },
      h("h2", { text: answersReturn(ctx.view) ? "重新上传身份证" : "上传身份证" }),
      returnNote(ctx.view, "id_card"),
      h("p", { class: "muted", text: "请将证件平放、四角完整、避免反光，分别上传头像面和国徽面。" }),
      cardGuide(),
      h("div", { class: "sides" }, front.el, back.el),
      err,
      go,
    ),
  );
}

async function confirmStep(ctx, root) {
  const err = errorBox();
  const form = h("form", { id: "confirm-id" });
  const card = h("section", { class: "card" }, h("h2", { text: "上传完成请核对信息" }), form);
  root.append(card);
  let reading;
  try {
    reading = await api.get("/me/id-card");
  } catch (e) {
    form.append(err);
    return err.show(e);
  }
  if (reading.confirmed && (isReturned(ctx.view) || (answersReturn(ctx.view) && ctx.view.return_pending.includes("id_card")))) {
    // a return asks for the card again (also when a change since put the case back to this
    // step): the one confirmed before is not read anew until uploaded
    card.remove();
    return uploadStep(ctx, root);
  }
  // the values typed before going back from the photo screen (or before a refused confirmation)
  const values = ctx.idCardTyped || reading.confirmed || reading.ocr;
  ctx.idCardTyped = null;
  const inputs = {};
  form.append(h("p", { class: "muted", text: "以下信息由系统从身份证照片识别，如有错误请直接修改（修改过的内容将由审核员核对）。" }));
  const flags = Object.fromEntries((reading.flags || []).map((f) => [f.field, f.message]));
  for (const [key, label, type] of FIELDS) {
    const input = h("input", { name: key, type: type || "text", value: values[key] ?? "" });
    const wrap = field(label, input);
    if (flags[key]) {
      wrap.classList.add("flagged");
      wrap.append(h("p", { class: "err-msg", text: `请核对：${flags[key]}` }));
    }
    const mark = () => wrap.classList.toggle("changed", input.value !== String(reading.ocr[key] ?? ""));
    input.addEventListener("input", mark);
    mark();
    inputs[key] = input;
    form.append(wrap);
  }
  const longTerm = h("input", { type: "checkbox", name: "long_term", checked: Boolean(values.long_term) });
  form.append(h("label", { class: "tick" }, longTerm, "有效期限为长期"));
  const ok = h("button", { type: "submit", class: "primary", id: "confirm-id-ok", text: "确认无误，下一步" });
  const redo = h("button", { type: "button", class: "secondary", text: "重新上传", onclick: () => {
    card.remove();
    uploadStep(ctx, root);
  } });
  form.append(err, ok, redo);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = { long_term: longTerm.checked };
    for (const [key] of FIELDS) fields[key] = inputs[key].value.trim() || null;
    for (const key of ["name", "sex", "ethnicity", "address", "id_number", "issuer"]) fields[key] ||= "";
    if (fields.long_term) fields.valid_until = null;
    if (!registeredNumber(ctx.view.id_number, fields.id_number)) {
      return err.show({ message: "公民身份号码与注册时填写的证件号码不一致，请核对" });
    }
    if (confirmsAtPhoto(ctx.view)) {
      hold(ctx.view, "id_card", fields);
      return ctx.go("photo");
    }
    busy(ok, "提交中…", async () => ctx.adopt(await api.post("/me/id-card/confirm", fields)), err);
  });
}

/** Whether `typed` can be the number registered, of which the view shows only the ends
 * (4301**********123X): the server checks it in full. */
function registeredNumber(masked, typed) {
  const number = typed.replace(/\s/g, "").toUpperCase();
  if (!masked || !masked.includes("*")) return !masked || number === masked.toUpperCase();
  return number.length === masked.length && [...masked.toUpperCase()].every((c, i) => c === "*" || c === number[i]);
}

export function render(ctx, root) {
  if (ctx.view.id_card) confirmStep(ctx, root);
  else uploadStep(ctx, root);
}

// R7 (basic and enrollment info), R10 (non-Hunan household), R12 (changed identity data).
// Before submission 「保存并继续」 saves the draft; after it (until review starts) it is R14's 「修改」.
// A first-pass form that needs nothing more before submission is not saved here: 「下一步」 holds
// it (web/h5/held.js) and 「提交」 saves and submits it in one request (issue #18).

import { api } from "../api.js";
import { goesStraightToSubmit, nextDraftScreen } from "../flow.js";
import { busy, clear, errorBox, field, h, select } from "../../common/dom.js";
import { PRE_SUBMIT, held, hold, release } from "../held.js";
import { returnNote } from "../returned.js";

const HUNAN = "43";
const LEVEL_LABELS = { zhuanke: "专科", benke: "专升本" };
const NON_HUNAN = [
  ["works", "在我省工作（工作证明 + 社保参保证明3个月以上）"],
  ["studies", "在我省学习（在读证明或《教育部学籍在线验证报告》）"],
  ["lives", "在我省居住（《居住证》或其他居住证明）"],
];

function majorSelect(majors, value) {
  const group = (level, label) =>
    h(
      "optgroup",
      { label },
      majors
        .filter((m) => m.level === level)
        .map((m) => h("option", { value: m.code, selected: m.code === value, text: `${m.code} ${m.name}${m.restricted ? "（限制性专业）" : ""}` })),
    );
  return h("select", { name: "major" }, h("option", { value: "", text: "请选择入籍专业" }), group("zhuanke", "专科"), group("benke", "专升本"));
}

function radios(name, entries, value) {
  return h(
    "div",
    { class: "radios", role: "radiogroup" },
    entries.map(([v, label]) => h("label", {}, h("input", { type: "radio", name, value: v, checked: v === value }), label)),
  );
}

export function render(ctx, root) {
  const { catalogs, view } = ctx;
  // the notice accepted on the screen before goes with the first save (one request fewer)
  const noticeVersion = view.state === "NOTICE_PENDING" ? ctx.noticeAccepted : null;
  const modifying = view.state !== "DRAFT" && !noticeVersion;
  // a form typed and held for 「提交」 comes back as typed (「修改报名信息」, a reload)
  const typed = PRE_SUBMIT.includes(view.state) ? held(view, "form")?.form : null;
  const f = typed || view.form || {};
  const err = errorBox();
  const fromId = view.id_number.slice(0, 2);
  // a case keeps the edition of the major it chose (its condition text too), even one the office
  // has since edited or no longer offers to new choices
  const choice = view.form?.major_choice;
  const kept = choice && { ...choice, level_label: LEVEL_LABELS[choice.level] };
  const majors = kept ? [...catalogs.major.filter((m) => m.code !== kept.code), kept] : catalogs.major;
  const el = {
    postal_code: h("input", { name: "postal_code", inputmode: "numeric", maxlength: 6, value: f.postal_code || "", placeholder: "6 位数字" }),
    household_type: select("household_type", Object.entries(catalogs.household_type), f.household_type),
    household_province: select("household_province", Object.entries(catalogs.province), f.household_province || (catalogs.province[fromId] ? fromId : "")),
    occupation: select("occupation", Object.entries(catalogs.occupation), f.occupation),
    political_status: select("political_status", Object.entries(catalogs.political_status), f.political_status),
    email: h("input", { name: "email", type: "email", value: f.email || "", placeholder: "选填" }),
    contact_phone: h("input", { name: "contact_phone", type: "tel", inputmode: "numeric", maxlength: 11, value: f.contact_phone || "" }),
    region: select("region", Object.entries(catalogs.region), f.region, "请选择入籍地区"),
    major: majorSelect(majors, f.major),
    old_name: h("input", { name: "old_name", value: f.old_name || "" }),
    old_id_number: h("input", { name: "old_id_number", value: f.old_id_number || "", maxlength: 32 }),
  };
  const months = h("input", { name: "social_insurance_months", type: "number", inputmode: "numeric", min: 0, max: 1200, value: f.social_insurance_months ?? "", placeholder: "须满 3 个月" });
  const monthsField = field("在我省缴纳社保月数", months);
  const nonHunan = h("div", { class: "field", id: "non-hunan" }, h("span", { class: "label", text: "非本省户籍考生须符合以下条件之一" }), radios("non_hunan_category", NON_HUNAN, f.non_hunan_category), monthsField);
  const changed = radios("identity_changed", [["no", "否"], ["yes", "是"]], f.identity_changed ? "yes" : "no");
  const oldData = h("div", { id: "old-identity" }, field("原姓名", el.old_name), field("原证件号码", el.old_id_number), h("p", { class: "muted", text: "请在附件中上传公安机关出具的变更证明或户口簿变更页。" }));
  const majorNote = h("p", { class: "notice-box", hidden: true });
  const majorCondition = h("div", { class: "notice-box", id: "major-condition", role: "note", hidden: true });
  const save = h("button", { type: "submit", class: "primary", id: "form-save", text: modifying ? "保存" : "保存并继续" });
  const straight = () => !modifying && goesStraightToSubmit(ctx, formBody(), noticeVersion);
  const sync = () => {
    nonHunan.hidden = !el.household_province.value || el.household_province.value === HUNAN;
    monthsField.hidden = nonHunan.querySelector("input:checked")?.value !== "works";
    oldData.hidden = changed.querySelector("input:checked")?.value !== "yes";
    const major = majors.find((m) => m.code === el.major.value);
    const notes = [];
    if (major) notes.push(`层次：${major.level_label}`);
    if (major?.level === "benke") notes.push("专升本专业需进行学信网学籍/学历校验");
    if (major?.restricted) notes.push("限制性专业：须符合报考条件并上传证明材料");
    majorNote.textContent = notes.join("；");
    majorNote.hidden = !major;
    clear(majorCondition, h("strong", { text: "《附件1》报考条件" }), h("p", { text: major?.condition_text || "" }));
    majorCondition.hidden = !(major?.restricted && major.condition_text);
    if (!modifying) save.textContent = straight() ? "下一步" : "保存并继续";
  };
  for (const control of [el.household_province, el.major, changed, nonHunan]) control.addEventListener("change", sync);
  const form = h(
    "form",
    { id: "enroll-form", novalidate: true },
    h("h2", { text: modifying ? "修改考籍信息" : "新生入籍" }),
    returnNote(view, "form"),
    h("h3", { text: "基本信息" }),
    field("邮政编码", el.postal_code),
    field("户口类型", el.household_type),
    field("户籍所在省份", el.household_province),
    nonHunan,
    field("职业", el.occupation),
    field("政治面貌", el.political_status),
    field("电子邮箱", el.email),
    field("手机号码", el.contact_phone),
    h("h3", { text: "入籍信息" }),
    field("入籍地区", el.region),
    field("入籍专业", el.major),
    majorNote,
    majorCondition,
    h("h3", { text: "身份信息变更" }),
    h("div", { class: "field" }, h("span", { class: "label", text: "已取得学历中的姓名、身份证号是否发生变更" }), changed),
    oldData,
    err,
    save,
    modifying ? h("button", { type: "button", class: "secondary", text: "取消", onclick: () => ctx.go("mine") }) : null,
  );
  function formBody() {
    const body = {};
    for (const [key, control] of Object.entries(el)) body[key] = control.value.trim();
    body.identity_changed = changed.querySelector("input:checked")?.value === "yes";
    if (!body.identity_changed) body.old_name = body.old_id_number = "";
    body.non_hunan_category = nonHunan.hidden ? null : nonHunan.querySelector("input:checked")?.value || null;
    body.social_insurance_months = body.non_hunan_category === "works" && months.value !== "" ? Number(months.value) : null;
    return body;
  }
  sync();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = formBody();
    if (straight()) {
      // nothing is sent before 「提交」: what the phone can check is checked here, in the server's words
      const problems = typedProblems(body);
      if (problems.length) return err.show({ message: problems.join("；") });
      hold(view, "form", { form: body, notice_version: noticeVersion });
      return ctx.go("submit");
    }
    if (noticeVersion) body.notice_version = noticeVersion;
    busy(save, "保存中…", async () => {
      const updated = await api.put("/me/form", body);
      release(view, "form");
      ctx.noticeAccepted = null;
      ctx.adopt(updated, modifying ? nextAfterModify(updated) : nextDraftScreen(updated));
    }, err);
  });
  root.append(h("section", { class: "card" }, form));
}

/** The form's own rules the phone can check (domain/enrollment.form_problems has them all). */
function typedProblems(body) {
  const problems = [];
  if (!/^[0-9]{6}$/.test(body.postal_code)) problems.push("邮政编码应为6位数字");
  if (!body.household_type) problems.push("请选择户口类型");
  if (!body.occupation) problems.push("请选择职业");
  if (!body.political_status) problems.push("请选择政治面貌");
  if (body.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) problems.push("电子邮箱格式不正确");
  if (!/^1[3-9][0-9]{9}$/.test(body.contact_phone)) problems.push("联系电话格式不正确");
  if (!body.region) problems.push("请选择入籍地区");
  return problems;
}

function nextAfterModify(view) {
  return view.required_attachments.some((r) => !r.satisfied) ? "attachments" : "mine";
}

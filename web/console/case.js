// One case on one screen: identity, ID card (OCR beside confirmed, corrections marked), the 寸照
// and its rule report, the live frame and match scores, CHSI or the attachments checklist, the
// form, the review and the audit trail. Claim, approve, reject and return from the action bar.

import { api, staff } from "./api.js";
import { clear, errorBox, formatTime, h } from "../common/dom.js";
import { actionLabel, actorLabel, CHSI_STATUS, ID_FIELDS, LEVELS, MATCH_REFERENCES, NON_HUNAN, reviewItemLabel } from "./labels.js";
import { STATUS } from "./queue.js";
import { confirmDialog, overrideDialog, reasonsDialog, reviewItems } from "./dialogs.js";

const drafts = {
  key: (id, verb) => `ruji.console.draft.${verb}.${id}`,
  read: (id, verb) => JSON.parse(sessionStorage.getItem(drafts.key(id, verb)) || "null"),
  keep: (id, verb, list) => sessionStorage.setItem(drafts.key(id, verb), JSON.stringify(list)),
  drop: (id, verb) => sessionStorage.removeItem(drafts.key(id, verb)),
};

const section = (title, ...children) => h("section", { class: "panel box" }, h("h3", { text: title }), children);
const kv = (pairs) => h("dl", { class: "kv" }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v ?? "")]));
const img = (url, alt) =>
  h("figure", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt, class: "doc-img" })) : h("p", { class: "muted", text: "未上传" }), h("figcaption", { text: alt }));
const show = (v) => (v === true ? "是" : v === false ? "否" : v ?? "");

function idCard(c, files) {
  const card = c.state.id_card;
  const corrections = card.corrections || {};
  const confidence = (key) => card.confidence[key] ?? card.confidence[key.startsWith("valid") ? "validity" : key];
  return section(
    "身份证",
    h("div", { class: "imgs" }, img(files.id_front, "头像面"), img(files.id_back, "国徽面"), img(files.id_portrait, "证件头像")),
    h(
      "table",
      { class: "grid compact", id: "ocr-table" },
      h("thead", {}, h("tr", {}, ["项目", "OCR 识别", "考生确认", "置信度"].map((t) => h("th", { text: t })))),
      h(
        "tbody",
        {},
        ID_FIELDS.map(([key, label]) => {
          const fixed = key in corrections;
          const conf = confidence(key);
          return h(
            "tr",
            { class: fixed ? "corrected" : "", "data-field": key },
            h("td", { text: label }),
            h("td", { text: show(card.ocr?.[key]) }),
            h("td", {}, show(card.confirmed?.[key]), fixed ? h("span", { class: "tag warn", text: "考生修改" }) : null),
            h("td", { class: conf !== undefined && conf < 0.9 ? "low" : "", text: conf === undefined ? "" : conf.toFixed(3) }),
          );
        }),
      ),
    ),
  );
}

function photo(c, files) {
  const p = c.state.photo;
  const rules = p.last_report?.rules || [];
  return section(
    "寸照",
    h("div", { class: "imgs" }, img(files.photo, files.photo_original ? "寸照（自动修正后）" : "寸照"), files.photo_original ? img(files.photo_original, "考生上传的原图") : null),
    files.photo_original ? h("p", { class: "tag warn", text: "考生采用了系统自动修正（裁剪/缩放/转码）的照片，下表为修正后照片的检测结果" }) : null,
    (p.last_report?.edits || []).includes("background_replaced")
      ? h("p", { class: "tag warn", id: "photo-background-replaced", text: "已替换背景：人像以外的背景由系统替换为标准浅蓝色（面部像素未改动），经考生确认采用；请对照原图核对" })
      : null,
    h(
      "table",
      { class: "grid compact", id: "photo-report" },
      h("thead", {}, h("tr", {}, ["规则", "检测值", "结果"].map((t) => h("th", { text: t })))),
      h(
        "tbody",
        {},
        rules.map((r) =>
          h(
            "tr",
            { class: r.passed ? "" : "failed" },
            h("td", { text: r.expected }),
            h("td", { text: Array.isArray(r.measured) ? r.measured.join(" × ") : show(r.measured) }),
            h("td", { text: r.passed ? "符合" : `不符合：${r.message}` }),
          ),
        ),
      ),
    ),
  );
}

function face(c, files) {
  const f = c.state.face;
  return section(
    "人脸实人核验",
    h("div", { class: "imgs" }, img(files.face_frame, "核验帧")),
    kv([
      ["结果", f.on_site ? "现场核验通过" : f.passed ? "通过" : c.state.needs_manual_review ? "未通过（转人工复核）" : "未通过"],
      ["尝试次数", String(f.attempts)],
      ...(f.on_site ? [["现场核验", `${f.on_site.examiner}，${formatTime(f.on_site.at)}`], ["核验说明", f.on_site.reason]] : []),
    ]),
    h(
      "table",
      { class: "grid compact", id: "face-matches" },
      h("thead", {}, h("tr", {}, ["比对对象", "距离", "阈值", "结果"].map((t) => h("th", { text: t })))),
      h(
        "tbody",
        {},
        f.matches.map((m) =>
          h("tr", { class: m.matched ? "" : "failed" }, h("td", { text: MATCH_REFERENCES[m.reference] || m.reference }), h("td", { text: m.distance.toFixed(3) }), h("td", { text: m.threshold.toFixed(3) }), h("td", { text: m.matched ? "一致" : "不一致" })),
        ),
      ),
    ),
    f.last_refusals.length ? h("ul", { class: "warn-list" }, f.last_refusals.map((r) => h("li", { text: r.message }))) : null,
  );
}

function chsiAndAttachments(c, view, files) {
  const chsi = c.state.chsi;
  const records = Object.values(chsi.records || {});
  const docFiles = (code) =>
    Object.entries(files)
      .filter(([k]) => k.startsWith(`attachment:${code}:`))
      .map(([, url], i) => h("a", { href: url, target: "_blank", rel: "noopener", class: "file", text: `文件 ${i + 1}` }));
  const listed = new Set(view.required_attachments.flatMap((r) => r.options.flat().map((d) => d.code)));
  const others = Object.keys(c.state.attachments).filter((code) => !listed.has(code));
  return section(
    "学信网校验与附件材料",
    kv([["学信网", CHSI_STATUS[chsi.status] || chsi.status], ["回调记录", chsi.outcomes.join("，") || "无"]]),
    records.map((r) =>
      kv([
        [r.kind === "xueji" ? "学籍" : "学历", `${r.school} · ${r.major_name} · ${r.level} · ${r.study_form} · ${r.status}`],
        ["姓名/证件", `${r.name} ${r.id_number_masked}`],
      ]),
    ),
    view.required_attachments.length
      ? h(
          "ul",
          { class: "checklist", id: "checklist" },
          view.required_attachments.map((req) =>
            h(
              "li",
              { class: req.satisfied ? "ok" : "missing" },
              h("b", { text: `${req.satisfied ? "✓" : "✗"} ${req.title}` }),
              h("span", { class: "muted", text: ` ${req.rule}` }),
              h("ul", {}, req.options.flat().map((d) => h("li", {}, `${d.name} `, ...docFiles(d.code)))),
            ),
          ),
        )
      : h("p", { class: "muted", id: "checklist", text: "无需附件材料" }),
    others.length ? h("p", { class: "muted" }, "其他上传文件（当前报考条件不再要求）：", others.map((code) => [` ${code} `, ...docFiles(code)])) : null,
  );
}

function form(ctx, c) {
  const f = c.state.form;
  if (!f) return section("报名信息", h("p", { class: "muted", text: "未填写" }));
  const cat = ctx.catalogs;
  // the edition the candidate chose (the API resolves it on saving), else the seed catalog's
  const major = f.major_choice ? { ...f.major_choice, level_label: LEVELS[f.major_choice.level] } : cat.major.find((m) => m.code === f.major);
  return section(
    "报名信息",
    kv([
      ["入籍地区", cat.region[f.region]],
      ["入籍专业", major ? `${major.code} ${major.name}（${major.level_label}${major.restricted ? "，限制性专业" : ""}）` : f.major],
      ["邮政编码", f.postal_code],
      ["户口", `${cat.province[f.household_province] || ""} ${cat.household_type[f.household_type] || ""}`],
      ["非本省户籍情形", f.non_hunan_category ? NON_HUNAN[f.non_hunan_category] : undefined],
      ["职业", cat.occupation[f.occupation]],
      ["政治面貌", cat.political_status[f.political_status]],
      ["电子邮箱", f.email || "—"],
      ["联系电话", f.contact_phone],
      ["身份信息变更", f.identity_changed ? `是：原姓名 ${f.old_name || "—"}，原证件号码 ${f.old_id_number || "—"}` : "否"],
    ]),
  );
}

const reviewList = (r, required) => h("ul", {}, r.items.map((i) => h("li", { "data-item": i.item, text: `${reviewItemLabel(i.item, required)}：${i.reason}` })));

/** A case back from a return: what was asked and that the candidate resubmitted, on top. */
function resubmitted(view) {
  const r = view.review;
  if (r.decision !== "returned" || !["SUBMITTED", "UNDER_REVIEW"].includes(view.state)) return null;
  return h(
    "div",
    { class: "notice-box", id: "resubmitted" },
    h("b", { text: `退回后考生已重新提交（退回于 ${formatTime(r.decided_at)}），请核对以下退回项目：` }),
    reviewList(r, view.required_attachments),
  );
}

function trail(data) {
  const me = staff.accountId;
  const r = data.case.state.review;
  return section(
    "审核意见与操作日志",
    r.decision
      ? h("div", { class: "review" }, h("b", { text: { approved: "审核通过", rejected: "审核不通过", returned: "退回修改" }[r.decision] }), ` ${formatTime(r.decided_at)}`, reviewList(r, data.view.required_attachments), r.override_reason ? h("p", { class: "notice-box", text: `材料不全仍通过，理由：${r.override_reason}` }) : null)
      : null,
    h(
      "table",
      { class: "grid compact", id: "audit" },
      h("thead", {}, h("tr", {}, ["#", "时间", "操作人", "操作"].map((t) => h("th", { text: t })))),
      h("tbody", {}, data.audit.map((a) => h("tr", {}, h("td", { text: a.seq }), h("td", { text: formatTime(a.at) }), h("td", { text: actorLabel(a.actor, me, data.staff) }), h("td", { text: actionLabel(a.action, data.staff) })))),
    ),
  );
}

function actionBar(ctx, data, reload, err) {
  const view = data.view;
  const id = data.case.application_id;
  const mine = data.case.state.review.examiner === staff.accountId;
  const canClaim = view.state === "SUBMITTED";
  const canDecide = view.state === "UNDER_REVIEW" && mine;
  // held at the period's close-out: only a decision ends it (the API answers REVIEW_CLOSED)
  const canReturn = canDecide && !data.case.state.held_for_decision_at;
  const send = (path, body) => async () => {
    err.hide();
    try {
      await api.post(path, body);
    } catch (e) {
      err.show(e);
      if (e.status !== 409) return;
      // refused for the case's state: someone else moved it meanwhile; show it as it is now
    }
    await reload().catch((e) => err.show(e));
  };
  const act = (verb, body) => send(`/examiner/applications/${encodeURIComponent(id)}/${verb}`, body);
  // the reasons he wrote outlive a refusal (a sign-in run out, a case moved meanwhile): kept until
  // the decision is recorded, offered again when he reopens the dialog
  const withDraft = (verb) => async (list) => {
    drafts.keep(id, verb, list);
    await act(verb, { items: list })();
    if (!err.textContent) drafts.drop(id, verb);
  };
  const handlers = {
    claim: act("claim"),
    release: () => confirmDialog("释放领取后，该申请回到待审核队列，其他审核员可以领取。确认释放？", send(`/office/cases/${encodeURIComponent(id)}/release`)),
    approve: () => {
      const missing = view.required_attachments.filter((r) => !r.satisfied).map((r) => r.title);
      if (view.chsi_status === "pending") missing.unshift("学信网校验未完成");
      if (!missing.length) return confirmDialog("确认审核通过该申请？", act("approve"));
      overrideDialog(missing, (reason) => act("approve", { override_reason: reason })());
    },
    reject: () => reasonsDialog("审核不通过", reviewItems("reject", view.required_attachments), withDraft("reject"), drafts.read(id, "reject")),
    return: () => reasonsDialog("退回修改", reviewItems("return", view.required_attachments), withDraft("return"), drafts.read(id, "return")),
  };
  const button = (key, label, shortcut, enabled, cls = "") =>
    h("button", { type: "button", class: `btn ${cls}`, id: `act-${key}`, disabled: !enabled, onclick: handlers[key] }, label, shortcut ? h("kbd", { text: shortcut }) : null);
  const queueHash = ctx.lastQueue?.hash || "#/queue";
  const neighbour = (step) => {
    const ids = ctx.lastQueue?.rows || [];
    const next = ids[ids.indexOf(id) + step];
    if (next) location.hash = `#/case/${encodeURIComponent(next)}`;
  };
  ctx.keys = {
    c: () => canClaim && handlers.claim(),
    a: () => canDecide && handlers.approve(),
    r: () => canDecide && handlers.reject(),
    t: () => canReturn && handlers.return(),
    j: () => neighbour(1),
    k: () => neighbour(-1),
    Escape: () => (location.hash = queueHash),
  };
  return h(
    "div",
    { class: "actions" },
    h("a", { class: "btn", href: queueHash }, "← 返回队列", h("kbd", { text: "Esc" })),
    button("claim", "领取", "c", canClaim, "primary"),
    button("approve", "通过", "a", canDecide, "good"),
    button("reject", "不通过", "r", canDecide, "bad"),
    button("return", "退回修改", "t", canReturn),
    button("release", "释放领取", null, canReturn), // held at the close-out: only a decision ends it
    staff.session.role === "admin" && view.state === "UNDER_REVIEW" ? h("a", { class: "btn", id: "to-reassign", href: `#/office-case/${encodeURIComponent(id)}`, text: "改派…" }) : null,
  );
}

export function render(ctx, root, id) {
  const err = errorBox();
  const load = async () => {
    const data = await api.get(`/examiner/applications/${encodeURIComponent(id)}`);
    const c = data.case;
    const v = data.view;
    const card = c.state.id_card.confirmed || c.state.id_card.ocr || {};
    // who holds it, by name: the one to ask for a release
    const holder = c.state.review.examiner;
    const claimedBy = holder ? (holder === staff.accountId ? "我" : `其他审核员（${data.staff[holder] || holder}）`) : "未领取";
    clear(
      root,
      h(
        "div",
        { class: "case", id: "case", "data-state": v.state },
        h(
          "header",
          { class: "panel case-head" },
          h("h2", {}, card.name || "（未识别姓名）", h("span", { class: `tag s-${v.state}`, id: "case-state", text: STATUS[v.state] || v.state_label })),
          v.needs_manual_review ? h("span", { class: "tag warn", text: "需人工复核" }) : null,
          kv([
            ["证件号码", h("span", { class: "mono", text: c.identity.id_number })],
            ["手机号码", c.identity.phone],
            ["提交时间", formatTime(v.submitted_at)],
            ["须知版本", c.state.notice_version || (c.state.notice_accepted_at ? "（旧版，未记录）" : undefined)],
            ["领取人", claimedBy],
            ["准考证号", v.ticket_number || undefined],
          ]),
          resubmitted(v),
          actionBar(ctx, data, load, err),
          err,
        ),
        h("div", { class: "cols" }, idCard(c, data.files), photo(c, data.files), face(c, data.files), chsiAndAttachments(c, v, data.files), form(ctx, c), trail(data)),
      ),
    );
  };
  root.append(h("p", { class: "loading", text: "正在加载…" }));
  load().catch((e) => clear(root, h("section", { class: "panel" }, err, h("a", { class: "btn", href: "#/queue", text: "返回队列" }))) && err.show(e));
}

// Chinese labels of what the case file carries as codes.

export const ID_FIELDS = [
  ["name", "姓名"],
  ["sex", "性别"],
  ["ethnicity", "民族"],
  ["birth_date", "出生日期"],
  ["address", "住址"],
  ["id_number", "公民身份号码"],
  ["issuer", "签发机关"],
  ["valid_from", "有效期起"],
  ["valid_until", "有效期止"],
  ["long_term", "长期有效"],
];

export const MATCH_REFERENCES = { id_portrait: "身份证头像", official_photo: "寸照" };

export const CHSI_STATUS = {
  not_needed: "无需校验（专科）",
  pending: "校验中",
  verified: "已通过",
  failed: "未通过，转人工审核附件",
};

/** The two levels of study (domain/catalogs.Level.label). */
export const LEVELS = { zhuanke: "专科", benke: "专升本" };

export const NON_HUNAN = { works: "在我省工作", studies: "在我省学习", lives: "在我省居住" };

/** What a return may name, each something the candidate can redo in the H5 (the workflow refuses
 * anything else: RETURN_ITEM_UNKNOWN); the label tells the examiner what the candidate will do.
 * Attachment requirements are added per case. */
export const RETURN_ITEMS = [
  ["id_card", "身份证", "考生重新上传、识别并确认，再做人脸核验"],
  ["photo", "寸照", "考生重新上传寸照，再做人脸核验"],
  ["face", "人脸核验", "考生重新进行人脸核验"],
  ["form", "报名信息", "考生修改报名信息"],
];

/** A rejection ends the application: it may also name what the candidate could not change. */
export const REJECT_ITEMS = [
  ...RETURN_ITEMS.map(([code, label]) => [code, label, ""]),
  ["chsi", "学信网校验", ""],
  ["other", "其他", ""],
];

export const ATTACHMENT_HINT = "考生补充或重新上传";

/** Reasons the examiner picks from per item (he may write his own); the candidate reads them. */
export const COMMON_REASONS = {
  id_card: ["身份证照片不清晰，请重新拍摄上传", "身份证信息与证件照片不一致，请重新上传并核对"],
  photo: ["寸照不符合图像采集规范，请重新拍摄上传", "照片不清晰，请重新上传"],
  face: ["人脸核验画面不清晰，请在光线充足处重新核验"],
  form: ["报名信息填写有误，请核对后修改", "入籍专业与证明材料不符，请核对后修改"],
  attachment: ["证明材料不完整，请补充上传", "证明材料与所选专业报考条件不符", "非本省户籍证明材料不符合要求"],
  chsi: ["学信网未查询到相应的学籍或学历信息"],
  other: [],
};

/** The Chinese name of a review item a case carries (a step, the form, an attachment code). */
export function reviewItemLabel(item, required = []) {
  const known = REJECT_ITEMS.find(([code]) => code === item);
  if (known) return known[1];
  if (item.startsWith("form.")) return "报名信息";
  const req = required.find((r) => r.code === item || r.options.flat().some((d) => d.code === item));
  return req ? `附件：${req.title}` : `附件：${item}`;
}

const ACTIONS = {
  registered: "注册",
  phone_verified: "手机号验证通过",
  id_card_read: "身份证识别完成",
  id_card_confirmed: "考生确认身份证信息",
  photo_refused: "寸照检测未通过",
  photo_accepted: "寸照检测通过",
  photo_fix_accepted: "采用自动修正的寸照",
  liveness_challenge: "开始人脸核验",
  face_verified: "人脸核验通过",
  face_refused: "人脸核验未通过",
  face_manual_review: "人脸核验多次未通过，转人工复核",
  face_verified_on_site: "审核员现场核验本人，人脸核验通过",
  notice_accepted: "同意入籍须知",
  form_saved: "保存报名信息",
  chsi_codes_issued: "生成学信网二维码",
  chsi_failed_pressed: "考生选择「学信网校验失败」",
  chsi_timeout: "学信网校验超时",
  submitted: "提交申请",
  modified: "修改报名信息",
  withdrawn: "撤回申请",
  claimed: "领取审核",
  approved: "审核通过",
  "approved:override": "审核通过（材料不全，审核员说明理由）",
  rejected: "审核不通过",
  returned: "退回修改",
  ticket_issued: "生成准考证号",
  claim_released: "释放领取",
  identity_took_over: "人脸核验通过，接管该证件号码此前的申请",
  identity_taken_over: "该证件号码已由本人核验通过的新申请接管，本申请终止",
  identity_held_elsewhere: "该证件号码已由本人核验通过的其他申请占用，本申请终止",
  "held_for_decision:closed_out": "考期关闭：已领取的申请保留待审核员决定",
};

const EXPIRED = {
  closed_out: "考期关闭",
  window_closed: "入籍截止时未提交",
  phone_not_verified: "手机号未验证",
  face_not_verified: "人脸核验未完成",
  chsi_timeout: "学信网校验超时",
};

export function actionLabel(action, names = {}) {
  const [head, tail] = action.split(":");
  if (ACTIONS[action]) return ACTIONS[action];
  if (head === "claim_reassigned") return `改派给 ${names[tail] || tail}`;
  if (head === "attachment") return `上传附件 ${tail}`;
  if (head === "attachment_removed") return `删除附件 ${tail}`;
  if (head === "expired") return `申请失效（${EXPIRED[tail] || tail}）`;
  if (head.startsWith("chsi_")) return `学信网回调 ${head.slice(5)}（${tail === "xueji" ? "学籍" : "学历"}）`;
  return action;
}

/** `names`: account id → username, as the case's answer gives them. */
export function actorLabel(actor, me, names = {}) {
  if (actor === "candidate") return "考生";
  if (actor === "system") return "系统";
  if (actor === "chsi") return "学信网";
  const [kind, who] = [actor.slice(0, actor.indexOf(":")), actor.slice(actor.indexOf(":") + 1)];
  if (kind === "examiner") return who === me ? "审核员（我）" : `审核员 ${names[who] || who}`;
  if (kind === "admin") return who === me ? "管理员（我）" : `管理员 ${names[who] || who}`;
  if (kind === "application") return "该证件号码的新申请";
  return actor;
}

/** A case's major in a list: its code and its name as the row carries it (the period's code table
 * now, admins' edits included), else the seed catalog's, else the code alone. */
export function majorLabel(ctx, row) {
  if (!row.major) return "";
  const name = row.major_name || ctx.catalogs.major.find((m) => m.code === row.major)?.name;
  return name ? `${row.major} ${name}` : row.major;
}

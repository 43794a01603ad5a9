// Guidance before the camera opens (issue 16): a framing overlay drawn to the standard's numbers
// and plain advice on light, distance and background; and refusals that show what was measured
// and what to do next.

import { h } from "../../common/dom.js";

// Attachment 2 in the 480×640 frame: hairline 50–110 px, eyes 200–300 px, face 180–300 px wide.
const PHOTO_ADVICE = [
  ["光线", "面向窗户或在两侧均匀的灯光下拍摄，避免头顶光、背光和脸上的光斑；不开闪光灯。"],
  ["距离", "请他人手持手机在约 1 米处、与眼睛同高竖着拍；头顶到肩膀都在画面内，头顶上方留出空隙。"],
  ["背景", "站在浅蓝色纯色墙前最好；白色或浅灰色纯色墙也可，系统可替换为标准浅蓝色（需您确认）。背景不要有其他人或物品。"],
  ["姿态", "正对镜头，双眼睁开平视，头部端正，不戴帽子和首饰，头发不遮挡眉毛、眼睛和耳朵，眼镜不反光。"],
  ["文件", "直接上传手机拍摄的原图即可（JPG、PNG 或 HEIC，最大 20 MB），系统会按标准裁剪为 480×640。"],
];

const CARD_ADVICE = [
  ["光线", "在光线均匀处拍摄，避开台灯或窗户的直射反光；反光若盖住文字将无法识别。"],
  ["距离", "证件平放在深色桌面上，手机与证件平行，证件占画面的大部分，四角完整。"],
  ["清晰", "对焦后拿稳手机再按快门；头像面和国徽面各拍一张。"],
];

function adviceList(items) {
  return h("dl", { class: "advice" }, items.flatMap(([term, text]) => [h("dt", { text: term }), h("dd", { text })]));
}

export function photoGuide() {
  const frame = h(
    "div",
    { class: "frame photo-frame", "aria-hidden": "true" },
    h("div", { class: "hairline-band" }),
    h("div", { class: "head-oval" }),
    h("div", { class: "eye-band" }),
    h("div", { class: "shoulders" }),
  );
  return h(
    "details",
    { class: "guide", id: "photo-guide", open: true },
    h("summary", { text: "拍摄前请看：取景示意与要求" }),
    h("div", { class: "guide-body" }, frame, h("p", { class: "muted", text: "头顶在上方色带内，双眼在中间色带内，脸宽约占画面一半，头部居中。" }), adviceList(PHOTO_ADVICE)),
  );
}

export function cardGuide() {
  const frame = h("div", { class: "frame card-frame", "aria-hidden": "true" }, h("div", { class: "card-outline" }, h("span", { text: "证件放在框内" })));
  return h(
    "details",
    { class: "guide", id: "card-guide", open: true },
    h("summary", { text: "拍摄前请看：取景示意与要求" }),
    h("div", { class: "guide-body" }, frame, adviceList(CARD_ADVICE)),
  );
}

const SIDE = { front: "头像面", back: "国徽面" };

function measuredText(r) {
  if (r.measured === null || r.measured === undefined || r.measured === "") return "";
  const limit = r.expected === null || r.expected === undefined ? "" : `，要求 ${r.expected}`;
  return `检测值 ${r.measured}${limit}`;
}

/** Every refusal of the ID step, with its side, the measured value and the advice it carries. */
export function cardRefusals(e) {
  const all = e.details?.refusals?.length ? e.details.refusals : [e];
  return h(
    "ul",
    { class: "rules", id: "id-refusals" },
    all.map((r) =>
      h(
        "li",
        { class: "fail", "data-code": r.code, "data-side": r.details?.side || "", "data-field": r.details?.field || "" },
        `✗ ${r.message}`,
        measuredText(r) ? h("span", { class: "why", text: `（${SIDE[r.details?.side] || ""}${measuredText(r)}）` }) : null,
      ),
    ),
  );
}

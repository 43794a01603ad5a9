// R4: the ID photo (寸照), checked rule by rule; a refusal lists what is wrong, and when only size,
// position or file format are off, the system offers an automatic fix to look at and accept.
// On the first pass the upload carries the ID card confirmed on the screen before (`confirm`):
// the server records it, then checks the photo.

import { api, imageUrl, inLine } from "../api.js";
import { busy, clear, errorBox, h } from "../../common/dom.js";
import { held, release } from "../held.js";
import { answersReturn, returnNote } from "../returned.js";
import { photoGuide } from "./guide.js";

function measured(rule) {
  const m = rule.measured;
  if (m === null || m === undefined || m === "") return "";
  return `（检测值：${Array.isArray(m) ? m.join(" × ") : m}）`;
}

export function ruleList(report) {
  const failing = report.rules.filter((r) => !r.passed);
  const passing = report.rules.filter((r) => r.passed);
  return h(
    "ul",
    { class: "rules", id: "photo-rules" },
    failing.map((r) =>
      h("li", { class: "fail", "data-rule": r.code }, `✗ ${r.message}`, h("span", { class: "why", text: `要求：${r.expected}${measured(r)}` })),
    ),
    passing.length ? h("li", { class: "pass", text: `✓ 其余 ${passing.length} 项符合要求` }) : null,
  );
}

function fixOffer(ctx, slot, err, report) {
  const background = Boolean(report.background_replaceable);
  const fix = h("button", { type: "button", class: "secondary", id: "photo-fix", text: background ? "自动修正并替换背景" : "自动修正照片" });
  fix.addEventListener("click", () =>
    busy(fix, "正在修正…", async () => {
      const result = await api.post("/me/photo/fix");
      if (!result.fixed) throw { message: result.refusals?.[0]?.message || "照片无法自动修正，请重新拍摄" };
      const accept = h("button", { type: "button", class: "primary", id: "photo-accept-fix", text: "采用修正后的照片" });
      accept.addEventListener("click", () =>
        busy(accept, "提交中…", async () => ctx.adopt(await api.post("/me/photo/accept-fix")), err),
      );
      clear(
        slot,
        h("div", { class: "ok", text: "已自动修正，修正后的照片符合全部要求。请确认是本人近期照片后采用。" }),
        result.background_replaced
          ? h("div", { class: "notice-box", id: "photo-bg-replaced", text: "背景已替换为标准浅蓝色，面部像素未作任何改动；此照片会标注“已替换背景”供审核员查看。您的原图也会保留。如不同意，请在浅蓝色墙前重新拍摄上传。" })
          : null,
        h("img", { class: "photo-preview", id: "photo-fixed", src: await imageUrl("/me/photo/fixed.jpg"), alt: "修正后的照片" }),
        ruleList(result.report),
        accept,
      );
    }, err),
  );
  return h(
    "div",
    { class: "notice-box" },
    h("p", { text: "以上问题可由系统自动修正（仅调整尺寸、头部位置或文件格式，不改变人像内容）。" }),
    background
      ? h("p", { id: "photo-bg-offer", text: "背景不是标准浅蓝色：系统可将人像以外的背景替换为浅蓝色 RGB(100,197,255)，面部像素保持不变。修正后请查看效果，由您决定是否采用。" })
      : null,
    fix,
  );
}

/** Refusals of the confirmation carried with the photo: given before the photo is looked at. */
const CONFIRM_REFUSALS = ["ID_NUMBER_INVALID", "ID_NOT_READ", "WRONG_STATE", "STEP_NOT_REACHED", "NOT_EDITABLE", "INVALID_REQUEST", "FIELD_INVALID"];

/** The confirmation was refused (nothing recorded): back to the card's values, as typed. */
function confirmationRefused(ctx, card, refusal) {
  release(ctx.view, "id_card");
  ctx.idCardTyped = card;
  ctx.carry("idcard", refusal.message);
  return ctx.reload();
}

/** The photo was refused but the confirmation it carried is recorded (the case now waits for
 * the photo): the phone stops holding it, and the case's state follows at once. */
function confirmationKept(ctx) {
  release(ctx.view, "id_card");
  const assumed = (ctx.view = { ...ctx.view, state: "PHOTO_PENDING" });
  api.get("/me").then((fresh) => ctx.view === assumed && (ctx.view = fresh)).catch(() => {});
  return true;
}

/** Another failure (the photo check could not run, the network): the confirmation may stand
 * all the same; the case says whether the phone still holds it. */
async function confirmationStands(ctx) {
  const fresh = await api.get("/me").catch(() => null);
  if (!fresh || fresh.state === "ID_PENDING") return false;
  release(ctx.view, "id_card");
  ctx.view = fresh;
  return true;
}

function backToCard(ctx, card) {
  return h("button", { type: "button", class: "secondary", id: "back-to-id-card", text: "返回修改身份证信息", onclick: () => {
    release(ctx.view, "id_card");
    ctx.idCardTyped = card;
    ctx.go("idcard");
  } });
}

export function render(ctx, root) {
  let card = ctx.view.state === "ID_PENDING" ? held(ctx.view, "id_card") : null;
  const back = card ? backToCard(ctx, card) : null;
  const err = errorBox();
  const slot = h("div");
  const input = h("input", { type: "file", name: "photo", accept: ".jpg,.jpeg,.png,.heic,.heif,image/jpeg,image/png,image/heic,image/heif", "aria-label": "选择寸照" });
  const preview = h("span", { text: "点击上传（拍摄或从相册选择）" });
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    preview.replaceChildren(h("img", { src: URL.createObjectURL(file), alt: "所选照片" }), h("span", { class: "name", text: `${file.name}（点击可重新选择）` }));
    go.hidden = false;
    err.hide();
    clear(slot);
  });
  const go = h("button", { type: "button", class: "primary", id: "upload-photo", text: "确认无误，下一步" });
  go.addEventListener("click", async () => {
    clear(slot);
    await busy(go, "正在检测照片…", async () => {
      if (!input.files[0]) throw { message: "请先选择照片" };
      const data = new FormData();
      data.append("photo", input.files[0]);
      if (card) data.append("confirm", JSON.stringify(card));
      try {
        ctx.adopt(await api.upload("/me/photo", data, inLine(go)));
      } catch (e) {
        if (card && CONFIRM_REFUSALS.includes(e.code)) return confirmationRefused(ctx, card, e);
        const stands = card && (e.code === "PHOTO_NOT_COMPLIANT" ? confirmationKept(ctx) : await confirmationStands(ctx));
        if (stands) {
          card = null;
          back.remove();
        }
        if (e.code !== "PHOTO_NOT_COMPLIANT" || !e.details?.rules) throw e;
        err.show(e, ruleList(e.details));
        if (e.details.fixable) {
          slot.append(fixOffer(ctx, slot, err, e.details));
          go.hidden = true; // the fix is offered for this picture; a new picture brings the button back
        }
      }
    }, err);
  });
  root.append(
    h(
      "section",
      { class: "card" },
      h("h2", { text: answersReturn(ctx.view) ? "重新上传个人寸照" : "上传个人寸照" }),
      returnNote(ctx.view, "photo"),
      h("p", { class: "muted", text: "照片将用于准考证和毕业证书，请上传本人近期电子证件照。不符合要求的照片会影响考试及毕业。" }),
      h(
        "ul",
        { class: "muted" },
        h("li", { text: "标准：JPG 格式，480×640 像素，300 dpi，20–40 KB（手机原图可直接上传，系统按标准裁剪）" }),
        h("li", { text: "浅蓝色背景 RGB(100,197,255)，均匀无阴影" }),
        h("li", { text: "正面免冠，双眼睁开，头部居中，不化妆、不修图" }),
      ),
      photoGuide(),
      h("label", { class: "pick" }, preview, input),
      err,
      slot,
      go,
      back,
    ),
  );
}

// R8: the two CHSI QR codes (学籍 left, 学历 right), each scannable once, refreshable; R9: 「学信网校验失败」
// closes the QR step and opens the manual upload.

import { api, imageUrl } from "../api.js";
import { nextDraftScreen } from "../flow.js";
import { busy, clear, errorBox, h } from "../../common/dom.js";

const KINDS = [
  ["xueji", "学籍"],
  ["xueli", "学历"],
];
const POLL_MS = 3000;

function records(view) {
  const rows = Object.values(view.chsi_records || {});
  return rows.map((r) =>
    h("dl", { class: "kv" }, h("dt", { text: r.kind === "xueji" ? "学籍" : "学历" }), h("dd", { text: `${r.school} · ${r.major_name} · ${r.level} · ${r.status}` })),
  );
}

export function render(ctx, root) {
  const view = ctx.view;
  const err = errorBox();
  const codes = h("div", { id: "chsi-codes" });
  const card = h("section", { class: "card", id: "chsi" }, h("h2", { text: "学信网校验" }));
  root.append(card);

  if (view.chsi_status === "verified") {
    card.append(
      h("p", { class: "ok", text: "学信网校验已通过" }),
      ...records(view),
      h("button", { type: "button", class: "primary", text: "下一步", onclick: () => ctx.go(nextDraftScreen(view)) }),
    );
    return;
  }

  const showCodes = async (v) => {
    if (!v.chsi_codes.length) return clear(codes);
    const figures = await Promise.all(
      KINDS.map(async ([kind, label]) => {
        const code = v.chsi_codes.find((c) => c.kind === kind);
        const img = code ? h("img", { src: await imageUrl(`/me/chsi/qr/${kind}.png`), alt: `${label}校验二维码`, "data-kind": kind }) : null;
        // a scanned code takes no other scan: CHSI's answer replaces the code's promise
        const scan = (v.chsi_scans || []).find((s) => s.kind === kind);
        const answer = scan ? h("p", { class: scan.code ? "err-msg" : "ok", "data-scan": kind, text: scan.message }) : null;
        return h("figure", { class: scan ? "spent" : "" }, img, h("figcaption", { text: `${label}校验` }), answer);
      }),
    );
    const until = new Date(Math.min(...v.chsi_codes.map((c) => new Date(c.expires_at).getTime())));
    clear(
      codes,
      h("div", { class: "qr-pair" }, figures),
      h("p", { class: "muted", text: `二维码 ${until.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" })} 前有效。每个二维码只能扫描一次，再次扫码请先刷新。` }),
      refresh,
    );
  };
  const refresh = h("button", { type: "button", class: "secondary", id: "chsi-refresh", text: "刷新二维码" });
  const start = h("button", { type: "button", class: "primary", id: "chsi-start", text: "点击进行学信网校验" });
  const request = (button) =>
    busy(button, "生成中…", async () => {
      const v = await api.post("/me/chsi/codes");
      ctx.view = v;
      start.hidden = true;
      await showCodes(v);
    }, err);
  start.addEventListener("click", () => request(start));
  refresh.addEventListener("click", () => request(refresh));
  const failed = h("button", { type: "button", class: "danger", id: "chsi-failed", text: "学信网校验失败" });
  failed.addEventListener("click", () =>
    busy(failed, "请稍候…", async () => {
      const v = await api.post("/me/chsi/failed");
      ctx.adopt(v, nextDraftScreen(v));
    }, err),
  );

  card.append(
    h("p", { text: "所选专业为专升本（本科）层次，需校验您的专科及以上学籍或学历。" }),
    h(
      "ul",
      { class: "muted" },
      h("li", { text: "请提前下载「学信网」APP，并用本人身份信息登录后扫码确认。" }),
      h("li", { text: "不清楚自己的学籍、学历情况时，请先扫描左侧（学籍）二维码，再扫描右侧（学历）二维码。" }),
      h("li", { text: "可将二维码截图发送到电脑或其他手机上，再用学信网APP扫码。" }),
      h("li", { text: "校验未通过且没有反馈信息时，请点击「学信网校验失败」，改为上传证明材料。" }),
    ),
    start,
    codes,
    err,
    failed,
  );
  if (view.chsi_codes.length) {
    start.hidden = true;
    showCodes(view).catch((e) => err.show(e));
  }
  // CHSI confirms by its own callback: watch for the result while the codes are shown.
  let scans = JSON.stringify(view.chsi_scans || []);
  const timer = setInterval(async () => {
    try {
      const v = await api.get("/me");
      if (v.chsi_status === "pending" && JSON.stringify(v.chsi_scans || []) !== scans) {
        scans = JSON.stringify(v.chsi_scans || []);
        ctx.view = v;
        await showCodes(v);
      }
      if (v.chsi_status !== "pending") {
        clearInterval(timer);
        ctx.adopt(v, v.chsi_status === "verified" ? "chsi" : nextDraftScreen(v));
      }
    } catch {
      /* the next poll tries again */
    }
  }, POLL_MS);
  ctx.onLeave(() => clearInterval(timer));
}

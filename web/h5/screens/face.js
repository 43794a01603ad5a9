// R5: live face check. A random sequence of actions (single use, 60 s); the frames come from the
// camera (getUserMedia) or, where there is none, from a burst of pictures picked from the album.
// The accepted photo's answer carries the first challenge; a lapsed one is asked for again.

import { api, inLine } from "../api.js";
import { busy, clear, errorBox, h } from "../../common/dom.js";
import { returnNote } from "../returned.js";

const ACTIONS = { blink: "眨眼", turn_left: "向左转头", turn_right: "向右转头", open_mouth: "张嘴", nod: "点头" };
const FPS = 5;
const SECONDS_PER_ACTION = 2;
const MAX_FRAMES = 40;

async function send(ctx, challenge, frames, button) {
  const data = new FormData();
  data.append("nonce", challenge.nonce);
  frames.forEach((blob, i) => data.append("frames", blob, blob.name || `frame-${String(i).padStart(2, "0")}.jpg`));
  ctx.adopt(await api.upload("/me/liveness", data, inLine(button)));
}

function camera(ctx, challenge, list, err) {
  const video = h("video", { class: "cam", autoplay: true, muted: true, playsinline: true });
  const start = h("button", { type: "button", class: "primary", id: "camera-start", text: "打开摄像头" });
  const box = h("div", {}, start);
  let stream = null;
  ctx.onLeave(() => stream?.getTracks().forEach((t) => t.stop()));
  const record = async (button) => {
    const canvas = h("canvas", { width: 480, height: 640 });
    const frames = [];
    const items = [...list.children];
    const grab = () =>
      new Promise((resolve) => {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(resolve, "image/jpeg", 0.9);
      }).then((blob) => blob && frames.push(blob));
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    await grab();
    for (const item of items) {
      item.classList.add("now");
      for (let i = 0; i < SECONDS_PER_ACTION * FPS && frames.length < MAX_FRAMES - 1; i++) {
        await wait(1000 / FPS);
        await grab();
      }
      item.classList.remove("now");
    }
    await grab();
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
    await send(ctx, challenge, frames, button);
  };
  start.addEventListener("click", () =>
    busy(start, "正在打开摄像头…", async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
      } catch {
        throw { message: "无法打开摄像头，请允许使用摄像头，或从相册选择连拍照片" };
      }
      video.srcObject = stream;
      await new Promise((resolve) => (video.readyState >= 2 ? resolve() : video.addEventListener("loadeddata", resolve, { once: true })));
      const go = h("button", { type: "button", class: "primary", id: "camera-record", text: "开始录制，按提示依次完成动作" });
      go.addEventListener("click", () => busy(go, "请按提示完成动作…", () => record(go), err));
      clear(box, video, go);
    }, err),
  );
  return box;
}

function burstPicker(ctx, challenge, err) {
  const input = h("input", { type: "file", id: "burst-files", multiple: true, accept: "image/jpeg,image/png", "aria-label": "选择连拍照片" });
  const count = h("span", { class: "muted", text: " 未选择" });
  input.addEventListener("change", () => (count.textContent = ` 已选择 ${input.files.length} 张`));
  const go = h("button", { type: "button", class: "secondary", id: "burst-send", text: "上传连拍照片" });
  go.addEventListener("click", () =>
    busy(go, "正在核验，请稍候…", async () => {
      const files = [...input.files].sort((a, b) => a.name.localeCompare(b.name));
      if (files.length < 3 || files.length > MAX_FRAMES) throw { message: `请按顺序选择 3–${MAX_FRAMES} 张连拍照片` };
      await send(ctx, challenge, files, go);
    }, err),
  );
  return h(
    "details",
    { class: "fallback", open: !navigator.mediaDevices?.getUserMedia },
    h("summary", { text: "无法使用摄像头？从相册选择连拍照片" }),
    h("p", { class: "muted", text: "请用手机连拍模式按上述顺序完成动作，再选择全部照片（3–40 张，按文件名排序）。" }),
    h("p", {}, h("label", { class: "file-btn" }, "选择连拍照片", input), count),
    go,
  );
}

function challengeView(ctx, root, challenge) {
  const err = errorBox();
  const list = h("ol", { class: "actions-list", id: "liveness-actions" }, challenge.actions.map((a) => h("li", { "data-action": a, text: ACTIONS[a] || a })));
  const left = h("span", { id: "liveness-left" });
  const expires = new Date(challenge.expires_at).getTime();
  const again = h("button", { type: "button", class: "secondary", id: "liveness-again", text: "重新开始核验", hidden: true, onclick: () => start(ctx, again, err) });
  const tick = () => {
    const s = Math.max(0, Math.round((expires - Date.now()) / 1000));
    left.textContent = s > 0 ? `请在 ${s} 秒内完成` : "本次核验已超时，请重新开始";
    again.hidden = s > 0;
  };
  tick();
  const timer = setInterval(tick, 1000);
  ctx.onLeave(() => clearInterval(timer));
  const origShow = err.show;
  err.show = (e, extra) => {
    origShow(e, extra);
    clearInterval(timer);
    if (e?.code === "IDENTITY_VERIFIED_ELSEWHERE") {
      // the number is held by another phone's verified application: this one has ended
      left.textContent = "";
      again.hidden = true;
      return;
    }
    left.textContent = "本次动作提示已使用，请点击「重新开始核验」获取新的动作提示。";
    again.hidden = false; // a challenge is single use: any refusal needs a new one
  };
  root.append(
    h(
      "section",
      { class: "card", id: "liveness", "data-nonce": challenge.nonce, "data-actions": challenge.actions.join(",") },
      h("h2", { text: "人脸实人核验" }),
      returnNote(ctx.view, "face"),
      h("p", { class: "muted", text: "为确认是本人办理，系统将与身份证照片和寸照比对。请摘下帽子和墨镜。" }),
      h("p", { text: "请正对屏幕，光线充足，依次完成以下动作：" }),
      list,
      h("p", { class: "muted" }, left),
      navigator.mediaDevices?.getUserMedia ? camera(ctx, challenge, list, err) : null,
      burstPicker(ctx, challenge, err),
      err,
      again,
    ),
  );
}

async function start(ctx, button, err) {
  await busy(button, "准备中…", async () => ctx.adopt(await api.post("/me/liveness/challenge")), err);
}

export function render(ctx, root) {
  const challenge = ctx.view.liveness_challenge;
  if (challenge && new Date(challenge.expires_at).getTime() > Date.now()) return challengeView(ctx, root, challenge);
  const err = errorBox();
  const go = h("button", { type: "button", class: "primary", id: "liveness-start", text: "开始人脸核验" });
  go.addEventListener("click", () => start(ctx, go, err));
  root.append(
    h(
      "section",
      { class: "card" },
      h("h2", { text: "人脸实人核验" }),
      returnNote(ctx.view, "face"),
      h("p", { text: "为确认是本人办理，需要进行人脸核验：按提示完成几个简单动作，系统将与身份证照片和寸照比对。" }),
      h("p", { class: "muted", text: "请摘下帽子和墨镜，在光线均匀的地方进行。" }),
      err,
      go,
    ),
  );
}

// The candidate's path R1–R14: which screen to show is decided by the application's state; the
// screens inside the form step (form, CHSI, attachments, submit) are chosen by the URL hash.

import { api, logOut, session } from "./api.js";
import { clear, errorBox, h } from "../common/dom.js";
import { nextDraftScreen } from "./flow.js";
import { held, release, releaseSettled } from "./held.js";
import { saveHeldFormOnLeave } from "./keep_held.js";
import { isReturned, nextReturnScreen, redoScreens } from "./returned.js";
import * as attachments from "./screens/attachments.js";
import * as chsi from "./screens/chsi.js";
import * as face from "./screens/face.js";
import * as form from "./screens/form.js";
import * as idcard from "./screens/idcard.js";
import * as mine from "./screens/mine.js";
import * as notice from "./screens/notice.js";
import * as photo from "./screens/photo.js";
import * as submit from "./screens/submit.js";
import * as welcome from "./screens/welcome.js";
import { confirmSignOutEverywhere } from "./signout.js";
import { canWithdraw, confirmWithdraw } from "./withdraw.js";

const SCREENS = { welcome, idcard, photo, face, notice, form, chsi, attachments, submit, mine };
const BY_STATE = {
  REGISTERED: "welcome",
  ID_PENDING: "idcard",
  PHOTO_PENDING: "photo",
  FACE_PENDING: "face",
  NOTICE_PENDING: "notice",
};
const STEPS = ["注册", "身份证", "寸照", "人脸", "须知", "填表", "提交"];
const STEP_OF = { welcome: 0, idcard: 1, photo: 2, face: 3, notice: 4, form: 5, chsi: 5, attachments: 5, submit: 6 };
const DRAFT_SCREENS = ["form", "chsi", "attachments", "submit"];
const AFTER_SUBMIT_SCREENS = ["form", "attachments", "submit"];

const main = document.getElementById("app");
const stepper = document.getElementById("steps");
const logout = document.getElementById("logout");
const logoutAll = document.getElementById("logout-all");
const withdraw = document.getElementById("withdraw");

export const ctx = {
  catalogs: null,
  period: null,
  view: null,
  /** The notice version accepted on its screen, sent with the form's first save. */
  noticeAccepted: null,
  /** The ID card fields typed before the candidate went back to them (web/h5/held.js). */
  idCardTyped: null,
  /** A message for the next screen: a held step the server refused, or what a save did. */
  carried: null,
  cleanups: [],
  /** Show another screen (or the state's own when `name` is empty). */
  go(name = "") {
    if (location.hash.slice(1) === name) render();
    else location.hash = name;
  },
  /** After a logout: nothing of the application stays on the screen. */
  signedOut() {
    release(ctx.view, "id_card");
    release(ctx.view, "form");
    ctx.view = null;
    ctx.noticeAccepted = ctx.idCardTyped = null;
    ctx.go("");
  },
  /** A fresh view from the server, then render. */
  async reload() {
    ctx.view = null;
    // a refresh token alone (the access token dropped after a renewal the network lost) still
    // opens the application: /me answers 401 and the renewal is tried again
    if (session.token || session.refresh) {
      try {
        ctx.view = await api.get("/me");
        releaseSettled(ctx.view);
        // a form typed after accepting the notice is held with that acceptance (web/h5/held.js)
        if (ctx.view.state === "NOTICE_PENDING") ctx.noticeAccepted ||= held(ctx.view, "form")?.notice_version || null;
        await loadMajors(ctx.view.period_id);
      } catch (err) {
        if (err.status !== 401) throw err;
      }
    }
    render();
  },
  /** Adopt a view an update returned, then show `next` (default: the state's own screen; on a
   * returned case's redo step, the next step the return still needs). */
  adopt(view, next = "") {
    const redoing = isReturned(view) && redoScreens(view).includes(main.dataset.screen);
    ctx.view = view;
    releaseSettled(view);
    ctx.go(next || (redoing ? nextReturnScreen(view) : ""));
  },
  /** Show `message` on top of `screen` when it is shown next (kind: "err" or "ok"). */
  carry(screen, message, kind = "err") {
    ctx.carried = { screen, message, kind };
  },
  onLeave(fn) {
    ctx.cleanups.push(fn);
  },
};

/** The majors of the candidate's period as the office edited them (condition texts included). */
async function loadMajors(periodId) {
  if (ctx.catalogs.majorsOf === periodId) return;
  ctx.catalogs.major = await api.get(`/majors?period_id=${encodeURIComponent(periodId)}`);
  ctx.catalogs.majorsOf = periodId;
}

function screenName() {
  const view = ctx.view;
  const wanted = location.hash.slice(1);
  if (!view) return "welcome";
  // a step the phone holds for the next request moves the candidate on before the server does
  if (view.state === "ID_PENDING" && held(view, "id_card")) return "photo";
  if (view.state === "NOTICE_PENDING" && ctx.noticeAccepted) return wanted === "submit" && held(view, "form") ? "submit" : "form";
  if (BY_STATE[view.state]) return BY_STATE[view.state];
  if (view.state === "DRAFT") return DRAFT_SCREENS.includes(wanted) ? wanted : nextDraftScreen(view);
  const open = view.state === "SUBMITTED" ? AFTER_SUBMIT_SCREENS : isReturned(view) ? [...AFTER_SUBMIT_SCREENS, ...redoScreens(view)] : [];
  return open.includes(wanted) ? wanted : "mine";
}

function renderSteps(name) {
  const current = name === "mine" ? STEPS.length : STEP_OF[name];
  const done = (i) => i < current || isReturned(ctx.view); // a returned case has been through all
  clear(
    stepper,
    STEPS.map((label, i) => h("li", { class: i === current ? "current" : done(i) ? "done" : "", text: label })),
  );
}

export function render() {
  for (const fn of ctx.cleanups.splice(0)) fn();
  const name = screenName();
  renderSteps(name);
  logout.hidden = !session.token;
  logoutAll.hidden = !session.token;
  withdraw.hidden = !(session.token && canWithdraw(ctx.view));
  main.dataset.screen = name;
  main.dataset.state = ctx.view?.state || "";
  clear(main);
  SCREENS[name].render(ctx, main);
  showCarried(name);
  window.scrollTo(0, 0);
}

function showCarried(name) {
  const carried = ctx.carried;
  ctx.carried = null;
  if (carried?.screen !== name) return;
  if (carried.kind === "ok") return main.prepend(h("p", { class: "ok", id: "carried-note", role: "status", text: carried.message }));
  const box = errorBox();
  box.id = "carried-error";
  main.prepend(box);
  box.show({ message: carried.message });
}

async function boot() {
  withdraw.addEventListener("click", () => confirmWithdraw(ctx));
  logoutAll.addEventListener("click", () => confirmSignOutEverywhere(ctx));
  logout.addEventListener("click", () => {
    logOut();
    ctx.signedOut();
  });
  window.addEventListener("hashchange", render);
  // the answer to a held form saved on leaving is the case from then on, if the page lives on:
  // its notice is recorded, so 「提交」 no longer sends it
  saveHeldFormOnLeave(
    () => ctx.view,
    (saved) => {
      if (saved.application_id !== ctx.view?.application_id) return;
      ctx.view = saved;
      ctx.noticeAccepted = null;
    },
  );
  try {
    [ctx.catalogs, ctx.period] = await Promise.all([api.get("/catalogs"), api.get("/period")]);
    await ctx.reload();
  } catch (err) {
    clear(main, h("div", { class: "err", role: "alert" }, h("p", { class: "err-msg", text: err.message })));
  }
}

boot();

// A form held on the first pass (web/h5/held.js) lives in this tab until 「暂存」 or 「提交」. A
// candidate who fills it and leaves (another app, the phone locked, the tab closed) and comes
// back on another device would find it gone, so leaving the page saves it: one PUT /me/form
// with keepalive (it outlives the page), sent only when the held form changed since the last
// time. The straight path, 「下一步」 then 「提交」 without leaving, sends nothing more.

import { renewedToken, session } from "./api.js";
import { held, PRE_SUBMIT, rememberSaved, savedOnLeave } from "./held.js";

/** A refusal of the form itself or of the step (a rule it breaks, the case submitted on another
 * device): unlike a lost connection or a busy server, sending the same form again cannot help. */
const REFUSED = (status) => status >= 400 && status < 500 && ![401, 408, 429].includes(status);

/** `currentView()`: the view on screen; `saved(view)`: the server's answer, if the page lives on. */
export function saveHeldFormOnLeave(currentView, saved) {
  const save = () => {
    const view = currentView();
    const typed = PRE_SUBMIT.includes(view?.state) ? held(view, "form") : null;
    if (!typed || !session.token) return;
    const body = { ...typed.form };
    if (view.state === "NOTICE_PENDING") {
      if (!typed.notice_version) return; // the notice is to be read again: the server would refuse
      body.notice_version = typed.notice_version;
    }
    const form = JSON.stringify(typed.form); // the notice goes once, with the first save
    if (form === savedOnLeave(view)) return;
    rememberSaved(view, form);
    const put = (token) =>
      fetch("/api/v1/me/form", {
        method: "PUT",
        keepalive: true,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const sentWith = session.token;
    put(sentWith)
      .then(async (res) => {
        // the access token ran out while the candidate typed (it lives 2 hours): renewed, the
        // save goes again at once, as a hidden page still runs; a page being closed may not
        if (res.status === 401) {
          const token = await renewedToken(sentWith);
          if (token) res = await put(token);
        }
        if (REFUSED(res.status)) return; // the same form would be refused on every leave: sent again once changed
        if (!res.ok) throw new Error(`${res.status}`);
        saved(await res.json());
      })
      .catch(() => rememberSaved(view, null)); // still held in this tab; tried again on the next leave
  };
  document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && save());
  window.addEventListener("pagehide", save);
}

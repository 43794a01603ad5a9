// Steps the phone holds until the candidate's next request carries them (issue #18: each request
// that changes the case costs the server 5+ history events): the ID card confirmed goes with the
// photo upload, the form typed on the first pass goes with 「提交」. Each is kept in
// sessionStorage under the application, so a reload in between loses nothing the candidate typed.

const PREFIX = "ruji.h5.held";

const keyOf = (view, what) => `${PREFIX}.${what}.${view.application_id}`;
/** What this page read or held, so storage that refuses writes still keeps it for the page. */
const memory = new Map();

/** `what`: "id_card" (the confirmed fields) or "form" ({ form, notice_version }). */
export function hold(view, what, value) {
  try {
    sessionStorage.setItem(keyOf(view, what), JSON.stringify(value));
  } catch {
    // storage full or refused (private mode): the step is still held for this page
  }
  memory.set(keyOf(view, what), value);
}

export function held(view, what) {
  if (!view) return null;
  const key = keyOf(view, what);
  if (memory.has(key)) return memory.get(key);
  try {
    const value = JSON.parse(sessionStorage.getItem(key) || "null");
    if (value) memory.set(key, value);
    return value;
  } catch {
    return null;
  }
}

export function release(view, what) {
  if (!view) return;
  memory.delete(keyOf(view, what));
  try {
    sessionStorage.removeItem(keyOf(view, what));
  } catch {
    // nothing stored
  }
  if (what === "form") rememberSaved(view, null); // sent another way: compare with nothing
}

/** The held form last saved on leaving the page (web/h5/keep_held.js), across reloads. */
const savedKey = (view) => `ruji.h5.saved.${view.application_id}`;

export function savedOnLeave(view) {
  try {
    return sessionStorage.getItem(savedKey(view));
  } catch {
    return null;
  }
}

export function rememberSaved(view, form) {
  try {
    if (form) sessionStorage.setItem(savedKey(view), form);
    else sessionStorage.removeItem(savedKey(view));
  } catch {
    // storage refused: the next leave saves the same form again, nothing is lost
  }
}

/** The ID card is held only while the case waits for its confirmation and a photo to carry it
 * (first pass); a card redone with the 寸照 kept is confirmed on its own, and goes to the face. */
export const confirmsAtPhoto = (view) => view?.state === "ID_PENDING" && Boolean(view.id_card) && !view.photo_kept;

/** The form is held only before the first submission. */
export const PRE_SUBMIT = ["NOTICE_PENDING", "DRAFT"];

/** What the server's answer settled: a confirmed card, a submitted case, a signed-out phone. */
export function releaseSettled(view) {
  if (!confirmsAtPhoto(view)) release(view, "id_card");
  if (!PRE_SUBMIT.includes(view?.state)) release(view, "form");
}

// The candidate API: JSON in and out, errors thrown as {code, message, details} from the server.
// The access token lives 2 hours; on a 401 the refresh token (7 days) is exchanged once for a new
// pair, so a candidate who comes back later keeps his place without a new SMS code. Logout ends
// the sign-in on the server too.

import { ApiError, request } from "../common/http.js";

const TOKEN_KEY = "ruji.h5.token";
const REFRESH_KEY = "ruji.h5.refresh";

function stored(key) {
  return {
    get: () => localStorage.getItem(key),
    set: (value) => (value ? localStorage.setItem(key, value) : localStorage.removeItem(key)),
  };
}
const tokenStore = stored(TOKEN_KEY);
const refreshStore = stored(REFRESH_KEY);

export const session = {
  get token() {
    return tokenStore.get();
  },
  set token(value) {
    tokenStore.set(value);
  },
  get refresh() {
    return refreshStore.get();
  },
  set refresh(value) {
    refreshStore.set(value);
  },
  /** Keep the tokens of a Session answer (verify, login, refresh). */
  adopt(answer) {
    session.token = answer.token;
    session.refresh = answer.refresh_token;
  },
};

/** Each refresh token works once: the server replaces it, and a replaced one shown again ends
 * the sign-in. So requests that meet a 401 together share one renewal, and so do the H5's tabs
 * (they share the tokens): one renews at a time, and a tab that waited finds the pair another
 * tab got instead of renewing with the token that tab replaced. Otherwise the tab that wrote
 * last could keep the replaced token, and its next renewal, hours later, would end the sign-in. */
let renewing = null;

function renew(refused) {
  renewing ??= acrossTabs(() => renewOnce(refused)).finally(() => (renewing = null));
  return renewing;
}

/** The access token to send again after the server refused `refused` (it expired while the page
 * was open): renewed as `call` renews, shared with any renewal under way; null when the sign-in
 * is over. For requests made outside `call`, such as the keepalive save of a page being left. */
export async function renewedToken(refused) {
  return (await renew(refused)) ? session.token : null;
}

/** The sign-in a refresh token names (`sid` in its payload; the server checks the signature). */
function signInOf(token) {
  try {
    const payload = token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sid || null;
  } catch {
    return null;
  }
}

function acrossTabs(work) {
  return navigator.locks ? navigator.locks.request("ruji.h5.renew", work) : work();
}

/** `refused`: the access token the server refused; another one stored means another tab renewed
 * meanwhile. A tab may still read the tokens from before another tab's renewal (localStorage
 * reaches other tabs a moment later): the server answers the replaced token within its grace,
 * and that answer, the newest, is kept while the stored tokens are of the same sign-in. */
async function renewOnce(refused) {
  if (session.token && session.token !== refused) return true;
  const refresh = session.refresh;
  if (!refresh) return false;
  try {
    const answer = await request("POST", "/candidate/token/refresh", { refresh_token: refresh });
    // logged out (or signed in afresh) meanwhile: keep it that way
    if (!session.refresh || signInOf(session.refresh) !== signInOf(refresh)) return false;
    session.adopt(answer);
    return true;
  } catch (err) {
    // only a refusal ends it: after a dropped connection the same token is sent again later (the
    // server answers it for a minute after replacing it, in case its answer was what got lost)
    if (err.status === 401 && session.refresh === refresh) session.refresh = null;
    return false;
  }
}

/** 「退出登录」: the server ends the sign-in (its refresh token and any copy of it), then the
 * phone forgets both tokens, also when the server could not be told. */
export async function logOut() {
  const refresh = session.refresh;
  session.token = null;
  session.refresh = null;
  if (refresh) await request("POST", "/candidate/logout", { refresh_token: refresh }).catch(() => {});
}

/** 「退出所有设备」 (a lost or shared phone): the server ends every sign-in of the application,
 * this one too, then the phone forgets its tokens. Unlike 「退出登录」 a failure is not hidden:
 * the candidate must know the other devices were not signed out. */
export async function logOutEverywhere() {
  await call("POST", "/me/sign-out-everywhere");
  session.token = null;
  session.refresh = null;
}

/** Every step the phone sends carries an Idempotency-Key, kept for its retries: the server
 * answers a retry with the first attempt's outcome (the step is not done twice), so a step whose
 * answer was lost on a dropped connection is sent once more at once. */
async function call(method, path, body, headers) {
  const keyed = method === "POST" ? { "idempotency-key": newKey(), ...headers } : headers;
  const token = session.token;
  try {
    return await request(method, path, body, token, keyed);
  } catch (err) {
    if (err.code === "NETWORK" && method === "POST") return retried(method, path, body, keyed);
    if (err.status !== 401 || !path.startsWith("/me")) throw err;
    if (await renew(token)) return request(method, path, body, session.token, keyed);
    session.token = null;
    throw err;
  }
}

/** 32 hex digits; getRandomValues works where randomUUID does not (a page served over http). */
function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function retried(method, path, body, keyed) {
  await pause(1);
  return request(method, path, body, session.token, keyed);
}

/** An authorised image (QR code, own photo) as an object URL for an <img>. */
export async function imageUrl(path) {
  const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new ApiError(await res.json().catch(() => ({})), res.status);
  return URL.createObjectURL(await res.blob());
}

const pause = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** An upload checked by vision (ID card, photo, face). While the vision queue is long the server
 * answers 202 with the place in line instead of the result: `onQueued` hears each such answer
 * (「排队中，预计 N 秒」) and the result is asked for again until it comes — the view, or the
 * refusal thrown as the upload itself would have thrown it. */
async function upload(path, body, onQueued) {
  let answer = await call("POST", path, body);
  while (answer.queued) {
    onQueued(answer);
    await pause(answer.poll_after_s);
    answer = await call("GET", `/me/uploads/${answer.update_id}`);
  }
  return answer;
}

/** The `onQueued` of an upload whose busy button says where it stands in the queue. */
export const inLine = (button) => (answer) => {
  button.textContent = answer.message;
};

export const api = {
  get: (path) => call("GET", path),
  post: (path, body, headers) => call("POST", path, body, headers),
  upload,
  put: (path, body) => call("PUT", path, body),
  del: (path) => call("DELETE", path),
};

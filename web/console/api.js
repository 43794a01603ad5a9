// The staff API. The session (token, role, regions) lives in sessionStorage: closing the tab forgets
// it; 「退出」 also ends it on the server.

import { ApiError, request } from "../common/http.js";

const KEY = "ruji.console.session";

export const staff = {
  get session() {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  },
  set session(value) {
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
    else sessionStorage.removeItem(KEY);
  },
  /** The account id inside the signed token (claimed_by holds account ids). */
  get accountId() {
    const token = this.session?.token;
    if (!token) return null;
    const payload = token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub;
  },
};

const RETURN_KEY = "ruji.console.return";

/** The 30-minute sign-in ran out (or was ended) mid-work: say so on the login form and, signed
 * in again, come back to the page he was on rather than to the start. */
function signedOut(err) {
  if (staff.session && !location.hash.startsWith("#/login")) sessionStorage.setItem(RETURN_KEY, JSON.stringify({ hash: location.hash, message: err.message, username: staff.session.username }));
  staff.session = null;
  location.hash = "#/login";
}

async function call(method, path, body) {
  try {
    return await request(method, path, body, staff.session?.token);
  } catch (err) {
    if (err.status === 401 && path !== "/staff/login") signedOut(err);
    throw err;
  }
}

/** The raw response (a download, a stream) with the staff token; refusals thrown as by `api`. */
export async function staffFetch(path, init = {}) {
  const headers = { ...init.headers, authorization: `Bearer ${staff.session?.token}` };
  const res = await fetch(`/api/v1${path}`, { ...init, headers }).catch(() => {
    throw new ApiError({ code: "NETWORK", message: "网络异常，请检查网络后重试" }, 0);
  });
  if (res.ok) return res;
  const err = new ApiError(await res.json().catch(() => ({ message: "下载失败，请稍后重试" })), res.status);
  if (res.status === 401) signedOut(err);
  throw err;
}

/** Where a sign-in that ran out left off ({hash, message, username}): read by the login form. */
export function interrupted({ take = false } = {}) {
  const back = JSON.parse(sessionStorage.getItem(RETURN_KEY) || "null");
  if (take) sessionStorage.removeItem(RETURN_KEY);
  return back;
}

/** 「退出」: the server refuses the account's tokens issued until now (here and on any other
 * device), then this tab forgets its own, also when the server could not be told. */
export async function logOut() {
  const token = staff.session?.token;
  staff.session = null;
  if (token) await request("POST", "/staff/logout", undefined, token).catch(() => {});
}

export const api = {
  get: (path, params) => {
    const query = params ? `?${new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined))}` : "";
    return call("GET", path + query);
  },
  post: (path, body = {}) => call("POST", path, body),
  put: (path, body) => call("PUT", path, body),
};

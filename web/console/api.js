// The staff API. The session (token, role, regions) lives in sessionStorage: closing the tab logs out.

const KEY = "ruji.console.session";

export class ApiError extends Error {
  constructor(body, status) {
    super(body.message || "网络异常，请稍后重试");
    this.code = body.code || "NETWORK";
    this.details = body.details;
    this.status = status;
  }
}

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

async function call(method, path, body) {
  const headers = {};
  const s = staff.session;
  if (s) headers.authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError({ code: "NETWORK", message: "网络异常，请检查网络后重试" }, 0);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path !== "/staff/login") {
      staff.session = null;
      location.hash = "#/login";
    }
    throw new ApiError(data, res.status);
  }
  return data;
}

export const api = {
  get: (path, params) => {
    const query = params ? `?${new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined))}` : "";
    return call("GET", path + query);
  },
  post: (path, body = {}) => call("POST", path, body),
  put: (path, body) => call("PUT", path, body),
};

// The candidate API: JSON in and out, errors thrown as {code, message, details} from the server.

const TOKEN_KEY = "ruji.h5.token";

export class ApiError extends Error {
  constructor(body, status) {
    super(body.message || "网络异常，请稍后重试");
    this.code = body.code || "NETWORK";
    this.details = body.details;
    this.status = status;
  }
}

export const session = {
  get token() {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

async function call(method, path, body) {
  const headers = {};
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let payload = body;
  if (body && !(body instanceof FormData)) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload });
  } catch {
    throw new ApiError({ code: "NETWORK", message: "网络异常，请检查网络后重试" }, 0);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && path.startsWith("/me")) session.token = null;
    throw new ApiError(data, res.status);
  }
  return data;
}

/** An authorised image (QR code, own photo) as an object URL for an <img>. */
export async function imageUrl(path) {
  const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new ApiError(await res.json().catch(() => ({})), res.status);
  return URL.createObjectURL(await res.blob());
}

export const api = {
  get: (path) => call("GET", path),
  post: (path, body) => call("POST", path, body),
  put: (path, body) => call("PUT", path, body),
};

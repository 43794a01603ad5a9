// The candidate API: JSON in and out, errors thrown as {code, message, details} from the server.

import { ApiError, request } from "../common/http.js";

const TOKEN_KEY = "ruji.h5.token";

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
  try {
    return await request(method, path, body, session.token);
  } catch (err) {
    if (err.status === 401 && path.startsWith("/me")) session.token = null;
    throw err;
  }
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

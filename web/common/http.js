// One way to call the JSON API for both clients: bearer token, JSON or FormData bodies, and the
// server's {code, message, details} thrown as ApiError (code NETWORK when nothing came back).

export class ApiError extends Error {
  constructor(body, status) {
    super(body.message || "网络异常，请稍后重试");
    this.code = body.code || "NETWORK";
    this.details = body.details;
    this.status = status;
  }
}

export async function request(method, path, body, token, extraHeaders = {}) {
  const headers = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
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
  if (!res.ok) throw new ApiError(data, res.status);
  return data;
}

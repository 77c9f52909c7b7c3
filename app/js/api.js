// The public HTTP API, with the person's token in `x-token`. The token lives in sessionStorage
// (this tab, until it closes), never in a URL, a log or a cookie.

const TOKEN_KEY = "qm-bridge-token";

// The API shares the Bridge's origin and path prefix: "/" locally, "/<stage>/" behind API Gateway.
export const API_ROOT = location.pathname.replace(/bridge(\/.*)?$/, "");

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  /** A 404 for a path this installation does not serve (yet), rather than a missing entity. */
  get notServed() {
    return this.status === 404 && /no route for|does not serve yet/.test(this.message);
  }
}

/** The token is missing, wrong, revoked or expired: ask for one again. */
export class AuthError extends ApiError {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

function url(path, query) {
  const target = new URL(API_ROOT + path.replace(/^\//, ""), location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(name, value);
  }
  return target;
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.message) message = body.message;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) {
    return new AuthError(401, "This installation needs an API token.");
  }
  if (response.status === 403) {
    return new AuthError(403, `The token was refused: ${message}`);
  }
  if (response.status === 429) {
    const wait = response.headers.get("Retry-After");
    return new ApiError(429, wait ? `${message} (retry in ${wait} s)` : message);
  }
  return new ApiError(response.status, message);
}

export async function api(path, { method = "GET", query, body, withToken } = {}) {
  const credential = withToken || token();
  if (!credential) throw new AuthError(401, "Enter an API token to use the Bridge.");
  const headers = { "x-token": credential, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch (error) {
    throw new ApiError(0, `the API could not be reached (${error.message})`);
  }
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? {} : response.json();
}

/** Every page of a paged listing (`nextPageKey`), up to `limit` items. */
export async function allPages(path, query, key, limit = 500) {
  const items = [];
  let next;
  do {
    const page = await api(path, { query: { ...query, nextPageKey: next } });
    items.push(...(page[key] || []));
    next = page.nextPageKey;
  } while (next && items.length < limit);
  return items;
}

/** null when the path is not served here (the view then says "not yet available"). */
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.notServed) return null;
    throw error;
  }
}

export const enc = encodeURIComponent;

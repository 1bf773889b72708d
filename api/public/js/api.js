// The API client. A person signs in with a password: the server keeps the session in an httpOnly cookie, which goes
// with every request, and every change carries the session's CSRF token (held here, in memory only). For local
// development an API key still works: it lives in sessionStorage (gone when the tab closes) as a bearer header.
const KEY = 'gtm.apiKey';
// The cookie cannot be read from a script, so this remembers that there may be a session: a page opened with no
// session then shows the sign-in form at once, rather than asking the server and logging its 401.
const MAYBE_SIGNED_IN = 'gtm.signedIn';
const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD']);

let csrfToken = null;

export const session = {
  /** The API key of a local run, when signed in with one. */
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  /** Keeps the session's CSRF token; a token means the cookie is there. */
  opened(token) {
    csrfToken = token;
    localStorage.setItem(MAYBE_SIGNED_IN, 'yes');
  },
  /** Whether there may be a session or a key to ask /v1/me about. */
  get started() {
    return Boolean(this.key) || localStorage.getItem(MAYBE_SIGNED_IN) === 'yes';
  },
  clear() {
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(MAYBE_SIGNED_IN);
    csrfToken = null;
  },
};

export class ApiError extends Error {
  constructor(status, body, method, path) {
    super((body && body.error) || `${method} ${path} answered ${status}`);
    this.status = status;
    this.body = body;
    this.method = method;
    this.path = path;
  }

  /** The server has no such route: that part of the API is not there (yet). */
  get missing() {
    return this.status === 404 && /^no route for/.test((this.body && this.body.error) || '');
  }
}

/** The headers that say who asks: the key of a local run, or (for a change) the session's CSRF token. */
function credentials(method, key) {
  if (key) return { authorization: `Bearer ${key}` };
  return !SAFE.has(method) && csrfToken ? { [CSRF_HEADER]: csrfToken } : {};
}

async function call(method, path, body, key) {
  const headers = { accept: 'application/json', ...credentials(method, key) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { error: text.slice(0, 200) };
  }
  return { res, json };
}

export async function api(method, path, body, key = session.key) {
  const { res, json } = await call(method, path, body, key);
  if (res.status === 401 && key === session.key) {
    // The session ended (expired, signed out elsewhere, deactivated) or the key was revoked: sign in again.
    session.clear();
    window.dispatchEvent(new CustomEvent('gtm:signed-out'));
  }
  if (!res.ok && !(res.status === 403 && json && json.speech) && !(res.status === 409 && json && json.speech)) {
    throw new ApiError(res.status, json, method, path);
  }
  return { status: res.status, body: json };
}

export const get = async (path) => (await api('GET', path)).body;
export const post = async (path, body = {}) => (await api('POST', path, body)).body;

/**
 * Who is signed in ({user, name, roles, via, csrfToken}), keeping the CSRF token; null when nobody is (no event:
 * the caller shows the sign-in page itself).
 */
export async function whoAmI() {
  const { res, json } = await call('GET', '/v1/me', undefined, session.key);
  if (res.status === 401) {
    session.clear();
    return null;
  }
  if (!res.ok) throw new ApiError(res.status, json, 'GET', '/v1/me');
  if (json.csrfToken) session.opened(json.csrfToken);
  return json;
}

/**
 * Signs in with an email address and a password: `{ ok: true, user }`, or `{ ok: false, status, retryAfter,
 * message }` (401 wrong password, 429 locked for `retryAfter` seconds).
 */
export async function signInWithPassword(email, password) {
  sessionStorage.removeItem(KEY);
  const { res, json } = await call('POST', '/v1/session', { email, password });
  if (res.ok) {
    session.opened(json.csrfToken);
    return { ok: true, user: json.user };
  }
  const retryAfter = Number(res.headers.get('retry-after')) || null;
  return { ok: false, status: res.status, retryAfter, message: (json && json.error) || `answered ${res.status}` };
}

/** Ends the session on the server (the cookie goes with it) and forgets the key; never fails. */
export async function signOut() {
  if (!session.key && csrfToken) await call('DELETE', '/v1/session').catch(() => undefined);
  session.clear();
}

/** Uploads a file with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries(credentials('POST', session.key))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = { error: xhr.responseText.slice(0, 200) };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json);
      else reject(new ApiError(xhr.status, json, 'POST', path));
    };
    xhr.onerror = () => reject(new ApiError(0, { error: 'the upload failed' }, 'POST', path));
    xhr.send(file);
  });
}

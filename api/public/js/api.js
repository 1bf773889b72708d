// The API client: the key lives in sessionStorage (gone when the tab closes) and goes out as a bearer header.
const KEY = 'gtm.apiKey';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
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

export async function api(method, path, body, key = session.key) {
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { error: text.slice(0, 200) };
  }
  if (res.status === 401 && key === session.key) {
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

/** Uploads a file with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('authorization', `Bearer ${session.key}`);
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

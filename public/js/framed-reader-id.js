// A reader id for the embed page. Framed by another site, a browser may keep no cookie for us
// (Safari, Firefox's strict mode, Chrome with third-party cookies blocked), so the page sends
// an id of its own with its view reports: kept in the frame's storage where the browser allows
// it (then per embedding site, as browsers partition a frame's storage), else for this page
// view only. Without a cookie, views then count once per reader and site, or per page view.

const KEY = 'liveblog-reader-id';

function newReaderId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const base64 = btoa(String.fromCharCode(...bytes));
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function storedReaderId() {
  try {
    const stored = window.localStorage.getItem(KEY);
    if (stored && /^[\w-]{22}$/.test(stored)) return stored;
    const readerId = newReaderId();
    window.localStorage.setItem(KEY, readerId);
    return readerId;
  } catch {
    // Storage refused in this frame: an id for this page view.
    return newReaderId();
  }
}

let readerId;

/** This reader's id, the same for the whole page view. */
export function framedReaderId() {
  readerId ??= storedReaderId();
  return readerId;
}

// Liveblog reader page: follows the blog's stream and keeps the page current. The page is
// complete without this script; it adds live entries, edits, deletions, the connection state,
// relative times and in-place loading of older entries.
(() => {
  'use strict';

  const stream = document.getElementById('stream');
  if (!stream || !('EventSource' in window)) return;

  const pinnedList = document.getElementById('pinned-entries');
  const entryList = document.getElementById('entries');
  const connection = document.getElementById('connection');
  const announcer = document.getElementById('announcer');
  const newUpdates = document.getElementById('new-updates');
  const slug = stream.dataset.blogSlug;
  const streamUrl = stream.dataset.streamUrl;
  const postsUrl = stream.dataset.postsUrl;
  const isOlderPage = stream.dataset.olderPage === 'true';

  /** Id of the newest event reflected in the page: events up to it are never applied again. */
  let lastEventId = Number(stream.dataset.lastEventId) || 0;
  let source = null;
  let reconnectAttempt = 0;
  let reconnectTimer = null;
  /** New entries that arrived while the reader was scrolled down, behind the button. */
  let held = [];

  // Connection state ---------------------------------------------------------------------

  const STATES = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  };

  function showConnection(state) {
    connection.hidden = false;
    connection.dataset.state = state;
    connection.textContent = STATES[state];
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (source) source.close();
    showConnection(navigator.onLine === false ? 'offline' : 'connecting');
    source = new EventSource(`${streamUrl}?after=${lastEventId}`);
    source.addEventListener('open', () => {
      reconnectAttempt = 0;
      showConnection('live');
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        scheduleReconnect();
      } else {
        showConnection(navigator.onLine === false ? 'offline' : 'reconnecting');
      }
    });
    source.addEventListener(
      'post',
      durable((data) => showPost(data.post, true)),
    );
    source.addEventListener(
      'update',
      durable((data) => showPost(data.post, false)),
    );
    source.addEventListener(
      'delete',
      durable((data) => removePost(data.postId)),
    );
    source.addEventListener('reset', (event) => {
      lastEventId = Number(event.lastEventId) || 0;
      reloadEntries();
    });
  }

  /**
   * The browser gives up for good after an answer that is not a stream (a proxy's 502 during a
   * deploy): reconnect ourselves, from the last applied event, with exponential backoff and
   * jitter so a restarted server is not hit by every reader at once.
   */
  function scheduleReconnect() {
    source.close();
    showConnection(navigator.onLine === false ? 'offline' : 'reconnecting');
    const ceiling = Math.min(30000, 1000 * 2 ** reconnectAttempt);
    reconnectAttempt += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  window.addEventListener('offline', () => showConnection('offline'));
  window.addEventListener('online', () => {
    if (!source || source.readyState === EventSource.CLOSED) connect();
    else if (source.readyState === EventSource.CONNECTING) showConnection('reconnecting');
  });

  /** Applies a durable event once: a replay after a reconnect never shows anything twice. */
  function durable(apply) {
    return (event) => {
      const id = Number(event.lastEventId);
      if (!(id > lastEventId)) return;
      lastEventId = id;
      apply(JSON.parse(event.data));
    };
  }

  // Entries ------------------------------------------------------------------------------

  function entryElement(postId) {
    return document.getElementById(`post-${postId}`);
  }

  function renderEntry(post) {
    const article = document.createElement('article');
    article.className = 'entry';
    article.classList.toggle('is-pinned', post.pinned);
    article.classList.toggle('is-key-event', post.keyEvent);
    article.id = `post-${post.id}`;
    article.dataset.version = String(post.version);

    const meta = document.createElement('header');
    meta.className = 'entry-meta';
    const link = document.createElement('a');
    link.className = 'entry-time';
    link.href = `/blogs/${encodeURIComponent(slug)}/posts/${post.id}`;
    const time = document.createElement('time');
    time.dateTime = post.createdAt;
    link.append(time);
    meta.append(link);
    if (post.pinned) meta.append(badge('badge-pinned', 'Pinned'));
    if (post.keyEvent) meta.append(badge('badge-key', 'Key event'));

    const body = document.createElement('div');
    body.className = 'entry-body';
    // Rendered and sanitized by the server when the entry was written.
    body.innerHTML = post.html;

    const footer = document.createElement('footer');
    footer.className = 'entry-footer';
    const author = document.createElement('span');
    author.className = 'entry-author';
    author.textContent = post.author.name;
    footer.append(author);
    if (post.version > 1) {
      const edited = document.createElement('span');
      edited.className = 'entry-edited';
      edited.textContent = ' · edited';
      footer.append(edited);
    }

    article.append(meta, body, footer);
    showRelativeTime(time);
    return article;
  }

  function badge(className, text) {
    const span = document.createElement('span');
    span.className = `badge ${className}`;
    span.textContent = text;
    return span;
  }

  /** Puts an entry in its list, keeping newest first: pinned ones on top, then the rest. */
  function place(element, post) {
    const list = post.pinned ? pinnedList : entryList;
    const next = [...list.children].find((child) => Number(child.id.slice(5)) < post.id);
    list.insertBefore(element, next || null);
  }

  function isScrolledDown() {
    return window.scrollY > stream.offsetTop + 40;
  }

  /** A published entry (isNew) or an edited one, added or changed in place. */
  function showPost(post, isNew) {
    const existing = entryElement(post.id);
    if (existing && Number(existing.dataset.version) >= post.version) return;
    const element = renderEntry(post);
    if (existing) {
      const moves = existing.classList.contains('is-pinned') !== post.pinned;
      if (moves) {
        existing.remove();
        place(element, post);
      } else {
        existing.replaceWith(element);
      }
      return;
    }
    const heldIndex = held.findIndex((item) => item.post.id === post.id);
    if (heldIndex >= 0) {
      held[heldIndex] = { post, element };
      return;
    }
    // An edit of an entry this page does not show (older, or on an older page) changes nothing,
    // unless it pins the entry to the top.
    if (!isNew && !post.pinned) return;
    if (isNew && isOlderPage) return;
    document.getElementById('no-entries')?.remove();
    element.classList.add('is-new');
    if (isNew && !post.pinned && isScrolledDown()) {
      held.push({ post, element });
      showNewUpdatesButton();
    } else {
      place(element, post);
    }
    if (isNew) announce(post);
  }

  function removePost(postId) {
    entryElement(postId)?.remove();
    held = held.filter((item) => item.post.id !== postId);
    showNewUpdatesButton();
  }

  function announce(post) {
    const text = post.body.replace(/[#*_>`[\]()!-]/g, '').trim();
    announcer.textContent = `New entry by ${post.author.name}: ${text.slice(0, 140)}`;
  }

  function showNewUpdatesButton() {
    newUpdates.hidden = held.length === 0;
    newUpdates.textContent = held.length === 1 ? '1 new update' : `${held.length} new updates`;
  }

  function showHeld() {
    for (const { post, element } of held) place(element, post);
    held = [];
    showNewUpdatesButton();
  }

  newUpdates.addEventListener('click', () => {
    showHeld();
    stream.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });

  window.addEventListener(
    'scroll',
    () => {
      if (held.length > 0 && !isScrolledDown()) showHeld();
    },
    { passive: true },
  );

  /** After a reset: the page's entries from the API, then the stream from the new head. */
  async function reloadEntries() {
    source.close();
    try {
      const response = await fetch(postsUrl, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      held = [];
      showNewUpdatesButton();
      pinnedList.replaceChildren();
      entryList.replaceChildren();
      for (const post of page.posts) place(renderEntry(post), post);
      lastEventId = page.lastEventId;
      connect();
    } catch {
      scheduleReconnect();
    }
  }

  // Older entries, loaded in place -------------------------------------------------------

  const loadOlder = document.getElementById('load-older');
  loadOlder?.addEventListener('click', async (event) => {
    event.preventDefault();
    const oldest = entryList.lastElementChild;
    const before = oldest
      ? Number(oldest.id.slice(5))
      : new URL(loadOlder.href).searchParams.get('before');
    loadOlder.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(`${postsUrl}?before=${before}&limit=20`, {
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      for (const post of page.posts) {
        if (!entryElement(post.id)) entryList.append(renderEntry(post));
      }
      if (page.posts.length < 20) loadOlder.parentElement.remove();
    } catch {
      window.location.href = loadOlder.href;
    } finally {
      loadOlder.removeAttribute('aria-busy');
    }
  });

  // Relative times -----------------------------------------------------------------------

  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

  function showRelativeTime(time) {
    const date = new Date(time.dateTime);
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    let text;
    if (seconds < 45) text = 'just now';
    else if (seconds < 3600) text = `${Math.round(seconds / 60)} min ago`;
    else if (seconds < 6 * 3600)
      text = `${Math.floor(seconds / 3600)} h ago · ${clock.format(date)}`;
    else text = absolute.format(date);
    time.textContent = text;
    time.title = absolute.format(date);
  }

  function refreshTimes() {
    for (const time of stream.querySelectorAll('time[datetime]')) showRelativeTime(time);
  }

  refreshTimes();
  setInterval(refreshTimes, 30000);
  connect();
})();

// Shared by the reader page (reader.js) and the editors' composer (admin.js): following a blog's
// stream with exact resume, the connection indicator, and entries rendered like the server's
// entry partial (views/partials/entry.hbs).
(() => {
  'use strict';

  const STATES = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  };

  /**
   * Follows a stream from `lastEventId`. Durable events are applied once each: a replay after a
   * reconnect never applies anything twice. When the browser gives up for good (a proxy's 502
   * or 503 during a deploy), the stream is re-created from the last applied event, with
   * exponential backoff and jitter so a restarted server is not hit by every reader at once.
   */
  function followStream({
    streamUrl,
    postsUrl,
    lastEventId,
    connection,
    readers,
    onPost,
    onDelete,
    onReset,
  }) {
    let source = null;
    let attempt = 0;
    let timer = null;

    function show(state) {
      if (!connection) return;
      connection.hidden = false;
      connection.dataset.state = state;
      connection.textContent = STATES[state];
    }

    function offlineOr(state) {
      return navigator.onLine === false ? 'offline' : state;
    }

    function durable(apply) {
      return (event) => {
        const id = Number(event.lastEventId);
        if (!(id > lastEventId)) return;
        lastEventId = id;
        apply(JSON.parse(event.data));
      };
    }

    function connect() {
      clearTimeout(timer);
      if (source) source.close();
      show(offlineOr('connecting'));
      source = new EventSource(`${streamUrl}?after=${lastEventId}`);
      source.addEventListener('open', () => {
        attempt = 0;
        show('live');
      });
      source.addEventListener('error', () => {
        if (source.readyState === EventSource.CLOSED) retryLater();
        else show(offlineOr('reconnecting'));
      });
      source.addEventListener(
        'post',
        durable((data) => onPost(data.post, true)),
      );
      source.addEventListener(
        'update',
        durable((data) => onPost(data.post, false)),
      );
      source.addEventListener(
        'delete',
        durable((data) => onDelete(data.postId)),
      );
      source.addEventListener('reset', reload);
      // Ephemeral figures carry no id and are never replayed: applied as they come.
      source.addEventListener('views', (event) => showViews(JSON.parse(event.data).counts));
      source.addEventListener('readers', (event) => {
        if (readers) readers.textContent = `${JSON.parse(event.data).readers} reading now`;
      });
    }

    function retryLater() {
      source.close();
      show(offlineOr('reconnecting'));
      const ceiling = Math.min(30000, 1000 * 2 ** attempt);
      attempt += 1;
      clearTimeout(timer);
      timer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
    }

    /** After a reset: the entries from the API, then the stream from their event id. */
    async function reload() {
      source.close();
      try {
        const response = await fetch(postsUrl, { headers: { Accept: 'application/json' } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const page = await response.json();
        onReset(page.posts);
        lastEventId = page.lastEventId;
        connect();
      } catch {
        retryLater();
      }
    }

    window.addEventListener('offline', () => show('offline'));
    window.addEventListener('online', () => {
      if (!source || source.readyState === EventSource.CLOSED) connect();
      else if (source.readyState === EventSource.CONNECTING) show('reconnecting');
    });
    connect();
  }

  function viewsText(views) {
    return views === 1 ? '1 view' : `${views} views`;
  }

  /** New view totals, by entry id; the text changes in place, the layout does not move. */
  function showViews(counts) {
    for (const [postId, views] of Object.entries(counts)) {
      const element = document.querySelector(`#post-${postId} .entry-views`);
      if (element && Number(element.dataset.views) < views) {
        element.dataset.views = String(views);
        element.textContent = viewsText(views);
      }
    }
  }

  function entryId(element) {
    return Number(element.id.slice('post-'.length));
  }

  function badge(className, text) {
    const span = document.createElement('span');
    span.className = `badge ${className}`;
    span.textContent = text;
    return span;
  }

  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

  /** "just now", "5 min ago", "2 h ago · 14:05", then the date; the full time in its title. */
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

  function keepTimesTicking(container) {
    const refresh = () => container.querySelectorAll('time[datetime]').forEach(showRelativeTime);
    refresh();
    setInterval(refresh, 30000);
  }

  /** An entry's element, as the server's entry partial renders it. */
  function renderEntry(post, slug) {
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
    const views = document.createElement('span');
    views.className = 'entry-views';
    views.dataset.views = String(post.views || 0);
    views.textContent = viewsText(post.views || 0);
    footer.append(author, views);
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

  /** Puts an entry in its list, newest first: pinned ones in theirs, the others in the main one. */
  function placeEntry({ pinnedList, entryList }, element, post) {
    const list = post.pinned ? pinnedList : entryList;
    const next = [...list.children].find((child) => entryId(child) < post.id);
    list.insertBefore(element, next || null);
  }

  window.Liveblog = { followStream, renderEntry, placeEntry, entryId, keepTimesTicking };
})();

// Liveblog reader page: keeps the page current from the blog's stream. The page is complete
// without this script; it adds live entries, edits, deletions, the connection state, relative
// times, a "new updates" button for readers scrolled down, and older entries loaded in place.
(() => {
  'use strict';

  const stream = document.getElementById('stream');
  if (!stream || !('EventSource' in window) || !window.Liveblog) return;
  const { followStream, renderEntry, placeEntry, entryId, keepTimesTicking } = window.Liveblog;

  const lists = {
    pinnedList: document.getElementById('pinned-entries'),
    entryList: document.getElementById('entries'),
  };
  const announcer = document.getElementById('announcer');
  const newUpdates = document.getElementById('new-updates');
  const slug = stream.dataset.blogSlug;
  const postsUrl = stream.dataset.postsUrl;
  const isOlderPage = stream.dataset.olderPage === 'true';

  /** New entries that arrived while the reader was scrolled down, behind the button. */
  let held = [];

  function isScrolledDown() {
    return window.scrollY > stream.offsetTop + 40;
  }

  /** A published entry (isNew) or an edited one, added or changed in place. */
  function showPost(post, isNew) {
    const existing = document.getElementById(`post-${post.id}`);
    if (existing && Number(existing.dataset.version) >= post.version) return;
    const element = renderEntry(post, slug);
    if (existing) {
      if (existing.classList.contains('is-pinned') !== post.pinned) {
        existing.remove();
        placeEntry(lists, element, post);
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
    // An edit of an entry this page does not show (older, or on an older page) changes
    // nothing, unless it pins the entry to the top.
    if (!isNew && !post.pinned) return;
    if (isNew && isOlderPage) return;
    document.getElementById('no-entries')?.remove();
    element.classList.add('is-new');
    if (isNew && !post.pinned && isScrolledDown()) {
      held.push({ post, element });
      showNewUpdatesButton();
    } else {
      placeEntry(lists, element, post);
    }
    if (isNew) announce(post);
  }

  function removePost(postId) {
    document.getElementById(`post-${postId}`)?.remove();
    held = held.filter((item) => item.post.id !== postId);
    showNewUpdatesButton();
  }

  function showAll(posts) {
    held = [];
    showNewUpdatesButton();
    lists.pinnedList.replaceChildren();
    lists.entryList.replaceChildren();
    for (const post of posts) placeEntry(lists, renderEntry(post, slug), post);
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
    for (const { post, element } of held) placeEntry(lists, element, post);
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

  const loadOlder = document.getElementById('load-older');
  loadOlder?.addEventListener('click', async (event) => {
    event.preventDefault();
    const oldest = lists.entryList.lastElementChild;
    const before = oldest ? entryId(oldest) : new URL(loadOlder.href).searchParams.get('before');
    loadOlder.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(`${postsUrl}?before=${before}&limit=20`, {
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      for (const post of page.posts) {
        if (!document.getElementById(`post-${post.id}`))
          lists.entryList.append(renderEntry(post, slug));
      }
      if (page.posts.length < 20) loadOlder.parentElement.remove();
    } catch {
      window.location.href = loadOlder.href;
    } finally {
      loadOlder.removeAttribute('aria-busy');
    }
  });

  // Views: an entry counts once it has been at least half on screen for a second. The ids
  // go to the server in one request every few seconds (and when the page is hidden).
  const seen = new Set();
  const unreported = new Set();
  const visibleTimers = new Map();
  const viewsUrl = `/blogs/${encodeURIComponent(slug)}/views`;

  function reportViews() {
    if (unreported.size === 0) return;
    const postIds = [...unreported].slice(0, 100);
    for (const id of postIds) unreported.delete(id);
    const retry = () => postIds.forEach((id) => unreported.add(id));
    fetch(viewsUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ postIds }),
      keepalive: true,
    })
      // Too many reports from this address, or a server hiccup: try again next time.
      .then((response) => (response.status === 429 || response.status >= 500) && retry())
      .catch(retry);
  }

  const onScreen = new IntersectionObserver(
    (changes) => {
      for (const change of changes) {
        const id = entryId(change.target);
        if (change.isIntersecting && !seen.has(id)) {
          visibleTimers.set(
            id,
            setTimeout(() => {
              seen.add(id);
              unreported.add(id);
              onScreen.unobserve(change.target);
            }, 1000),
          );
        } else {
          clearTimeout(visibleTimers.get(id));
          visibleTimers.delete(id);
        }
      }
    },
    { threshold: 0.5 },
  );

  function watchEntries() {
    for (const article of stream.querySelectorAll('article.entry')) {
      if (!seen.has(entryId(article))) onScreen.observe(article);
    }
  }

  new MutationObserver(watchEntries).observe(stream, { childList: true, subtree: true });
  watchEntries();
  setInterval(reportViews, 3000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') reportViews();
  });

  keepTimesTicking(stream);
  followStream({
    streamUrl: stream.dataset.streamUrl,
    postsUrl,
    lastEventId: Number(stream.dataset.lastEventId) || 0,
    connection: document.getElementById('connection'),
    readers: document.getElementById('readers'),
    onPost: showPost,
    onDelete: removePost,
    onReset: showAll,
  });
})();

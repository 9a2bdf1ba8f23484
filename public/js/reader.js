// Liveblog reader page: keeps the page current from the blog's stream. The page is complete
// without this script; it adds live entries, edits, deletions, the connection state, relative
// times, a "new updates" button for readers scrolled down, older entries loaded in place, and
// keeps the "Key events" list.
import { followStream } from './blog-stream.js';
import { EntryLists, entryId, keepTimesTicking } from './entry-lists.js';
import { framedReaderId } from './framed-reader-id.js';
import { KeyEventsList } from './key-events.js';
import './video-embeds.js';

/**
 * The reader's entries: a new entry waits behind the "new updates" button while the reader is
 * scrolled down, is announced to screen readers, and an older page takes no new entries.
 */
class ReaderEntries extends EntryLists {
  /** New entries that arrived while the reader was scrolled down, behind the button. */
  #held = [];

  constructor(stream, keyEvents) {
    super(stream);
    this.stream = stream;
    this.keyEvents = keyEvents;
    this.isOlderPage = stream.dataset.olderPage === 'true';
    this.announcer = document.getElementById('announcer');
    this.newUpdates = document.getElementById('new-updates');
    this.newUpdates.addEventListener('click', () => {
      this.#showHeld();
      stream.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
    window.addEventListener(
      'scroll',
      () => {
        if (this.#held.length > 0 && !this.#isScrolledDown()) this.#showHeld();
      },
      { passive: true },
    );
  }

  applyPost(post) {
    super.applyPost(post);
    this.keyEvents.apply(post);
  }

  applyUpdate(post) {
    super.applyUpdate(post);
    this.keyEvents.apply(post);
  }

  arrive(element, post, isNew) {
    const heldIndex = this.#held.findIndex((item) => item.post.id === post.id);
    if (heldIndex >= 0) {
      this.#held[heldIndex] = { post, element };
      return;
    }
    // An edit of an entry this page does not show (older, or on an older page) changes
    // nothing, unless it pins the entry to the top.
    if (!isNew && !post.pinned) return;
    if (isNew && this.isOlderPage) return;
    document.getElementById('no-entries')?.remove();
    element.classList.add('is-new');
    if (isNew && !post.pinned && this.#isScrolledDown()) {
      this.#held.push({ post, element });
      this.#showNewUpdatesButton();
    } else {
      this.place(element, post);
    }
    if (isNew) this.#announce(post);
  }

  applyDelete(postId) {
    super.applyDelete(postId);
    this.keyEvents.remove(postId);
    this.#held = this.#held.filter((item) => item.post.id !== postId);
    this.#showNewUpdatesButton();
  }

  /**
   * Done once the key events are reloaded too: the stream resumes only then, so the reload
   * cannot overwrite an event applied meanwhile.
   */
  replaceAll(posts) {
    this.#held = [];
    this.#showNewUpdatesButton();
    super.replaceAll(posts);
    return this.keyEvents.reload();
  }

  /** The element of an entry on the page, shown first if it waits behind the button. */
  entryElement(postId) {
    if (this.#held.some((item) => item.post.id === postId)) this.#showHeld();
    return document.getElementById(`post-${postId}`);
  }

  /** Entries older than those shown, at the end of the main list. */
  appendOlder(posts) {
    for (const post of posts) {
      if (!document.getElementById(`post-${post.id}`)) this.entryList.append(this.render(post));
    }
  }

  #isScrolledDown() {
    return window.scrollY > this.stream.offsetTop + 40;
  }

  #announce(post) {
    const text = post.title || post.body.replace(/[#*_>`[\]()!-]/g, '').trim();
    this.announcer.textContent = `New entry by ${post.author.name}: ${text.slice(0, 140)}`;
  }

  #showNewUpdatesButton() {
    const count = this.#held.length;
    this.newUpdates.hidden = count === 0;
    this.newUpdates.textContent = count === 1 ? '1 new update' : `${count} new updates`;
  }

  #showHeld() {
    for (const { post, element } of this.#held) this.place(element, post);
    this.#held = [];
    this.#showNewUpdatesButton();
  }
}

/** "Load older entries" fetches them from the API into the page; the link is the fallback. */
function loadOlderInPlace(stream, entries) {
  const loadOlder = document.getElementById('load-older');
  loadOlder?.addEventListener('click', async (event) => {
    event.preventDefault();
    const oldest = entries.entryList.lastElementChild;
    const before = oldest ? entryId(oldest) : new URL(loadOlder.href).searchParams.get('before');
    loadOlder.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(`${stream.dataset.postsUrl}?before=${before}&limit=20`, {
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      entries.appendOlder(page.posts);
      if (page.posts.length < 20) loadOlder.parentElement.remove();
    } catch {
      window.location.href = loadOlder.href;
    } finally {
      loadOlder.removeAttribute('aria-busy');
    }
  });
}

/**
 * Views: an entry counts once it has been at least half on screen for a second. The ids go to
 * the server in one request every few seconds (and when the page is hidden).
 */
function reportViews(stream) {
  const seen = new Set();
  const unreported = new Set();
  const visibleTimers = new Map();
  const viewsUrl = `/blogs/${encodeURIComponent(stream.dataset.blogSlug)}/views`;
  const readerId = stream.dataset.embedded === 'true' ? framedReaderId() : undefined;

  function report() {
    if (unreported.size === 0) return;
    const postIds = [...unreported].slice(0, 100);
    for (const id of postIds) unreported.delete(id);
    const retry = () => postIds.forEach((id) => unreported.add(id));
    fetch(viewsUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ postIds, readerId }),
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
  setInterval(report, 3000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') report();
  });
}

const stream = document.getElementById('stream');
if (stream && 'EventSource' in window) {
  const keyEventsNav = document.getElementById('key-events');
  const keyEvents = new KeyEventsList(keyEventsNav, (postId) => entries.entryElement(postId));
  const entries = new ReaderEntries(stream, keyEvents);
  loadOlderInPlace(stream, entries);
  reportViews(stream);
  keepTimesTicking(stream);
  keepTimesTicking(keyEventsNav);
  followStream(stream, entries);
}

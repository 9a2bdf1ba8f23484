// Liveblog reader page: keeps the page current from the blog's stream. The page is complete
// without this script; it adds live entries, edits, deletions, the connection state, relative
// times, a "new updates" button for readers away from the newest entries, older (or, read from
// the start, newer) entries loaded in place, the entries' Share buttons, and keeps the "Key
// events" list.
import { followStream } from './blog-stream.js';
import { EntryLists, entryId, fetchPosts, keepTimesTicking } from './entry-lists.js';
import { framedReaderId } from './framed-reader-id.js';
import { FramedView } from './framed-view.js';
import { KeyEventsList, keyEventLabel } from './key-events.js';
import { enableSharing } from './share-entry.js';
import './video-embeds.js';

const ENTRIES_PER_PAGE = 20;

/** Entries a page read from the start reloads at a time after a reset: the API's most. */
const RELOAD_PAGE = 100;

/** Where "Load newer entries" goes on from: the `after` of its link. */
function newerCursor(loadNewer) {
  return Number(new URL(loadNewer.href).searchParams.get('after'));
}

function moveNewerCursor(loadNewer, after) {
  const url = new URL(loadNewer.href);
  url.searchParams.set('after', String(after));
  loadNewer.href = url.href;
}

/**
 * The reader's entries: a new entry waits behind the "new updates" button while the newest
 * entries are off screen (the reader scrolled down or, read from the start, up), is announced
 * to screen readers, and an older page takes no new entries. Read from the start, the page
 * takes new entries only once it has loaded all before them ("Load newer entries"): until then
 * they come with the pages, so none is shown twice or out of order.
 */
class ReaderEntries extends EntryLists {
  /** New entries that arrived while the newest entries were off screen, behind the button. */
  #held = [];
  /** While a newer page loads, the stream's events meanwhile, to apply again once it is in. */
  #duringLoad = null;

  constructor(stream, keyEvents) {
    super(stream);
    this.stream = stream;
    this.keyEvents = keyEvents;
    this.isOlderPage = stream.dataset.olderPage === 'true';
    this.announcer = document.getElementById('announcer');
    this.newUpdates = document.getElementById('new-updates');
    this.newUpdates.classList.toggle('is-below', this.oldestFirst);
    this.newUpdates.addEventListener('click', () => {
      this.#showHeld();
      if (this.oldestFirst) {
        this.entryList.lastElementChild?.scrollIntoView({ behavior: 'smooth', block: 'end' });
      } else {
        stream.scrollIntoView({ behavior: 'smooth', block: 'start' });
      }
    });
    const onMove = () => {
      if (this.#held.length > 0 && !this.#isAwayFromNewest()) this.#showHeld();
    };
    window.addEventListener('scroll', onMove, { passive: true });
    if (stream.dataset.embedded === 'true') {
      this.framedView = new FramedView(stream, () => {
        // The button's place is the top of what the reader sees of the frame.
        this.newUpdates.style.top = `${this.framedView.visibleTop + 12}px`;
        onMove();
      });
    }
  }

  applyPost(post) {
    this.#duringLoad?.push(() => this.applyPost(post));
    super.applyPost(post);
    this.keyEvents.apply(post);
  }

  applyUpdate(post) {
    this.#duringLoad?.push(() => this.applyUpdate(post));
    super.applyUpdate(post);
    this.keyEvents.apply(post);
  }

  /** As the server renders it, with its Share button working. */
  render(post) {
    const article = super.render(post);
    article.querySelector('.share-label').textContent = keyEventLabel(post);
    enableSharing(article);
    return article;
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
    if (!post.pinned && this.#isBeyondLoaded(post.id)) return;
    document.getElementById('no-entries')?.remove();
    element.classList.add('is-new');
    if (isNew && !post.pinned && this.#isAwayFromNewest()) {
      this.#held.push({ post, element });
      this.#showNewUpdatesButton();
    } else {
      this.place(element, post);
    }
    if (isNew) this.#announce(post);
  }

  /** Unpinned, an entry past the newer pages still to load leaves: it comes with them. */
  move(shown, element, post) {
    if (!post.pinned && this.#isBeyondLoaded(post.id)) shown.remove();
    else super.move(shown, element, post);
  }

  applyDelete(postId) {
    this.#duringLoad?.push(() => this.applyDelete(postId));
    super.applyDelete(postId);
    this.keyEvents.remove(postId);
    this.#held = this.#held.filter((item) => item.post.id !== postId);
    this.#showNewUpdatesButton();
  }

  /**
   * Read from the start, the page reloads what it showed: from its first entry up to the last
   * it had loaded, or to the newest when it had them all. The stream resumes after the first
   * request's event id: what changed while the others were read is replayed, and applied once.
   */
  async reload() {
    if (!this.oldestFirst) return super.reload();
    const loadNewer = document.getElementById('load-newer');
    const loadedUpTo = loadNewer ? newerCursor(loadNewer) : Infinity;
    const posts = [];
    let resumeFrom;
    // A later page (`?order=oldest&after=…`) reloads from where it starts.
    let after = Number(new URLSearchParams(window.location.search).get('after')) || 0;
    let complete = false;
    while (!complete && after < loadedUpTo) {
      const from = after ? `&after=${after}` : '';
      const page = await fetchPosts(`${this.postsUrl}?order=oldest&limit=${RELOAD_PAGE}${from}`);
      resumeFrom ??= { lastEventId: page.lastEventId, epoch: page.epoch };
      posts.push(...page.posts);
      complete = page.posts.length < RELOAD_PAGE;
      after = page.posts.at(-1)?.id ?? after;
    }
    if (complete) loadNewer?.parentElement.remove();
    else moveNewerCursor(loadNewer, after);
    await this.replaceAll(posts);
    return resumeFrom;
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

  /** A newer page starts loading: the events that come meanwhile are kept to apply again. */
  startLoadingNewer() {
    this.#duringLoad = [];
  }

  /** Entries newer than those shown (read from the start), at the end of the main list. */
  appendNewer(posts) {
    for (const post of posts) {
      if (!document.getElementById(`post-${post.id}`)) this.place(this.render(post), post);
    }
  }

  /**
   * The newer page is in: the events that came while it loaded are applied again. The page
   * left out the new entries among them, as past what it had loaded, and its entries may have
   * been read before a change; now each lands where it belongs (applying one twice does
   * nothing more).
   */
  finishLoadingNewer() {
    const events = this.#duringLoad ?? [];
    this.#duringLoad = null;
    for (const apply of events) apply();
  }

  /** Read from the start, with newer pages still to load: whether entry `id` is past them. */
  #isBeyondLoaded(id) {
    const loadNewer = document.getElementById('load-newer');
    return loadNewer !== null && id > newerCursor(loadNewer);
  }

  /** Whether the newest entries are off screen: above the reader or, read from the start, below. */
  #isAwayFromNewest() {
    // Embedded, the frame grows below what the reader sees when read from the start: only an
    // entry added above them, newest first, would move it.
    if (this.framedView) return !this.oldestFirst && this.framedView.hiddenAbove > 40;
    if (!this.oldestFirst) return window.scrollY > this.stream.offsetTop + 40;
    return this.entryList.getBoundingClientRect().bottom > window.innerHeight + 40;
  }

  #announce(post) {
    const text = post.title || post.body.replace(/[#*_>`[\]()!-]/g, '').trim();
    this.announcer.textContent = `New entry by ${post.author.name}: ${text.slice(0, 140)}`;
  }

  #showNewUpdatesButton() {
    const count = this.#held.length;
    this.newUpdates.hidden = count === 0;
    this.newUpdates.textContent = count === 1 ? '1 new update' : `${count} new updates`;
    if (this.oldestFirst) {
      const arrow = document.createElement('span');
      arrow.setAttribute('aria-hidden', 'true');
      arrow.textContent = '↓';
      this.newUpdates.prepend(arrow, ' ');
    }
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
 * "Load newer entries" (read from the start) fetches them from the API into the page; the link
 * is the fallback. Its `after` moves on with each page; with the last one it goes, and the page
 * takes new entries live.
 */
function loadNewerInPlace(stream, entries) {
  const loadNewer = document.getElementById('load-newer');
  loadNewer?.addEventListener('click', async (event) => {
    event.preventDefault();
    if (loadNewer.hasAttribute('aria-busy')) return;
    loadNewer.setAttribute('aria-busy', 'true');
    entries.startLoadingNewer();
    try {
      const query = `order=oldest&after=${newerCursor(loadNewer)}`;
      // One more than a page: whether there are newer ones still.
      const page = await fetchPosts(
        `${stream.dataset.postsUrl}?${query}&limit=${ENTRIES_PER_PAGE + 1}`,
      );
      const posts = page.posts.slice(0, ENTRIES_PER_PAGE);
      entries.appendNewer(posts);
      if (page.posts.length > ENTRIES_PER_PAGE) moveNewerCursor(loadNewer, posts.at(-1).id);
      else loadNewer.parentElement.remove();
    } catch {
      window.location.href = loadNewer.href;
    } finally {
      loadNewer.removeAttribute('aria-busy');
      entries.finishLoadingNewer();
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
  loadNewerInPlace(stream, entries);
  reportViews(stream);
  keepTimesTicking(stream);
  keepTimesTicking(keyEventsNav);
  followStream(stream, entries);
}

// A blog's entries as the reader page and the composer show them, and how the stream's events
// change them. The entries are in two lists, each newest first (or oldest first, on a reader
// page read from the start, data-order="oldest"): pinned ones on top (#pinned-entries), the
// others below (#entries).
//
// An entry's markup has one source, views/partials/entry.hbs. The server renders it once more
// for the script, into the stream element's data-entry-template, as an entry with every optional
// part and no id; an entry that arrives live is a filled copy of it, less the parts it lacks, so
// it looks exactly like the entries rendered with the page.

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** The id of the entry an element shows (`id="post-12"`). */
export function entryId(element) {
  return Number(element.id.slice('post-'.length));
}

function showViewCount(element, views) {
  element.dataset.views = String(views);
  element.textContent = views === 1 ? '1 view' : `${views} views`;
}

/** A name and, when they have one, the picture of an entry's author or credited user. */
function showByline(element, person) {
  element.querySelector(':scope > .entry-author, :scope > .entry-credit-name').textContent =
    person.name;
  const avatar = element.querySelector(':scope > img.avatar');
  if (person.avatarUrl) avatar.src = person.avatarUrl;
  else avatar.remove();
}

/** A page of the blog's entries from the JSON API: `{posts, lastEventId, epoch}`. */
export async function fetchPosts(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** "just now", "5 min ago", "2 h ago · 14:05", then the date; the full time in its title. */
export function showRelativeTime(time) {
  const date = new Date(time.dateTime);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  let text;
  if (seconds < 45) text = 'just now';
  else if (seconds < 3600) text = `${Math.round(seconds / 60)} min ago`;
  else if (seconds < 6 * 3600) text = `${Math.floor(seconds / 3600)} h ago · ${clock.format(date)}`;
  else text = absolute.format(date);
  time.textContent = text;
  time.title = absolute.format(date);
}

/** Shows the times in `container` relative to now, and keeps them so. */
export function keepTimesTicking(container) {
  const refresh = () => container.querySelectorAll('time[datetime]').forEach(showRelativeTime);
  refresh();
  setInterval(refresh, 30000);
}

/**
 * The entry lists of a page. `applyPost`, `applyUpdate`, `applyDelete`, `reload` (after a
 * reset) and `applyViews` take the stream's events; a page changes what happens to an entry by
 * overriding `render`, `defersChange`, `arrive` or `move`.
 */
export class EntryLists {
  constructor(stream) {
    this.pinnedList = stream.querySelector('#pinned-entries');
    this.entryList = stream.querySelector('#entries');
    this.postsUrl = stream.dataset.postsUrl;
    this.oldestFirst = stream.dataset.order === 'oldest';
    this.template = document.createElement('template');
    this.template.innerHTML = stream.dataset.entryTemplate;
  }

  /** A published entry. */
  applyPost(post) {
    this.#show(post, true);
  }

  /** An entry edited, pinned or unpinned, marked or unmarked as key event. */
  applyUpdate(post) {
    this.#show(post, false);
  }

  applyDelete(postId) {
    document.getElementById(`post-${postId}`)?.remove();
  }

  /**
   * After a reset: the entries as the server has them now. Resolves to the id of the event to
   * follow the stream from and the epoch it is an id of (both from the one answer: another
   * process may be in another epoch), once all the page reloads is in (the reader's key events
   * too), so that no event applied meanwhile is overwritten.
   */
  async reload() {
    const page = await fetchPosts(this.postsUrl);
    await this.replaceAll(page.posts);
    return { lastEventId: page.lastEventId, epoch: page.epoch };
  }

  /** The entries to show instead of all those shown, as after a reset. */
  replaceAll(posts) {
    this.pinnedList.replaceChildren();
    this.entryList.replaceChildren();
    for (const post of posts) this.place(this.render(post), post);
  }

  /** New view totals, by entry id; the text changes in place, the layout does not move. */
  applyViews(counts) {
    for (const [postId, views] of Object.entries(counts)) {
      const element = document.querySelector(`#post-${postId} .entry-views`);
      if (element && Number(element.dataset.views) < views) showViewCount(element, views);
    }
  }

  /** An entry's element: a copy of the page's entry template, filled. */
  render(post) {
    const article = this.template.content.firstElementChild.cloneNode(true);
    article.id += post.id;
    article.dataset.version = String(post.version);
    article.classList.toggle('is-pinned', post.pinned);
    article.classList.toggle('is-key-event', post.keyEvent);
    const link = article.querySelector('.entry-time');
    // The template's permalink is the one of an entry with no id.
    link.setAttribute('href', link.getAttribute('href') + post.id);
    const time = link.querySelector('time');
    time.dateTime = post.createdAt;
    showRelativeTime(time);
    if (!post.pinned) article.querySelector('.badge-pinned').remove();
    if (!post.keyEvent) article.querySelector('.badge-key').remove();
    // Events written before entries had titles and credits have neither field.
    if (post.title) article.querySelector('.entry-title').textContent = post.title;
    else article.querySelector('.entry-title').remove();
    // Rendered and sanitized by the server when the entry was written.
    article.querySelector('.entry-body').innerHTML = post.html;
    showByline(article.querySelector('.entry-byline'), post.author);
    if (post.credit) showByline(article.querySelector('.entry-credit'), post.credit);
    else article.querySelector('.entry-credit').remove();
    showViewCount(article.querySelector('.entry-views'), post.views || 0);
    if (post.version <= 1) article.querySelector('.entry-edited').remove();
    return article;
  }

  /**
   * Puts an entry in its list, in the page's order (newest first unless read from the start):
   * pinned ones in theirs, the others in the main one.
   */
  place(element, post) {
    const list = post.pinned ? this.pinnedList : this.entryList;
    const next = [...list.children].find((child) =>
      this.oldestFirst ? entryId(child) > post.id : entryId(child) < post.id,
    );
    list.insertBefore(element, next || null);
  }

  /** Whether the page keeps a change of an entry it shows for later (true) or shows it now. */
  defersChange() {
    return false;
  }

  /** An entry that is not on the page: published now, or changed (`isNew` false). */
  arrive(element, post) {
    element.classList.add('is-new');
    this.place(element, post);
  }

  /** An entry shown in one list that now belongs in the other. */
  move(shown, element, post) {
    shown.remove();
    this.place(element, post);
  }

  #show(post, isNew) {
    const shown = document.getElementById(`post-${post.id}`);
    if (shown && Number(shown.dataset.version) >= post.version) return;
    if (shown && this.defersChange(shown, post)) return;
    const element = this.render(post);
    if (!shown) this.arrive(element, post, isNew);
    else if (shown.classList.contains('is-pinned') === post.pinned) shown.replaceWith(element);
    else this.move(shown, element, post);
  }
}

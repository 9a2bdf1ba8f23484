// The reader page's "Key events" list (views/pages/blog.hbs): the blog's key events, newest
// first, each linking to its entry, kept as the stream marks, unmarks, edits and deletes
// entries. Open above the entries on a wide screen, folded into its summary on a phone.
import { showRelativeTime } from './entry-lists.js';

const LABEL_WORDS = 10;
const LABEL_CHARACTERS = 80;

/**
 * An entry's text in the list: its title, else the first words of its Markdown. The server
 * labels the entries it renders by the same rule (src/site/key-event-label.ts): change both
 * together; test/browser/key-events.browser-spec.ts checks that they agree.
 */
export function keyEventLabel(post) {
  const title = post.title?.trim();
  if (title) return title;
  const words = plainText(post.body).split(/\s+/).filter(Boolean);
  let label = words.slice(0, LABEL_WORDS).join(' ');
  let cut = words.length > LABEL_WORDS;
  const characters = Array.from(label);
  if (characters.length > LABEL_CHARACTERS) {
    const kept = characters.slice(0, LABEL_CHARACTERS).join('');
    const wordEnd = kept.lastIndexOf(' ');
    // One word longer than the limit (a pasted link) is cut inside the word.
    label = wordEnd > 0 ? kept.slice(0, wordEnd) : kept;
    cut = true;
  }
  if (!label) return `Entry ${post.id}`;
  return cut ? `${label}…` : label;
}

/** Markdown less its punctuation: links and images as their text, no markers or emphasis. */
function plainText(markdown) {
  return (
    markdown
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<((?:https?|mailto):[^>\s]*)>/g, '$1')
      .replace(/^[ \t]*(?:[-*_=][ \t]*){3,}$/gm, '')
      .replace(/^(?:[ \t]*(?:#{1,6}[ \t]|>|[-+*][ \t]|\d{1,9}[.)][ \t]))+/gm, '')
      // An underscore inside a word (snake_case) is not emphasis in Markdown: it stays.
      .replace(/[*~`]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
  );
}

/** The list in `nav`; `findEntry(id)` gives the element of an entry the page shows, or null. */
export class KeyEventsList {
  constructor(nav, findEntry) {
    this.nav = nav;
    this.list = nav.querySelector('.key-events-list');
    this.count = nav.querySelector('.key-events-count');
    this.template = document.createElement('template');
    this.template.innerHTML = nav.dataset.itemTemplate;
    const details = nav.querySelector('details');
    const wide = window.matchMedia('(min-width: 40rem)');
    details.open = wide.matches;
    wide.addEventListener('change', () => {
      details.open = wide.matches;
    });
    this.list.addEventListener('click', (event) => {
      // A click meant for a new tab or window opens the link as it is.
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const item = event.target.closest('.key-event');
      const entry = item && findEntry(Number(item.dataset.postId));
      // Not on this page: the link opens its permalink.
      if (!entry) return;
      event.preventDefault();
      entry.scrollIntoView({ block: 'start' });
      entry.querySelector('.entry-time').focus({ preventScroll: true });
    });
  }

  /** An entry published or changed: listed while it is a key event, with its current label. */
  apply(post) {
    const shown = this.#item(post.id);
    if (!post.keyEvent) {
      shown?.remove();
    } else if (shown) {
      shown.replaceWith(this.#render(post));
    } else {
      const next = [...this.list.children].find((item) => Number(item.dataset.postId) < post.id);
      this.list.insertBefore(this.#render(post), next || null);
    }
    this.#showCount();
  }

  remove(postId) {
    this.#item(postId)?.remove();
    this.#showCount();
  }

  /** After a reset of the stream: the list as the server has it now. */
  async reload() {
    const response = await fetch(this.nav.dataset.reloadUrl, {
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { posts } = await response.json();
    this.list.replaceChildren(...posts.map((post) => this.#render(post)));
    this.#showCount();
  }

  #item(postId) {
    return this.list.querySelector(`[data-post-id="${postId}"]`);
  }

  #render(post) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    item.dataset.postId = String(post.id);
    const link = item.querySelector('.key-event-link');
    // As the server links them: to the entry's place on this page, else (the template's link,
    // of an entry with no id) to its permalink.
    if (document.getElementById(`post-${post.id}`)) link.setAttribute('href', `#post-${post.id}`);
    else link.setAttribute('href', link.getAttribute('href') + post.id);
    const time = link.querySelector('time');
    time.dateTime = post.createdAt;
    showRelativeTime(time);
    link.querySelector('.key-event-label').textContent = keyEventLabel(post);
    return item;
  }

  #showCount() {
    const count = this.list.children.length;
    this.nav.hidden = count === 0;
    this.count.textContent = `(${count})`;
  }
}

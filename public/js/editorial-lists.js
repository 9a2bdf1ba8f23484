// The composer's entries that readers do not see: the review queue (drafts contributors have
// submitted), the drafts and the scheduled entries, each with what can be done to it. They are
// not on the stream (readers must never get them), so the lists are read from the API: at
// start, after each change made here, and every few seconds for colleagues' changes.
import { keyEventLabel } from './key-events.js';

/** How often the lists are read again, for what colleagues did meanwhile. */
const REFRESH_MS = 15000;

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function button(label, action, className = 'button small') {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = label;
  element.dataset.action = action;
  return element;
}

export class EditorialLists {
  /**
   * `api(method, url, body)` answers `{ ok, answer }`; `isContributor`: the lists of a
   * contributor, who sees their own drafts and cannot publish; `onEdit(post)` loads an entry into the
   * composer; `onPublished(post)` shows an entry just published; `onError(message)` says why
   * a change was refused.
   */
  constructor(section, { postsUrl, api, isContributor, onEdit, onPublished, onError }) {
    this.section = section;
    this.postsUrl = postsUrl;
    this.api = api;
    this.onEdit = onEdit;
    this.onPublished = onPublished;
    this.onError = onError;
    this.isContributor = isContributor;
    this.posts = new Map();
    section.addEventListener('click', (event) => {
      const target = event.target.closest('button[data-action]');
      if (target) void this.#act(target);
    });
    void this.refresh();
    setInterval(() => void this.refresh(), REFRESH_MS);
  }

  /** Reads the lists again and shows them. */
  async refresh() {
    const [drafts, scheduled] = await Promise.all([
      this.api('GET', `${this.postsUrl}?status=draft&limit=100`),
      this.api('GET', `${this.postsUrl}?status=scheduled&limit=100`),
    ]);
    if (!drafts.ok || !scheduled.ok) return;
    this.posts = new Map(
      [...drafts.answer.posts, ...scheduled.answer.posts].map((post) => [post.id, post]),
    );
    const submitted = drafts.answer.posts.filter((post) => post.submittedAt);
    // A contributor's own drafts, submitted or not, are all theirs to follow in one list.
    const waiting = this.isContributor
      ? drafts.answer.posts
      : drafts.answer.posts.filter((post) => !post.submittedAt);
    this.#show('review-queue', this.isContributor ? [] : submitted);
    this.#show('drafts', waiting);
    this.#show('scheduled', scheduled.answer.posts);
    this.section.hidden = this.posts.size === 0;
  }

  #show(listId, posts) {
    const list = document.getElementById(listId);
    list.hidden = posts.length === 0;
    list.querySelector('.editorial-count').textContent = `(${posts.length})`;
    list.querySelector('ul').replaceChildren(...posts.map((post) => this.#item(post)));
  }

  #item(post) {
    const item = document.createElement('li');
    item.className = 'editorial-item';
    item.dataset.postId = String(post.id);
    const label = document.createElement('strong');
    label.className = 'editorial-label';
    // Named as the key events list names entries: the title, or the first words.
    label.textContent = keyEventLabel(post);
    const about = document.createElement('span');
    about.className = 'editorial-about';
    about.textContent =
      post.status === 'scheduled'
        ? `Publishes ${when.format(new Date(post.publishAt))} · ${post.author.name}`
        : post.submittedAt
          ? `Submitted by ${post.author.name} · ${when.format(new Date(post.submittedAt))}`
          : `Draft by ${post.author.name} · ${when.format(new Date(post.updatedAt))}`;
    item.append(label, about);
    if (post.reviewNote) {
      const note = document.createElement('p');
      note.className = 'editorial-note';
      note.textContent = `Sent back: ${post.reviewNote}`;
      item.append(note);
    }
    const actions = document.createElement('div');
    actions.className = 'editorial-actions';
    actions.append(button('Edit', 'edit'));
    if (this.isContributor) {
      if (!post.submittedAt) actions.append(button('Submit for review', 'submit'));
    } else {
      actions.append(button(post.status === 'scheduled' ? 'Publish now' : 'Publish', 'publish'));
      if (post.submittedAt) actions.append(button('Send back…', 'send-back'));
      if (post.status === 'scheduled') actions.append(button('Unschedule', 'unschedule'));
    }
    actions.append(button('Delete', 'delete', 'button small danger'));
    item.append(actions);
    return item;
  }

  async #act(target) {
    const postId = Number(target.closest('li').dataset.postId);
    const post = this.posts.get(postId);
    if (!post) return;
    const url = `${this.postsUrl}/${postId}`;
    let change;
    switch (target.dataset.action) {
      case 'edit':
        this.onEdit(post);
        return;
      case 'publish':
        change = { status: 'published' };
        break;
      case 'submit':
        change = { submitted: true };
        break;
      case 'unschedule':
        change = { status: 'draft' };
        break;
      case 'send-back': {
        const note = window.prompt('A note for the author: what to change before it is published');
        if (note === null) return;
        change = { submitted: false, reviewNote: note };
        break;
      }
      case 'delete':
        if (!window.confirm('Delete this unpublished entry?')) return;
        break;
    }
    target.disabled = true;
    const { ok, answer } = change
      ? await this.api('PATCH', url, change)
      : await this.api('DELETE', url);
    target.disabled = false;
    if (!ok) {
      this.onError(answer);
      return;
    }
    if (answer.post?.status === 'published') this.onPublished(answer.post);
    await this.refresh();
  }
}

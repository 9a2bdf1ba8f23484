// The editors' composer: publish with Ctrl/Cmd+Enter, a live preview by the server's own
// renderer, and the blog's entries as readers see them, kept live by the stream, each with
// Edit, Pin, Key event and Delete. Talks to the JSON API with the session's CSRF token.
import { followStream } from './blog-stream.js';
import { EntryLists, entryId, keepTimesTicking } from './entry-lists.js';
import { EditorialLists } from './editorial-lists.js';
import { PhotoUploads } from './photo-uploads.js';
import './video-embeds.js';

const stream = document.getElementById('stream');
const postsUrl = stream.dataset.postsUrl;
const csrfToken = stream.dataset.csrfToken;
/** Contributors change only their own drafts: published entries get no controls. */
const isContributor = stream.dataset.role === 'contributor';

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-CSRF-Token': csrfToken,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, answer };
}

function messageOf(answer, fallback) {
  const message = answer && answer.message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : fallback;
}

function isMac() {
  return /Mac|iPhone|iPad/.test(navigator.platform);
}

function isSubmitShortcut(event) {
  return event.key === 'Enter' && (isMac() ? event.metaKey : event.ctrlKey);
}

// Entries --------------------------------------------------------------------------------

function button(label, action, className = 'button small') {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = label;
  element.dataset.action = action;
  return element;
}

/** Adds the editor's controls to an entry element (server-rendered or live). */
function withControls(article) {
  if (isContributor) return article;
  const pinned = article.classList.contains('is-pinned');
  const keyEvent = article.classList.contains('is-key-event');
  const actions = document.createElement('div');
  actions.className = 'entry-actions';
  actions.append(
    button('Edit', 'edit'),
    button(pinned ? 'Unpin' : 'Pin', 'pin'),
    button(keyEvent ? 'Not a key event' : 'Key event', 'key-event'),
    button('Delete', 'delete', 'button small danger'),
  );
  article.append(actions);
  return article;
}

/**
 * The composer's entries: each with the editor's controls and its Markdown source (to edit). A
 * change to an entry being edited here waits until the edit ends.
 */
class ComposerEntries extends EntryLists {
  /** Entries changed by someone else while being edited here: applied when the edit ends. */
  changedWhileEditing = new Map();
  /** Called for each entry published: it may have been a draft or scheduled one of the lists. */
  onPublished = () => {};

  applyPost(post) {
    super.applyPost(post);
    this.onPublished(post);
  }

  render(post) {
    const article = withControls(super.render(post));
    article.dataset.body = post.body;
    article.dataset.title = post.title ?? '';
    article.dataset.creditId = post.credit ? String(post.credit.id) : '';
    return article;
  }

  defersChange(shown, post) {
    if (!shown.classList.contains('is-editing')) return false;
    this.changedWhileEditing.set(post.id, post);
    shown.querySelector('.edit-notice').hidden = false;
    return true;
  }

  /** Pinned or unpinned: marked in its new place, where the editor's eye has to find it. */
  move(shown, element, post) {
    element.classList.add('is-new');
    super.move(shown, element, post);
  }

  applyDelete(postId) {
    this.changedWhileEditing.delete(postId);
    super.applyDelete(postId);
  }
}

const entries = new ComposerEntries(stream);

stream.addEventListener('click', async (event) => {
  const target = event.target.closest('button[data-action]');
  if (!target) return;
  const article = target.closest('article.entry');
  const url = `${postsUrl}/${entryId(article)}`;
  switch (target.dataset.action) {
    case 'edit':
      startEditing(article);
      break;
    case 'pin':
      await changeEntry(article, target, { pinned: !article.classList.contains('is-pinned') });
      break;
    case 'key-event':
      await changeEntry(article, target, {
        keyEvent: !article.classList.contains('is-key-event'),
      });
      break;
    case 'delete':
      if (window.confirm('Delete this entry? It disappears from every reader’s page.')) {
        target.disabled = true;
        const { ok, answer } = await api('DELETE', url);
        if (ok) entries.applyDelete(entryId(article));
        else showEntryError(article, messageOf(answer, 'Could not delete the entry'));
        target.disabled = false;
      }
      break;
  }
});

async function changeEntry(article, control, change) {
  control.disabled = true;
  const { ok, answer } = await api('PATCH', `${postsUrl}/${entryId(article)}`, change);
  control.disabled = false;
  if (ok) entries.applyUpdate(answer.post);
  else showEntryError(article, messageOf(answer, 'Could not change the entry'));
}

function showEntryError(article, message) {
  let error = article.querySelector('.entry-error');
  if (!error) {
    error = document.createElement('p');
    error.className = 'field-error entry-error';
    error.setAttribute('role', 'alert');
    article.append(error);
  }
  error.textContent = message;
}

/**
 * The composer's list of the team to credit, set to the entry's credit; that may be the
 * signed-in editor, whom the composer's own list leaves out. Null on an ended blog's page.
 */
function creditChoice(article) {
  const credit = document.getElementById('composer-credit')?.cloneNode(true);
  if (!credit) return null;
  credit.removeAttribute('id');
  credit.setAttribute('aria-label', 'Credit');
  const creditId = article.dataset.creditId;
  selectCredit(
    credit,
    creditId
      ? { id: creditId, name: article.querySelector('.entry-credit-name').textContent }
      : null,
  );
  return credit;
}

/** Sets a credit list to `person` (or nobody), adding them if the list leaves them out. */
function selectCredit(select, person) {
  const value = person ? String(person.id) : '';
  if (value && !select.querySelector(`option[value="${value}"]`)) {
    select.append(new Option(person.name, value));
  }
  select.value = value;
}

/** Edits an entry in place, saved with the version it started from. */
function startEditing(article) {
  if (article.classList.contains('is-editing')) return;
  article.classList.add('is-editing');
  const body = article.querySelector('.entry-body');
  const form = document.createElement('form');
  form.className = 'form edit-form';
  const title = document.createElement('input');
  title.maxLength = 200;
  title.value = article.dataset.title ?? '';
  title.placeholder = 'Headline (optional)';
  title.setAttribute('aria-label', 'Headline');
  const textarea = document.createElement('textarea');
  textarea.rows = 4;
  textarea.value = article.dataset.body ?? '';
  textarea.setAttribute('aria-label', 'Entry text (Markdown)');
  const credit = creditChoice(article);
  const notice = document.createElement('div');
  notice.className = 'edit-notice';
  notice.setAttribute('role', 'alert');
  notice.hidden = true;
  notice.textContent =
    'Someone else changed this entry meanwhile; saving will show you their version.';
  const error = document.createElement('p');
  error.className = 'field-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const buttons = document.createElement('div');
  buttons.className = 'edit-buttons';
  const save = button('Save', 'save-edit', 'button small primary');
  save.type = 'submit';
  const cancel = button('Cancel', 'cancel-edit');
  buttons.append(save, cancel);
  form.append(title, textarea, ...(credit ? [credit] : []), notice, error, buttons);
  body.hidden = true;
  article.querySelector('.entry-actions').hidden = true;
  body.after(form);
  textarea.focus();

  let version = Number(article.dataset.version);
  const finish = (post) => {
    article.classList.remove('is-editing');
    form.remove();
    body.hidden = false;
    article.querySelector('.entry-actions').hidden = false;
    const newer = entries.changedWhileEditing.get(entryId(article));
    entries.changedWhileEditing.delete(entryId(article));
    const latest = [post, newer].filter(Boolean).sort((a, b) => b.version - a.version)[0];
    if (latest) entries.applyUpdate(latest);
  };

  cancel.addEventListener('click', (event) => {
    event.stopPropagation();
    finish();
  });
  textarea.addEventListener('keydown', (event) => {
    if (isSubmitShortcut(event)) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === 'Escape') {
      finish();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    const { ok, status, answer } = await api('PATCH', `${postsUrl}/${entryId(article)}`, {
      title: title.value,
      body: textarea.value,
      ...(credit ? { creditId: credit.value ? Number(credit.value) : null } : {}),
      version,
    });
    save.disabled = false;
    if (ok) {
      finish(answer.post);
    } else if (status === 409 && answer.post) {
      // Show the newer text; saving again applies this edit on top of it.
      version = answer.post.version;
      entries.changedWhileEditing.set(answer.post.id, answer.post);
      error.hidden = false;
      error.textContent = `Someone else saved this entry meanwhile (version ${answer.post.version}). Their text is below; Save again to replace it with yours, or Cancel to keep theirs.`;
      notice.hidden = false;
      notice.replaceChildren();
      const theirs = document.createElement('div');
      theirs.className = 'entry-body theirs';
      theirs.innerHTML = answer.post.html;
      notice.append(theirs);
      save.textContent = 'Save mine anyway';
    } else {
      error.hidden = false;
      error.textContent = messageOf(answer, 'Could not save the entry');
    }
  });
}

// Composer -------------------------------------------------------------------------------

const composer = document.getElementById('composer');
if (composer) {
  const title = document.getElementById('composer-title');
  const textarea = document.getElementById('composer-body');
  const credit = document.getElementById('composer-credit');
  const pinned = document.getElementById('composer-pinned');
  const keyEvent = document.getElementById('composer-key-event');
  const editorial = document.getElementById('editorial');
  const error = document.getElementById('composer-error');
  const preview = document.getElementById('composer-preview');
  const previewPlaceholder = preview.innerHTML;
  let previewTimer = null;
  let previewed = '';
  const photos = new PhotoUploads({
    input: document.getElementById('composer-photo-file'),
    list: document.getElementById('composer-uploads'),
    textarea,
    dropZone: composer.closest('.composer'),
    uploadUrl: `/api/blogs/${encodeURIComponent(stream.dataset.blogSlug)}/media`,
    csrfToken,
  });

  async function showPreview() {
    const source = textarea.value;
    if (source === previewed) return;
    previewed = source;
    if (source.trim() === '') {
      preview.innerHTML = previewPlaceholder;
      return;
    }
    const { ok, answer } = await api('POST', '/api/preview', {
      body: source,
      blog: stream.dataset.blogSlug,
    });
    if (ok && textarea.value === source) preview.innerHTML = answer.html;
  }

  textarea.addEventListener('input', () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(showPreview, 200);
  });
  textarea.addEventListener('keydown', (event) => {
    if (isSubmitShortcut(event)) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  const actions = composer.querySelector('.composer-actions');
  const publishAt = document.getElementById('composer-publish-at');
  const editingBanner = document.getElementById('composer-editing');
  /** The unpublished entry loaded into the composer, if any: saving changes it. */
  let editing = null;

  // Scheduling needs the browser's time zone, so only with this script (see composer.hbs).
  const schedule = document.getElementById('composer-schedule');
  if (schedule) schedule.hidden = false;

  function clearComposer() {
    editing = null;
    editingBanner.hidden = true;
    title.value = '';
    textarea.value = '';
    credit.value = '';
    pinned.checked = false;
    keyEvent.checked = false;
    if (publishAt) publishAt.value = '';
    error.hidden = true;
    clearTimeout(previewTimer);
    previewed = '';
    preview.innerHTML = previewPlaceholder;
    photos.clear();
  }

  /** A time for datetime-local: the entry's, in the browser's zone. */
  function localTime(iso) {
    const date = new Date(iso);
    return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  function edit(post) {
    editing = post;
    title.value = post.title ?? '';
    textarea.value = post.body;
    selectCredit(credit, post.credit);
    pinned.checked = post.pinned;
    keyEvent.checked = post.keyEvent;
    if (publishAt) publishAt.value = post.publishAt ? localTime(post.publishAt) : '';
    document.getElementById('composer-editing-what').textContent =
      post.status === 'scheduled' ? 'a scheduled entry' : `a draft by ${post.author.name}`;
    editingBanner.hidden = false;
    void showPreview();
    composer.scrollIntoView({ behavior: 'smooth', block: 'start' });
    textarea.focus();
  }

  document.getElementById('composer-editing-cancel').addEventListener('click', clearComposer);

  const editorialLists = new EditorialLists(editorial, {
    postsUrl,
    api,
    isContributor,
    onEdit: edit,
    onPublished: (post) => entries.applyPost(post),
    onError: (answer) => {
      error.hidden = false;
      error.textContent = messageOf(answer, 'Could not change the entry');
    },
  });
  entries.onPublished = () => void editorialLists.refresh();

  /** What the button pressed asks for; Ctrl/Cmd+Enter is Publish, or Save draft for a contributor. */
  function stateFor(intent) {
    switch (intent) {
      case 'draft':
        return { status: 'draft' };
      case 'submit':
        return { status: 'draft', submitted: true };
      case 'schedule': {
        const time = publishAt.value ? new Date(publishAt.value) : null;
        if (!time || Number.isNaN(time.getTime())) return null;
        return { status: 'scheduled', publishAt: time.toISOString() };
      }
      default:
        return { status: 'published' };
    }
  }

  composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const intent = event.submitter?.dataset.intent ?? (isContributor ? 'draft' : 'publish');
    if (textarea.value.trim() === '') {
      error.hidden = false;
      error.textContent = 'Write something first.';
      textarea.focus();
      return;
    }
    const photoProblem = photos.problem();
    if (photoProblem) {
      error.hidden = false;
      error.textContent = photoProblem;
      return;
    }
    const state = stateFor(intent);
    if (!state) {
      error.hidden = false;
      error.textContent = 'Choose the date and time to publish it at.';
      publishAt.focus();
      return;
    }
    const fields = {
      title: title.value,
      body: textarea.value,
      pinned: pinned.checked,
      keyEvent: keyEvent.checked,
      ...state,
    };
    const chosenCredit = credit.value ? Number(credit.value) : null;
    for (const control of actions.querySelectorAll('button')) control.disabled = true;
    const { ok, answer } = editing
      ? await api('PATCH', `${postsUrl}/${editing.id}`, {
          ...fields,
          creditId: chosenCredit,
          // Changed meanwhile (its author saving it again, say): a 409 rather than overwritten.
          version: editing.version,
        })
      : await api('POST', postsUrl, {
          ...fields,
          ...(chosenCredit ? { creditId: chosenCredit } : {}),
        });
    for (const control of actions.querySelectorAll('button')) control.disabled = false;
    if (ok) {
      // The text is cleared only once the entry is saved: a failed publish loses nothing.
      clearComposer();
      if (answer.post.status === 'published') entries.applyPost(answer.post);
      await editorialLists.refresh();
    } else {
      error.hidden = false;
      error.textContent = messageOf(answer, 'Could not save the entry');
    }
    textarea.focus();
  });
}

for (const article of stream.querySelectorAll('article.entry')) withControls(article);
keepTimesTicking(stream);
followStream(stream, entries);

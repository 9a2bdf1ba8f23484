// The composer's photos: chosen with the button, dropped on the composer or pasted into the
// text. Each uploads at once with a progress bar; once stored, `![alt](/media/<id>)` goes
// into the entry where the cursor was, and its alt text field writes the alt into it.

const TAKEN_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

function megabytes(bytes) {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

function imageMarkdown(alt, id) {
  return `![${alt.replace(/[[\]\\]/g, '')}](/media/${id})`;
}

/** Uploads with XMLHttpRequest, the one browser API that reports upload progress. */
function send(url, csrfToken, file, onProgress) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('X-CSRF-Token', csrfToken);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      let answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch {
        // An answer that is not JSON (a proxy's error page) keeps the generic message.
      }
      resolve({ ok: request.status === 201, answer });
    });
    request.addEventListener('error', () => resolve({ ok: false, answer: {} }));
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}

export class PhotoUploads {
  /** Photos still uploading: publishing waits for them. */
  pending = 0;
  /** Uploads started, to tell their placeholders apart. */
  started = 0;

  constructor({ input, list, textarea, dropZone, uploadUrl, csrfToken }) {
    Object.assign(this, { input, list, textarea, uploadUrl, csrfToken });
    this.maxBytes = Number(input.dataset.maxBytes) || Infinity;
    input.addEventListener('change', () => {
      this.add([...input.files]);
      input.value = '';
    });
    textarea.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])].filter((file) =>
        file.type.startsWith('image/'),
      );
      if (files.length === 0) return;
      event.preventDefault();
      this.add(files);
    });
    dropZone.addEventListener('dragover', (event) => {
      if (![...event.dataTransfer.types].includes('Files')) return;
      event.preventDefault();
      dropZone.classList.add('is-dropping');
    });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('is-dropping'));
    dropZone.addEventListener('drop', (event) => {
      if (event.dataTransfer.files.length === 0) return;
      event.preventDefault();
      dropZone.classList.remove('is-dropping');
      this.add([...event.dataTransfer.files]);
    });
  }

  add(files) {
    for (const file of files) void this.upload(file);
  }

  /**
   * What stops publishing, said to the editor, or null: a photo still uploading, or one in the
   * entry without alt text (its field focused, so it can be written at once).
   */
  problem() {
    if (this.pending > 0) return 'Wait until the photo has uploaded.';
    const missing = /!\[\s*\]\(\s*\/media\/(\d+)/.exec(this.textarea.value);
    if (!missing) return null;
    const field = this.list.querySelector(`.upload[data-media-id="${missing[1]}"] input`);
    (field ?? this.textarea).focus();
    return 'Describe each photo for readers who cannot see it: fill in its alt text.';
  }

  /** After publishing: the entry has its photos, the list starts empty again. */
  clear() {
    for (const item of this.list.querySelectorAll('.upload')) {
      if (!item.classList.contains('is-uploading')) item.remove();
    }
  }

  async upload(file) {
    const item = this.item(file);
    const status = item.querySelector('.upload-status');
    const progress = item.querySelector('progress');
    if (!TAKEN_TYPES.includes(file.type)) {
      return this.fail(item, 'Only JPEG, PNG, WebP and GIF photos can be added.');
    }
    if (file.size > this.maxBytes) {
      return this.fail(
        item,
        `This file is ${megabytes(file.size)}; the most is ${megabytes(this.maxBytes)}.`,
      );
    }
    // Held where the cursor is now, where the editor meant the photo to go, whatever is typed
    // around it while it uploads.
    this.started += 1;
    const placeholder = `[Uploading photo ${this.started}…]`;
    this.insert(placeholder);
    this.pending += 1;
    item.classList.add('is-uploading');
    const { ok, answer } = await send(this.uploadUrl, this.csrfToken, file, (share) => {
      progress.value = share;
      status.textContent = share < 1 ? `Uploading… ${Math.round(share * 100)} %` : 'Resizing…';
    });
    this.pending -= 1;
    item.classList.remove('is-uploading');
    progress.hidden = true;
    if (!ok || !answer.media) {
      this.replace(placeholder, '');
      return this.fail(item, answer.message || 'The photo could not be uploaded.');
    }
    const { id, url } = answer.media;
    item.dataset.mediaId = id;
    item.querySelector('img').src = url;
    status.textContent = 'Added to the entry';
    const alt = item.querySelector('input');
    this.replace(placeholder, imageMarkdown(alt.value, id));
    alt.addEventListener('input', () => this.setAlt(id, alt.value));
  }

  item(file) {
    const item = document.createElement('li');
    item.className = 'upload';
    // Shown once stored: the page's policy loads images from the server only (no blob: URLs).
    const thumbnail = document.createElement('img');
    thumbnail.alt = '';
    thumbnail.title = file.name;
    const label = document.createElement('label');
    label.textContent = 'Alt text';
    const alt = document.createElement('input');
    alt.type = 'text';
    alt.maxLength = 1000;
    alt.placeholder = 'What the photo shows';
    label.append(alt);
    const progress = document.createElement('progress');
    progress.max = 1;
    progress.value = 0;
    const status = document.createElement('span');
    status.className = 'upload-status';
    status.setAttribute('role', 'status');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button small';
    remove.textContent = 'Remove';
    remove.addEventListener('click', () => {
      if (item.dataset.mediaId) this.setAlt(item.dataset.mediaId, null);
      item.remove();
    });
    item.append(thumbnail, label, progress, status, remove);
    this.list.append(item);
    return item;
  }

  fail(item, message) {
    item.classList.add('is-failed');
    item.querySelector('progress').hidden = true;
    item.querySelector('label').remove();
    item.querySelector('.upload-status').textContent = message;
  }

  /** Puts `markdown` on a paragraph of its own at the cursor. */
  insert(markdown) {
    const { value, selectionEnd: at } = this.textarea;
    const before = value.slice(0, at).replace(/\s*$/, '');
    const after = value.slice(at).replace(/^\s*/, '');
    const block = `${before ? '\n\n' : ''}${markdown}${after ? '\n\n' : ''}`;
    this.textarea.setRangeText(block, before.length, value.length - after.length, 'end');
    this.textarea.dispatchEvent(new Event('input'));
  }

  /** Replaces the first `text` in the entry, and only it, with `replacement`. */
  replace(text, replacement) {
    const at = this.textarea.value.indexOf(text);
    if (at < 0) return;
    const { selectionStart, selectionEnd } = this.textarea;
    this.textarea.setRangeText(replacement, at, at + text.length);
    // The editor's cursor stays where it was in the text around, never selecting the photo.
    const moved = (position) =>
      position <= at
        ? position
        : Math.max(at + replacement.length, position + replacement.length - text.length);
    this.textarea.setSelectionRange(moved(selectionStart), moved(selectionEnd));
    this.textarea.dispatchEvent(new Event('input'));
  }

  /** Rewrites the photo's alt in the entry; `null` takes the photo out. */
  setAlt(id, alt) {
    const photo = new RegExp(`!\\[[^\\]]*\\]\\(\\s*/media/${id}(?:\\s[^)]*)?\\)`).exec(
      this.textarea.value,
    );
    if (!photo) return;
    this.replace(photo[0], alt === null ? '' : imageMarkdown(alt, id));
  }
}

// The account page's picture: uploaded to the JSON API (a multipart form cannot carry the
// CSRF token past the guard, which runs before the upload is read), then the page reloads.
const editor = document.getElementById('avatar-editor');
const fileInput = document.getElementById('avatar-file');
const removeButton = document.getElementById('avatar-remove');
const status = document.getElementById('avatar-status');

async function send(method, body) {
  status.hidden = true;
  const response = await fetch('/api/account/avatar', {
    method,
    headers: { 'X-CSRF-Token': editor.dataset.csrfToken },
    body,
  }).catch(() => null);
  if (response?.ok) {
    window.location.reload();
    return;
  }
  const answer = await response?.json().catch(() => null);
  const message = [answer?.message ?? 'The server could not be reached; try again.'].flat();
  status.textContent = message.join(' ');
  status.hidden = false;
}

fileInput.addEventListener('change', () => {
  const [file] = fileInput.files;
  if (!file) return;
  const form = new FormData();
  form.append('file', file);
  fileInput.value = '';
  void send('PUT', form);
});

removeButton?.addEventListener('click', () => void send('DELETE'));

// The entries' Share buttons (views/partials/entry.hbs), on the reader and permalink pages. The
// button is rendered hidden: it does something only with this script, which shows it. Sharing
// takes the browser's share sheet where there is one (phones), else copies the entry's
// permalink, else shows it selected in a text field to copy by hand (no clipboard outside
// HTTPS, or in a frame that may not write to it).

const CONFIRMATION_MS = 4000;

/** Shows the Share buttons in `root`: the page's, and those of each entry that arrives live. */
export function enableSharing(root) {
  for (const button of root.querySelectorAll('.share-button')) button.hidden = false;
}

async function share(button) {
  const entry = button.closest('article.entry');
  // The element's href is absolute: the permalink as the reader's browser reaches it.
  const url = entry.querySelector('.entry-time').href;
  if (navigator.share) {
    try {
      await navigator.share({
        title: button.dataset.shareTitle,
        text: entry.querySelector('.share-label').textContent,
        url,
      });
      return;
    } catch (error) {
      // The reader closed the share sheet: nothing to do. Refused (in a frame without the
      // permission, say): the link is copied instead.
      if (error.name === 'AbortError') return;
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    confirmCopied(entry);
  } catch {
    showLinkField(entry, url);
  }
}

/** "Link copied" next to the button, read out by screen readers (role="status"), for a while. */
function confirmCopied(entry) {
  const status = entry.querySelector('.share-status');
  clearTimeout(Number(status.dataset.timer));
  status.textContent = 'Link copied';
  status.dataset.timer = String(
    setTimeout(() => {
      status.textContent = '';
    }, CONFIRMATION_MS),
  );
}

/** The link in a text field, selected, for the reader to copy themselves. */
function showLinkField(entry, url) {
  let field = entry.querySelector('.share-link');
  if (!field) {
    field = document.createElement('input');
    field.type = 'text';
    field.readOnly = true;
    field.className = 'share-link';
    field.setAttribute('aria-label', 'Link to this entry');
    entry.querySelector('.entry-footer').append(field);
  }
  field.value = url;
  field.focus();
  field.select();
}

enableSharing(document);
document.addEventListener('click', (event) => {
  const button = event.target.closest?.('.share-button');
  if (button) share(button);
});

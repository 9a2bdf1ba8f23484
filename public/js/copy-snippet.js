// The dashboard's "Copy" buttons: each copies the snippet of the field it names. Without this
// script the buttons stay hidden; the field is still there to select and copy by hand.

for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  const status = button.closest('details')?.querySelector('[role="status"]');
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = 'Copied. Paste it into your article.';
    } catch {
      // No clipboard here (an old browser, or refused): selected, it is one keystroke away.
      field.select();
      status.textContent = 'Press Ctrl+C (⌘C on a Mac) to copy the selected code.';
    }
  });
}

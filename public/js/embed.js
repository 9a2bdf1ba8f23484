// Liveblog embed. Paste where the blog should appear:
//   <script src="https://live.example.com/embed.js" data-blog="cup-final" async></script>
// It puts the blog's embed page there in an iframe that loads as it nears the screen and
// takes the height of its content. Attributes: data-blog (the blog's address, required),
// data-order="oldest" (oldest entries first), data-title (the frame's accessible name).
// No dependencies, no cookies of the embedding site, nothing loaded from anywhere else.
(() => {
  'use strict';

  const RESIZE = 'liveblog:resize';
  const MIN_HEIGHT = 150;
  const MAX_HEIGHT = 100000;

  function embed(script) {
    if (script.dataset.liveblogEmbedded) return;
    script.dataset.liveblogEmbedded = 'true';
    const slug = script.dataset.blog;
    if (!slug) {
      console.error('Liveblog embed: add data-blog="<the blog\'s address>" to the script tag');
      return;
    }
    // The server is wherever the script came from.
    const liveblogOrigin = new URL(script.src).origin;
    const url = new URL(`/blogs/${encodeURIComponent(slug)}/embed`, liveblogOrigin);
    if (script.dataset.order === 'oldest') url.searchParams.set('order', 'oldest');
    // For browsers that do not tell the frame who embeds it (see embed-frame.js).
    url.hash = `origin=${encodeURIComponent(window.location.origin)}`;

    const frame = document.createElement('iframe');
    frame.src = url.href;
    frame.title = script.dataset.title || 'Live blog';
    frame.loading = 'lazy';
    // Sharing an entry, copying its link and full-screen video, from inside the frame.
    frame.allow = 'web-share; clipboard-write; fullscreen';
    frame.className = 'liveblog-embed';
    frame.style.display = 'block';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = '600px';

    window.addEventListener('message', (event) => {
      // Only the frame itself, from the Liveblog server's origin, sets its height.
      if (event.origin !== liveblogOrigin || event.source !== frame.contentWindow) return;
      const message = event.data;
      if (!message || message.type !== RESIZE || !Number.isFinite(message.height)) return;
      const height = Math.min(Math.max(Math.ceil(message.height), MIN_HEIGHT), MAX_HEIGHT);
      frame.style.height = `${height}px`;
    });

    // A tag in <head> cannot hold a frame: the blog then goes at the end of the page.
    if (script.closest('head'))
      document.addEventListener('DOMContentLoaded', () => document.body.append(frame));
    else script.after(frame);
  }

  // document.currentScript is this tag while it runs, also with async; a page that injects
  // the tag some other way gets every tag not yet embedded.
  const current = document.currentScript;
  if (current) embed(current);
  else document.querySelectorAll('script[data-blog][src$="/embed.js"]').forEach(embed);
})();

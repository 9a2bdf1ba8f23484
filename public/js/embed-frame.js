// The embed page, inside another site's iframe (put there by /embed.js): tells the embedding
// page how tall the blog is, each time that changes, so the frame shows it without a scrollbar.
//
// Only the embedding page may hear it. The browser names that page's origin in
// `location.ancestorOrigins`; where it does not (Firefox), embed.js passes it in the URL's
// fragment, and postMessage delivers to that origin only, so a wrong one reaches nobody.

const RESIZE = 'liveblog:resize';

function embeddingOrigin() {
  if (window.parent === window) return null;
  const given = new URLSearchParams(window.location.hash.slice(1)).get('origin');
  // The links that stay in the frame (order, paging) carry the fragment on to the next page.
  if (given) {
    for (const link of document.querySelectorAll('a[target="_self"]')) {
      link.hash = window.location.hash;
    }
  }
  const named = window.location.ancestorOrigins?.[0];
  if (named) return named;
  return given && URL.canParse(given) ? new URL(given).origin : null;
}

const origin = embeddingOrigin();
if (origin && origin !== 'null') {
  let sentHeight = 0;
  let pending = false;
  const sendHeight = () => {
    pending = false;
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sentHeight) return;
    sentHeight = height;
    window.parent.postMessage({ type: RESIZE, height }, origin);
  };
  // One message per frame at most, however many entries arrive at once.
  new ResizeObserver(() => {
    if (!pending) requestAnimationFrame(sendHeight);
    pending = true;
  }).observe(document.documentElement);
}

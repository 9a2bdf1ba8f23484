// Two-click videos: an entry's video is a placeholder that links to the video's page, and
// nothing is loaded from the provider until the reader clicks it. Then the placeholder gives
// way to the privacy-enhanced player. One listener on the document serves every entry,
// including those that arrive live or are rendered again by the composer's preview.

/** The players this script frames (the pages' CSP frame-src), with the iframe's title. */
const PLAYER_TITLES = new Map([
  ['https://www.youtube-nocookie.com', 'YouTube video player'],
  ['https://player.vimeo.com', 'Vimeo video player'],
]);

document.addEventListener('click', (event) => {
  const placeholder = event.target instanceof Element && event.target.closest('a[data-embed]');
  // With a modifier, a click opens the video's page in a new tab or window, as on any link.
  const opensElsewhere = event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
  if (!placeholder || event.button !== 0 || opensElsewhere) return;
  const player = new URL(placeholder.dataset.embed);
  const title = PLAYER_TITLES.get(player.origin);
  if (!title) return;
  event.preventDefault();
  // The reader's click is the consent to play: start at once rather than ask for a second one.
  player.searchParams.set('autoplay', '1');
  const iframe = document.createElement('iframe');
  iframe.className = 'embed-video-player';
  iframe.title = title;
  iframe.src = player.href;
  iframe.allow = 'autoplay; fullscreen; picture-in-picture; encrypted-media';
  iframe.allowFullscreen = true;
  // YouTube's player refuses to play without the embedding site's origin as referrer: kept
  // explicit, should the page's own policy ever get stricter.
  iframe.referrerPolicy = 'strict-origin-when-cross-origin';
  placeholder.replaceWith(iframe);
  // The focus was on the placeholder, now gone: keyboard users continue in the player.
  iframe.focus();
});

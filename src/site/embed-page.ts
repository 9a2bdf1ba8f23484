/**
 * The embed page: the reader page without the site's header and footer, for the iframe that
 * embed.js puts into other sites' pages. Its path gets its own `frame-ancestors`
 * (EMBED_ORIGINS) and a reader cookie that works inside a frame.
 */
export const EMBED_PAGE = /^\/blogs\/[^/]+\/embed\/?$/;

/** The embed page's layout: no site chrome, and links open in the embedding page's window. */
export const EMBED_LAYOUT = 'layouts/embed';

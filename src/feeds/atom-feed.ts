import type { Blog } from '../blogs/blog.entity';
import type { PostView } from '../event-log/events';
import { headlineOf } from '../site/entry-summary';
import type { SiteLinks } from '../site/site-links';
import { xmlText } from '../site/xml-text';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

/**
 * The feed's id, a `tag:` URI (RFC 4151): the host of the links and the day the blog was
 * created, then its id. Nothing in it changes while the blog lives, across restarts and
 * renames; it changes only with the host name, which PUBLIC_URL keeps the same whichever name
 * a reader used (and leaves out the scheme and port, so a move to HTTPS keeps it).
 */
export function feedId(blog: Pick<Blog, 'id' | 'createdAt'>, links: SiteLinks): string {
  return `tag:${links.hostname},${blog.createdAt.toISOString().slice(0, 10)}:blog:${blog.id}`;
}

export function entryId(feed: string, post: Pick<PostView, 'id'>): string {
  return `${feed}:entry:${post.id}`;
}

/**
 * A blog's Atom 1.0 document (RFC 4287) of `entries`, newest first. Each entry's content is its
 * sanitized HTML as the pages show it, escaped; its links to photos (`/media/…`) are relative
 * to the feed's `xml:base`, the site's origin.
 */
export function atomFeed(
  blog: Pick<Blog, 'id' | 'slug' | 'title' | 'description' | 'createdAt'>,
  entries: PostView[],
  updated: Date,
  links: SiteLinks,
): string {
  const id = feedId(blog, links);
  const link = (rel: string, type: string, href: string) =>
    `<link rel="${rel}" type="${type}" href="${xmlText(href)}"/>`;
  const person = (element: string, name: string) =>
    `<${element}><name>${xmlText(name)}</name></${element}>`;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${xmlText(links.absolute('/'))}">`,
    `<id>${xmlText(id)}</id>`,
    `<title type="text">${xmlText(blog.title)}</title>`,
    ...(blog.description ? [`<subtitle type="text">${xmlText(blog.description)}</subtitle>`] : []),
    `<updated>${updated.toISOString()}</updated>`,
    link('self', 'application/atom+xml', links.feed(blog.slug)),
    link('alternate', 'text/html', links.blog(blog.slug)),
    // An empty feed still names an author (each entry names its own).
    person('author', blog.title),
    '<generator>Liveblog</generator>',
    ...entries.map((post) =>
      [
        '<entry>',
        `<id>${xmlText(entryId(id, post))}</id>`,
        `<title type="text">${xmlText(headlineOf(post))}</title>`,
        link('alternate', 'text/html', links.permalink(blog.slug, post.id)),
        `<published>${post.createdAt}</published>`,
        `<updated>${post.updatedAt}</updated>`,
        person('author', post.author.name),
        ...(post.credit ? [person('contributor', post.credit.name)] : []),
        `<content type="html">${xmlText(post.html)}</content>`,
        '</entry>',
      ].join(''),
    ),
    '</feed>',
    '',
  ];
  return lines.join('\n');
}

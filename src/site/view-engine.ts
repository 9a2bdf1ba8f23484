import hbs from 'hbs';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { keyEventLabel, type LabelledEntry } from './key-event-label';
import type { StaticAssets } from './static-assets';

const CLOCK = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/**
 * The entry that the template of live entries is rendered with: every optional part of the
 * markup there (both badges, "edited"), nothing of its own, not even an id.
 */
const TEMPLATE_POST = {
  id: '',
  pinned: true,
  keyEvent: true,
  version: 2,
  views: 0,
  title: 'title',
  body: '',
  html: '',
  author: { name: '', avatarUrl: '/' },
  credit: { name: '', avatarUrl: '/' },
};

/** Likewise the item of the "Key events" list that the script fills for a live key event. */
const TEMPLATE_KEY_EVENT = { id: '', label: '', onPage: false };

/**
 * Handlebars as the pages use it: partials from views/partials (read at start, so the first
 * page already has them) and the `clock` helper, a time readable without JavaScript; the
 * reader script turns it into "2 min ago" in the reader's own time zone; `asset`, the
 * fingerprinted URL of a file of public/; `entryTemplate`, the entry partial as the pages'
 * script fills it for each entry that arrives live (`keyEventTemplate`: likewise, an item of
 * the "Key events" list); `entryLabel`, an entry's title or else its first words, as that list
 * names it (the share button says so which entry it shares). The templates travel as
 * attribute values, escaped like any text, not as <template> elements: pages hold none, since
 * user markup could hide in one, and the XSS checks refuse any.
 */
export function configureViewEngine(viewsDir: string, assets: StaticAssets): void {
  const partialsDir = join(viewsDir, 'partials');
  for (const file of readdirSync(partialsDir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  const entryTemplate = hbs.handlebars.compile(
    '{{> entry post=post blog=blog withSource=withSource}}',
  );
  hbs.registerHelper(
    'entryTemplate',
    (blog: unknown, options: { hash: { withSource?: boolean } }) =>
      entryTemplate({ post: TEMPLATE_POST, blog, withSource: options.hash.withSource }),
  );
  const keyEventTemplate = hbs.handlebars.compile('{{> key-event item=item blog=blog}}');
  hbs.registerHelper('keyEventTemplate', (blog: unknown) =>
    keyEventTemplate({ item: TEMPLATE_KEY_EVENT, blog }),
  );
  hbs.registerHelper(
    'isEdited',
    (post: { version?: number } | undefined) => (post?.version ?? 1) > 1,
  );
  hbs.registerHelper('asset', (name: string) => new hbs.handlebars.SafeString(assets.url(name)));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('entryLabel', (post: LabelledEntry) => keyEventLabel(post));
  hbs.registerHelper('initial', (name: unknown) =>
    typeof name === 'string' ? ([...name.trim()][0] ?? '').toUpperCase() : '',
  );
  hbs.registerHelper('clock', (iso: unknown) =>
    typeof iso === 'string' ? `${CLOCK.format(new Date(iso))} UTC` : '',
  );
}

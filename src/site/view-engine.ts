import hbs from 'hbs';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
 * Handlebars as the pages use it: partials from views/partials (read at start, so the first
 * page already has them) and the `clock` helper, a time readable without JavaScript; the
 * reader script turns it into "2 min ago" in the reader's own time zone; `asset`, the
 * fingerprinted URL of a file of public/.
 */
export function configureViewEngine(viewsDir: string, assets: StaticAssets): void {
  const partialsDir = join(viewsDir, 'partials');
  for (const file of readdirSync(partialsDir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  hbs.registerHelper(
    'isEdited',
    (post: { version?: number } | undefined) => (post?.version ?? 1) > 1,
  );
  hbs.registerHelper('asset', (name: string) => new hbs.handlebars.SafeString(assets.url(name)));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('clock', (iso: unknown) =>
    typeof iso === 'string' ? `${CLOCK.format(new Date(iso))} UTC` : '',
  );
}

/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, PASSWORD, signIn } from '../support/factories';
import { phonePhoto } from '../support/photos';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

describe('Photos in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let slug: string;
  const contexts: BrowserContext[] = [];
  let cspViolations: string[];
  let scriptErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    cspViolations = [];
    scriptErrors = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await testApp.close();
    removeDataDir(dataDir);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    return page;
  }

  async function composerPage(): Promise<Page> {
    const editor = await createUser(testApp, { name: 'Pat Photographer' });
    slug = (
      await createBlog(testApp, await createApiToken(await signIn(testApp, editor)), {
        title: 'Cup final',
      })
    ).slug;
    const page = await newPage();
    await page.goto(`${testApp.url}/admin/login`);
    await page.getByLabel('Email').fill(editor.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    await page.goto(`${testApp.url}/admin/blogs/${slug}`);
    return page;
  }

  /** Pastes an image into the composer's text, as a screenshot tool's clipboard would. */
  async function pastePhoto(page: Page, bytes: Buffer): Promise<void> {
    await page.locator('#composer-body').evaluate((textarea, base64) => {
      const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], 'image.jpg', { type: 'image/jpeg' }));
      textarea.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }),
      );
    }, bytes.toString('base64'));
  }

  it('should take a pasted photo, ask for its alt text, and show it to a reader without a layout shift', async () => {
    const admin = await composerPage();
    const reader = await newPage({ width: 390, height: 844 });
    await recordLayoutShifts(reader);
    // Photo files wait until released: the entry is on the page before its photo arrives.
    const heldPhotos: Route[] = [];
    let releasePhotos = false;
    await reader.route('**/media/**', (route) =>
      releasePhotos ? route.continue() : void heldPhotos.push(route),
    );
    await reader.goto(`${testApp.url}/blogs/${slug}`);
    await reader.locator('#connection', { hasText: 'Live' }).waitFor();

    await admin.locator('#composer-body').fill('The captain lifts the cup.');
    await pastePhoto(admin, await phonePhoto(2400, 1800));
    await admin.locator('.upload-status', { hasText: 'Added to the entry' }).waitFor();
    await expect(admin.locator('#composer-body').inputValue()).resolves.toMatch(
      /^The captain lifts the cup\.\n\n!\[\]\(\/media\/\d+\)$/,
    );
    await admin.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#composer-preview picture img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await expect(
      admin
        .locator('#composer-body')
        .evaluate((box: HTMLTextAreaElement) => box.selectionStart === box.selectionEnd),
    ).resolves.toBe(true);
    await admin.screenshot({ path: join(ARTIFACTS_DIR, 'photo-composer-desktop.png') });

    await admin.getByRole('button', { name: 'Publish' }).click();
    await admin
      .getByText('Describe each photo for readers who cannot see it: fill in its alt text.')
      .waitFor();
    await expect(
      admin.getByLabel('Alt text').evaluate((input) => input === document.activeElement),
    ).resolves.toBe(true);
    await admin.getByLabel('Alt text').fill('The captain lifts the cup in front of the fans');
    await admin.getByRole('button', { name: 'Publish' }).click();

    const photo = reader.locator('article.entry picture img');
    await photo.waitFor({ state: 'attached' });
    await expect(photo.getAttribute('alt')).resolves.toBe(
      'The captain lifts the cup in front of the fans',
    );
    const shiftsBefore = await layoutShiftTotal(reader);
    releasePhotos = true;
    await Promise.all(heldPhotos.splice(0).map((route) => route.continue()));
    await reader.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('article.entry picture img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    // The chosen file is a small one on a phone, and nothing moved when it came.
    const chosen = await photo.evaluate((img: HTMLImageElement) => img.currentSrc);
    expect(chosen).toMatch(/\/(480|960)\.webp$/);
    await expect(layoutShiftTotal(reader)).resolves.toBe(shiftsBefore);
    await reader.screenshot({
      path: join(ARTIFACTS_DIR, 'photo-reader-phone.png'),
      fullPage: true,
    });
    await reader.setViewportSize({ width: 1280, height: 900 });
    // The wider screen takes a larger file.
    await reader.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('article.entry picture img');
      return img !== null && img.complete && /\/960\.webp$/.test(img.currentSrc);
    });
    await reader.screenshot({ path: join(ARTIFACTS_DIR, 'photo-reader-desktop.png') });
  });

  it('should upload a dropped photo with the button too, and say why a file is refused', async () => {
    const admin = await composerPage();
    await admin
      .locator('#composer-photo-file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await admin.getByText('Only JPEG, PNG, WebP and GIF photos can be added.').waitFor();

    const bytes = await phonePhoto(1200, 800);
    await admin.locator('.composer').evaluate((zone, base64) => {
      const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], 'stadium.jpg', { type: 'image/jpeg' }));
      zone.dispatchEvent(
        new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    }, bytes.toString('base64'));
    await admin.locator('.upload-status', { hasText: 'Added to the entry' }).waitFor();
    // What a replacement pattern would read as `$'` and `$&` stays as typed.
    await admin.getByLabel('Alt text').last().fill("Fans' $'flags$&");
    await expect(admin.locator('#composer-body').inputValue()).resolves.toMatch(
      /^!\[Fans' \$'flags\$&\]\(\/media\/\d+\)$/,
    );
    await admin.getByLabel('Alt text').last().fill('The stadium at night');
    await expect(admin.locator('#composer-body').inputValue()).resolves.toMatch(
      /^!\[The stadium at night\]\(\/media\/\d+\)$/,
    );
    await admin.locator('#composer-preview picture img[alt="The stadium at night"]').waitFor();
    await admin.setViewportSize({ width: 390, height: 844 });
    // Nothing wider than the phone's screen.
    await expect(admin.evaluate(() => document.documentElement.scrollWidth)).resolves.toBe(390);
    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'photo-composer-phone.png'),
      fullPage: true,
    });
  });
});

/** Sums the page's layout shifts (the browser's own layout-shift entries) from its start. */
async function recordLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record = window as unknown as { layoutShiftTotal: number };
    record.layoutShiftTotal = 0;
    new PerformanceObserver((list) => {
      for (const shift of list.getEntries() as (PerformanceEntry & { value: number })[]) {
        record.layoutShiftTotal += shift.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/** The layout shifts so far, once the frames rendered until now have reported theirs. */
function layoutShiftTotal(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() =>
            setTimeout(() =>
              resolve((window as unknown as { layoutShiftTotal: number }).layoutShiftTotal),
            ),
          ),
        ),
      ),
  );
}

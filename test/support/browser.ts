import { mkdirSync } from 'node:fs';
import {
  Browser,
  type BrowserContext,
  chromium,
  type ConsoleMessage,
  type Page,
} from 'playwright-core';
import { ARTIFACTS_DIR } from './artifacts';

export { ARTIFACTS_DIR };

/**
 * Debian's Chromium, headless, with the flags this machine needs (no network but loopback).
 * Playwright gives every launch a fresh, temporary user-data dir.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Records the Content-Security-Policy violations of a page, or of every page of a context,
 * into `into`: the pages' `securitypolicyviolation` events and what Chromium reports on the
 * console. Our pages run under a strict policy (no inline scripts, styles or handlers), so
 * anything recorded is a page the policy breaks; a spec asserts the list stays empty.
 */
export async function recordCspViolations(
  target: Page | BrowserContext,
  into: string[] = [],
): Promise<string[]> {
  const onConsole = (message: ConsoleMessage) => {
    if (message.text().includes('Content Security Policy')) {
      into.push(`console on ${message.location().url || message.page()?.url()}: ${message.text()}`);
    }
  };
  if (isContext(target)) target.on('console', onConsole);
  else target.on('console', onConsole);
  await target.exposeBinding('__recordCspViolation', ({ frame }, violation: unknown) => {
    into.push(`event on ${frame.url()}: ${String(violation)}`);
  });
  // Registered before any script of the page runs (and not subject to its policy).
  await target.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    window.__recordCspViolation(
      event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' +
        (event.sourceFile || document.URL) + ':' + event.lineNumber,
    );
  });`);
  return into;
}

function isContext(target: Page | BrowserContext): target is BrowserContext {
  return 'newPage' in target;
}

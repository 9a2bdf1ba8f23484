import { Logger } from '@nestjs/common';
import { SetupService } from '../../src/auth/setup.service';
import type { TestApp } from './test-app';

/** The one-time setup link the server prints while it has no user, as an admin would copy it. */
export function printedSetupLink(testApp: TestApp): string {
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    testApp.app.get(SetupService).announceSetupLink(testApp.url);
    const line = warn.mock.calls
      .map(([message]) => String(message))
      .find((message) => message.includes('/admin/setup'));
    const link = line?.match(/https?:\/\/\S+/)?.[0];
    if (!link) throw new Error('no setup link printed');
    return link;
  } finally {
    warn.mockRestore();
  }
}

'use strict';
/**
 * Preloaded into the soak's server, bench only (`node --expose-gc -r server-probe.cjs
 * dist/src/main.js`, spawned with an IPC channel): answers the bench's `{ probe: n }` with the
 * process's figures after full collections. The app neither knows nor changes for it.
 */
const { createHook } = require('node:async_hooks');
const { readdirSync } = require('node:fs');

/**
 * Every timer the app makes, weakly: getActiveResourcesInfo() lists only the ones that keep
 * the process up, and the app unrefs its intervals (heartbeats, flushes), which a leak of
 * would be the likeliest. A Timeout is live until it fired once (not repeating) or was cleared:
 * Node then marks it `_destroyed`.
 */
const timers = [];
const PRUNE_AT = 10_000;
let pruneAt = PRUNE_AT;

function liveTimers() {
  let kept = 0;
  for (const ref of timers) {
    const timer = ref.deref();
    if (timer && !timer._destroyed) timers[kept++] = ref;
  }
  timers.length = kept;
  pruneAt = Math.max(PRUNE_AT, 2 * kept);
  return kept;
}

createHook({
  init(asyncId, type, triggerAsyncId, resource) {
    if (type !== 'Timeout') return;
    timers.push(new WeakRef(resource));
    if (timers.length > pruneAt) liveTimers();
  },
}).enable();

/** Figures of this process, the heap read after two full collections. */
function figures() {
  const liveTimerCount = liveTimers();
  // Twice, a turn apart: what the first collection's finalizers release goes in the second.
  global.gc();
  return new Promise((resolve) =>
    setImmediate(() => {
      global.gc();
      const memory = process.memoryUsage();
      const resources = {};
      for (const kind of process.getActiveResourcesInfo()) {
        resources[kind] = (resources[kind] ?? 0) + 1;
      }
      // The directory handle readdir holds while it lists is one of the entries.
      const descriptors = readdirSync('/proc/self/fd').length - 1;
      resolve({
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        rss: memory.rss,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        descriptors,
        timers: liveTimerCount,
        resources,
      });
    }),
  );
}

if (typeof global.gc !== 'function') {
  throw new Error('server-probe.cjs needs node --expose-gc');
}
if (process.send) {
  process.on('message', (message) => {
    if (typeof message?.probe !== 'number') return;
    void figures().then((taken) => process.send({ probe: message.probe, figures: taken }));
  });
  // Listening refs the channel: a stopping server must not stay up for it.
  process.channel.unref();
}

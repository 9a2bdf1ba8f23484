// Following a blog's stream, for the reader page (reader.js) and the composer (admin.js): exact
// resume, the connection indicator and the readers count. What the events do to the entries is
// the page's EntryLists' (entry-lists.js).

const STATES = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/**
 * Follows the stream named by `stream`'s data attributes from the event the page reflects
 * (`data-last-event-id`, in the database's `data-epoch`), applying each event to `entries`.
 * Durable events are applied once each: a replay after a reconnect never applies anything
 * twice. When the browser gives up for good (a proxy's 502 or 503 during a deploy), the stream
 * is re-created from the last applied event, with exponential backoff and jitter so a restarted
 * server is not hit by every reader at once; resets that follow one another back off the same
 * way.
 */
export function followStream(stream, entries) {
  const { streamUrl } = stream.dataset;
  const connection = document.getElementById('connection');
  const readers = document.getElementById('readers');
  let lastEventId = Number(stream.dataset.lastEventId) || 0;
  let epoch = stream.dataset.epoch ?? '';
  let source = null;
  /** Streams in a row that the browser gave up on, for the backoff of the next one. */
  let attempt = 0;
  /** Resets in a row with no stream that followed in between, for the backoff of the next. */
  let resetsInARow = 0;
  let timer = null;

  function show(state) {
    if (!connection) return;
    connection.hidden = false;
    connection.dataset.state = state;
    connection.textContent = STATES[state];
  }

  function offlineOr(state) {
    return navigator.onLine === false ? 'offline' : state;
  }

  function durable(apply) {
    return (event) => {
      resetsInARow = 0;
      const id = Number(event.lastEventId);
      if (!(id > lastEventId)) return;
      lastEventId = id;
      apply(JSON.parse(event.data));
    };
  }

  function connect() {
    clearTimeout(timer);
    if (source) source.close();
    show(offlineOr('connecting'));
    const inEpoch = epoch ? `&epoch=${encodeURIComponent(epoch)}` : '';
    source = new EventSource(`${streamUrl}?after=${lastEventId}${inEpoch}`);
    source.addEventListener('open', () => {
      attempt = 0;
      show('live');
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) retryLater();
      else show(offlineOr('reconnecting'));
    });
    source.addEventListener(
      'post',
      durable((data) => entries.applyPost(data.post)),
    );
    source.addEventListener(
      'update',
      durable((data) => entries.applyUpdate(data.post)),
    );
    source.addEventListener(
      'delete',
      durable((data) => entries.applyDelete(data.postId)),
    );
    // The reset's own data is not needed (the reload brings the epoch): a payload that does
    // not parse cannot leave the page closed, with nothing scheduled.
    source.addEventListener('reset', () => {
      source.close();
      show(offlineOr('reconnecting'));
      // Processes that disagree on the epoch (some not yet restarted after db:new-epoch) reset
      // each other's readers: the first reset reloads at once, the next ones back off.
      const delay = resetsInARow === 0 ? 0 : backoff(resetsInARow - 1);
      resetsInARow += 1;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), delay);
    });
    // Ephemeral figures carry no id and are never replayed: applied as they come. The readers
    // count comes first on every stream that follows (one that resets is closed before it).
    source.addEventListener('views', (event) => entries.applyViews(JSON.parse(event.data).counts));
    source.addEventListener('readers', (event) => {
      resetsInARow = 0;
      if (readers) readers.textContent = `${JSON.parse(event.data).readers} reading now`;
    });
  }

  /** Milliseconds to wait after `failures` in a row: exponential, capped, with jitter. */
  function backoff(failures) {
    const ceiling = Math.min(30000, 1000 * 2 ** failures);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  function retryLater() {
    source.close();
    show(offlineOr('reconnecting'));
    const delay = backoff(attempt);
    attempt += 1;
    clearTimeout(timer);
    timer = setTimeout(connect, delay);
  }

  /**
   * After a reset: the entries from the API, then the stream from their event id, in the epoch
   * of the same answer. The epoch changes only with the cursor: if the reload fails, the next
   * stream still carries the old epoch and resets again, rather than resuming the new epoch
   * from an old cursor that only looks valid there.
   */
  async function reload() {
    try {
      ({ lastEventId, epoch } = await entries.reload());
      connect();
    } catch {
      retryLater();
    }
  }

  window.addEventListener('offline', () => show('offline'));
  window.addEventListener('online', () => {
    if (!source || source.readyState === EventSource.CLOSED) connect();
    else if (source.readyState === EventSource.CONNECTING) show('reconnecting');
  });
  connect();
}

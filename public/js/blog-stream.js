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
 * (`data-last-event-id`, in the database's `data-epoch`), applying each event to `entries`. Durable events are applied once
 * each: a replay after a reconnect never applies anything twice. When the browser gives up for
 * good (a proxy's 502 or 503 during a deploy), the stream is re-created from the last applied
 * event, with exponential backoff and jitter so a restarted server is not hit by every reader at
 * once.
 */
export function followStream(stream, entries) {
  const { streamUrl } = stream.dataset;
  const connection = document.getElementById('connection');
  const readers = document.getElementById('readers');
  let lastEventId = Number(stream.dataset.lastEventId) || 0;
  let epoch = stream.dataset.epoch ?? '';
  let source = null;
  let attempt = 0;
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
    source.addEventListener('reset', (event) => {
      // After a restore from a backup the database has a new epoch: the next stream URL
      // carries it, or every reconnect would reset again.
      epoch = JSON.parse(event.data).epoch ?? epoch;
      void reload();
    });
    // Ephemeral figures carry no id and are never replayed: applied as they come.
    source.addEventListener('views', (event) => entries.applyViews(JSON.parse(event.data).counts));
    source.addEventListener('readers', (event) => {
      if (readers) readers.textContent = `${JSON.parse(event.data).readers} reading now`;
    });
  }

  function retryLater() {
    source.close();
    show(offlineOr('reconnecting'));
    const ceiling = Math.min(30000, 1000 * 2 ** attempt);
    attempt += 1;
    clearTimeout(timer);
    timer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** After a reset: the entries from the API, then the stream from their event id. */
  async function reload() {
    source.close();
    try {
      lastEventId = await entries.reload();
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

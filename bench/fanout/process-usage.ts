/** A server's CPU time and memory, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of the processes, in µs (tick resolution: 10 ms at CLK_TCK 100). */
export function cpuMicros(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields to count start after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  }
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU of each process that still runs, in µs: processes that come and go during a window (a
 * database's backends) are read where they can be.
 */
export function cpuMicrosByPid(pids: number[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      byPid.set(pid, cpuMicros([pid]));
    } catch {
      // Ended meanwhile: its CPU since the last reading is not known.
    }
  }
  return byPid;
}

/** Resident memory of the processes together, in bytes (VmRSS). */
export function rssBytes(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    kib += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kib * 1024;
}

/**
 * How long the memory of a server with a garbage collector is watched for its lowest reading,
 * idle and with the readers connected, and on while it still falls (a new lowest within
 * GC_QUIET_MS). V8 gives back the garbage of starting up and of opening thousands of streams
 * only when its memory reducer runs, some 8 s after the heap stops growing and again after
 * that (measured: RSS fell 15 and 29 s after 8,000 streams opened, 39 s after 15,000; idle,
 * 15 s after start). Until then its RSS counts garbage, not what the readers hold.
 */
export const GC_SETTLE_MS = 45_000;
export const GC_QUIET_MS = 15_000;

export interface RssReading {
  /** The lowest reading. */
  bytes: number;
  /** When it was taken, ms after the first reading began. */
  atMs: number;
}

/**
 * The resident memory once it settles: the lowest of readings `gapMs` apart over `windowMs`,
 * and on while it still falls (a new lowest within `quietMs`), up to twice `windowMs`.
 */
export async function settledRss(
  pids: () => number[],
  windowMs: number,
  { gapMs = 300, quietMs = 0 } = {},
): Promise<RssReading> {
  const started = performance.now();
  const lowest: RssReading = { bytes: Infinity, atMs: 0 };
  const elapsed = () => performance.now() - started;
  do {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    const bytes = rssBytes(pids());
    if (bytes < lowest.bytes) Object.assign(lowest, { bytes, atMs: elapsed() });
  } while (elapsed() < windowMs || (elapsed() - lowest.atMs < quietMs && elapsed() < 2 * windowMs));
  return lowest;
}

/** The children of a process (nginx's workers under its master). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  }
}

/**
 * Time of all CPUs of the machine so far, in clock ticks (/proc/stat): busy (user, nice,
 * system, irq, softirq), stolen by the hypervisor, and in all.
 */
export function machineCpuTicks(): { busy: number; steal: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    busy: user + nice + system + irq + softirq,
    steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/**
 * Connections the kernel dropped so far because a listening socket's accept queue was full
 * (TcpExt ListenOverflows, whole machine): the client retries its SYN 1, 3, 7... s later.
 */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) return 0;
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

/** TCP sockets of the whole machine in TIME_WAIT (/proc/net/sockstat). */
export function socketsInTimeWait(): number {
  const tcp = /^TCP:.* tw (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return Number(tcp?.[1] ?? 0);
}

export interface CpuWindowResult {
  seconds: number;
  /** The server's CPU over the window, µs. */
  serverMicros: number;
  /** The bench's: readers' worker processes and this process (publisher), µs. */
  benchMicros: number;
  /** The services the server uses (PostgreSQL's backends, Redis), µs. */
  servicesMicros: number;
  /** Shares of the machine (all cores = 100%). */
  machineBusyPercent: number;
  machineStealPercent: number;
  /**
   * Busy time from neither the server, its services nor the bench: other programs,
   * unattributed kernel work.
   */
  otherLoadPercent: number;
}

/**
 * CPU over a window of a run: the server's, its services', the bench's, and whatever else ran
 * meanwhile.
 */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly server: number;
  private readonly services: Map<number, number>;
  private readonly machine = machineCpuTicks();
  private readonly own = process.cpuUsage();

  /** `servicePids`: the processes of the server's services now (their list may change). */
  constructor(
    private readonly serverPids: () => number[],
    servicePids: number[] = [],
  ) {
    this.server = cpuMicros(serverPids());
    this.services = cpuMicrosByPid(servicePids);
  }

  /**
   * `workersMicros`: the CPU the readers' worker processes report for the window;
   * `servicePids`: the services' processes now (one started meanwhile counts whole).
   */
  finish(workersMicros = 0, servicePids: number[] = []): CpuWindowResult {
    const server = cpuMicros(this.serverPids()) - this.server;
    let services = 0;
    for (const [pid, micros] of cpuMicrosByPid(servicePids)) {
      services += micros - (this.services.get(pid) ?? 0);
    }
    const machine = machineCpuTicks();
    const own = process.cpuUsage(this.own);
    const tick = 1e6 / CLOCK_TICKS_PER_SECOND;
    const total = (machine.total - this.machine.total) * tick;
    const busy = (machine.busy - this.machine.busy) * tick;
    const bench = workersMicros + own.user + own.system;
    return {
      seconds: (performance.now() - this.startedAt) / 1000,
      serverMicros: server,
      benchMicros: bench,
      servicesMicros: services,
      machineBusyPercent: (busy / total) * 100,
      machineStealPercent: (((machine.steal - this.machine.steal) * tick) / total) * 100,
      otherLoadPercent: ((busy - server - services - bench) / total) * 100,
    };
  }
}

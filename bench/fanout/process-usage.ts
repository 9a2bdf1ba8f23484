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

/** Resident memory of the processes together, in bytes (VmRSS). */
export function rssBytes(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    kib += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kib * 1024;
}

/** The resident memory once it settles: the lowest of a few readings a moment apart. */
export async function settledRss(pids: () => number[], readings = 5, gapMs = 300): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < readings; i++) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    lowest = Math.min(lowest, rssBytes(pids()));
  }
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
  /** Shares of the machine (all cores = 100%). */
  machineBusyPercent: number;
  machineStealPercent: number;
  /** Busy time from neither the server nor the bench: other programs, unattributed kernel work. */
  otherLoadPercent: number;
}

/** CPU over a window of a run: the server's, the bench's, and whatever else ran meanwhile. */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly server: number;
  private readonly machine = machineCpuTicks();
  private readonly own = process.cpuUsage();

  constructor(private readonly serverPids: () => number[]) {
    this.server = cpuMicros(serverPids());
  }

  /** `workersMicros`: the CPU the readers' worker processes report for the window. */
  finish(workersMicros = 0): CpuWindowResult {
    const server = cpuMicros(this.serverPids()) - this.server;
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
      machineBusyPercent: (busy / total) * 100,
      machineStealPercent: (((machine.steal - this.machine.steal) * tick) / total) * 100,
      otherLoadPercent: ((busy - server - bench) / total) * 100,
    };
  }
}

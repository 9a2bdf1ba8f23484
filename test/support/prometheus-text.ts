/**
 * Prometheus' text exposition format (version 0.0.4), parsed the way a scraper reads it:
 * `# HELP` and `# TYPE` lines, then samples `name{label="value",…} value`, label values with
 * their escapes (`\\`, `\"`, `\n`). Anything else fails the parse, naming the line.
 */
export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
/** Samples of a histogram or summary family carry one of these suffixes. */
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

export class PrometheusText {
  readonly families = new Map<string, MetricFamily>();

  constructor(text: string) {
    for (const [index, line] of text.split('\n').entries()) {
      if (line === '') continue;
      try {
        this.read(line);
      } catch (error) {
        throw new Error(`Line ${index + 1} (${line}): ${(error as Error).message}`);
      }
    }
  }

  /** The value of the one sample with exactly these labels; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    const found = this.samples(name).filter(
      (sample) => JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
    );
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${wanted}`);
    return found[0]?.value;
  }

  /** Like value(), 0 for a series not yet seen (a counter with labels appears at its first count). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.value(name, labels) ?? 0;
  }

  /** Every sample of this name (a family's, or a histogram's `_bucket`, `_sum`, `_count`). */
  samples(name: string): Sample[] {
    return [...this.families.values()]
      .flatMap((family) => family.samples)
      .filter((sample) => sample.name === name);
  }

  private read(line: string): void {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment;
      const family = this.family(name);
      if (kind === 'HELP') family.help = rest;
      else family.type = rest;
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line);
    const familyName = this.families.has(sample.name)
      ? sample.name
      : ([...this.families.keys()].find((name) =>
          SUFFIXES.some((suffix) => sample.name === name + suffix),
        ) ?? sample.name);
    this.family(familyName).samples.push(sample);
  }

  private family(name: string): MetricFamily {
    let family = this.families.get(name);
    if (!family)
      this.families.set(name, (family = { name, type: 'untyped', help: '', samples: [] }));
    return family;
  }
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error('no metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (!labelName || rest[labelName.length] !== '=' || rest[labelName.length + 1] !== '"') {
        throw new Error('a label is not name="value"');
      }
      rest = rest.slice(labelName.length + 2);
      let value = '';
      for (;;) {
        const char = rest[0];
        if (char === undefined) throw new Error('a label value is not closed');
        rest = rest.slice(1);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = rest[0];
          rest = rest.slice(1);
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`unknown escape \\${escaped}`);
        } else value += char;
      }
      if (labelName in labels) throw new Error(`label ${labelName} twice`);
      labels[labelName] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error('labels are not separated by commas');
    }
    rest = rest.slice(1);
  }
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!fields) throw new Error('no value after the name and labels');
  const value = parseValue(fields[1]);
  return { name, labels, value };
}

/** A value as Prometheus reads it (Go's ParseFloat): Inf and NaN in any case, as prom-client writes `Nan`. */
function parseValue(text: string): number {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`${text} is not a number`);
  return value;
}

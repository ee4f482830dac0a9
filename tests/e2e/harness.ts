// Tiny e2e harness: named checks counted as pass/fail (a failed check never hides the ones after
// it), steps that catch their own exceptions, and the final "N passed, N failed" line.

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class Checks {
  readonly results: CheckResult[] = [];

  check(name: string, ok: boolean, detail = ''): boolean {
    this.results.push({ name, ok, detail });
    console.log(`${ok ? '  ✓' : '  ✗'} ${name}${detail ? ` — ${detail}` : ''}`);
    return ok;
  }

  /** Equal within `tolerance` (absolute). */
  near(name: string, actual: number | undefined, expected: number, tolerance: number): boolean {
    const ok = actual !== undefined && Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance;
    return this.check(name, ok, `got ${actual}, expected ${expected} ± ${tolerance}`);
  }

  /** A step that cannot run here (e.g. the real traces are not beside the clone): said, not counted. */
  skip(name: string, reason: string): void {
    console.log(`  - ${name} — skipped: ${reason}`);
  }

  /** Called when a step throws (e.g. to take a screenshot of the failure). */
  onStepError: ((stepName: string) => Promise<void>) | undefined;

  async step(name: string, body: () => Promise<void>): Promise<void> {
    console.log(`• ${name}`);
    try {
      await body();
    } catch (error) {
      this.check(
        `${name}: ran without error`,
        false,
        error instanceof Error ? error.message.split('\n')[0] : String(error),
      );
      await this.onStepError?.(name).catch(() => undefined);
    }
  }

  summary(): { passed: number; failed: number } {
    const failed = this.results.filter((r) => !r.ok);
    const passed = this.results.length - failed.length;
    if (failed.length > 0) {
      console.log('\nFailed checks:');
      for (const f of failed) {
        console.log(`  ✗ ${f.name}${f.detail ? ` — ${f.detail}` : ''}`);
      }
    }
    console.log(`\ne2e: ${passed} passed, ${failed.length} failed`);
    return { passed, failed: failed.length };
  }
}

/** Parses CSV text (RFC 4180 quoting) into rows of fields. */
export function parseCsv(source: string): string[][] {
  // A leading UTF-8 byte-order mark (written so Excel reads µ correctly) is not part of the header.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') {
        i++;
      }
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

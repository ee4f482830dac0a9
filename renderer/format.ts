// Number and time formatting for people (fixed 'en-US' grouping so screenshots and tests don't
// depend on the machine's locale).

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatCount = (n: number): string => integer.format(n);
export const formatMs = (ms: number): string =>
  Math.abs(ms) >= 100 ? integer.format(ms) : twoDecimals.format(ms);
export const formatUs = (us: number): string =>
  Math.abs(us) >= 100 ? integer.format(us) : oneDecimal.format(us);
export const formatPercent = (p: number): string => `${oneDecimal.format(p)}%`;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Seconds on the time axis, with as many decimals as the visible span needs. */
export function formatSeconds(ns: number, spanNs: number): string {
  const decimals = Math.min(9, Math.max(0, Math.ceil(-Math.log10(Math.max(spanNs, 1) / 1e9)) + 2));
  return `${(ns / 1e9).toFixed(decimals)} s`;
}

export function formatHex(offset: number): string {
  return `0x${offset.toString(16).toUpperCase()}`;
}

/** "ndis.sys!ndisInterruptDpc"; a function already named after its module ("tcpip.sys+0x1a2b0") as is. */
export function routineName(module: string, fn: string): string {
  return fn.startsWith(module) || module === '' || module === 'Unknown' ? fn : `${module}!${fn}`;
}

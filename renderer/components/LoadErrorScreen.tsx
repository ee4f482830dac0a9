// A trace that could not be opened: what is wrong in plain words, where in the file, what could
// still be read — and the way back (open another file). The app stays usable.

import { closeTrace } from '../app/actions.js';
import { formatHex } from '../format.js';
import { useApp } from '../state/store.js';
import { OpenButton } from './OpenButton.js';
import { ThemeToggle } from './ThemeToggle.js';
import { TraceOverview } from './TraceOverview.js';

/** What is wrong, in plain words, by error code; the backend's own message follows as details. */
const CODE_EXPLANATION: Record<string, string> = {
  'bad-file': 'This is not a Windows event trace (.etl) etlscope can read, or the file is damaged.',
  'not-found': 'The file could not be found.',
  'bad-request': 'The request was not understood.',
  internal: 'etlscope hit an internal problem while reading this file.',
};

/** Pulls "offset 0x1234" / "offset 4660" out of a message when the backend put it there. */
function offsetIn(message: string): string | undefined {
  const match = /offset\s+(0x[0-9a-f]+|\d+)/i.exec(message);
  if (match === null) {
    return undefined;
  }
  const value = match[1].startsWith('0x') ? parseInt(match[1], 16) : Number(match[1]);
  return `${formatHex(value)} (byte ${value.toLocaleString('en-US')})`;
}

/** Backend messages start in lower case (they are also used mid-sentence); a heading starts upper case. */
const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Browser mode stores a dropped file under a temporary server path (…/upload-<uuid>.etl); the user
 * only knows the name they dropped, so the message names that instead.
 */
export function withDisplayName(message: string, name: string | undefined): string {
  if (name === undefined) {
    return message;
  }
  return message
    .replace(/(?:[A-Za-z]:)?[^\s()]*upload-[0-9a-f-]{36}\.etl/gi, name)
    .replace(`(${name}, `, '(');
}

export function LoadErrorScreen() {
  const error = useApp((s) => s.loadError);
  const name = useApp((s) => s.loadingName);
  const summary = useApp((s) => s.summary ?? s.progress?.summary);
  const diagnostics = summary?.diagnostics.filter((d) => d.severity !== 'info') ?? [];
  const offset = error !== undefined ? offsetIn(error.message) : undefined;
  const explanation = error?.code !== undefined ? CODE_EXPLANATION[error.code] : undefined;
  const details = withDisplayName(error?.message ?? 'The trace could not be read.', name);
  return (
    <div className="error-screen" data-testid="load-error">
      <div className="start-corner">
        <ThemeToggle />
      </div>
      <div className="error-card">
        <h2>Could not open {name}</h2>
        <p className="error-what">{explanation ?? sentence(details)}</p>
        {explanation !== undefined && <p className="error-details">Details: {details}</p>}
        {offset !== undefined && (
          <p>
            Problem found at file offset <strong>{offset}</strong>.
          </p>
        )}
        {diagnostics.length > 0 && (
          <ul className="diagnostics">
            {diagnostics.map((d, i) => (
              <li key={i}>
                {d.message}
                {d.fileOffset !== undefined ? ` (at offset ${formatHex(d.fileOffset)})` : ''}
              </li>
            ))}
          </ul>
        )}
        <p>
          {summary !== undefined
            ? 'The part of the file that could be read is summarized below.'
            : 'Nothing in the file could be shown. Check that it is a complete .etl file (not a .zip or a trace still being written).'}
        </p>
        <div className="error-actions">
          <OpenButton label="Open another trace…" primary />
          <button type="button" className="button" onClick={() => void closeTrace()}>
            Back to start
          </button>
        </div>
      </div>
      {summary !== undefined && (
        <div className="loading-partial">
          <TraceOverview summary={summary} partial />
        </div>
      )}
    </div>
  );
}

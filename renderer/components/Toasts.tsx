// Short notifications in the corner (export done, search found nothing, errors of an action).

export interface Toast {
  readonly id: number;
  readonly message: string;
  readonly kind: 'info' | 'error';
}

export function Toasts({ toasts }: { toasts: readonly Toast[] }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`} data-testid="toast">
          {toast.message}
        </div>
      ))}
    </div>
  );
}

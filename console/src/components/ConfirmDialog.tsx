/**
 * An in-page confirmation (a modal `<dialog>`, not window.confirm): a title, a text, optional extra
 * content (e.g. the run-now args), and two buttons: one that dismisses it (default "Cancel"; a
 * dialog about cancelling names what it keeps, e.g. "Keep job") and one that confirms. Escape
 * dismisses.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/** Props of {@link ConfirmDialog}: `open` shows it modally; Escape or the dismiss button calls `onCancel`. */
export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** Label of the confirming button, e.g. `Pause job`. */
  confirmLabel: string;
  /** Label of the dismissing button; default `Cancel`. */
  dismissLabel?: string;
  /** Style the confirming button as destructive. */
  danger?: boolean;
  children?: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
}

/** The confirmation dialog (see the module comment). */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  dismissLabel = 'Cancel',
  danger,
  children,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
        <div class="dialog-buttons">
          <button type="button" onClick={onCancel}>
            {dismissLabel}
          </button>
          <button type="submit" class={danger ? 'danger' : 'primary'}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

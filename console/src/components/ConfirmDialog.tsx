/**
 * An in-page confirmation (a modal `<dialog>`, not window.confirm): a title, a text, optional extra
 * content (e.g. the run-now args), and Confirm / Cancel buttons. Escape cancels.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** Props of {@link ConfirmDialog}: `open` shows it modally; Escape or Cancel calls `onCancel`. */
export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** Label of the confirming button, e.g. `Pause job`. */
  confirmLabel: string;
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
  danger,
  children,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-title"
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
        <h2 id="confirm-title">{title}</h2>
        {children}
        <div class="dialog-buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class={danger ? 'danger' : 'primary'}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

import ConfirmModal from '../components/ConfirmModal.vue';

export interface ConfirmOptions {
  /** The question: "Remove Ada Lovelace?" */
  title: string;
  /** What will happen, in a sentence or two. */
  description: string;
  /** The button that does it: "Remove", "Suspend". */
  confirmLabel: string;
  /** Red button (the default) for what takes something away; false for a costly but harmless action. */
  danger?: boolean;
  /** Ask why (kept in the audit trail). */
  reason?: { label: string; placeholder?: string; required?: boolean };
}

/** Opens the confirmation and answers whether the person went ahead, and the reason they gave. */
export function useConfirm() {
  const overlay = useOverlay();
  return async (options: ConfirmOptions): Promise<{ confirmed: boolean; reason?: string }> => {
    // A new dialog each time: a closed one is destroyed (and its reason forgotten).
    const modal = overlay.create(ConfirmModal, { destroyOnClose: true });
    const answer = await modal.open({ ...options, reason: options.reason ?? null }).result;
    return answer ?? { confirmed: false };
  };
}

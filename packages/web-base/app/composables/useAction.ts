import { h } from 'vue';
import type { ExplainedError } from '../utils/errors';

export interface ActionOptions<T> {
  /** The work: usually one `api()` call; `reason` is what the person typed into the confirmation, if it asks for one. */
  action: (reason: string | undefined) => Promise<T>;
  /** The toast's title when it worked, e.g. "Member removed"; false for no toast. */
  success?: string | ((result: T) => string) | false;
  /** A sentence under the title. */
  successDescription?: string | ((result: T) => string);
  /** 'info' when the action worked but its outcome is not yet what the person wanted (a check that found nothing yet). */
  outcome?: (result: T) => 'success' | 'info';
  /** The toast's title when it failed, e.g. "Could not remove the member". */
  failure?: string;
  /** Asks first: nothing runs unless the person confirms (see useConfirm). */
  confirm?: ConfirmOptions;
  /** Field problems from the API, for the form to show beside its fields. */
  onFieldErrors?: (fields: Record<string, string>) => void;
  /** After a failure, with what went wrong (the toast is shown too): a page that offers a way on (terminate without a backup). */
  onFailure?: (explained: ExplainedError) => void;
  /** After success: refresh what the page shows. */
  after?: (result: T) => unknown;
}

/**
 * The action runner: asks first when the action is destructive or costly,
 * marks the action busy (for `:loading` on its button), shows the result as a
 * toast, and turns a failure into sentences (the API's request id in small
 * print for support). Several actions on one page are told apart by key:
 * `busy('remove:' + id)`.
 */
export function useActions() {
  const running = ref<Record<string, boolean>>({});
  const toast = useToast();
  const confirm = useConfirm();

  const busy = (key: string) => running.value[key] === true;
  const anyBusy = computed(() => Object.values(running.value).some(Boolean));

  /** Runs one action; answers its result, or undefined when it was cancelled or failed. */
  async function run<T>(key: string, options: ActionOptions<T>): Promise<T | undefined> {
    if (busy(key)) return undefined;
    let reason: string | undefined;
    if (options.confirm) {
      const answer = await confirm(options.confirm);
      if (!answer.confirmed) return undefined;
      reason = answer.reason;
    }
    running.value = { ...running.value, [key]: true };
    try {
      const result = await options.action(reason?.trim() ? reason.trim() : undefined);
      await options.after?.(result);
      if (options.success !== false) {
        const title = typeof options.success === 'function' ? options.success(result) : (options.success ?? 'Done');
        const description = typeof options.successDescription === 'function' ? options.successDescription(result) : options.successDescription;
        const info = options.outcome?.(result) === 'info';
        toast.add({ title, description, color: info ? 'info' : 'success', icon: info ? 'i-lucide-info' : 'i-lucide-circle-check' });
      }
      return result;
    } catch (error: unknown) {
      const explained = explainError(error);
      if (Object.keys(explained.fields).length) options.onFieldErrors?.(explained.fields);
      options.onFailure?.(explained);
      toast.add({ title: options.failure ?? explained.title, description: failureDescription(explained), color: 'error', icon: 'i-lucide-circle-alert', duration: 10_000 });
      return undefined;
    } finally {
      const { [key]: _done, ...rest } = running.value;
      running.value = rest;
    }
  }
  return { run, busy, anyBusy };
}

/** The sentence, and the request id in small print. */
export function failureDescription(explained: ExplainedError) {
  return () =>
    h('span', { class: 'block' }, [
      h('span', { class: 'block' }, explained.message),
      explained.requestId ? h('span', { class: 'block mt-1 text-xs text-muted', 'data-test': 'request-id' }, `Reference for support: ${explained.requestId}`) : null,
    ]);
}

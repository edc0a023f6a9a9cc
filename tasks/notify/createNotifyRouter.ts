import { WorkflowError } from '../../schemas/errors';
import type { NotifyPort } from '../../schemas/ports';
import { assertMessageRenders } from './checkMessage';

/** One NotifyPort over named channels; `message.channel` picks one, `defaultChannel` otherwise. */
export function createNotifyRouter(channels: Record<string, NotifyPort>, defaultChannel: string): NotifyPort {
  return {
    async send(message) {
      // Every sender (notify.send, reminders.send, …) passes here: broken text is never handed to a channel.
      assertMessageRenders({ body: message.body, subject: message.subject }, ['body']);
      const name = message.channel ?? defaultChannel;
      const channel = channels[name];
      if (!channel) throw new WorkflowError('Notify.DeliveryFailed', `no notification channel named "${name}" is configured`);
      return channel.send(message);
    },
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { WebhookIdentity } from '@app/vapi';
import { ToolRegistry } from './tools/tool-registry';

/**
 * Answers the messages VAPI waits on (assistant-request, tool-calls, transfer-destination-request,
 * knowledge-base-request). Everything else gets `{}`: VAPI ignores the body of fire-and-forget
 * messages, and returning the inner object (not a `messageResponse` wrapper) is what VAPI's
 * own examples do.
 */
@Injectable()
export class VapiResponderService {
  private readonly tools = new ToolRegistry();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** True when VAPI uses the response body of this kind of message. */
  expectsAnswer(event: Pick<WebhookIdentity, 'kind'>): boolean {
    return (
      event.kind === 'assistant-request' ||
      event.kind === 'tool-calls' ||
      event.kind === 'transfer-destination-request' ||
      event.kind === 'knowledge-base-request'
    );
  }

  async answer(
    event: Pick<WebhookIdentity, 'kind' | 'callId'>,
    body: unknown,
  ): Promise<Record<string, unknown>> {
    const { vapi } = this.config;
    switch (event.kind) {
      case 'assistant-request':
        // VAPI speaks `error` to the caller, so it must be a sentence, not a code.
        return vapi.defaultAssistantId
          ? { assistantId: vapi.defaultAssistantId }
          : { error: vapi.assistantRequestError };
      case 'tool-calls':
        return { results: await this.tools.runAll(messageOf(body), event.callId) };
      case 'transfer-destination-request':
        return vapi.transferDestinationNumber
          ? {
              destination: {
                type: 'number',
                number: vapi.transferDestinationNumber,
                ...(vapi.transferMessage ? { message: vapi.transferMessage } : {}),
              },
            }
          : { error: 'No transfer destination is configured.' };
      case 'knowledge-base-request':
        return { documents: [] };
      default:
        return {};
    }
  }
}

const messageOf = (body: unknown): Record<string, unknown> => {
  const message = (body as { message?: unknown } | null)?.message;
  return message && typeof message === 'object' ? (message as Record<string, unknown>) : {};
};

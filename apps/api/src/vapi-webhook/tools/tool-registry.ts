import { Logger } from '@nestjs/common';
import { GetCurrentTimeTool } from './get-current-time.tool';
import { ToolHandler } from './tool-handler';

/** One entry of VAPI's `toolCallList`, in any of the three shapes seen in the wild. */
interface ToolCallItem {
  id?: unknown;
  name?: unknown;
  arguments?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

/** One entry of the `results` array VAPI expects back (PROTOCOL.md §5). */
export interface ToolCallResult {
  toolCallId: string;
  name?: string;
  result?: string;
  error?: string;
}

/**
 * The tools this service answers. To add one: write a `ToolHandler` in this folder and list it
 * in `defaultToolHandlers`. Names must match the function names configured on the assistant.
 */
export const defaultToolHandlers = (): ToolHandler[] => [new GetCurrentTimeTool()];

const TOOL_TIMEOUT_MS = 5000;

/** VAPI wants single-line strings; newlines in a result break its parsing. */
const oneLine = (value: unknown): string =>
  (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')).replace(/\r?\n/g, ' ');

const parseArguments = (raw: unknown): Record<string, unknown> => {
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
};

const isItem = (value: unknown): value is ToolCallItem & { toolCall?: unknown } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Runs the tool calls of a `tool-calls` message and builds one result per `toolCallId`. */
export class ToolRegistry {
  private readonly logger = new Logger(ToolRegistry.name);
  private readonly handlers: Map<string, ToolHandler>;

  constructor(handlers: ToolHandler[] = defaultToolHandlers()) {
    this.handlers = new Map(handlers.map((h) => [h.name, h]));
  }

  /**
   * Items that are not objects (`null`, numbers, strings) carry no toolCallId to answer, so they
   * are skipped rather than allowed to fail the whole answer.
   */
  async runAll(message: Record<string, unknown>, callId: string | null): Promise<ToolCallResult[]> {
    const list: unknown[] = Array.isArray(message.toolCallList)
      ? message.toolCallList
      : Array.isArray(message.toolWithToolCallList)
        ? message.toolWithToolCallList.map((t: unknown) => (isItem(t) ? t.toolCall : undefined))
        : [];
    return Promise.all(list.filter(isItem).map((item) => this.runOne(item, callId)));
  }

  private async runOne(item: ToolCallItem, callId: string | null): Promise<ToolCallResult> {
    const toolCallId =
      typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : '';
    const rawName = item.function?.name ?? item.name;
    const name = typeof rawName === 'string' ? rawName : '';
    const handler = this.handlers.get(name);
    if (!handler) {
      return { toolCallId, name, error: `Unknown tool: ${name || '(no name)'}` };
    }
    const args = parseArguments(item.function?.arguments ?? item.arguments);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('tool timed out')), TOOL_TIMEOUT_MS);
      });
      const value = await Promise.race([
        Promise.resolve().then(() => handler.run(args, { callId, toolCallId })),
        timeout,
      ]);
      return { toolCallId, name, result: oneLine(value) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`tool ${name} failed for call ${callId ?? '-'}: ${reason}`);
      return { toolCallId, name, error: oneLine(`Tool ${name} failed: ${reason}`) };
    } finally {
      clearTimeout(timer);
    }
  }
}

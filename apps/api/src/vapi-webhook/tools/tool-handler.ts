/** Context a tool handler gets besides its arguments. */
export interface ToolContext {
  callId: string | null;
  toolCallId: string;
}

/**
 * A server-side tool VAPI may call through `tool-calls`. The result is sent back to the model:
 * a string is used as is, anything else is JSON-encoded on one line.
 */
export interface ToolHandler {
  readonly name: string;
  readonly description: string;
  run(args: Record<string, unknown>, context: ToolContext): unknown;
}

import { ToolHandler } from './tool-handler';

/**
 * Example tool: the current date and time, optionally in an IANA time zone
 * (`{"timezone": "America/Los_Angeles"}`). Models are poor at knowing "now".
 */
export class GetCurrentTimeTool implements ToolHandler {
  readonly name = 'get_current_time';
  readonly description = 'Returns the current date and time, in an optional IANA time zone.';

  constructor(private readonly now: () => Date = () => new Date()) {}

  run(args: Record<string, unknown>): { iso: string; timezone: string; local: string } {
    const timezone = typeof args.timezone === 'string' && args.timezone ? args.timezone : 'UTC';
    const now = this.now();
    // Intl throws RangeError for an unknown zone; the registry turns that into the tool's error.
    const local = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      dateStyle: 'full',
      timeStyle: 'long',
    }).format(now);
    return { iso: now.toISOString(), timezone, local };
  }
}

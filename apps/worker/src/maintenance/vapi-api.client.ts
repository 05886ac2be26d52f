import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { VapiCall } from './end-of-call-report';

/** A failed VAPI REST API request. The message never holds the API key. */
export class VapiApiError extends Error {
  override readonly name = 'VapiApiError';
}

/**
 * The part of VAPI's REST API reconciliation needs: `GET /call/{id}` with the private API key
 * (VAPI_API_KEY) as a Bearer token, bounded by VAPI_API_TIMEOUT_MS.
 */
@Injectable()
export class VapiApiClient {
  private readonly baseUrl: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.baseUrl = config.vapi.apiUrl.replace(/\/+$/, '');
  }

  /** True when an API key is configured. */
  get configured(): boolean {
    return this.config.vapi.apiKey !== undefined;
  }

  /** The call, or null when VAPI does not know it (404). Throws `VapiApiError` otherwise. */
  async getCall(callId: string): Promise<VapiCall | null> {
    const apiKey = this.config.vapi.apiKey;
    if (apiKey === undefined) throw new VapiApiError('VAPI_API_KEY is not set');
    const path = `/call/${encodeURIComponent(callId)}`;
    const timeoutMs = this.config.vapi.apiTimeoutMs;
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
        // A redirect would be followed with the key to wherever it points.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new VapiApiError(`GET ${path} answered ${response.status}`);
      }
      body = await response.json();
    } catch (error) {
      if (error instanceof VapiApiError) throw error;
      throw new VapiApiError(`GET ${path} failed: ${describe(error, timeoutMs)}`);
    }
    if (typeof body !== 'object' || body === null || (body as { id?: unknown }).id !== callId) {
      throw new VapiApiError(`GET ${path} did not return that call`);
    }
    return body as VapiCall;
  }
}

/**
 * Why fetch failed, from its error and cause (which name the host, never the headers). Duck-typed:
 * the abort's DOMException is not always an `Error` of this realm.
 */
function describe(error: unknown, timeoutMs: number): string {
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (typeof message !== 'string') return String(error);
  const causeMessage = (cause as { message?: unknown } | undefined)?.message;
  return typeof causeMessage === 'string' ? `${message} (${causeMessage})` : message;
}

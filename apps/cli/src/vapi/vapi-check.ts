import type { VapiApiClient, VapiServer } from '../../../worker/src/vapi-api/vapi-api.client';
import { missingMessages, retries } from './vapi-setup';

type Print = (line: string) => void;

/** How a server setting compares with this service's webhook URL. */
function urlVerdict(server: VapiServer | undefined, url: string, fallback: string): string {
  if (server?.url === undefined || server.url === '') return `server url unset (${fallback})`;
  return server.url === url ? 'server url here' : `server url elsewhere (${server.url})`;
}

function retryVerdict(server: VapiServer | undefined): string {
  if (!retries(server)) return 'retries: no (VAPI drops a failed delivery)';
  const plan = server?.backoffPlan as { type?: unknown; maxRetries?: unknown } | undefined;
  return `retries: yes (${typeof plan?.type === 'string' ? plan.type : 'fixed'}, ${String(plan?.maxRetries)})`;
}

/**
 * `vapi check`: one line per assistant, phone number and the organisation: whether its server
 * URL is `url`, which handled message types it lacks, whether VAPI retries. Returns the exit
 * code: 0 when every assistant is fully set up and no phone number points elsewhere or
 * without retries, 3 otherwise.
 */
export async function checkVapi(vapi: VapiApiClient, url: string, print: Print): Promise<number> {
  const [assistants, phoneNumbers] = await Promise.all([
    vapi.listAssistants(),
    vapi.listPhoneNumbers(),
  ]);
  // Some keys may not read the org; the assistants and numbers are what matters.
  const orgs = await vapi.listOrgs().catch((error: unknown) => error as Error);
  print(`checking against ${url}`);
  let ready = 0;
  for (const a of assistants) {
    const missing = missingMessages(a.serverMessages);
    const ok = a.server?.url === url && missing.length === 0 && retries(a.server);
    if (ok) ready += 1;
    print(
      `assistant ${a.id}${a.name ? ` "${a.name}"` : ''}: ${urlVerdict(a.server, url, 'the phone number or org server applies')}; missing message types: ${missing.length === 0 ? 'none' : missing.join(', ')}; ${retryVerdict(a.server)}${ok ? '' : ' [needs setup]'}`,
    );
  }
  let phonesOk = 0;
  for (const p of phoneNumbers) {
    const number = (p as { number?: string }).number;
    const unset = p.server?.url === undefined || p.server.url === '';
    const ok = unset || (p.server?.url === url && retries(p.server));
    if (ok) phonesOk += 1;
    print(
      `phone number ${p.id}${number ? ` ${number}` : ''}: ${urlVerdict(p.server, url, "its assistant's server applies")}; message types: set on the assistant; ${unset ? 'retries: (assistant or org)' : retryVerdict(p.server)}${ok ? '' : ' [needs setup]'}`,
    );
  }
  if (orgs instanceof Error) print(`org: not readable (${orgs.message})`);
  else
    for (const o of orgs) {
      print(
        `org ${o.id}${o.name ? ` "${o.name}"` : ''}: ${urlVerdict(o.server, url, 'no fallback')}; ${o.server?.url ? retryVerdict(o.server) : 'retries: -'}`,
      );
    }
  print(
    `${ready} of ${assistants.length} assistant(s) fully set up; ${phonesOk} of ${phoneNumbers.length} phone number(s) fine`,
  );
  return ready === assistants.length && phonesOk === phoneNumbers.length ? 0 : 3;
}

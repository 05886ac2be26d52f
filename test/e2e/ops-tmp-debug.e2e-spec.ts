import { Logger } from '@nestjs/common';
import { Logger as JsonLogger } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import { startOpsApi, stopOpsApi } from '../helpers/ops-api';
it('debug', async () => {
  const raw: string[] = [];
  const h = await startOpsApi({ LOG_LEVEL: 'info' }, { destination: { write: (l: string) => void raw.push(l) } });
  const jl = h.app.get(JsonLogger) as any;
  const L = Logger as any;
  console.log(L.staticInstanceRef === jl, L.staticInstanceRef?.constructor === JsonLogger, L.isBufferAttached, L.logLevels, storage.getStore());
  const inst = new Logger('X') as any;
  console.log(inst.localInstance === jl, inst.localInstance?.constructor?.name);
  inst.warn('hello from test');
  console.log(raw.length);
  await stopOpsApi(h);
});

import { Queue, Worker } from 'bullmq';
import { QueueName } from '@app/queue';
import { OpsApi, basicAuth, startOpsApi, stopOpsApi } from '../helpers/ops-api';

const ADMIN = { ADMIN_USERNAME: 'ops-admin', ADMIN_PASSWORD: 'board-pass-7c1e' };
const GOOD = basicAuth(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
const BOARD = '/admin/queues';

describe('Bull Board at /admin/queues', () => {
  describe('with admin credentials configured', () => {
    let h: OpsApi;
    beforeAll(async () => {
      h = await startOpsApi(ADMIN);
    });
    afterAll(async () => stopOpsApi(h));

    const get = (url: string, authorization?: string) =>
      h.app.inject({
        method: 'GET',
        url,
        headers: authorization === undefined ? {} : { authorization },
      });

    it('serves the board page with credentials', async () => {
      const res = await get(BOARD, GOOD);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      console.log(res.body.slice(0, 3000));
    });

    it('lists queues', async () => {
      const res = await get(`${BOARD}/api/queues`, GOOD);
      expect(res.statusCode).toBe(200);
      console.log(JSON.stringify(res.json()).slice(0, 1000));
    });
    it('401', async () => {
      const res = await get(`${BOARD}/api/queues`);
      expect(res.statusCode).toBe(401);
      console.log(res.headers);
    });
  });
});

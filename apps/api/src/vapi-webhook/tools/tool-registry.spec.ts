import { ToolHandler } from './tool-handler';
import { ToolRegistry } from './tool-registry';

const echo: ToolHandler = {
  name: 'echo',
  description: 'returns its arguments',
  run: (args) => args,
};
const multiline: ToolHandler = { name: 'lines', description: '', run: () => 'a\nb' };
const broken: ToolHandler = {
  name: 'broken',
  description: '',
  run: () => {
    throw new Error('database down');
  },
};

describe(ToolRegistry.name, () => {
  const registry = new ToolRegistry([echo, multiline, broken]);

  it('accepts all three toolCallList shapes and answers every toolCallId in order', async () => {
    const results = await registry.runAll(
      {
        toolCallList: [
          { id: 'a', type: 'function', function: { name: 'echo', arguments: '{"x":1}' } },
          { id: 'b', type: 'function', function: { name: 'echo', arguments: { y: 2 } } },
          { id: 'c', name: 'echo', arguments: { z: 3 } },
        ],
      },
      'call-1',
    );
    expect(results).toEqual([
      { toolCallId: 'a', name: 'echo', result: '{"x":1}' },
      { toolCallId: 'b', name: 'echo', result: '{"y":2}' },
      { toolCallId: 'c', name: 'echo', result: '{"z":3}' },
    ]);
  });

  it('falls back to toolWithToolCallList when toolCallList is absent', async () => {
    const results = await registry.runAll(
      {
        toolWithToolCallList: [
          { toolCall: { id: 'd', function: { name: 'echo', arguments: {} } } },
        ],
      },
      null,
    );
    expect(results).toEqual([{ toolCallId: 'd', name: 'echo', result: '{}' }]);
  });

  it('gives unknown and failing tools a string error, and keeps results on one line', async () => {
    const results = await registry.runAll(
      {
        toolCallList: [
          { id: 'u', function: { name: 'nope' } },
          { id: 'f', function: { name: 'broken' } },
          { id: 'l', function: { name: 'lines' } },
        ],
      },
      'call-2',
    );
    expect(results).toEqual([
      { toolCallId: 'u', name: 'nope', error: 'Unknown tool: nope' },
      { toolCallId: 'f', name: 'broken', error: 'Tool broken failed: database down' },
      { toolCallId: 'l', name: 'lines', result: 'a b' },
    ]);
  });

  it('ships get_current_time, which reports an unknown time zone as an error', async () => {
    const defaults = new ToolRegistry();
    const [ok, bad] = await defaults.runAll(
      {
        toolCallList: [
          {
            id: 't1',
            function: { name: 'get_current_time', arguments: { timezone: 'Asia/Tokyo' } },
          },
          {
            id: 't2',
            function: { name: 'get_current_time', arguments: { timezone: 'Mars/Base' } },
          },
        ],
      },
      null,
    );
    expect(JSON.parse(ok.result ?? '')).toMatchObject({ timezone: 'Asia/Tokyo' });
    expect(bad.error).toMatch(/get_current_time failed/);
  });

  // Shrunk by test/fuzz: `{"message":{"type":"tool-calls","call":{…},"toolCallList":[null]}}`
  // threw on `null.id` and VAPI got a 500 mid-call.
  it('skips list items that are not objects and still answers the others', async () => {
    const call = { id: 'ok', function: { name: 'echo', arguments: '{}' } };
    expect(await registry.runAll({ toolCallList: [null] }, 'call-3')).toEqual([]);
    expect(await registry.runAll({ toolCallList: [null, 7, 'x', [], call] }, 'call-3')).toEqual([
      { toolCallId: 'ok', name: 'echo', result: '{}' },
    ]);
    expect(
      await registry.runAll(
        { toolWithToolCallList: [null, { toolCall: null }, { toolCall: call }] },
        null,
      ),
    ).toEqual([{ toolCallId: 'ok', name: 'echo', result: '{}' }]);
  });
});

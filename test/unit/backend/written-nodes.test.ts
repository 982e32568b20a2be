// WAIT asks the masters a client wrote to: every node noted must be in `addresses`, whether it was
// remembered (the last four skip the set) or noted again after others pushed it out.
import assert from 'node:assert/strict';
import { WrittenNodes } from '../../../lib/backend/written-nodes';

describe('WrittenNodes: the masters a client wrote to', () => {
  it('holds every node noted, in any order, with the last few remembered', () => {
    const nodes = Array.from({ length: 9 }, (_, i) => ({ address: `127.0.0.1:${7000 + i}` }));
    const w = new WrittenNodes();
    const noted = new Set<string>();
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      // mostly a few nodes, sometimes one of the others (pushing the remembered ones out)
      const n = nodes[seed % (i % 50 < 40 ? 3 : 9)];
      w.note(n);
      noted.add(n.address);
      assert.deepEqual([...w.addresses].sort(), [...noted].sort(), `after note #${i}`);
    }
    assert.equal(w.addresses.size, 9);
  });

  it('two nodes with one address (a node made again after a failover) are one master', () => {
    const w = new WrittenNodes();
    w.note({ address: '127.0.0.1:7000' });
    w.note({ address: '127.0.0.1:7000' });
    assert.deepEqual([...w.addresses], ['127.0.0.1:7000']);
  });
});

// HTTP sent to the port (a browser or a cross-protocol attack): Redis closes the connection at a
// line starting with POST or Host:, unanswered, in every state (before AUTH too, in MULTI,
// subscribed, as any user). The proxy must do the same. Compared with a standalone Redis set up
// the same way.
import assert from 'node:assert/strict';
import { command } from '../../lib/protocol/resp';
import { aclPairFor } from '../harness/acl-pair';
import { exchange } from '../harness/raw-client';

describe('security: HTTP lines close the connection in every state', function () {
  this.timeout(120_000);
  const pair = aclPairFor(['user default on >secret ~* &* +@all', 'user getter on >getterpw ~* -@all +get +multi +subscribe']);

  /** What the proxy and Redis do with `input`: the bytes before the close must match too. */
  async function closesLikeRedis(input: string | Buffer, what: string): Promise<void> {
    const opts = { quietMs: 500 };
    const [mine, theirs] = await Promise.all([exchange(pair().proxy.port, input, opts), exchange(pair().redis.port, input, opts)]);
    assert.equal(theirs.closed, true, `Redis closes (${what})`);
    assert.equal(mine.closed, true, `the proxy closes (${what}); it answered ${JSON.stringify(mine.data.toString('latin1'))}`);
    assert.doesNotMatch(mine.data.toString('latin1'), /NOAUTH|QUEUED|Can't execute/, what);
  }

  it('before AUTH: POST and Host: lines, inline and as RESP', async function () {
    await closesLikeRedis('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'an HTTP request');
    await closesLikeRedis('Host: example.com\r\n', 'a Host: line');
    await closesLikeRedis(command(['POST', '/']), 'POST as RESP');
    await closesLikeRedis(command(['host:', 'x']), 'host: as RESP, any case');
  });

  it('after AUTH, in MULTI, subscribed, and as a user without the command', async function () {
    const auth = command(['AUTH', 'secret']);
    await closesLikeRedis(Buffer.concat([auth, Buffer.from('POST / HTTP/1.1\r\n')]), 'authenticated');
    await closesLikeRedis(Buffer.concat([auth, command(['MULTI']), Buffer.from('POST / HTTP/1.1\r\n')]), 'in MULTI');
    await closesLikeRedis(Buffer.concat([auth, command(['SUBSCRIBE', 'x']), Buffer.from('Host: x\r\n')]), 'subscribed');
    await closesLikeRedis(Buffer.concat([command(['AUTH', 'getter', 'getterpw']), Buffer.from('POST / HTTP/1.1\r\n')]), 'a user with -@all +get');
  });
});

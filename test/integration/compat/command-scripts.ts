// The data-type scripts every client of the compatibility suite runs through its generic command
// call (node-redis sendCommand, ioredis call, redis-py execute_command), once through the proxy
// and once against the cluster directly: each command's reply must be the same both ways. All
// keys share one hash tag, so a cluster client reaches them directly too, and a standalone
// client finds them all on the tag's master.

export type Cmd = (string | number)[];

/** `k(name)` is the key `name` of this run (tag, run token and name). */
export function dataScripts(k: (name: string) => string): Record<string, Cmd[]> {
  return {
    strings: [
      ['SET', k('s'), 'hello'], ['GET', k('s')], ['APPEND', k('s'), ' world'], ['STRLEN', k('s')], ['GETRANGE', k('s'), 0, 4],
      ['SETRANGE', k('s'), 6, 'WORLD'], ['SET', k('n'), 10], ['INCR', k('n')], ['INCRBY', k('n'), 5], ['DECRBY', k('n'), 3],
      ['INCRBYFLOAT', k('n'), '1.5'], ['GETSET', k('n'), 'x'], ['GETDEL', k('n')], ['EXISTS', k('n')], ['SETNX', k('nx'), 1],
      ['SETNX', k('nx'), 2], ['SET', k('ex'), 'v', 'EX', 1000], ['TTL', k('ex')], ['GETEX', k('ex'), 'PERSIST'], ['TTL', k('ex')],
      ['MSET', k('m1'), 'a', k('m2'), 'b'], ['MGET', k('m1'), k('m2'), k('m3')], ['MSETNX', k('m3'), 'c', k('m4'), 'd'],
      ['LCS', k('m1'), k('m2')], ['SET', k('s'), 'v', 'NX', 'GET'], ['SET', k('s'), 'w', 'XX', 'GET'], ['INCR', k('s')],
      ['SET', k('s'), 'x', 'KEEPTTL'], ['OBJECT', 'ENCODING', k('s')], ['TYPE', k('s')], ['DEL', k('m1'), k('m2'), k('none')],
    ],
    keys: [
      ['SET', k('a'), 1], ['EXPIRE', k('a'), 1000, 'NX'], ['EXPIRE', k('a'), 1000, 'NX'], ['TTL', k('a')], ['PERSIST', k('a')],
      ['RENAME', k('a'), k('b')], ['RENAMENX', k('b'), k('c')], ['COPY', k('c'), k('d')], ['GET', k('d')], ['EXISTS', k('c'), k('d'), k('x')],
      ['TOUCH', k('c'), k('d')], ['UNLINK', k('c')], ['TYPE', k('none')], ['RPUSH', k('l'), 3, 1, 2], ['SORT', k('l')],
      ['SORT_RO', k('l'), 'DESC', 'LIMIT', 0, 2], ['SORT', k('l'), 'STORE', k('sorted')], ['LRANGE', k('sorted'), 0, -1],
      ['DUMP', k('none')], ['OBJECT', 'FREQ', k('d')],
    ],
    lists: [
      ['RPUSH', k('l'), 'a', 'b', 'c'], ['LPUSH', k('l'), 'z'], ['LRANGE', k('l'), 0, -1], ['LLEN', k('l')], ['LINDEX', k('l'), 1],
      ['LSET', k('l'), 0, 'y'], ['LINSERT', k('l'), 'BEFORE', 'b', 'x'], ['LREM', k('l'), 1, 'x'], ['LPOS', k('l'), 'c', 'RANK', 1],
      ['LTRIM', k('l'), 0, 2], ['LPOP', k('l')], ['RPOP', k('l'), 2], ['RPUSHX', k('none'), 1], ['LPUSHX', k('l'), 'q'],
      ['RPUSH', k('src'), 1, 2, 3], ['LMOVE', k('src'), k('dst'), 'LEFT', 'RIGHT'], ['RPOPLPUSH', k('src'), k('dst')],
      ['LMPOP', 2, k('src'), k('dst'), 'LEFT', 'COUNT', 2], ['BLPOP', k('dst'), 1], ['BLMOVE', k('dst'), k('src'), 'LEFT', 'LEFT', 1],
      ['BRPOP', k('empty'), '0.01'], ['LSET', k('none'), 0, 'x'],
    ],
    hashes: [
      ['HSET', k('h'), 'f1', 'v1', 'f2', 'v2', 'n', 1], ['HGET', k('h'), 'f1'], ['HMGET', k('h'), 'f1', 'nope'], ['HLEN', k('h')],
      ['HEXISTS', k('h'), 'f2'], ['HINCRBY', k('h'), 'n', 5], ['HINCRBYFLOAT', k('h'), 'n', '0.5'], ['HDEL', k('h'), 'f2'],
      ['HSETNX', k('h'), 'f1', 'other'], ['HSTRLEN', k('h'), 'f1'], ['HGETALL', k('h')], ['HKEYS', k('h')], ['HVALS', k('h')],
      ['HSCAN', k('h'), 0, 'MATCH', 'f*'], ['HRANDFIELD', k('none')], ['HGETALL', k('none')], ['HINCRBY', k('h'), 'f1', 1],
    ],
    sets: [
      ['SADD', k('a'), 'a', 'b', 'c'], ['SCARD', k('a')], ['SISMEMBER', k('a'), 'a'], ['SMISMEMBER', k('a'), 'a', 'z'],
      ['SREM', k('a'), 'c'], ['SMEMBERS', k('a')], ['SSCAN', k('a'), 0], ['SADD', k('1'), 1, 2, 3], ['SADD', k('2'), 2, 3, 4],
      ['SINTER', k('1'), k('2')], ['SUNION', k('1'), k('2')], ['SDIFF', k('1'), k('2')], ['SINTERCARD', 2, k('1'), k('2')],
      ['SINTERSTORE', k('3'), k('1'), k('2')], ['SMOVE', k('1'), k('2'), 1], ['SMEMBERS', k('2')], ['SPOP', k('none')],
      ['SRANDMEMBER', k('3'), 5], ['SADD', k('a'), 'x', 'y'], ['SUNIONSTORE', k('4'), k('a'), k('3')], ['SCARD', k('4')],
    ],
    zsets: [
      ['ZADD', k('z'), 1, 'a', 2, 'b', 3, 'c'], ['ZSCORE', k('z'), 'b'], ['ZINCRBY', k('z'), 5, 'a'], ['ZRANGE', k('z'), 0, -1, 'WITHSCORES'],
      ['ZRANK', k('z'), 'a'], ['ZREVRANK', k('z'), 'a'], ['ZCOUNT', k('z'), 0, 3], ['ZRANGEBYSCORE', k('z'), '(2', '+inf', 'LIMIT', 0, 1],
      ['ZRANGE', k('z'), '+inf', '-inf', 'BYSCORE', 'REV'], ['ZADD', k('lex'), 0, 'a', 0, 'b', 0, 'c'], ['ZRANGEBYLEX', k('lex'), '[b', '+'],
      ['ZLEXCOUNT', k('lex'), '-', '+'], ['ZMSCORE', k('z'), 'a', 'x'], ['ZADD', k('z'), 'GT', 'CH', 1, 'b', 9, 'c'], ['ZREM', k('z'), 'c'],
      ['ZPOPMIN', k('z')], ['ZPOPMAX', k('z')], ['ZADD', k('1'), 1, 'a', 2, 'b'], ['ZADD', k('2'), 3, 'b', 4, 'c'],
      ['ZUNIONSTORE', k('3'), 2, k('1'), k('2'), 'WEIGHTS', 2, 1], ['ZINTER', 2, k('1'), k('2'), 'WITHSCORES'], ['ZDIFF', 2, k('1'), k('2')],
      ['ZRANGESTORE', k('4'), k('3'), 0, -1], ['ZMPOP', 1, k('4'), 'MIN', 'COUNT', 2], ['BZPOPMIN', k('3'), 1], ['BZMPOP', 1, 1, k('3'), 'MAX'],
      ['ZSCAN', k('3'), 0], ['ZINCRBY', k('z'), 'nan', 'a'], ['ZADD', k('f'), '1.5e10', 'x', '-inf', 'y'], ['ZRANGE', k('f'), 0, -1, 'WITHSCORES'],
    ],
    streams: [
      ['XADD', k('x'), '1-1', 'f', 'v'], ['XADD', k('x'), '1-2', 'f', 'w'], ['XADD', k('x'), 'MAXLEN', '~', 100, '2-1', 'g', 'u'], ['XLEN', k('x')],
      ['XRANGE', k('x'), '-', '+'], ['XREVRANGE', k('x'), '+', '-', 'COUNT', 1], ['XREAD', 'COUNT', 10, 'STREAMS', k('x'), '0-0'],
      ['XGROUP', 'CREATE', k('x'), 'g', '0'], ['XGROUP', 'CREATE', k('x'), 'g', '0'], ['XGROUP', 'CREATECONSUMER', k('x'), 'g', 'c3'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', k('x'), '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', k('x'), '0'],
      ['XACK', k('x'), 'g', '1-1'], ['XPENDING', k('x'), 'g'], ['XCLAIM', k('x'), 'g', 'c2', 0, '1-2', 'JUSTID'], ['XAUTOCLAIM', k('x'), 'g', 'c', 0, '0-0', 'COUNT', 5],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 10, 'STREAMS', k('x'), '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 10, 'STREAMS', k('x'), '>'],
      ['XINFO', 'STREAM', k('x')], ['XGROUP', 'SETID', k('x'), 'g', '0'], ['XGROUP', 'DELCONSUMER', k('x'), 'g', 'c3'], ['XDEL', k('x'), '1-2'],
      ['XTRIM', k('x'), 'MINID', '2-0'], ['XSETID', k('x'), '5-0'], ['XREADGROUP', 'GROUP', 'nogroup', 'c', 'STREAMS', k('x'), '>'],
      ['XGROUP', 'DESTROY', k('x'), 'g'], ['XADD', k('x'), '1-1', 'f', 'v'], ['XINFO', 'GROUPS', k('x')],
    ],
    'hyperloglog, geo, bitmaps': [
      ['PFADD', k('p'), 'a', 'b', 'c'], ['PFCOUNT', k('p')], ['PFADD', k('p1'), 'x'], ['PFADD', k('p2'), 'y', 'a'], ['PFMERGE', k('p3'), k('p'), k('p1'), k('p2')],
      ['PFCOUNT', k('p3')], ['PFCOUNT', k('p'), k('p1')], ['GEOADD', k('g'), '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEODIST', k('g'), 'Palermo', 'Catania', 'km'], ['GEOHASH', k('g'), 'Palermo', 'nowhere'], ['GEOPOS', k('g'), 'Catania'],
      ['GEOSEARCH', k('g'), 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHCOORD', 'WITHDIST'],
      ['GEOSEARCHSTORE', k('g2'), k('g'), 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'STOREDIST'], ['ZRANGE', k('g2'), 0, -1, 'WITHSCORES'],
      ['GEORADIUS', k('g'), 15, 37, 200, 'km', 'WITHDIST', 'ASC'], ['GEOADD', k('g'), 200, 100, 'bad'],
      ['SETBIT', k('b'), 7, 1], ['SETBIT', k('b'), 100, 1], ['GETBIT', k('b'), 7], ['BITCOUNT', k('b')], ['BITCOUNT', k('b'), 0, 0, 'BIT'],
      ['BITPOS', k('b'), 1], ['BITFIELD', k('b'), 'INCRBY', 'u8', 0, 10, 'GET', 'i4', 4], ['BITFIELD_RO', k('b'), 'GET', 'u8', 0],
      ['SET', k('b2'), 'abc'], ['BITOP', 'AND', k('b3'), k('b'), k('b2')], ['GET', k('b3')], ['BITOP', 'NOT', k('b4'), k('b2')], ['GET', k('b4')],
    ],
    'errors and scripts': [
      ['SET', k('str'), 'x'], ['LPUSH', k('str'), 1], ['INCR', k('str')], ['HSET', k('str'), 'f'], ['GET', k('none'), 'extra'],
      ['EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", 1, k('e'), 'v'], ['EVAL', "return redis.call('GET', KEYS[1])", 1, k('e')],
      ['EVAL_RO', "return redis.call('GET', KEYS[1])", 1, k('e')], ['EVAL', 'return {1,2,{3,"x"},false,true}', 1, k('e')],
      ['EVAL', "return redis.error_reply('boom')", 1, k('e')], ['EVAL', "return redis.call('INCR', KEYS[1])", 1, k('e')],
      ['EVAL', "return redis.pcall('INCR', KEYS[1])", 1, k('e')], ['EVAL', 'return 3.99', 1, k('e')],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 1, k('e')],
    ],
  };
}

/** Replies in the server's hash order: compared sorted (the same members either way). */
export const UNORDERED = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SSCAN', 'SRANDMEMBER', 'HKEYS', 'HVALS', 'HGETALL', 'HSCAN', 'KEYS']);

/** A reply made comparable: unordered replies flattened and sorted. */
export function comparable(name: string, reply: unknown): unknown {
  if (!UNORDERED.has(name.toUpperCase()) || !Array.isArray(reply)) return reply;
  const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
  return flat(reply).map(String).sort();
}

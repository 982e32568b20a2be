// The users file and the commands of the ACL differential test (acl-differential.test.ts): every
// user runs every command, once on a standalone Redis loaded with the file and once through the
// proxy. Commands cover every ACL category, keys inside and outside the users' patterns, read and
// write permissions, subcommands and first arguments, scripts and functions that reach outside
// their declared keys, pub/sub with channels inside and outside the users' rules, and ACL.
import { createHash } from 'node:crypto';

export interface AclUser {
  name: string;
  /** what AUTH sends as the password */
  password: string;
  rules: string;
}

const hashpw = createHash('sha256').update('hashedpw').digest('hex');

export const USERS: AclUser[] = [
  { name: 'default', password: 'defaultpw', rules: 'on >defaultpw ~* &* +@all' },
  // the example: a script reads, writes and deletes keys outside ~foo*
  { name: 'ivan', password: 'ivanpw', rules: 'on >ivanpw ~foo* +get +eval +evalsha +eval_ro +evalsha_ro +fcall +fcall_ro +ping' },
  { name: 'keys', password: 'keyspw', rules: 'on >keyspw ~foo* ~{app}:* &* +@all -@dangerous' },
  { name: 'rw', password: 'rwpw', rules: 'on >rwpw %R~r:* %W~w:* %RW~foo* &* +@all -@dangerous' },
  { name: 'cats', password: 'catspw', rules: 'on >catspw allkeys &* -@all +@read +@connection +@transaction' },
  { name: 'subs', password: 'subspw', rules: 'on >subspw ~* &* +@all -config +config|get -client +client|getname +client|id -object +object|encoding -flushall' },
  { name: 'first', password: 'firstpw', rules: 'on >firstpw ~* &* -@all +select|0 +get +ping' },
  { name: 'chans', password: 'chanspw', rules: 'on >chanspw ~* resetchannels &news.* &ch?x &lit[ab] +@all -@dangerous' },
  { name: 'plain', password: 'plainpw', rules: 'on >plainpw ~* +@all' },
  { name: 'pubonly', password: 'pubonlypw', rules: 'on >pubonlypw resetkeys &news.* -@all +@pubsub +ping' },
  { name: 'sel', password: 'selpw', rules: 'on >selpw ~foo* +get +ping (~bar* +set +get) (&news.* +publish +subscribe ~{app}:* +@read)' },
  { name: 'anon', password: 'whatever', rules: 'on nopass ~foo* &* -@all +@read +@connection' },
  { name: 'hashed', password: 'hashedpw', rules: `on #${hashpw} ~* &* +@all -flushall -flushdb -keys -@scripting +eval` },
  { name: 'nocmd', password: 'nocmdpw', rules: 'on >nocmdpw ~* &* nocommands' },
  { name: 'off', password: 'offpw', rules: 'off >offpw ~* &* +@all' },
  { name: 'all', password: 'allpw', rules: 'on >allpw allkeys allchannels allcommands' },
  { name: 'reset', password: 'resetpw', rules: 'on >x ~* &* +@all reset on >resetpw ~foo* +@string' },
];

export function usersLines(): string[] {
  return USERS.map((u) => `user ${u.name} ${u.rules}`);
}

// Scripts: bar{foo1} is outside ~foo* but in foo1's slot, so a cluster node runs them for real.
export const SCRIPTS = {
  getKey: "return redis.call('get', KEYS[1])",
  getOther: "return redis.call('get', 'bar{foo1}')",
  setOther: "return redis.call('set', 'bar{foo1}', 'x')",
  delOther: "return redis.call('del', 'bar{foo1}')",
  publish: "return redis.call('publish', 'other', 'x')",
  flush: "return redis.call('flushall', 'badarg')",
  pure: 'return 1',
};

export const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

export const LIBRARY = [
  '#!lua name=acltest',
  "redis.register_function('readkey', function(keys, args) return redis.call('get', keys[1]) end)",
  "redis.register_function('readother', function(keys, args) return redis.call('get', 'bar{foo1}') end)",
  "redis.register_function('writeother', function(keys, args) return redis.call('set', 'bar{foo1}', 'y') end)",
  "redis.register_function('publishother', function(keys, args) return redis.call('publish', 'other', 'y') end)",
  "redis.register_function{function_name='readro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
].join('\n');

/** Run as default on both servers before the matrix. */
export const SETUP: string[][] = [
  ['SET', 'foo1', 'v'],
  ['SET', 'bar{foo1}', 'secret'],
  ['SET', 'r:1', '1'],
  ['SET', 'w:1', '1'],
  ['RPUSH', 'foo:l', 'a', 'b'],
  ['XADD', 'foo:x', '*', 'a', '1'],
  ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY],
  ...Object.values(SCRIPTS).map((s) => ['SCRIPT', 'LOAD', s]),
];

const evals = (cmd: string, body: string, keys: string[]): string[] => [cmd, body, String(keys.length), ...keys];

export const COMMANDS: string[][] = [
  // strings, keys inside and outside the patterns, read and write permissions
  ['GET', 'foo1'], ['GET', 'bar1'], ['SET', 'foo1', 'v'], ['SET', 'bar1', 'v'], ['GET', 'r:1'], ['GET', 'w:1'],
  ['SET', 'w:1', 'v'], ['SET', 'r:1', 'v'], ['SET', 'w:1', 'v', 'GET'], ['SET', 'foo1', 'v', 'GET'], ['INCR', 'foo:n'], ['APPEND', 'bar:s', 'x'],
  ['MGET', 'foo1', 'foo2'], ['MGET', 'foo1', 'bar1'], ['MSET', 'foo1', 'a', 'foo2', 'b'], ['MSET', 'foo1', 'a', 'bar1', 'b'],
  ['STRLEN', 'w:1'], ['GETDEL', 'r:1'], ['GETEX', 'foo1'], ['SETRANGE', 'foo1', '0', 'v'],
  // keyspace
  ['DEL', 'foo:del'], ['DEL', 'bar:del'], ['EXISTS', 'foo1'], ['EXISTS', 'bar1'], ['EXISTS', 'r:1', 'w:1'], ['EXPIRE', 'foo:n', '100'],
  ['TYPE', 'bar1'], ['TTL', 'foo1'], ['RENAME', 'foo:n', 'bar:n'], ['COPY', '{app}:a', '{app}:b'], ['OBJECT', 'ENCODING', 'foo1'],
  ['OBJECT', 'FREQ', 'foo1'], ['UNLINK', 'bar:u'], ['TOUCH', 'foo1'], ['KEYS', 'nomatch*'], ['SCAN', '0', 'COUNT', '1'], ['RANDOMKEY'],
  ['DBSIZE'], ['DUMP', 'bar1'], ['MEMORY', 'USAGE', 'foo1'],
  // lists, hashes, sets, sorted sets, bitmaps, hyperloglog, geo, streams
  ['LPUSH', 'foo:l2', 'a'], ['LPUSH', 'bar:l', 'a'], ['LRANGE', 'foo:l', '0', '-1'], ['LMOVE', 'foo:l', 'bar:l', 'LEFT', 'RIGHT'],
  ['LMPOP', '2', 'foo:l3', 'bar:l3', 'LEFT'], ['HSET', 'foo:h', 'f', 'v'], ['HGETALL', 'bar:h'], ['SADD', 'foo:s', 'a'],
  ['SUNIONSTORE', 'foo:d', 'foo:s', 'bar:s'], ['SINTERCARD', '2', 'foo:s', 'foo:t'], ['ZADD', 'foo:z', '1', 'a'],
  ['ZUNIONSTORE', 'foo:z2', '2', 'foo:z', 'bar:z'], ['ZRANGE', 'bar:z', '0', '-1'], ['SETBIT', 'foo:b', '1', '1'],
  ['BITFIELD', 'r:1', 'GET', 'u8', '0'], ['BITFIELD', 'r:1', 'SET', 'u8', '0', '1'], ['BITCOUNT', 'bar:b'], ['PFADD', 'foo:p', 'a'],
  ['PFCOUNT', 'bar:p'], ['GEOADD', 'foo:g', '1', '1', 'a'], ['GEORADIUS', 'foo:g', '1', '1', '10', 'km', 'STORE', 'bar:g'],
  ['XADD', 'foo:x', '*', 'a', '1'], ['XREAD', 'COUNT', '1', 'STREAMS', 'bar:x', '0'], ['XREAD', 'COUNT', '1', 'STREAMS', 'foo:x', '0'],
  ['SORT', 'foo:l'], ['SORT', 'foo:l', 'STORE', 'bar:l'], ['SORT_RO', 'bar:l'],
  // blocking
  ['BLPOP', 'bar:l9', '0.01'], ['BRPOP', 'foo:l9', '0.01'], ['BZPOPMIN', 'foo:z9', '0.01'], ['XREAD', 'BLOCK', '10', 'STREAMS', 'foo:x', '$'],
  // pub/sub: channels against &patterns, PSUBSCRIBE patterns literally
  ['PUBLISH', 'news.1', 'x'], ['PUBLISH', 'other', 'x'], ['PUBLISH', 'chAx', 'x'], ['PUBLISH', 'lita', 'x'], ['PUBLISH', 'lit[ab]', 'x'],
  ['SPUBLISH', 'news.2', 'x'], ['SPUBLISH', 'other', 'x'], ['SUBSCRIBE', 'news.1'], ['SUBSCRIBE', 'other'], ['SUBSCRIBE', 'news.1', 'other'],
  ['PSUBSCRIBE', 'news.*'], ['PSUBSCRIBE', 'news.1'], ['PSUBSCRIBE', '*'], ['PSUBSCRIBE', 'lit[ab]'], ['SSUBSCRIBE', 'news.3'],
  ['SSUBSCRIBE', 'other'], ['UNSUBSCRIBE', 'other'], ['PUNSUBSCRIBE', '*'], ['PUBSUB', 'CHANNELS'], ['PUBSUB', 'NUMSUB', 'other'],
  // scripts and functions reading, writing, deleting and publishing outside the patterns
  evals('EVAL', SCRIPTS.getKey, ['foo1']), evals('EVAL', SCRIPTS.getKey, ['bar{foo1}']), evals('EVAL', SCRIPTS.getOther, ['foo1']),
  evals('EVAL', SCRIPTS.setOther, ['foo1']), evals('EVAL', SCRIPTS.delOther, ['foo1']), evals('EVAL', SCRIPTS.publish, []),
  evals('EVAL', SCRIPTS.flush, []), evals('EVAL', SCRIPTS.pure, []), evals('EVAL_RO', SCRIPTS.getOther, ['foo1']),
  evals('EVALSHA', sha1(SCRIPTS.getKey), ['foo1']), evals('EVALSHA', sha1(SCRIPTS.getOther), ['foo1']),
  evals('EVALSHA', sha1(SCRIPTS.setOther), ['foo1']), evals('EVALSHA_RO', sha1(SCRIPTS.getKey), ['foo1']),
  ['FCALL', 'readkey', '1', 'foo1'], ['FCALL', 'readother', '1', 'foo1'], ['FCALL', 'writeother', '1', 'foo1'],
  ['FCALL', 'publishother', '1', 'foo1'], ['FCALL_RO', 'readro', '1', 'foo1'], ['FCALL_RO', 'readro', '1', 'bar{foo1}'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch'], ['FUNCTION', 'DELETE', 'nosuchlib'], ['FUNCTION', 'STATS'],
  ['SCRIPT', 'EXISTS', sha1(SCRIPTS.pure)], ['SCRIPT', 'LOAD', SCRIPTS.pure], ['SCRIPT', 'FLUSH', 'BADARG'],
  // transactions
  ['MULTI'], ['EXEC'], ['DISCARD'], ['WATCH', 'foo1'], ['WATCH', 'bar1'], ['UNWATCH'],
  // connection
  ['PING'], ['ECHO', 'x'], ['CLIENT', 'GETNAME'], ['CLIENT', 'ID'], ['CLIENT', 'SETNAME', 'n'], ['CLIENT', 'LIST', 'ID', '1'],
  ['CLIENT', 'KILL', 'ID', '999999999'], ['CLIENT', 'NO-EVICT', 'on'], ['SELECT', '0'], ['SELECT', '1'], ['HELLO', '2'],
  ['AUTH', 'nosuchuser', 'x'], ['RESET'], ['ACL', 'CAT'],
  // ACL, answered by the proxy from its users (SETUSER and DELUSER refused without admin commands;
  // LOAD and SAVE left out: on Redis they would reload or rewrite the file the test shares)
  ['ACL', 'WHOAMI'], ['ACL', 'USERS'], ['ACL', 'LIST'], ['ACL', 'GETUSER', 'default'], ['ACL', 'DRYRUN', 'default', 'GET', 'x'],
  ['ACL', 'LOG', '1'], ['ACL', 'GENPASS'], ['ACL', 'CAT', 'read'], ['ACL', 'HELP'], ['ACL', 'SETUSER', 'matrixuser'],
  ['ACL', 'DELUSER', 'nosuchuser'],
  // server and admin
  ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['CONFIG', 'RESETSTAT'], ['INFO', 'server'],
  ['SLOWLOG', 'LEN'], ['FLUSHALL', 'BADARG'], ['FLUSHDB', 'BADARG'], ['LASTSAVE'], ['TIME'], ['WAIT', '0', '0'], ['ROLE'],
  ['COMMAND', 'COUNT'], ['COMMAND', 'INFO', 'get'], ['SWAPDB', '0', '0'], ['MONITOR'], ['DEBUG', 'SLEEP', '0'], ['LATENCY', 'LATEST'],
  ['MIGRATE', '127.0.0.1', '1', 'foo:nokey', '0', '10'], ['MIGRATE', '127.0.0.1', '1', 'bar:nokey', '0', '10'], ['CLIENT', 'PAUSE', '1'],
];

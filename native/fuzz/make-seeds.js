#!/usr/bin/env node
'use strict';
// Writes the committed seed corpora (native/fuzz/corpus/{request,reply}/): the bad input Redis 7
// answers with an error or by closing (the cases test/integration/bad-input.test.ts and auth.test.ts
// check against redis-server), pipelined and inline commands, and reply streams with redirects
// and deep nesting.
// Each seed is written in a few modes (input byte 0, see the fuzzers' headers); byte 1 seeds the
// read boundaries. Run it again after editing; files it no longer writes are removed.
//
//   node native/fuzz/make-seeds.js
const fs = require('node:fs');
const path = require('node:path');

const cmd = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
const big = (n, c = 'x') => c.repeat(n);

// Request modes: auth off, default limits, reads of 1..16, 5 records, 4 key triples; auth on,
// small limits, reads of 1..3, 1 record, 1 triple; one read, big capacities.
const REQUEST_MODES = { a: 0xa4, b: 0x43, c: 0xfc };
const request = {
  // bad input: Redis 7's protocol errors, limits and refusals
  'anchor-multibulk-abc': '*abc\r\n',
  'anchor-multibulk-over-limit': '*1048577\r\n$4\r\nPING\r\n',
  'anchor-multibulk-minus-10': '*-10\r\n' + cmd('PING'),
  'anchor-multibulk-zero': '*0\r\n' + cmd('PING'),
  'anchor-bare-crlf': '\r\n' + cmd('PING'),
  'anchor-expected-dollar': '*1\r\nfooz\r\n',
  'anchor-bulk-minus-1': '*1\r\n$-1\r\n',
  'anchor-bulk-minus-10': '*1\r\n$-10\r\n',
  'anchor-bulk-abc': '*1\r\n$abc\r\n',
  'anchor-bulk-over-limit': '*2\r\n$3\r\nGET\r\n$536870913\r\n',
  'anchor-inline-unbalanced': 'set "a b\r\n',
  'anchor-noauth': cmd('GET', 'k'),
  'anchor-wrong-password': cmd('AUTH', 'wrong') + cmd('AUTH', 'default', 'wrong') + cmd('GET', 'k'),
  'anchor-host-header': 'Host: example.com\r\n',
  'anchor-unauth-multibulk': cmd(...'SET k v a b c d e f g h'.split(' ')),
  'anchor-unauth-bulk': '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n' + big(100),
  'anchor-unknown-command': cmd('foo', 'a', 'b'),
  'anchor-wrong-arity': cmd('get'),
  'anchor-crossslot': cmd('MGET', 'a', 'b', 'c'),
  'anchor-http-post': 'POST / HTTP/1.1\r\nHost: example.com\r\n\r\n',
  'anchor-valid-before-garbage': cmd('SET', 'k', 'v') + cmd('GET', 'k') + '*1\r\nfooz\r\n' + cmd('PING'),
  // the same limits, reached through the small limits of mode b
  'small-limits-inline': big(80, 'a') + '\r\n',
  'small-limits-bulk': cmd('SET', 'k', big(301)),
  'small-limits-multibulk': `*101\r\n${'$1\r\nx\r\n'.repeat(101)}`,
  'small-limits-count-line': `*${big(70, '1')}\r\n`,
  'small-limits-bulk-line': `*2\r\n$3\r\nGET\r\n$${big(70, '1')}\r\n`,
  // valid traffic
  pipeline: [cmd('PING'), cmd('SET', 'user:{42}:name', 'ada'), cmd('GET', 'user:{42}:name'), cmd('INCR', 'c'),
    cmd('LPUSH', 'l', 'a', 'b', 'c'), cmd('HSET', 'h', 'f', 'v', 'g', 'w')].join(''),
  'pipeline-split-family': cmd('MSET', '{t}a', '1', '{t}b', '2') + cmd('DEL', 'a', 'b', 'c', 'd', 'e') + cmd('EXISTS', 'x{y}', 'z{y}') +
    cmd('MGET', ...Array.from({ length: 9 }, (_, i) => `k${i}`)),
  'key-specs': [cmd('EVAL', 'return 1', '2', 'a', 'b', 'arg'), cmd('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'),
    cmd('XREAD', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0'), cmd('GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'dst'),
    cmd('MIGRATE', 'h', '1', '', '0', '5', 'KEYS', 'a', 'b'), cmd('LMPOP', '2', 'l1', 'l2', 'LEFT'),
    cmd('SORT', 'k', 'BY', 'x', 'STORE', 'dst'), cmd('BITOP', 'AND', 'd', 's1', 's2')].join(''),
  subcommands: [cmd('CLIENT', 'SETNAME', 'me'), cmd('OBJECT', 'ENCODING', 'k'), cmd('COMMAND', 'INFO', 'get'),
    cmd('CONFIG', 'GET', 'maxmemory'), cmd('CLIENT', 'NOSUCH'), cmd('CLIENT'), cmd('MEMORY', 'USAGE', 'k', 'SAMPLES', '5')].join(''),
  'synthetic-rows': [cmd('fuzz.kwback', 'a', 'b', 'KEYS', 'x', 'y'), cmd('fuzz.limit3', 'ON', 'a', 'b', 'c', 'd', 'e', 'f'),
    cmd('fuzz.steps', 'k', 'z', '2', 'a', 'b', 'c', 'd'), cmd('fuzz.far', 'x'), cmd('fuzz.box', 'keys', 'a', 'b'),
    cmd('FUZZ.BOX', 'NUM', '2', 'a', 'b', 'STORE', 'c'), cmd('fuzz.box', 'none')].join(''),
  'numkeys-edges': [cmd('EVAL', 's', '-1', 'a'), cmd('EVAL', 's', '0'), cmd('EVAL', 's', '3', 'a'), cmd('EVAL', 's', '01', 'a'),
    cmd('FCALL', 'f', '99999999999', 'a'), cmd('ZUNION', '1', 'a')].join(''),
  'hash-tags': cmd('MGET', '{}', '{', '}{', '{a}', 'x{a}y', '{{a}}', '{a', 'a}', ''),
  'binary-args': cmd('SET', 'k\0\r\n', '\r\n*1\r\n$4\r\nPING\r\n'),
  'bulk-crlf-unchecked': '*1\r\n$4\r\nPINGxx*1\rx$4\rxPINGyy',
  'big-value': cmd('SET', 'k', big(2000)) + cmd('GET', 'k'),
  inline: 'PING\r\nset a b\nGET a\r\n  \r\necho "x y" \'z\'\r\n\n',
  'inline-nul': 'PI\0NG\r\n',
  'case-insensitive': cmd('gEt', 'k') + cmd('CLIENT', 'setNAME', 'x'),
  'empty-arg-name': cmd('', 'x'),
};

// The 64 KiB lines at the real limits. Longer than -max_len, so libFuzzer only mutates
// their start; the CI replay runs them whole.
const requestLong = {
  'anchor-count-line-64k': `*${big(65537, '1')}`,
  'anchor-bulk-line-64k': `*1\r\n$${big(65537, '1')}`,
  'anchor-inline-64k': big(65537, 'a'),
};

const err = (s) => `-${s}\r\n`;
const nested = (depth, leaf = ':1\r\n') => '*1\r\n'.repeat(depth) + leaf;
const REPLY_MODES = { a: 0x00, b: 0x15, c: 0x3f }; // reads 1..3 / 1..16 / whole; caps small / mid / big
const reply = {
  simple: '+OK\r\n:42\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n+\r\n-ERR x\r\n',
  redirects: [err('MOVED 3999 127.0.0.1:6381'), err('ASK 1 h:1'), err('TRYAGAIN Multiple keys request during rehashing of slot'),
    err('CLUSTERDOWN The cluster is down'), err('CLUSTERDOWN'), err('MOVED'), err('MOVEDX 1 h:1'), err('ASKING'), err('moved 1 h:1'),
    '+MOVED 1 h:1\r\n', '*1\r\n-MOVED 1 h:1\r\n'].join(''),
  'mget-reply': '*3\r\n$1\r\na\r\n$-1\r\n$3\r\nccc\r\n',
  'cluster-slots': '*2\r\n*3\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$40\r\n' + big(40, 'a') +
    '\r\n*3\r\n:8192\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$40\r\n' + big(40, 'b') + '\r\n',
  'scan-reply': '*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n',
  'int64-edges': ':9223372036854775807\r\n:-9223372036854775808\r\n:0\r\n:-1\r\n',
  'bare-lf-in-status': '+a\nb\r\n-ERR a\rb\r\n',
  'depth-7': nested(7),
  'depth-8': nested(8),
  'depth-9-then-ok': nested(9) + '+OK\r\n',
  'depth-20-mixed': '*3\r\n' + nested(20, '$3\r\nabc\r\n') + err('MOVED 1 h:1') + '*2\r\n:1\r\n*0\r\n' + ':5\r\n',
  'depth-64': nested(64, '*-1\r\n') + '$-1\r\n',
  'deep-wide': '*2\r\n' + nested(9, '*3\r\n:1\r\n$2\r\nab\r\n+x\r\n') + nested(10) + '*1\r\n:2\r\n',
  'deep-then-pipeline': nested(12) + '+OK\r\n' + ':1\r\n' + '*2\r\n$1\r\na\r\n$1\r\nb\r\n' + nested(9) + err('ASK 5 h:2'),
  'command-docs-like': '*2\r\n$3\r\nget\r\n*4\r\n$7\r\nsummary\r\n$3\r\nGet\r\n$9\r\narguments\r\n' +
    nested(8, '*2\r\n$4\r\nname\r\n$3\r\nkey\r\n'),
  'bad-type-byte': '+OK\r\n?what\r\n',
  'bad-type-deep': nested(9, '?x\r\n'),
  'deep-bad-int': nested(9, ':abc\r\n'),
  'deep-bulk-minus-5': nested(9, '$-5\r\n'),
  'lenient-headers': '*+1\r\n:1\r\n*abc\r\n$abc\r\n:xyz\r\n',
  'huge-array-header': '*2147483648\r\n:1\r\n',
  'huge-bulk-header': '$2147483647\r\nabc',
  'partial-tail': '*3\r\n:1\r\n:2\r\n',
  // RESP3 (native/resp_framer.h says what each type accepts)
  'resp3-simple': '_\r\n#t\r\n#f\r\n,1.5\r\n,-0\r\n,10\r\n,inf\r\n,-inf\r\n,nan\r\n,-nan\r\n,NaN\r\n,1.0000000000000001e-05\r\n' +
    ',1E+300\r\n,-2.5e-3\r\n,0.' + big(60, '1') + '\r\n(3492890328409238509324850943850943825024385\r\n(-1\r\n(0\r\n',
  'resp3-blobs': '=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n=9\r\ntxt:a\r\nb\r\n\r\n!21\r\nSYNTAX invalid syntax\r\n!0\r\n\r\n!6\r\nERR\r\nx\r\n',
  'resp3-blob-redirects': '!25\r\nMOVED 3999 127.0.0.1:6381\r\n!9\r\nASK 1 h:1\r\n!8\r\nTRYAGAIN\r\n!31\r\nCLUSTERDOWN The cluster is down\r\n' +
    '!5\r\nMOVED\r\n!12\r\nMOVED\r\n1 h:1\r\n*1\r\n!11\r\nMOVED 1 h:1\r\n',
  'resp3-map': '%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n:1\r\n%0\r\n%1\r\n%1\r\n+k\r\n+v\r\n~2\r\n:1\r\n:2\r\n',
  'resp3-set': '~3\r\n$1\r\na\r\n+b\r\n:1\r\n~0\r\n',
  'resp3-push': '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n' +
    '>2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n$3\r\nGET\r\n>0\r\n',
  'resp3-attrib': '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n' +
    '*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n|0\r\n+OK\r\n|1\r\n+ttl\r\n:1\r\n-MOVED 1 h:1\r\n' +
    '|1\r\n|1\r\n+a\r\n+b\r\n+k\r\n+v\r\n|1\r\n+x\r\n+y\r\n%1\r\n|1\r\n+m\r\n+n\r\n+k\r\n+v\r\n',
  'resp3-hello': '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n' +
    '$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n',
  'resp3-deep': '%1\r\n+k\r\n'.repeat(10) + '~1\r\n'.repeat(10) + '>1\r\n|1\r\n+a\r\n+b\r\n_\r\n' + '#t\r\n',
  'resp3-bad-boolean': '#t\r\n#x\r\n',
  'resp3-bad-boolean-long': '#tt\r\n',
  'resp3-bad-null': '_\r\n_x\r\n',
  'resp3-bad-double-dot': ',1.\r\n',
  'resp3-bad-double-lead': ',.5\r\n',
  'resp3-bad-double-exp': ',1e\r\n',
  'resp3-bad-double-word': ',infinity\r\n',
  'resp3-bad-double-cr': ',1\r2\r\n',
  'resp3-bad-bignum': '(12a\r\n',
  'resp3-bad-bignum-empty': '(\r\n',
  'resp3-bad-verbatim-short': '=3\r\ntxt\r\n',
  'resp3-bad-verbatim-colon': '=5\r\ntxt-x\r\n',
  'resp3-negative-map': '%-1\r\n',
  'resp3-negative-set': '~-1\r\n',
  'resp3-negative-push': '>-1\r\n',
  'resp3-negative-attrib': '|-1\r\n',
  'resp3-negative-blob-error': '!-1\r\n',
  'resp3-negative-verbatim': '=-1\r\n',
  'resp3-streamed-string': '$?\r\n;4\r\nHell\r\n;0\r\n',
  'resp3-streamed-array': '*?\r\n:1\r\n.\r\n',
};

const dir = path.join(__dirname, 'corpus');
// Byte 1's bit 7 turns "$#\r\n" into the length line of the bulk after it (fuzz_support.h); in
// replies, "!#\r\n" and "=#\r\n" too.
// `types`: a regex class of the type bytes the fuzzer expands ('$', or '$!=' for replies).
const lengthLines = (types) => new RegExp(`([${types}])\\d+\r\n`, 'g');

function write(kind, seeds, modes, marked, types = '$') {
  const out = path.join(dir, kind);
  fs.mkdirSync(out, { recursive: true });
  const written = new Set();
  const put = (file, mode, seed, text) => {
    fs.writeFileSync(path.join(out, file), Buffer.concat([Buffer.from([mode, seed]), Buffer.from(text, 'latin1')]));
    written.add(file);
  };
  for (const [name, text] of Object.entries(seeds)) {
    for (const [tag, mode] of Object.entries(modes)) {
      put(Object.keys(modes).length > 1 ? `${name}.${tag}` : name, mode, name.length & 0x7f, text);
    }
    if (marked !== undefined && lengthLines(types).test(text)) put(`${name}.len`, marked, 0x80 | (name.length & 0x7f), text.replace(lengthLines(types), '$1#\r\n'));
  }
  for (const f of fs.readdirSync(out)) if (!written.has(f) && !f.startsWith('.')) fs.rmSync(path.join(out, f));
}
write('request', request, REQUEST_MODES, REQUEST_MODES.a);
// Reads of 1..512 bytes and no key triples (mode 0x38): the rows only check the 64 KiB limits.
write('request-long', requestLong, { a: 0x38 });
write('reply', reply, REPLY_MODES, REPLY_MODES.b, '$!=');

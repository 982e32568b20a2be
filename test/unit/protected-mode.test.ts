import assert from 'node:assert/strict';
import { DENIED, isLoopback, protectedModeRefuses } from '../../lib/auth/protected-mode';

describe('protected mode', function () {
  it('refuses non-loopback clients only when no password is needed and it is on', function () {
    assert.equal(protectedModeRefuses(true, false, '10.1.2.3'), true);
    assert.equal(protectedModeRefuses(true, false, '::ffff:192.168.0.4'), true);
    assert.equal(protectedModeRefuses(true, false, '127.0.0.1'), false);
    assert.equal(protectedModeRefuses(true, false, '::1'), false);
    assert.equal(protectedModeRefuses(true, false, '::ffff:127.0.0.1'), false);
    assert.equal(protectedModeRefuses(true, true, '10.1.2.3'), false, 'a password is set');
    assert.equal(protectedModeRefuses(false, false, '10.1.2.3'), false, 'turned off');
    assert.equal(isLoopback(undefined), false);
  });

  it('answers with a DENIED error that says what to change', function () {
    const text = DENIED.toString();
    assert.match(text, /^-DENIED /);
    assert.match(text, /SLOTPROXY_PASSWORD/);
    assert.match(text, /SLOTPROXY_PROTECTED_MODE=no/);
    assert.ok(text.endsWith('\r\n'));
  });
});

import { expect } from 'chai';
import { inspect } from 'node:util';
import { loadConfig } from '../../../../recorder/src/config/config.js';
import { EncryptionKey } from '../../../../recorder/src/store/encryption-key.js';
import { SecretBox } from '../../../../recorder/src/store/secret-box.js';
import { StoreError } from '../../../../recorder/src/store/store-error.js';

const KEY_TEXT = 'q2VjcmV0LWtleS1mb3Itc2lwcmVjLXN0b3JlLXRlc3Q=';
const OTHER_TEXT = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
/** An SRC's AES_CM_128_HMAC_SHA1_80 key‖salt (30 bytes). */
const SECRET = Buffer.from('WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', 'base64');
const CONTEXT = 'recording 3f1c0b8e m-line 0 remote key';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(StoreError);
    return (err as StoreError).code;
  }
}

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox(EncryptionKey.fromBase64(KEY_TEXT));

  it('opens what it sealed, and never seals the same value the same way twice', () => {
    const a = box.seal(SECRET, CONTEXT);
    const b = box.seal(SECRET, CONTEXT);
    expect(a).to.match(/^enc1:/);
    expect(a).to.not.equal(b);
    expect(a).to.not.include(SECRET.toString('base64'));
    expect(box.open(a, CONTEXT)).to.deep.equal(SECRET);
  });

  it('refuses a value moved to another session or stream (the context is authenticated)', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    expect(codeOf(() => box.open(sealed, 'recording 3f1c0b8e m-line 1 remote key'))).to.equal(
      'STORE_DECRYPT_FAILED',
    );
  });

  it('refuses a tampered or truncated value', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    const raw = Buffer.from(sealed.slice(5), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(codeOf(() => box.open(`enc1:${raw.toString('base64')}`, CONTEXT))).to.equal(
      'STORE_DECRYPT_FAILED',
    );
    expect(codeOf(() => box.open('enc1:AAAA', CONTEXT))).to.equal('STORE_BAD_DOCUMENT');
    expect(codeOf(() => box.open('rot13:abc', CONTEXT))).to.equal('STORE_BAD_DOCUMENT');
    expect(codeOf(() => box.open(`enc1:${'A'.repeat(4096)}`, CONTEXT))).to.equal('STORE_BAD_DOCUMENT');
  });

  it('says which key is wrong without showing any key', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    const other = new SecretBox(EncryptionKey.fromBase64(OTHER_TEXT));
    try {
      other.open(sealed, CONTEXT);
      expect.fail('opened with the wrong key');
    } catch (err) {
      expect((err as StoreError).code).to.equal('STORE_DECRYPT_FAILED');
      expect((err as Error).message).to.include('STORE_ENCRYPTION_KEY differs');
      expect((err as Error).message)
        .to.not.include(KEY_TEXT)
        .and.not.include(OTHER_TEXT);
    }
    expect(codeOf(() => new SecretBox(undefined).open(sealed, CONTEXT))).to.equal('STORE_KEY_MISSING');
  });

  it('stores plain base64 without a key, and still reads it once a key is configured', () => {
    const plain = new SecretBox(undefined).seal(SECRET, CONTEXT);
    expect(plain).to.equal(`b64:${SECRET.toString('base64')}`);
    expect(box.open(plain, CONTEXT)).to.deep.equal(SECRET);
  });
});

describe('EncryptionKey / STORE_ENCRYPTION_KEY', () => {
  it('takes 32 bytes of base64, standard or URL-safe, and refuses anything else', () => {
    expect(EncryptionKey.fromBase64(KEY_TEXT).bytes()).to.have.length(32);
    const urlSafe = Buffer.from(OTHER_TEXT, 'base64').toString('base64url');
    expect(EncryptionKey.fromBase64(urlSafe).bytes()).to.deep.equal(Buffer.from(OTHER_TEXT, 'base64'));
    expect(codeOf(() => EncryptionKey.fromBase64('c2hvcnQta2V5LTE2Ynl0ZQ=='))).to.equal('STORE_BAD_KEY');
    expect(codeOf(() => EncryptionKey.fromBase64('not base64 at all!'))).to.equal('STORE_BAD_KEY');
  });

  it('never shows up in JSON, string interpolation or util.inspect (a logged config)', () => {
    const key = EncryptionKey.fromBase64(KEY_TEXT);
    const hex = key.bytes().toString('hex');
    for (const text of [
      JSON.stringify({ key }),
      `${String(key)}`,
      inspect({ key }, { depth: 5, showHidden: true }),
    ]) {
      expect(text).to.not.include(KEY_TEXT.slice(0, 20));
      expect(text).to.not.include(hex.slice(0, 20));
    }
  });

  it('is validated by the configuration loader with the other settings, value never echoed', () => {
    const config = loadConfig({ STORE_ENCRYPTION_KEY: KEY_TEXT });
    expect(config.storeEncryptionKey?.bytes()).to.deep.equal(Buffer.from(KEY_TEXT, 'base64'));
    expect(config.sessionLeaseMs).to.equal(10_000);
    expect(loadConfig({ SESSION_LEASE: '30s' }).sessionLeaseMs).to.equal(30_000);
    try {
      loadConfig({ STORE_ENCRYPTION_KEY: 'c2hvcnQta2V5LTE2Ynl0ZQ==', SESSION_LEASE: '200ms' });
      expect.fail('accepted');
    } catch (err) {
      const problems = (err as { problems: string[] }).problems;
      expect(problems.some((p) => p.startsWith('STORE_ENCRYPTION_KEY must decode to 32 bytes'))).to.equal(
        true,
      );
      expect(problems).to.include('SESSION_LEASE must be from 1s to 5m');
      expect(problems.join(' ')).to.not.include('c2hvcnQta2V5');
    }
  });
});

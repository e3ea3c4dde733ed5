/**
 * Test PKI made at test time with the real `openssl` binary: a CA, the SRS certificate, an SRC certificate, and a
 * rogue CA with its own SRC certificate (trusted by nobody). Both leaf certificates carry serverAuth and
 * clientAuth, since SIP peers are clients and servers in turn (RFC 5630 §3.1.3).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of one certificate and its key. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The generated PKI; `remove()` deletes the directory. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly srs: CertFiles;
  readonly src: CertFiles;
  readonly rogueSrc: CertFiles;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
}

function makeLeaf(dir: string, name: string, cn: string, ca: string): CertFiles {
  writeFileSync(
    join(dir, `${name}.ext`),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' +
      'keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n',
  );
  openssl(dir, [
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`,
  ]); // prettier-ignore
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`,
  ]); // prettier-ignore
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
}

/** Generates the PKI in a fresh temporary directory. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'siprec-tls-'));
  makeCa(dir, 'ca', 'SIPREC test CA');
  makeCa(dir, 'rogue-ca', 'Rogue CA');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    srs: makeLeaf(dir, 'srs', 'srs.test', 'ca'),
    src: makeLeaf(dir, 'src', 'src.test', 'ca'),
    rogueSrc: makeLeaf(dir, 'rogue-src', 'rogue.test', 'rogue-ca'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

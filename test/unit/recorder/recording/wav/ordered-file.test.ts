import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedFile } from '../../../../../recorder/src/recording/wav/ordered-file.js';
import { WavError } from '../../../../../recorder/src/recording/wav/wav-error.js';

describe('OrderedFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ordered-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes blocks at their positions in submission order', async () => {
    const file = await OrderedFile.create(join(dir, 'a.bin'));
    file.write(Buffer.from('world'), 5, 6);
    file.write(Buffer.from('hello '), 6, 0);
    await file.close(false);
    expect(readFileSync(join(dir, 'a.bin'), 'utf8')).to.equal('hello world');
  });

  it('makes a missing directory (a failover segment whose first audio beat the takeover mkdir)', async () => {
    const path = join(dir, '.segments', 'rec', '2', 'rec.wav.part');
    const file = await OrderedFile.create(path);
    file.write(Buffer.from('RIFF'), 4, 0);
    await file.close(false);
    expect(readFileSync(path, 'utf8')).to.equal('RIFF');
  });

  it('reports a path that cannot be created as WAV_WRITE_FAILED', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const err = await OrderedFile.create(join(dir, 'plain-file', 'x.wav.part')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(WavError);
    expect((err as WavError).code).to.equal('WAV_WRITE_FAILED');
  });
});

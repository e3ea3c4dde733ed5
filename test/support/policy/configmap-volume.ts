/**
 * A directory laid out like a Kubernetes ConfigMap volume: `<dir>/policies.json → ..data/policies.json` and
 * `..data → ..<timestamp>`; an update writes a new timestamped directory and renames a fresh symlink over `..data`,
 * as the kubelet's atomic writer does.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class ConfigMapVolume {
  readonly dir = mkdtempSync(join(tmpdir(), 'policy-volume-'));
  #generation = 0;

  constructor(text: string) {
    this.#writeGeneration(text);
    symlinkSync('..data/policies.json', join(this.dir, 'policies.json'));
  }

  /** What POLICY_FILE points at. */
  get path(): string {
    return join(this.dir, 'policies.json');
  }

  /** Swaps in a new version of the file. */
  update(text: string): void {
    this.#writeGeneration(text);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #writeGeneration(text: string): void {
    const name = `..2024_05_02_10_15_00.${++this.#generation}`;
    mkdirSync(join(this.dir, name));
    writeFileSync(join(this.dir, name, 'policies.json'), text);
    symlinkSync(name, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }
}

import { expect } from 'chai';
import { CidrList, CidrParseError } from '../../../../recorder/src/net/cidr.js';

describe('CidrList', () => {
  it('matches IPv4 blocks and single addresses, separated by commas and/or spaces', () => {
    const list = CidrList.parse('10.0.0.0/8, 192.0.2.7  172.16.0.0/12,,198.51.100.0/25');
    expect(list.isEmpty).to.equal(false);
    expect(list.contains('10.255.3.4')).to.equal(true);
    expect(list.contains('11.0.0.1')).to.equal(false);
    expect(list.contains('192.0.2.7')).to.equal(true);
    expect(list.contains('192.0.2.8')).to.equal(false);
    expect(list.contains('172.31.255.255')).to.equal(true);
    expect(list.contains('172.32.0.0')).to.equal(false);
    expect(list.contains('198.51.100.127')).to.equal(true);
    expect(list.contains('198.51.100.128')).to.equal(false);
  });

  it('matches IPv4-mapped IPv6 sources (dual-stack sockets) against IPv4 blocks', () => {
    const list = CidrList.parse('10.0.0.0/8');
    expect(list.contains('::ffff:10.0.0.1')).to.equal(true);
    expect(list.contains('::FFFF:10.1.2.3')).to.equal(true);
    expect(list.contains('::ffff:0a00:0001')).to.equal(true);
    expect(list.contains('::ffff:11.0.0.1')).to.equal(false);
    expect(list.contains('::10.0.0.1')).to.equal(false);
  });

  it('matches IPv6 blocks with :: elision, odd prefixes and zone indexes', () => {
    const list = CidrList.parse('2001:db8::/32 fe80::/10 2001:db8:ffff:ff00::/57 ::1');
    expect(list.contains('2001:db8:1::5')).to.equal(true);
    expect(list.contains('2001:db9::1')).to.equal(false);
    expect(list.contains('fe80::1%eth0')).to.equal(true);
    expect(list.contains('febf:ffff::1')).to.equal(true);
    expect(list.contains('fec0::1')).to.equal(false);
    expect(list.contains('::1')).to.equal(true);
    expect(list.contains('::2')).to.equal(false);
    expect(list.contains('10.0.0.1')).to.equal(false);
  });

  it('treats /0 as everything of that family and clears host bits', () => {
    const list = CidrList.parse('0.0.0.0/0 10.1.2.3/8');
    expect(list.contains('203.0.113.5')).to.equal(true);
    expect(list.contains('2001:db8::1')).to.equal(false);
    expect(list.toString()).to.equal('0.0.0.0/0, 10.0.0.0/8');
  });

  it('never contains something that is not an address', () => {
    const list = CidrList.parse('0.0.0.0/0 ::/0');
    for (const bad of ['', 'localhost', '10.0.0', '1.2.3.4.5', 'x'.repeat(500)]) {
      expect(list.contains(bad), bad).to.equal(false);
    }
  });

  it('is empty for empty or blank text', () => {
    expect(CidrList.parse('').isEmpty).to.equal(true);
    expect(CidrList.parse(' , \n').isEmpty).to.equal(true);
    expect(CidrList.parse('').contains('10.0.0.1')).to.equal(false);
  });

  for (const [text, entry] of [
    ['10.0.0.0/8, 10.0.0.256', '10.0.0.256'],
    ['10.0.0.0/33', '10.0.0.0/33'],
    ['2001:db8::/129', '2001:db8::/129'],
    ['10.0.0.0/', '10.0.0.0/'],
    ['10.0.0.0/-1', '10.0.0.0/-1'],
    ['10.0.0.0/8/8', '10.0.0.0/8/8'],
    ['example.com', 'example.com'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
  ] as const) {
    it(`rejects "${text}" naming the bad entry`, () => {
      let error: unknown;
      try {
        CidrList.parse(text);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(CidrParseError);
      expect((error as CidrParseError).code).to.equal('CIDR_INVALID');
      expect((error as CidrParseError).entry).to.equal(entry);
      expect((error as Error).message).to.include(`"${entry}"`);
    });
  }
});

/**
 * verifyChain against RFC 5280 §6.1: the checks a client-supplied chain (mTLS, enrollment agents)
 * must pass beyond names, signatures and validity. Each refusal below was accepted before the rule
 * that refuses it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeExtKeyUsage, oids, type Extension } from '@scep/wire';
import { verifyChain, type VerifyChainOptions } from '@scep/server-core';
import { crypto, party, T0, type Party } from './setup.js';

const base: VerifyChainOptions = { crypto, now: T0 };
const clientAuth: VerifyChainOptions = { ...base, extendedKeyUsage: oids.id_kp_clientAuth, keyUsage: 'digitalSignature' };

// NameConstraints ::= SEQUENCE { permittedSubtrees [0] { SEQUENCE { dNSName "example.com" } } } (§4.2.1.10)
const NAME_CONSTRAINTS = Uint8Array.from([0x30, 0x11, 0xa0, 0x0f, 0x30, 0x0d, 0x82, 0x0b, ...Buffer.from('example.com')]);
const DER_NULL = Uint8Array.from([0x05, 0x00]); // contents we never read
const PRIVATE_OID = '1.3.6.1.4.1.55555.1';
const eku = (...ids: string[]): Extension => ({ oid: oids.id_ce_extKeyUsage, critical: false, value: encodeExtKeyUsage(ids) });

let root: Party;
let int: Party;
beforeAll(async () => {
  root = await party({ subject: 'CN=Chain Root', ca: true, ec: true });
  int = await party({ subject: 'CN=Chain Intermediate', issuer: root, ca: true, ec: true });
});

const leafUnder = (issuer: Party, o: Omit<Parameters<typeof party>[0], 'issuer' | 'subject' | 'ec'> = {}) => party({ subject: 'CN=chain leaf', issuer, ec: true, ...o });

describe('verifyChain', () => {
  it('accepts leaf → intermediate → anchor, and reports the anchor', async () => {
    const leaf = await leafUnder(int);
    const v = await verifyChain(leaf.certificate, [int.certificate], [root.certificate], clientAuth);
    expect(v).toEqual({ ok: true, anchor: root.certificate });
    expect(await verifyChain(leaf.certificate, [], [root.certificate], base)).toMatchObject({ ok: false, reason: 'no path to a trust anchor' });
  });

  describe('pathLenConstraint (§4.2.1.9)', () => {
    it('refuses an intermediate below one with pathLength 0', async () => {
      const capped = await party({ subject: 'CN=Capped', issuer: root, ca: true, pathLength: 0, ec: true });
      const lower = await party({ subject: 'CN=Lower', issuer: capped, ca: true, ec: true });
      const leaf = await leafUnder(lower);
      expect(await verifyChain(leaf.certificate, [lower.certificate, capped.certificate], [root.certificate], base)).toMatchObject({ ok: false, reason: expect.stringMatching(/pathLenConstraint/) });
      // The leaf alone below it is fine: the constraint counts intermediates only.
      expect((await verifyChain((await leafUnder(capped)).certificate, [capped.certificate], [root.certificate], base)).ok).toBe(true);
      const roomy = await party({ subject: 'CN=Roomy', issuer: root, ca: true, pathLength: 1, ec: true });
      const lower2 = await party({ subject: 'CN=Lower2', issuer: roomy, ca: true, ec: true });
      expect((await verifyChain((await leafUnder(lower2)).certificate, [lower2.certificate, roomy.certificate], [root.certificate], base)).ok).toBe(true);
    });

    it('does not count a self-issued intermediate (a CA key rollover)', async () => {
      const capped = await party({ subject: 'CN=Rolled', issuer: root, ca: true, pathLength: 0, ec: true });
      const rolled = await party({ subject: 'CN=Rolled', issuer: capped, ca: true, ec: true }); // new key, same name
      const leaf = await leafUnder(rolled);
      expect((await verifyChain(leaf.certificate, [rolled.certificate, capped.certificate], [root.certificate], base)).ok).toBe(true);
    });

    it("holds the trust anchor's own pathLength", async () => {
      const cappedRoot = await party({ subject: 'CN=Capped Root', ca: true, pathLength: 0, ec: true });
      const below = await party({ subject: 'CN=Below Capped Root', issuer: cappedRoot, ca: true, ec: true });
      const leaf = await leafUnder(below);
      expect(await verifyChain(leaf.certificate, [below.certificate], [cappedRoot.certificate], base)).toMatchObject({ ok: false, reason: expect.stringMatching(/pathLenConstraint/) });
      expect((await verifyChain((await leafUnder(cappedRoot)).certificate, [], [cappedRoot.certificate], base)).ok).toBe(true);
    });
  });

  it('refuses an intermediate whose keyUsage lacks keyCertSign (§6.1.4 (n))', async () => {
    const noSign = await party({ subject: 'CN=No keyCertSign', issuer: root, ca: true, usages: ['cRLSign', 'digitalSignature'], ec: true });
    const leaf = await leafUnder(noSign);
    expect(await verifyChain(leaf.certificate, [noSign.certificate], [root.certificate], base)).toMatchObject({ ok: false, reason: 'intermediate keyUsage lacks keyCertSign' });
  });

  describe('critical extensions it does not process (§6.1.4 (o), §6.1.5 (f))', () => {
    it('refuses them on the leaf; a non-critical one passes', async () => {
      const critical = await leafUnder(int, { extensions: [{ oid: PRIVATE_OID, critical: true, value: DER_NULL }] });
      expect(await verifyChain(critical.certificate, [int.certificate], [root.certificate], base)).toMatchObject({ ok: false, reason: `leaf has unprocessed critical extension ${PRIVATE_OID}` });
      const plain = await leafUnder(int, { extensions: [{ oid: PRIVATE_OID, critical: false, value: DER_NULL }] });
      expect((await verifyChain(plain.certificate, [int.certificate], [root.certificate], base)).ok).toBe(true);
    });

    it.each([
      ['nameConstraints', oids.id_ce_nameConstraints, NAME_CONSTRAINTS],
      ['policyConstraints', oids.id_ce_policyConstraints, DER_NULL],
      ['inhibitAnyPolicy', oids.id_ce_inhibitAnyPolicy, DER_NULL],
      ['certificatePolicies', oids.id_ce_certificatePolicies, DER_NULL],
    ])('refuses a critical %s on an intermediate; a non-critical one passes', async (_, oid, value) => {
      const critical = await party({ subject: 'CN=Constrained', issuer: root, ca: true, ec: true, extensions: [{ oid, critical: true, value }] });
      const leaf = await leafUnder(critical);
      expect(await verifyChain(leaf.certificate, [critical.certificate], [root.certificate], base)).toMatchObject({ ok: false, reason: `intermediate has unprocessed critical extension ${oid}` });
      const plain = await party({ subject: 'CN=Constrained', issuer: root, ca: true, ec: true, extensions: [{ oid, critical: false, value }] });
      expect((await verifyChain((await leafUnder(plain)).certificate, [plain.certificate], [root.certificate], base)).ok).toBe(true);
    });

    it('trusts the anchor with them, as configured', async () => {
      const constrainedRoot = await party({ subject: 'CN=Constrained Root', ca: true, ec: true, extensions: [{ oid: oids.id_ce_nameConstraints, critical: true, value: NAME_CONSTRAINTS }] });
      const leaf = await leafUnder(constrainedRoot);
      expect((await verifyChain(leaf.certificate, [], [constrainedRoot.certificate], base)).ok).toBe(true);
    });
  });

  describe('the leaf', () => {
    it('must list the asked extendedKeyUsage or anyExtendedKeyUsage when it has the extension (§4.2.1.12)', async () => {
      const serverOnly = await leafUnder(int, { extensions: [eku(oids.id_kp_serverAuth)] });
      const chain = [int.certificate];
      expect(await verifyChain(serverOnly.certificate, chain, [root.certificate], clientAuth)).toMatchObject({ ok: false, reason: 'leaf extKeyUsage lacks 1.3.6.1.5.5.7.3.2' });
      expect((await verifyChain(serverOnly.certificate, chain, [root.certificate], base)).ok).toBe(true);
      const any = await leafUnder(int, { extensions: [eku(oids.id_kp_serverAuth, oids.anyExtendedKeyUsage)] });
      expect((await verifyChain(any.certificate, chain, [root.certificate], clientAuth)).ok).toBe(true);
      const client = await leafUnder(int, { extensions: [eku(oids.id_kp_serverAuth, oids.id_kp_clientAuth)] });
      expect((await verifyChain(client.certificate, chain, [root.certificate], clientAuth)).ok).toBe(true);
    });

    it('must assert the asked keyUsage when it has the extension (§4.2.1.3)', async () => {
      const encipherOnly = await leafUnder(int, { usages: ['keyEncipherment'] });
      expect(await verifyChain(encipherOnly.certificate, [int.certificate], [root.certificate], clientAuth)).toMatchObject({ ok: false, reason: 'leaf keyUsage lacks digitalSignature' });
      expect((await verifyChain(encipherOnly.certificate, [int.certificate], [root.certificate], base)).ok).toBe(true);
      const noExtensions = await leafUnder(int, { selfSignedNoExt: true });
      expect((await verifyChain(noExtensions.certificate, [int.certificate], [root.certificate], clientAuth)).ok).toBe(true);
    });

    it('must not be a CA, even when it is itself an anchor', async () => {
      const subCa = await leafUnder(int, { ca: true });
      expect(await verifyChain(subCa.certificate, [int.certificate], [root.certificate], base)).toMatchObject({ ok: false, reason: 'leaf certificate is a CA' });
      expect(await verifyChain(root.certificate, [], [root.certificate], base)).toMatchObject({ ok: false, reason: 'leaf certificate is a CA' });
      const pinned = await party({ subject: 'CN=pinned client', ec: true });
      expect(await verifyChain(pinned.certificate, [], [pinned.certificate], clientAuth)).toEqual({ ok: true, anchor: pinned.certificate });
    });
  });
});

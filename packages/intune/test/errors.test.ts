import { describe, expect, it } from 'vitest';
import {
  createServiceRefusal,
  FAIL_INFO_BY_LABEL,
  INTUNE_LABELS,
  IntuneError,
  isIntuneError,
  LABEL_BY_CODE,
  ReplayError,
  SCEP_FAIL_INFO_VALUES,
  SERVICE_REFUSAL_BY_CODE,
  SignatureInvalidError,
  TokenExpiredError,
  UnknownServiceCodeError,
  type IntuneErrorCode,
} from '../src/index.js';

describe('errors', () => {
  it('the signed-challenge labels map to the documented failInfo', () => {
    expect(FAIL_INFO_BY_LABEL).toMatchObject({
      signature_invalid: 'badMessageCheck',
      expired: 'badMessageCheck',
      not_yet_valid: 'badMessageCheck',
      wrong_audience: 'badMessageCheck',
      replay: 'badMessageCheck',
      unknown_version: 'badRequest',
      malformed: 'badRequest',
      rate_limited: 'badRequest',
      claim_mismatch: 'badRequest',
      compliance_failed: 'badRequest',
    });
    expect(SCEP_FAIL_INFO_VALUES).toEqual({ badAlg: 0, badMessageCheck: 1, badRequest: 2, badTime: 3, badCertId: 4 });
  });

  it('every code has a label that is a counter label', () => {
    for (const [code, label] of Object.entries(LABEL_BY_CODE)) {
      expect(INTUNE_LABELS, code).toContain(label);
    }
    expect(INTUNE_LABELS).toHaveLength(12);
  });

  it('errors carry code, label, failInfo, name and cause', () => {
    const cause = new Error('inner');
    const e = new SignatureInvalidError('nope', { cause });
    expect(e).toBeInstanceOf(IntuneError);
    expect(e.code).toBe('ERR_INTUNE_SIGNATURE_INVALID');
    expect(e.label).toBe('signature_invalid');
    expect(e.failInfo).toBe('badMessageCheck');
    expect(e.name).toBe('SignatureInvalidError');
    expect(e.cause).toBe(cause);
    expect(new ReplayError().failInfo).toBe('badMessageCheck');
    expect(new TokenExpiredError().label).toBe('expired');
    expect(isIntuneError(e)).toBe(true);
    expect(isIntuneError(cause)).toBe(false);
  });

  it('switching on code narrows (compile-time check, run once)', () => {
    const e: IntuneError = new TokenExpiredError();
    const code: IntuneErrorCode = e.code;
    switch (code) {
      case 'ERR_INTUNE_TOKEN_EXPIRED':
        expect(true).toBe(true);
        break;
      default:
        expect.unreachable();
    }
  });

  it('createServiceRefusal picks the class per documented code, UnknownServiceCodeError otherwise', () => {
    const details = { errorDescription: 'd', activityId: 'a', transactionId: 't' };
    for (const [serviceCode, ctor] of Object.entries(SERVICE_REFUSAL_BY_CODE)) {
      const e = createServiceRefusal({ ...details, serviceCode });
      expect(e).toBeInstanceOf(ctor);
      expect(e.name).toBe(ctor.name);
    }
    expect(createServiceRefusal({ ...details, serviceCode: 'toString' })).toBeInstanceOf(UnknownServiceCodeError);
    expect(createServiceRefusal({ ...details, serviceCode: '__proto__' })).toBeInstanceOf(UnknownServiceCodeError);
    expect(Object.keys(SERVICE_REFUSAL_BY_CODE)).toHaveLength(23);
  });
});

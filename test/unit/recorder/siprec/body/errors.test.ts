import { expect } from 'chai';

import {
  BODY_ERROR_STATUS,
  SiprecBodyError,
  type BodyErrorCode,
} from '../../../../../recorder/src/siprec/body/errors.js';

describe('siprec/body SiprecBodyError', () => {
  it('every code answers with a SIP 4xx the SRC understands (400, 413 or 415)', () => {
    for (const code of Object.keys(BODY_ERROR_STATUS) as BodyErrorCode[]) {
      const err = new SiprecBodyError(code, 'x');
      expect(err.code).to.equal(code);
      expect([400, 413, 415], code).to.include(err.status);
      expect(err).to.be.instanceOf(Error);
    }
  });
});

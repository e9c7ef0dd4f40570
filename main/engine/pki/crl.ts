/**
 * The project CA's certificate revocation list, for the plant's broker (`crlfile`).
 *
 * Every CRL gets the next CRL number (RFC 5280 5.2.3: strictly increasing, persisted so a
 * restart never reuses one) and the authority key identifier. OpenSSL, and so mosquitto,
 * refuses every client once a CRL's nextUpdate has passed, so the window is generous
 * (180 days by default): a forgotten refresh must not lock a whole plant out.
 */

import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import type { ProjectCa } from './project-ca';
import { x509 } from './x509';

export const DEFAULT_CRL_VALIDITY_DAYS = 180;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CrlIssue {
  pem: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedSerials: string[];
}

export async function issueCrl(ca: ProjectCa, validityDays = DEFAULT_CRL_VALIDITY_DAYS): Promise<CrlIssue> {
  const thisUpdate = ca.now();
  const nextUpdate = new Date(thisUpdate.getTime() + validityDays * DAY_MS);
  const revoked = ca.issued.revoked();
  const crlNumber = ca.nextCrlNumber();
  const crl = await ca.signCrl({
    thisUpdate,
    nextUpdate,
    extensions: [
      await ca.authorityKeyIdentifier(),
      new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(crlNumber))),
    ],
    entries: revoked.map((c) => {
      const entry: x509.X509CrlEntryParams = { serialNumber: c.serialHex, revocationDate: c.revokedAt! };
      // RFC 5280 5.3.1: "unspecified" is expressed by leaving the reason out
      if (c.revocationReason !== undefined && c.revocationReason !== x509.X509CrlReason.unspecified) {
        entry.reason = c.revocationReason;
      }
      return entry;
    }),
  });
  return {
    // @peculiar/x509 labels it "CRL"; RFC 7468 and OpenSSL (so mosquitto) want "X509 CRL"
    pem: x509.PemConverter.encode(crl.rawData, 'X509 CRL'),
    crlNumber,
    thisUpdate,
    nextUpdate,
    revokedSerials: revoked.map((c) => c.serialHex),
  };
}

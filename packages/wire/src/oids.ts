/** Object identifiers, named as in the RFCs' ASN.1 modules so they grep-match the text. */

// RFC 5652 (CMS) content types and attributes
export const id_data = '1.2.840.113549.1.7.1';
export const id_signedData = '1.2.840.113549.1.7.2';
export const id_envelopedData = '1.2.840.113549.1.7.3';
export const id_contentType = '1.2.840.113549.1.9.3';
export const id_messageDigest = '1.2.840.113549.1.9.4';
export const id_signingTime = '1.2.840.113549.1.9.5';

// PKCS #9 (RFC 2985) attributes used in CSRs
export const id_emailAddress = '1.2.840.113549.1.9.1';
export const id_unstructuredName = '1.2.840.113549.1.9.2';
export const id_challengePassword = '1.2.840.113549.1.9.7';
export const id_extensionRequest = '1.2.840.113549.1.9.14';

// RFC 8894 §3.2.1 SCEP attributes (id-attributes = 2.16.840.1.113733.1.9)
export const id_messageType = '2.16.840.1.113733.1.9.2';
export const id_pkiStatus = '2.16.840.1.113733.1.9.3';
export const id_failInfo = '2.16.840.1.113733.1.9.4';
export const id_senderNonce = '2.16.840.1.113733.1.9.5';
export const id_recipientNonce = '2.16.840.1.113733.1.9.6';
export const id_transactionID = '2.16.840.1.113733.1.9.7';
// RFC 8894 §3.2.1.4.5: id-scep-failInfoText
export const id_scep_failInfoText = '1.3.6.1.5.5.7.24.1';

// Digests (RFC 3370, RFC 5754)
export const id_md5 = '1.2.840.113549.2.5';
export const id_sha1 = '1.3.14.3.2.26';
export const id_sha224 = '2.16.840.1.101.3.4.2.4';
export const id_sha256 = '2.16.840.1.101.3.4.2.1';
export const id_sha384 = '2.16.840.1.101.3.4.2.2';
export const id_sha512 = '2.16.840.1.101.3.4.2.3';

// RSA (RFC 8017)
export const rsaEncryption = '1.2.840.113549.1.1.1';
export const md5WithRSAEncryption = '1.2.840.113549.1.1.4';
export const sha1WithRSAEncryption = '1.2.840.113549.1.1.5';
export const id_RSAES_OAEP = '1.2.840.113549.1.1.7';
export const id_mgf1 = '1.2.840.113549.1.1.8';
export const id_pSpecified = '1.2.840.113549.1.1.9';
export const id_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const sha256WithRSAEncryption = '1.2.840.113549.1.1.11';
export const sha384WithRSAEncryption = '1.2.840.113549.1.1.12';
export const sha512WithRSAEncryption = '1.2.840.113549.1.1.13';
export const sha224WithRSAEncryption = '1.2.840.113549.1.1.14';

// Elliptic curves (RFC 5480, RFC 5758, RFC 8410)
export const id_ecPublicKey = '1.2.840.10045.2.1';
export const ecdsa_with_SHA1 = '1.2.840.10045.4.1';
export const ecdsa_with_SHA224 = '1.2.840.10045.4.3.1';
export const ecdsa_with_SHA256 = '1.2.840.10045.4.3.2';
export const ecdsa_with_SHA384 = '1.2.840.10045.4.3.3';
export const ecdsa_with_SHA512 = '1.2.840.10045.4.3.4';
export const secp256r1 = '1.2.840.10045.3.1.7';
export const secp384r1 = '1.3.132.0.34';
export const secp521r1 = '1.3.132.0.35';
export const id_Ed25519 = '1.3.101.112';
export const id_Ed448 = '1.3.101.113';

// Content encryption (RFC 3565, RFC 3370)
export const id_aes128_CBC = '2.16.840.1.101.3.4.1.2';
export const id_aes192_CBC = '2.16.840.1.101.3.4.1.22';
export const id_aes256_CBC = '2.16.840.1.101.3.4.1.42';
export const des_ede3_cbc = '1.2.840.113549.3.7';
export const desCBC = '1.3.14.3.2.7';

// X.509 extensions (RFC 5280 §4.2, RFC 7633)
export const id_ce_subjectKeyIdentifier = '2.5.29.14';
export const id_ce_keyUsage = '2.5.29.15';
export const id_ce_subjectAltName = '2.5.29.17';
export const id_ce_basicConstraints = '2.5.29.19';
export const id_ce_nameConstraints = '2.5.29.30';
export const id_ce_cRLDistributionPoints = '2.5.29.31';
export const id_ce_certificatePolicies = '2.5.29.32';
export const id_ce_policyMappings = '2.5.29.33';
export const id_ce_authorityKeyIdentifier = '2.5.29.35';
export const id_ce_policyConstraints = '2.5.29.36';
export const id_ce_extKeyUsage = '2.5.29.37';
export const id_ce_inhibitAnyPolicy = '2.5.29.54';
export const id_pe_authorityInfoAccess = '1.3.6.1.5.5.7.1.1';
export const id_pe_tlsfeature = '1.3.6.1.5.5.7.1.24';
export const id_ce_cRLNumber = '2.5.29.20';

// Extended key usages (RFC 5280 §4.2.1.12, RFC 4945)
export const anyExtendedKeyUsage = '2.5.29.37.0';
export const id_kp_serverAuth = '1.3.6.1.5.5.7.3.1';
export const id_kp_clientAuth = '1.3.6.1.5.5.7.3.2';
export const id_kp_codeSigning = '1.3.6.1.5.5.7.3.3';
export const id_kp_emailProtection = '1.3.6.1.5.5.7.3.4';
export const id_kp_ipsecIKE = '1.3.6.1.5.5.7.3.17';

// Microsoft: UPN otherName, certificate template extensions
export const id_ms_upn = '1.3.6.1.4.1.311.20.2.3';
export const id_ms_certificateTemplateName = '1.3.6.1.4.1.311.20.2';
export const id_ms_certificateTemplate = '1.3.6.1.4.1.311.21.7';

// X.520 / RFC 4519 attribute types for names
export const id_at_commonName = '2.5.4.3';
export const id_at_surname = '2.5.4.4';
export const id_at_serialNumber = '2.5.4.5';
export const id_at_countryName = '2.5.4.6';
export const id_at_localityName = '2.5.4.7';
export const id_at_stateOrProvinceName = '2.5.4.8';
export const id_at_streetAddress = '2.5.4.9';
export const id_at_organizationName = '2.5.4.10';
export const id_at_organizationalUnitName = '2.5.4.11';
export const id_at_title = '2.5.4.12';
export const id_at_postalCode = '2.5.4.17';
export const id_at_givenName = '2.5.4.42';
export const id_domainComponent = '0.9.2342.19200300.100.1.25';
export const id_userId = '0.9.2342.19200300.100.1.1';

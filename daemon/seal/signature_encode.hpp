#pragma once

#include <chrono>
#include <string>

#include "core/bytes.hpp"

// Electronic signatures (签章) over a document digest, in both standard forms. The key signs
// DER(TBS_Sign) outside (on the token); these functions make the bytes to sign and put the
// signature in place.
//
// GB/T 38540-2020:
//   TBS_Sign     ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
//                               dataHash BIT STRING, propertyInfo IA5String,
//                               extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
//   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID,
//                                signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
// GM/T 0031-2014:
//   TBS_Sign     ::= SEQUENCE { version INTEGER (1), eseal SESeal, timeInfo BIT STRING,
//                               dataHash BIT STRING, propertyInfo IA5String, cert OCTET STRING,
//                               signatureAlgorithm OID }
//   SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
// SM2 signatures are SM2-with-SM3 over DER(TBS_Sign) with the ID "1234567812345678", written
// as DER SEQUENCE{r, s} in the BIT STRING (decoding accepts raw r||s too). extDatas and
// timeStamp are never written.
namespace sealbridge::seal {

struct signature_request {
  bytes seal_der;  // the seal as stored on the key; embedded byte for byte (zero padding cut)
  std::chrono::system_clock::time_point time;
  bytes data_hash;            // digest of the document (e.g. SM3 of the OFD signed XML)
  std::string property_info;  // ASCII, e.g. "/Doc_0/Signs/Sign_0/Signature.xml"
  bytes signer_cert_der;      // the certificate of the key that signs
};

// What the key signs. Throw error(bad_params) for an empty data hash, non-ASCII property_info,
// an unreadable signer certificate or a seal of the other standard (v4 needs a GB/T 38540 seal,
// v1 a GM/T 0031 one), and error(seal_invalid) when seal_der is not a seal.
bytes encode_tbs_sign_v4(const signature_request& request);
// v1 writes the time as text "YYYYMMDDHHMMSSZ" (UTC) in the BIT STRING, and the signature
// algorithm of the certificate's key inside TBS_Sign.
bytes encode_tbs_sign_v1(const signature_request& request);

// SES_Signature v4; the signature algorithm OID follows the certificate's key (SM2 ->
// 1.2.156.10197.1.501, EC -> ecdsa-with-SHA256, RSA -> sha256WithRSAEncryption).
bytes assemble_signature_v4(byte_view tbs_der, byte_view signer_cert_der, byte_view signature_der);
bytes assemble_signature_v1(byte_view tbs_der, byte_view signature_der);

}  // namespace sealbridge::seal

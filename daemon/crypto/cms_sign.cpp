#include "crypto/cms_sign.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>

#include "core/error.hpp"
#include "crypto/cms_common.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"

namespace sealbridge::crypto {
namespace {

using cms::key_kind;

bytes algorithm(std::string_view oid) {
  return der::sequence({der::oid(oid)});
}

std::string_view ecdsa_oid(digest_alg alg) {
  switch (alg) {
    case digest_alg::sha256:
      return "1.2.840.10045.4.3.2";
    case digest_alg::sha384:
      return "1.2.840.10045.4.3.3";
    case digest_alg::sha512:
      return "1.2.840.10045.4.3.4";
    case digest_alg::sm3:
      break;
  }
  throw error(errc::bad_params, "SM3 is only used with SM2 keys");
}

bytes signature_algorithm(key_kind kind, digest_alg alg) {
  switch (kind) {
    case key_kind::rsa:
      return der::sequence({der::oid(cms::oid_rsa_encryption), der::null()});
    case key_kind::ec:
      return algorithm(ecdsa_oid(alg));
    case key_kind::sm2:
      break;
  }
  return algorithm(oid_sm2_with_sm3);
}

bytes attribute(std::string_view oid, byte_view value) {
  return der::sequence({der::oid(oid), der::set_of({bytes(value.begin(), value.end())})});
}

// ESSCertIDv2 with issuerSerial: IssuerSerial{GeneralNames{[4] directoryName}, serial}.
bytes signing_certificate_v2(byte_view cert_der, key_kind kind, const cms::issuer_serial& ids) {
  const bytes general_names = der::sequence({der::context_explicit(4, ids.issuer)});
  const bytes issuer_serial = der::sequence({general_names, ids.serial});
  bytes cert_id;
  if (kind == key_kind::sm2) {
    cert_id = der::sequence({algorithm(digest_oid(digest_alg::sm3)),
                             der::octet_string(digest(digest_alg::sm3, cert_der)), issuer_serial});
  } else {
    // hashAlgorithm DEFAULT sha256: DER leaves it out.
    cert_id =
        der::sequence({der::octet_string(digest(digest_alg::sha256, cert_der)), issuer_serial});
  }
  return der::sequence({der::sequence({cert_id})});
}

}  // namespace

bytes build_signed_data(const external_signer& signer, const cms_options& options,
                        std::optional<byte_view> content, std::optional<byte_view> content_digest) {
  if (content.has_value() == content_digest.has_value())
    throw error(errc::bad_params, "give either the content or its digest");
  if (!signer.sign_message) throw error(errc::internal, "external signer has no sign function");
  if (signer.certificate_der.empty()) throw error(errc::bad_params, "no signer certificate");

  const x509_ptr cert = load_certificate(signer.certificate_der);
  const bytes cert_der = certificate_der(cert.get());  // DER even when given PEM
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  ERR_clear_error();
  if (key == nullptr) throw error(errc::cert_invalid, "the signer certificate has no usable key");
  const key_kind kind = cms::kind_of(key);
  const digest_alg alg = kind == key_kind::sm2 ? digest_alg::sm3 : options.digest;
  if (kind != key_kind::sm2 && alg == digest_alg::sm3)
    throw error(errc::bad_params, "SM3 is only used with SM2 keys");
  const bool gm = kind == key_kind::sm2 && options.sm2_gm_oids;
  const std::string_view data_oid = gm ? cms::oid_gm_data : cms::oid_data;
  const std::string_view signed_data_oid = gm ? cms::oid_gm_signed_data : cms::oid_signed_data;

  bytes message_digest;
  if (content) {
    message_digest = digest(alg, *content);
  } else {
    if (content_digest->size() != digest_size(alg))
      throw error(errc::bad_params, "content digest must be " + std::to_string(digest_size(alg)) +
                                        " bytes for " + std::string(digest_name(alg)));
    message_digest.assign(content_digest->begin(), content_digest->end());
  }
  const bool embed = content.has_value() && !options.detached;

  const auto ids = cms::read_issuer_serial(cert_der, errc::cert_invalid);
  std::vector<bytes> attrs{
      attribute(cms::oid_content_type, der::oid(data_oid)),
      attribute(cms::oid_message_digest, der::octet_string(message_digest)),
      attribute(cms::oid_signing_certificate_v2, signing_certificate_v2(cert_der, kind, ids))};
  if (!options.pades) {
    const auto when = options.signing_time.value_or(std::chrono::system_clock::now());
    attrs.push_back(
        attribute(cms::oid_signing_time,
                  der::utc_or_generalized_time(std::chrono::floor<std::chrono::seconds>(when))));
  }
  // The signature covers the attributes as a SET OF (tag 0x31); the SignerInfo carries the same
  // contents under [0] IMPLICIT.
  const bytes signed_attrs = der::set_of(std::move(attrs));

  bytes signature = signer.sign_message(signed_attrs, alg);
  if (kind != key_kind::rsa && !cms::is_der_sequence(signature))
    signature = ec_raw_to_der(signature);  // a token handing back raw r||s
  if (!cms::verify_with(key, kind, evp_md(alg), signed_attrs, signature))
    throw error(errc::cert_mismatch,
                "the key's signature does not verify with the signer certificate");

  bytes implicit_attrs = signed_attrs;
  implicit_attrs[0] = 0xA0;
  const bytes digest_algorithm = algorithm(digest_oid(alg));
  const bytes signer_info =
      der::sequence({der::integer(1), der::sequence({ids.issuer, ids.serial}), digest_algorithm,
                     implicit_attrs, signature_algorithm(kind, alg), der::octet_string(signature)});

  std::vector<bytes> certs{cert_der};
  for (const auto& extra : signer.extra_certs_der) {
    bytes d = certificate_der(load_certificate(extra).get());
    if (std::find(certs.begin(), certs.end(), d) == certs.end()) certs.push_back(std::move(d));
  }
  bytes cert_set = der::set_of(std::move(certs));
  cert_set[0] = 0xA0;  // certificates [0] IMPLICIT CertificateSet

  const bytes encap = embed ? der::sequence({der::oid(data_oid),
                                             der::context_explicit(0, der::octet_string(*content))})
                            : der::sequence({der::oid(data_oid)});
  const bytes signed_data = der::sequence({der::integer(1), der::set_of({digest_algorithm}), encap,
                                           cert_set, der::set_of({signer_info})});
  return der::sequence({der::oid(signed_data_oid), der::context_explicit(0, signed_data)});
}

}  // namespace sealbridge::crypto

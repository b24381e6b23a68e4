#include "service/cert_objects.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/text.hpp"
#include "crypto/x509_verify.hpp"
#include "service/public_key.hpp"

namespace sealbridge::service {
namespace {

bytes encoded(int len, const auto& encode) {
  if (len <= 0) throw error(errc::cert_invalid, "certificate field cannot be encoded");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  encode(&p);
  return out;
}

std::vector<CK_OBJECT_HANDLE> objects_of_class(const pkcs11::session& session,
                                               CK_OBJECT_CLASS cls) {
  const std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls}};
  return session.find(tmpl);
}

bool matches(const pkcs11::session& session, CK_OBJECT_HANDLE object, const EVP_PKEY* wanted,
             const sm2_profile& sm2) {
  try {
    auto key = public_key_of(session, object, sm2);
    return key && crypto::same_public_key(key->get(), wanted);
  } catch (const error& e) {
    // One odd object (a vendor's key type, a malformed point) must not hide the others.
    if (e.code() != errc::pkcs11_error) throw;
    spdlog::debug("key object skipped while matching a certificate: {}", e.what());
    return false;
  }
}

}  // namespace

std::optional<key_pair_match> find_key_pair(const pkcs11::session& session,
                                            const EVP_PKEY* public_key, const sm2_profile& sm2) {
  for (CK_OBJECT_CLASS cls : {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY}) {
    for (auto object : objects_of_class(session, cls)) {
      if (!matches(session, object, public_key, sm2)) continue;
      auto id = session.attribute(object, CKA_ID);
      if (!id || id->empty() || !pkcs11::has_private_key(session, *id)) continue;
      CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
      const std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &private_class, sizeof private_class},
                            CK_ATTRIBUTE{CKA_ID, id->data(), static_cast<CK_ULONG>(id->size())}};
      std::string stored_label;
      for (auto handle : session.find(tmpl)) {
        stored_label = session.attribute_string(handle, CKA_LABEL).value_or("");
        break;
      }
      std::string label = to_utf8_lenient(stored_label);
      return key_pair_match{std::move(*id), std::move(label), std::move(stored_label)};
    }
  }
  return std::nullopt;
}

std::vector<pkcs11::certificate_object> certificates_with_id(const pkcs11::session& session,
                                                             const bytes& id) {
  auto all = pkcs11::find_certificates(session);
  std::erase_if(all, [&](const pkcs11::certificate_object& c) { return c.id != id; });
  return all;
}

CK_OBJECT_HANDLE create_certificate_object(pkcs11::session& session, const bytes& id,
                                           const std::string& label, X509* cert, const bytes& der) {
  auto subject = encoded(i2d_X509_NAME(X509_get_subject_name(cert), nullptr),
                         [&](unsigned char** p) { i2d_X509_NAME(X509_get_subject_name(cert), p); });
  auto issuer = encoded(i2d_X509_NAME(X509_get_issuer_name(cert), nullptr),
                        [&](unsigned char** p) { i2d_X509_NAME(X509_get_issuer_name(cert), p); });
  const ASN1_INTEGER* serial_number = X509_get0_serialNumber(cert);
  auto serial = encoded(i2d_ASN1_INTEGER(serial_number, nullptr),
                        [&](unsigned char** p) { i2d_ASN1_INTEGER(serial_number, p); });
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  std::string object_label = label;
  bytes object_id = id;
  bytes value = der;
  auto size = [](const auto& v) { return static_cast<CK_ULONG>(v.size()); };
  std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
                  CK_ATTRIBUTE{CKA_CERTIFICATE_TYPE, &type, sizeof type},
                  CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
                  CK_ATTRIBUTE{CKA_PRIVATE, &no, sizeof no},
                  CK_ATTRIBUTE{CKA_ID, object_id.data(), size(object_id)},
                  CK_ATTRIBUTE{CKA_LABEL, object_label.data(), size(object_label)},
                  CK_ATTRIBUTE{CKA_SUBJECT, subject.data(), size(subject)},
                  CK_ATTRIBUTE{CKA_ISSUER, issuer.data(), size(issuer)},
                  CK_ATTRIBUTE{CKA_SERIAL_NUMBER, serial.data(), size(serial)},
                  CK_ATTRIBUTE{CKA_VALUE, value.data(), size(value)}};
  return session.create_object(tmpl);
}

void finish_interrupted_writes(const token_access& key, cert_journal& journal,
                               pkcs11::session& session) {
  key.private_keys().certificates_changed();
  for (auto& [record, entry] : journal.pending(key.token().id)) {
    auto present = certificates_with_id(session, entry.key_id);
    auto has = [&](const bytes& der) {
      return std::any_of(present.begin(), present.end(),
                         [&](const pkcs11::certificate_object& c) { return c.der == der; });
    };
    if (has(entry.new_certificate)) {
      for (const auto& c : present) {
        if (std::find(entry.old_certificates.begin(), entry.old_certificates.end(), c.der) !=
            entry.old_certificates.end())
          session.destroy_object(c.handle);
      }
      spdlog::info("key {}: interrupted certificate write completed", key.token().id);
    } else {
      for (const auto& old : entry.old_certificates) {
        if (has(old)) continue;
        auto cert = crypto::load_certificate(old);
        create_certificate_object(session, entry.key_id, entry.label, cert.get(), old);
      }
      spdlog::info("key {}: interrupted certificate write rolled back", key.token().id);
    }
    journal.finish(record);
  }
}

void reconcile_certificates(const token_access& key, cert_journal& journal) {
  if (journal.pending(key.token().id).empty()) return;
  auto session = key.open_session(true);
  finish_interrupted_writes(key, journal, session);
}

}  // namespace sealbridge::service

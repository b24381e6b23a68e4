#include "pkcs11/objects.hpp"

#include <array>

#include "core/text.hpp"
#include "pkcs11/session.hpp"

namespace sealbridge::pkcs11 {

std::vector<certificate_object> find_certificates(const session& s) {
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  const std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
                        CK_ATTRIBUTE{CKA_CERTIFICATE_TYPE, &type, sizeof type}};
  std::vector<certificate_object> out;
  for (const CK_OBJECT_HANDLE h : s.find(tmpl)) {
    auto der = s.attribute(h, CKA_VALUE);
    if (!der || der->empty()) continue;
    certificate_object cert;
    cert.handle = h;
    cert.id = s.attribute(h, CKA_ID).value_or(std::vector<std::uint8_t>{});
    cert.stored_label = s.attribute_string(h, CKA_LABEL).value_or(std::string{});
    cert.label = to_utf8_lenient(cert.stored_label);
    cert.der = std::move(*der);
    out.push_back(std::move(cert));
  }
  return out;
}

namespace {

bool has_key_object(const session& s, CK_OBJECT_CLASS cls, std::span<const std::uint8_t> id) {
  const std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
      CK_ATTRIBUTE{CKA_ID, const_cast<std::uint8_t*>(id.data()), static_cast<CK_ULONG>(id.size())}};
  return !s.find(tmpl).empty();
}

}  // namespace

bool has_private_key(const session& s, std::span<const std::uint8_t> id) {
  return has_key_object(s, CKO_PRIVATE_KEY, id);
}

bool has_key_pair(const session& s, std::span<const std::uint8_t> id) {
  return has_key_object(s, CKO_PRIVATE_KEY, id) || has_key_object(s, CKO_PUBLIC_KEY, id);
}

std::vector<std::vector<std::uint8_t>> private_key_ids(const session& s) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  const std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls}};
  std::vector<std::vector<std::uint8_t>> out;
  for (const CK_OBJECT_HANDLE h : s.find(tmpl)) {
    auto id = s.attribute(h, CKA_ID);
    if (id && !id->empty()) out.push_back(std::move(*id));
  }
  return out;
}

}  // namespace sealbridge::pkcs11

#include "pkcs11/objects.hpp"

#include <algorithm>
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
  constexpr std::array<CK_ATTRIBUTE_TYPE, 3> wanted{CKA_VALUE, CKA_ID, CKA_LABEL};
  for (const CK_OBJECT_HANDLE h : s.find(tmpl)) {
    auto values = s.attributes(h, wanted);
    auto& der = values[0];
    if (!der || der->empty()) continue;
    certificate_object cert;
    cert.handle = h;
    cert.id = std::move(values[1]).value_or(std::vector<std::uint8_t>{});
    if (values[2]) cert.stored_label.assign(values[2]->begin(), values[2]->end());
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

void append_key_ids(const session& s, CK_OBJECT_CLASS cls,
                    std::vector<std::vector<std::uint8_t>>& out) {
  const std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls}};
  for (const CK_OBJECT_HANDLE h : s.find(tmpl)) {
    auto id = s.attribute(h, CKA_ID);
    if (id && !id->empty()) out.push_back(std::move(*id));
  }
}

}  // namespace

bool has_private_key(const session& s, std::span<const std::uint8_t> id) {
  return has_key_object(s, CKO_PRIVATE_KEY, id);
}

std::vector<std::vector<std::uint8_t>> private_key_ids(const session& s) {
  std::vector<std::vector<std::uint8_t>> out;
  append_key_ids(s, CKO_PRIVATE_KEY, out);
  return out;
}

std::vector<std::vector<std::uint8_t>> key_pair_ids(const session& s) {
  std::vector<std::vector<std::uint8_t>> out;
  append_key_ids(s, CKO_PRIVATE_KEY, out);
  append_key_ids(s, CKO_PUBLIC_KEY, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace sealbridge::pkcs11

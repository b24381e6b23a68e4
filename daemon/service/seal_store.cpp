#include "service/seal_store.hpp"

#include <openssl/evp.h>

#include <array>

#include "core/error.hpp"
#include "seal/decode.hpp"

namespace sealbridge::service {

std::string seal_id(byte_view der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw error(errc::internal, "SHA-256 failed");
  return to_hex(byte_view(digest, 8));
}

std::vector<stored_seal> read_seals(const pkcs11::session& session,
                                    const seal_storage_profile& profile) {
  CK_OBJECT_CLASS data_class = CKO_DATA;
  std::string application = profile.application;
  std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &data_class, sizeof data_class},
      CK_ATTRIBUTE{CKA_APPLICATION, application.data(), static_cast<CK_ULONG>(application.size())}};
  std::vector<stored_seal> out;
  for (auto handle : session.find(tmpl)) {
    stored_seal s;
    s.handle = handle;
    s.label = session.attribute_text(handle, CKA_LABEL).value_or("");
    auto value = session.attribute(handle, CKA_VALUE);
    if (!value) continue;  // a private object seen without login has no readable value
    s.der = std::move(*value);
    try {
      s.decoded = sealbridge::seal::decode_seal(s.der);
    } catch (const error& e) {
      s.decode_error = e.detail();
    }
    out.push_back(std::move(s));
  }
  return out;
}

CK_OBJECT_HANDLE create_seal_object(pkcs11::session& session, const seal_storage_profile& profile,
                                    const std::string& label, byte_view der) {
  CK_OBJECT_CLASS data_class = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL is_private = profile.private_objects ? CK_TRUE : CK_FALSE;
  std::string application = profile.application;
  std::string object_label = label;
  bytes value(der.begin(), der.end());
  std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &data_class, sizeof data_class},
      CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
      CK_ATTRIBUTE{CKA_PRIVATE, &is_private, sizeof is_private},
      CK_ATTRIBUTE{CKA_APPLICATION, application.data(), static_cast<CK_ULONG>(application.size())},
      CK_ATTRIBUTE{CKA_LABEL, object_label.data(), static_cast<CK_ULONG>(object_label.size())},
      CK_ATTRIBUTE{CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())}};
  return session.create_object(tmpl);
}

}  // namespace sealbridge::service

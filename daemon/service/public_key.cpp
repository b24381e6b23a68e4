#include "service/public_key.hpp"

namespace sealbridge::service {

std::optional<crypto::evp_pkey_ptr> public_key_of(const pkcs11::session& session,
                                                  CK_OBJECT_HANDLE object, const sm2_profile& sm2) {
  auto type = session.attribute_ulong(object, CKA_KEY_TYPE);
  if (!type) return std::nullopt;
  if (*type == CKK_RSA) {
    auto n = session.attribute(object, CKA_MODULUS);
    auto e = session.attribute(object, CKA_PUBLIC_EXPONENT);
    if (!n || !e || n->empty() || e->empty()) return std::nullopt;
    return crypto::rsa_public_key(*n, *e);
  }
  if (*type != CKK_EC && *type != sm2.key_type) return std::nullopt;
  auto point = session.attribute(object, CKA_EC_POINT);
  if (!point) return std::nullopt;  // EC private keys usually do not carry the point
  bool is_sm2 = *type == sm2.key_type;
  if (!is_sm2) {
    auto params = session.attribute(object, CKA_EC_PARAMS);
    if (params && *params == crypto::ec_params_sm2) {
      is_sm2 = true;  // some drivers label SM2 keys CKK_EC and tell them by the curve
    } else if (!params || *params != crypto::ec_params_p256) {
      return std::nullopt;
    }
  }
  return crypto::ec_public_key(is_sm2, crypto::unwrap_ec_point(*point, 32));
}

}  // namespace sealbridge::service

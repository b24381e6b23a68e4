#include "crypto/public_key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "crypto/der.hpp"

namespace sealbridge::crypto {
namespace {

using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, openssl_deleter<OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, openssl_deleter<OSSL_PARAM_free>>;

evp_pkey_ptr from_params(const char* type, const OSSL_PARAM* params, const char* what) {
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) !=
          1) {
    ERR_clear_error();
    throw error(errc::pkcs11_error, std::string("the key reports an unusable ") + what);
  }
  return evp_pkey_ptr{key};
}

bool is_ec_family(const EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "EC") || EVP_PKEY_is_a(key, "SM2");
}

std::string group_of(const EVP_PKEY* key) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return {};
  return std::string(name, len);
}

bool same_bn_param(const EVP_PKEY* a, const EVP_PKEY* b, const char* name) {
  BIGNUM* raw_a = nullptr;
  BIGNUM* raw_b = nullptr;
  bool got_a = EVP_PKEY_get_bn_param(a, name, &raw_a) == 1;
  bool got_b = EVP_PKEY_get_bn_param(b, name, &raw_b) == 1;
  bignum_ptr pa{raw_a};
  bignum_ptr pb{raw_b};
  return got_a && got_b && BN_cmp(raw_a, raw_b) == 0;
}

}  // namespace

const bytes ec_params_p256 = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const bytes ec_params_sm2 = {0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D};

bytes unwrap_ec_point(byte_view value, std::size_t field_bytes) {
  // Both forms start with 04 (the OCTET STRING tag, or the uncompressed-point marker), so only
  // the length tells them apart reliably.
  const std::size_t point_size = 1 + 2 * field_bytes;
  if (value.size() == point_size && value[0] == 0x04) return bytes(value.begin(), value.end());
  auto length = der::length_octets(point_size);
  const std::size_t header = 1 + length.size();
  if (value.size() == header + point_size && value[0] == 0x04 &&
      std::equal(length.begin(), length.end(), value.begin() + 1) && value[header] == 0x04) {
    return bytes(value.begin() + static_cast<std::ptrdiff_t>(header), value.end());
  }
  throw error(errc::pkcs11_error, "CKA_EC_POINT is not an uncompressed point on the key's curve");
}

evp_pkey_ptr rsa_public_key(byte_view modulus, byte_view exponent) {
  bignum_ptr n{BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr)};
  bignum_ptr e{BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr)};
  param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    throw error(errc::internal, "cannot build RSA parameters");
  params_ptr params{OSSL_PARAM_BLD_to_param(bld.get())};
  if (!params) throw error(errc::internal, "cannot build RSA parameters");
  return from_params("RSA", params.get(), "RSA public key");
}

evp_pkey_ptr ec_public_key(bool sm2, byte_view ec_point) {
  std::string group = sm2 ? "SM2" : "prime256v1";
  bytes point(ec_point.begin(), ec_point.end());
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  return from_params(sm2 ? "SM2" : "EC", params, sm2 ? "SM2 public key" : "EC public key");
}

bool same_public_key(const EVP_PKEY* a, const EVP_PKEY* b) {
  if (a == nullptr || b == nullptr) return false;
  bool same = false;
  if (EVP_PKEY_is_a(a, "RSA") && EVP_PKEY_is_a(b, "RSA")) {
    same = same_bn_param(a, b, OSSL_PKEY_PARAM_RSA_N) && same_bn_param(a, b, OSSL_PKEY_PARAM_RSA_E);
  } else if (is_ec_family(a) && is_ec_family(b)) {
    same = group_of(a) == group_of(b) && !group_of(a).empty() &&
           same_bn_param(a, b, OSSL_PKEY_PARAM_EC_PUB_X) &&
           same_bn_param(a, b, OSSL_PKEY_PARAM_EC_PUB_Y);
  }
  ERR_clear_error();
  return same;
}

}  // namespace sealbridge::crypto

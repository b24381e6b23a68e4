#include "tests/testmodule/sm2_crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <memory>

#include "daemon/crypto/openssl_ptr.hpp"

namespace sealbridge::testmodule {
namespace {

using crypto::evp_md_ctx_ptr;
using crypto::evp_pkey_ctx_ptr;
using crypto::evp_pkey_ptr;
using crypto::openssl_deleter;
using bn_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_clear_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, openssl_deleter<BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, openssl_deleter<EC_GROUP_free>>;
using ec_point_ptr = std::unique_ptr<EC_POINT, openssl_deleter<EC_POINT_free>>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, openssl_deleter<ECDSA_SIG_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, openssl_deleter<OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, openssl_deleter<OSSL_PARAM_free>>;

bn_ptr to_bn(std::span<const std::uint8_t> bytes) {
  return bn_ptr{BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr)};
}

evp_pkey_ptr load_key(const sm2_key_pair& key) {
  param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  const auto priv = to_bn(key.scalar);
  if (!bld || !priv ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_sm2, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, key.point.data(),
                                       key.point.size()) != 1) {
    return nullptr;
  }
  params_ptr params{OSSL_PARAM_BLD_to_param(bld.get())};
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr)};
  EVP_PKEY* out = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return nullptr;
  }
  return evp_pkey_ptr{out};
}

}  // namespace

std::optional<sm2_key_pair> sm2_generate() {
  evp_pkey_ptr pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")};
  if (!pkey) return std::nullopt;
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) return std::nullopt;
  const bn_ptr priv{raw};
  sm2_key_pair out;
  if (BN_bn2binpad(priv.get(), out.scalar.data(), static_cast<int>(out.scalar.size())) < 0) {
    return std::nullopt;
  }
  // Derived rather than read back, so the encoding (uncompressed) is ours to choose.
  const auto point = sm2_public_from_scalar(out.scalar);
  if (!point) return std::nullopt;
  out.point = *point;
  return out;
}

std::optional<sm2_point> sm2_public_from_scalar(std::span<const std::uint8_t> scalar) {
  ec_group_ptr group{EC_GROUP_new_by_curve_name(NID_sm2)};
  bn_ctx_ptr bn_ctx{BN_CTX_new()};
  const auto d = to_bn(scalar);
  if (!group || !bn_ctx || !d) return std::nullopt;
  bn_ptr limit{BN_dup(EC_GROUP_get0_order(group.get()))};
  if (!limit || BN_sub_word(limit.get(), 1) != 1) return std::nullopt;
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), limit.get()) >= 0) return std::nullopt;

  ec_point_ptr q{EC_POINT_new(group.get())};
  sm2_point out{};
  if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), bn_ctx.get()) != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> sm2_sign_message(const sm2_key_pair& key,
                                                          std::span<const std::uint8_t> user_id,
                                                          std::span<const std::uint8_t> message) {
  const auto pkey = load_key(key);
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sm3(), nullptr, pkey.get()) != 1) {
    return std::nullopt;
  }
  // Before the first update, where OpenSSL computes Z: without it 3.0 hashes an empty ID.
  if (EVP_PKEY_CTX_set1_id(pctx, user_id.data(), static_cast<int>(user_id.size())) != 1) {
    return std::nullopt;
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return std::nullopt;
  }
  sig.resize(len);
  return sig;
}

std::optional<std::vector<std::uint8_t>> sm2_sign_digest(const sm2_key_pair& key,
                                                         std::span<const std::uint8_t> e) {
  const auto pkey = load_key(key);
  if (!pkey) return std::nullopt;
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(pkey.get(), nullptr)};
  std::size_t len = 0;
  // EVP_PKEY_sign on an SM2 key signs its input as the digest e; no Z is added.
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, e.data(), e.size()) != 1) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, e.data(), e.size()) != 1) return std::nullopt;
  sig.resize(len);
  return sig;
}

std::optional<std::vector<std::uint8_t>> sm2_der_to_raw(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  ecdsa_sig_ptr sig{d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()))};
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::vector<std::uint8_t> out(64);
  if (BN_bn2binpad(r, out.data(), 32) != 32 || BN_bn2binpad(s, out.data() + 32, 32) != 32) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> sm3(std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sm3(), nullptr) != 1 ||
      len != out.size()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace sealbridge::testmodule

#include "crypto/sm2.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/error.hpp"
#include "crypto/der.hpp"

namespace sealbridge::crypto {
namespace {

using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, openssl_deleter<ECDSA_SIG_free>>;

const EVP_MD* digest_for(sig_scheme scheme) {
  return scheme == sig_scheme::sm2_sm3 ? EVP_sm3() : EVP_sha256();
}

bool key_fits(const EVP_PKEY* key, sig_scheme scheme) {
  switch (scheme) {
    case sig_scheme::sm2_sm3:
      return is_sm2_key(key);
    case sig_scheme::ecdsa_sha256:
      return EVP_PKEY_is_a(key, "EC") && !is_sm2_key(key);
    case sig_scheme::rsa_sha256:
      return EVP_PKEY_is_a(key, "RSA");
  }
  return false;
}

// The ID must reach the signature provider before the first update, where the Z digest is
// computed; OpenSSL 3.0 otherwise hashes an empty ID.
bool set_sm2_id(EVP_PKEY_CTX* pctx) {
  return EVP_PKEY_CTX_set1_id(pctx, sm2_default_id.data(),
                              static_cast<int>(sm2_default_id.size())) > 0;
}

// DER SEQUENCE{INTEGER, INTEGER} with nothing after it.
bool is_der_ec_signature(byte_view sig) {
  try {
    der::reader top(sig);
    auto seq = top.expect(der::tag::sequence, "signature");
    top.expect_end("signature");
    auto parts = top.children(seq);
    parts.expect(der::tag::integer, "r");
    parts.expect(der::tag::integer, "s");
    parts.expect_end("signature");
    return true;
  } catch (const error&) {
    return false;
  }
}

bool verify_exact(EVP_PKEY* key, sig_scheme scheme, byte_view data, byte_view sig) {
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(scheme), nullptr, key) != 1)
    return false;
  if (scheme == sig_scheme::sm2_sm3 && !set_sm2_id(pctx)) return false;
  const int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size());
  return rc == 1;
}

}  // namespace

bool is_sm2_key(const EVP_PKEY* key) {
  if (key == nullptr) return false;
  if (EVP_PKEY_is_a(key, "SM2")) return true;
  if (!EVP_PKEY_is_a(key, "EC")) return false;
  char group[64] = {};
  size_t len = 0;
  return EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "SM2";
}

sig_scheme scheme_for_key(const EVP_PKEY* key) {
  if (is_sm2_key(key)) return sig_scheme::sm2_sm3;
  if (EVP_PKEY_is_a(key, "EC")) return sig_scheme::ecdsa_sha256;
  if (EVP_PKEY_is_a(key, "RSA")) return sig_scheme::rsa_sha256;
  throw error(errc::not_supported, "key type cannot sign seals (SM2, EC P-256 or RSA needed)");
}

std::string_view scheme_oid(sig_scheme scheme) {
  switch (scheme) {
    case sig_scheme::sm2_sm3:
      return oid_sm2_with_sm3;
    case sig_scheme::ecdsa_sha256:
      return oid_ecdsa_with_sha256;
    case sig_scheme::rsa_sha256:
      return oid_sha256_with_rsa;
  }
  return {};
}

std::optional<sig_scheme> scheme_from_oid(std::string_view oid) {
  // 1.2.156.10197.1.301(.1) name the SM2 key/signature scheme; some makers put them where the
  // standard wants SM2-with-SM3, and SM3 is the only digest SM2 seals use.
  if (oid == oid_sm2_with_sm3 || oid == "1.2.156.10197.1.301.1" || oid == "1.2.156.10197.1.301")
    return sig_scheme::sm2_sm3;
  if (oid == oid_ecdsa_with_sha256) return sig_scheme::ecdsa_sha256;
  if (oid == oid_sha256_with_rsa) return sig_scheme::rsa_sha256;
  return std::nullopt;
}

evp_md_ctx_ptr make_sign_ctx(EVP_PKEY* key) {
  const sig_scheme scheme = scheme_for_key(key);
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digest_for(scheme), nullptr, key) != 1)
    throw error(errc::internal, "EVP_DigestSignInit failed");
  if (scheme == sig_scheme::sm2_sm3 && !set_sm2_id(pctx))
    throw error(errc::internal, "cannot set the SM2 ID");
  return ctx;
}

bytes sign_message(EVP_PKEY* key, byte_view data) {
  auto ctx = make_sign_ctx(key);
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    throw error(errc::internal, "EVP_DigestSign (size) failed");
  bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    throw error(errc::internal, "EVP_DigestSign failed");
  sig.resize(len);
  return sig;
}

bytes ec_raw_to_der(byte_view raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66)
    throw error(errc::bad_params, "raw EC signature must be r||s of equal halves");
  const int half = static_cast<int>(raw.size() / 2);
  ecdsa_sig_ptr sig{ECDSA_SIG_new()};
  BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw error(errc::internal, "ECDSA_SIG_set0 failed");
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) throw error(errc::internal, "i2d_ECDSA_SIG failed");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return out;
}

bool verify_message(EVP_PKEY* key, sig_scheme scheme, byte_view data, byte_view signature) {
  if (!key_fits(key, scheme) || signature.empty()) return false;
  bool ok = false;
  if (scheme == sig_scheme::rsa_sha256) {
    ok = verify_exact(key, scheme, data, signature);
  } else if (is_der_ec_signature(signature)) {
    ok = verify_exact(key, scheme, data, signature);
  } else if (signature.size() % 2 == 0 && signature.size() <= 2 * 66) {
    // Several makers store r||s as two fixed-width big-endian halves instead of DER.
    ok = verify_exact(key, scheme, data, ec_raw_to_der(signature));
  }
  // Leave no failure behind on the thread's error queue for unrelated later calls to trip on.
  ERR_clear_error();
  return ok;
}

}  // namespace sealbridge::crypto

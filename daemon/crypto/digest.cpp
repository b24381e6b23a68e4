#include "crypto/digest.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "crypto/der.hpp"

namespace sealbridge::crypto {
namespace {

using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, openssl_deleter<BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, openssl_deleter<EC_GROUP_free>>;

struct digest_entry {
  digest_alg alg;
  std::string_view name;
  std::string_view compact;  // upper case, no dash: how the name is compared
  std::string_view oid;
  std::size_t size;
};

constexpr std::array<digest_entry, 4> kDigests{{
    {digest_alg::sha256, "SHA-256", "SHA256", "2.16.840.1.101.3.4.2.1", 32},
    {digest_alg::sha384, "SHA-384", "SHA384", "2.16.840.1.101.3.4.2.2", 48},
    {digest_alg::sha512, "SHA-512", "SHA512", "2.16.840.1.101.3.4.2.3", 64},
    {digest_alg::sm3, "SM3", "SM3", "1.2.156.10197.1.401", 32},
}};

const digest_entry& entry(digest_alg alg) {
  for (const auto& e : kDigests)
    if (e.alg == alg) return e;
  throw error(errc::internal, "unknown digest algorithm");
}

[[noreturn]] void openssl_fail(const char* what) {
  ERR_clear_error();
  throw error(errc::internal, what);
}

void append_padded(bytes& out, const BIGNUM* n, int width) {
  const auto at = out.size();
  out.resize(at + static_cast<std::size_t>(width));
  if (BN_bn2binpad(n, out.data() + at, width) != width) openssl_fail("SM2 value too large");
}

}  // namespace

std::optional<digest_alg> digest_from_name(std::string_view name) {
  std::string compact;
  for (char c : name)
    if (c != '-' && c != '_')
      compact += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& e : kDigests)
    if (e.compact == compact) return e.alg;
  return std::nullopt;
}

std::optional<digest_alg> digest_from_oid(std::string_view oid) {
  for (const auto& e : kDigests)
    if (e.oid == oid) return e.alg;
  return std::nullopt;
}

std::string_view digest_name(digest_alg alg) {
  return entry(alg).name;
}
std::size_t digest_size(digest_alg alg) {
  return entry(alg).size;
}
std::string_view digest_oid(digest_alg alg) {
  return entry(alg).oid;
}

const EVP_MD* evp_md(digest_alg alg) {
  switch (alg) {
    case digest_alg::sha256:
      return EVP_sha256();
    case digest_alg::sha384:
      return EVP_sha384();
    case digest_alg::sha512:
      return EVP_sha512();
    case digest_alg::sm3:
      return EVP_sm3();
  }
  throw error(errc::internal, "unknown digest algorithm");
}

bytes digest(digest_alg alg, byte_view data) {
  digest_stream s(alg);
  s.update(data);
  return s.finish();
}

digest_stream::digest_stream(digest_alg alg) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), evp_md(alg), nullptr) != 1)
    openssl_fail("EVP_DigestInit_ex failed");
}

void digest_stream::update(byte_view data) {
  if (finished_) throw error(errc::internal, "digest_stream updated after finish");
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
    openssl_fail("EVP_DigestUpdate failed");
}

bytes digest_stream::finish() {
  if (finished_) throw error(errc::internal, "digest_stream finished twice");
  finished_ = true;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out, &len) != 1) openssl_fail("EVP_DigestFinal_ex failed");
  return bytes(out, out + len);
}

bytes rsa_digest_info(digest_alg alg, byte_view hash) {
  if (hash.size() != digest_size(alg))
    throw error(errc::bad_params, std::string(digest_name(alg)) + " hash must be " +
                                      std::to_string(digest_size(alg)) + " bytes, got " +
                                      std::to_string(hash.size()));
  // PKCS#1 (RFC 8017 9.2) writes the parameters as NULL; tokens compare the prefix bytewise.
  return der::sequence(
      {der::sequence({der::oid(digest_oid(alg)), der::null()}), der::octet_string(hash)});
}

bytes ecdsa_der_to_raw(byte_view der_sig, std::size_t field_bytes) {
  if (field_bytes == 0 || field_bytes > 66) throw error(errc::bad_params, "bad EC field size");
  der::reader top(der_sig, errc::bad_params);
  auto seq = top.expect(der::tag::sequence, "ECDSA signature");
  top.expect_end("ECDSA signature");
  auto parts = top.children(seq);
  bytes raw;
  for (const char* what : {"r", "s"}) {
    auto v = parts.expect(der::tag::integer, what).value;
    if (v.empty() || (v[0] & 0x80) != 0)
      throw error(errc::bad_params, std::string("ECDSA ") + what + " is not a positive INTEGER");
    std::size_t skip = 0;
    while (skip < v.size() && v[skip] == 0) ++skip;
    const auto digits = v.subspan(skip);
    if (digits.size() > field_bytes)
      throw error(errc::bad_params, std::string("ECDSA ") + what + " is wider than the field");
    raw.insert(raw.end(), field_bytes - digits.size(), 0);
    raw.insert(raw.end(), digits.begin(), digits.end());
  }
  parts.expect_end("ECDSA signature");
  return raw;
}

bytes sm2_z(EVP_PKEY* public_key, std::string_view id) {
  if (!is_sm2_key(public_key)) throw error(errc::bad_params, "not an SM2 key");
  // ENTL is a 16-bit count of bits.
  if (id.size() > 0x1FFF) throw error(errc::bad_params, "SM2 user ID too long");
  ec_group_ptr group{EC_GROUP_new_by_curve_name(NID_sm2)};
  bn_ctx_ptr ctx{BN_CTX_new()};
  bignum_ptr p{BN_new()}, a{BN_new()}, b{BN_new()}, xg{BN_new()}, yg{BN_new()};
  if (!group || !ctx || !p || !a || !b || !xg || !yg ||
      EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), ctx.get()) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), xg.get(),
                                      yg.get(), ctx.get()) != 1)
    openssl_fail("cannot read the SM2 curve");
  BIGNUM* raw_x = nullptr;
  BIGNUM* raw_y = nullptr;
  const bool got = EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_EC_PUB_X, &raw_x) == 1 &&
                   EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_EC_PUB_Y, &raw_y) == 1;
  bignum_ptr x{raw_x}, y{raw_y};
  if (!got) openssl_fail("cannot read the SM2 public key");

  constexpr int width = 32;
  const auto entl = static_cast<unsigned>(id.size() * 8);
  bytes input{static_cast<std::uint8_t>(entl >> 8), static_cast<std::uint8_t>(entl & 0xFF)};
  input.insert(input.end(), id.begin(), id.end());
  for (const BIGNUM* n : {a.get(), b.get(), xg.get(), yg.get(), x.get(), y.get()})
    append_padded(input, n, width);
  return digest(digest_alg::sm3, input);
}

bytes sm2_e(EVP_PKEY* public_key, byte_view message, std::string_view id) {
  digest_stream s(digest_alg::sm3);
  s.update(sm2_z(public_key, id));
  s.update(message);
  return s.finish();
}

}  // namespace sealbridge::crypto

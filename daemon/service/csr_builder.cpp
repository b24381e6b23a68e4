#include "service/csr_builder.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "core/error.hpp"

namespace sealbridge::service {
namespace {

using bignum_ptr = std::unique_ptr<BIGNUM, crypto::openssl_deleter<BN_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, crypto::openssl_deleter<BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, crypto::openssl_deleter<EC_GROUP_free>>;
using ec_point_ptr = std::unique_ptr<EC_POINT, crypto::openssl_deleter<EC_POINT_free>>;
using x509_algor_ptr = std::unique_ptr<X509_ALGOR, crypto::openssl_deleter<X509_ALGOR_free>>;
using bit_string_ptr =
    std::unique_ptr<ASN1_BIT_STRING, crypto::openssl_deleter<ASN1_BIT_STRING_free>>;

[[noreturn]] void fail(const char* what) {
  ERR_clear_error();
  throw error(errc::internal, what);
}

void append_padded(bytes& out, const BIGNUM* n, int width) {
  auto at = out.size();
  out.resize(at + static_cast<std::size_t>(width));
  if (BN_bn2binpad(n, out.data() + at, width) != width) fail("SM2 value too large");
}

}  // namespace

crypto::x509_req_ptr new_request(const X509_NAME* subject, EVP_PKEY* public_key) {
  crypto::x509_req_ptr req{X509_REQ_new()};
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject) != 1 ||
      X509_REQ_set_pubkey(req.get(), public_key) != 1)
    fail("cannot build the certificate request");
  return req;
}

bytes request_info_der(X509_REQ* request) {
  // The re-encoding also refreshes OpenSSL's cached encoding, which i2d_X509_REQ emits later:
  // the bytes signed here are exactly the bytes sent.
  int len = i2d_re_X509_REQ_tbs(request, nullptr);
  if (len <= 0) fail("cannot encode the certificate request info");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_re_X509_REQ_tbs(request, &p) != len) fail("cannot encode the certificate request info");
  return out;
}

void attach_signature(X509_REQ* request, crypto::sig_scheme scheme, byte_view signature) {
  std::string oid(crypto::scheme_oid(scheme));
  ASN1_OBJECT* object = OBJ_txt2obj(oid.c_str(), 1);
  x509_algor_ptr algorithm{X509_ALGOR_new()};
  if (!object || !algorithm) {
    ASN1_OBJECT_free(object);
    fail("cannot build the signature algorithm");
  }
  // RFC 4055: NULL parameters for RSA; RFC 5758 and GM/T 0015: none for ECDSA and SM2.
  int param_type = scheme == crypto::sig_scheme::rsa_sha256 ? V_ASN1_NULL : V_ASN1_UNDEF;
  if (X509_ALGOR_set0(algorithm.get(), object, param_type, nullptr) != 1) {
    ASN1_OBJECT_free(object);
    fail("cannot build the signature algorithm");
  }
  if (X509_REQ_set1_signature_algo(request, algorithm.get()) != 1)
    fail("cannot set the signature algorithm");
  bit_string_ptr bits{ASN1_BIT_STRING_new()};
  if (!bits || ASN1_BIT_STRING_set(bits.get(), const_cast<unsigned char*>(signature.data()),
                                   static_cast<int>(signature.size())) != 1)
    fail("cannot set the signature");
  // No unused bits: without the flag OpenSSL would drop trailing zero bits of the signature
  // when encoding, and the signature would no longer verify.
  bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  X509_REQ_set0_signature(request, bits.release());
}

bytes request_der(X509_REQ* request) {
  int len = i2d_X509_REQ(request, nullptr);
  if (len <= 0) fail("cannot encode the certificate request");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509_REQ(request, &p);
  return out;
}

std::string request_pem(X509_REQ* request) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), request) != 1)
    fail("cannot write the request as PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bytes sm2_digest(EVP_PKEY* public_key, std::string_view user_id, byte_view message) {
  if (!crypto::is_sm2_key(public_key)) throw error(errc::internal, "not an SM2 key");
  if (user_id.size() > 0x1FFF) throw error(errc::bad_params, "SM2 user ID too long");
  ec_group_ptr group{EC_GROUP_new_by_curve_name(NID_sm2)};
  bn_ctx_ptr ctx{BN_CTX_new()};
  bignum_ptr p{BN_new()}, a{BN_new()}, b{BN_new()}, xg{BN_new()}, yg{BN_new()};
  if (!group || !ctx || !p || !a || !b || !xg || !yg ||
      EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), ctx.get()) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), xg.get(),
                                      yg.get(), ctx.get()) != 1)
    fail("cannot read the SM2 curve");
  BIGNUM* raw_x = nullptr;
  BIGNUM* raw_y = nullptr;
  bool got = EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_EC_PUB_X, &raw_x) == 1 &&
             EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_EC_PUB_Y, &raw_y) == 1;
  bignum_ptr x{raw_x}, y{raw_y};
  if (!got) fail("cannot read the SM2 public key");

  constexpr int width = 32;
  const auto entl = static_cast<unsigned>(user_id.size() * 8);
  bytes z_input{static_cast<std::uint8_t>(entl >> 8), static_cast<std::uint8_t>(entl & 0xFF)};
  z_input.insert(z_input.end(), user_id.begin(), user_id.end());
  for (const BIGNUM* n : {a.get(), b.get(), xg.get(), yg.get(), x.get(), y.get()})
    append_padded(z_input, n, width);

  unsigned char z[EVP_MAX_MD_SIZE];
  unsigned int z_len = 0;
  if (EVP_Digest(z_input.data(), z_input.size(), z, &z_len, EVP_sm3(), nullptr) != 1)
    fail("SM3 failed");
  crypto::evp_md_ctx_ptr md{EVP_MD_CTX_new()};
  unsigned char e[EVP_MAX_MD_SIZE];
  unsigned int e_len = 0;
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sm3(), nullptr) != 1 ||
      EVP_DigestUpdate(md.get(), z, z_len) != 1 ||
      EVP_DigestUpdate(md.get(), message.data(), message.size()) != 1 ||
      EVP_DigestFinal_ex(md.get(), e, &e_len) != 1)
    fail("SM3 failed");
  return bytes(e, e + e_len);
}

}  // namespace sealbridge::service

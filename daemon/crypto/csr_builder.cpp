#include "crypto/csr_builder.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "core/error.hpp"

namespace sealbridge::crypto {
namespace {

using ec_point_ptr = std::unique_ptr<EC_POINT, openssl_deleter<EC_POINT_free>>;
using x509_algor_ptr = std::unique_ptr<X509_ALGOR, openssl_deleter<X509_ALGOR_free>>;
using bit_string_ptr = std::unique_ptr<ASN1_BIT_STRING, openssl_deleter<ASN1_BIT_STRING_free>>;

[[noreturn]] void fail(const char* what) {
  ERR_clear_error();
  throw error(errc::internal, what);
}

}  // namespace

x509_req_ptr new_request(const X509_NAME* subject, EVP_PKEY* public_key) {
  x509_req_ptr req{X509_REQ_new()};
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

void attach_signature(X509_REQ* request, sig_scheme scheme, byte_view signature) {
  std::string oid(scheme_oid(scheme));
  ASN1_OBJECT* object = OBJ_txt2obj(oid.c_str(), 1);
  x509_algor_ptr algorithm{X509_ALGOR_new()};
  if (!object || !algorithm) {
    ASN1_OBJECT_free(object);
    fail("cannot build the signature algorithm");
  }
  // RFC 4055: NULL parameters for RSA; RFC 5758 and GM/T 0015: none for ECDSA and SM2.
  int param_type = scheme == sig_scheme::rsa_sha256 ? V_ASN1_NULL : V_ASN1_UNDEF;
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
  bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), request) != 1)
    fail("cannot write the request as PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace sealbridge::crypto

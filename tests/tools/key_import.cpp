#include "tests/tools/key_import.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"
#include "pkcs11/session.hpp"
#include "tests/testmodule/sm2_mechanisms.hpp"
#include "tests/tools/token_store.hpp"
#include "tests/tools/tool_files.hpp"

namespace sealbridge::tools {
namespace {

constexpr std::size_t scalar_len = 32;
constexpr std::size_t point_len = 65;  // 04 || x || y

// The 32-byte scalar, left-padded; wiped when it goes out of scope.
class sm2_scalar {
 public:
  explicit sm2_scalar(const EVP_PKEY* key) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1)
      throw std::runtime_error("the key has no private scalar");
    std::unique_ptr<BIGNUM, crypto::openssl_deleter<BN_clear_free>> owned{bn};
    if (BN_bn2binpad(bn, value_.data(), static_cast<int>(value_.size())) < 0)
      throw std::runtime_error("the private scalar is longer than 32 bytes");
  }
  ~sm2_scalar() { OPENSSL_cleanse(value_.data(), value_.size()); }
  sm2_scalar(const sm2_scalar&) = delete;
  sm2_scalar& operator=(const sm2_scalar&) = delete;

  unsigned char* data() { return value_.data(); }
  std::size_t size() const { return value_.size(); }

 private:
  std::array<unsigned char, scalar_len> value_{};
};

bytes public_point(const EVP_PKEY* key) {
  bytes point(point_len);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                      point.size(), &len) != 1 ||
      len != point_len)
    throw std::runtime_error("cannot read the uncompressed public point");
  return point;
}

bytes subject_der(X509* cert) {
  unsigned char* out = nullptr;
  const int len = i2d_X509_NAME(X509_get_subject_name(cert), &out);
  if (len <= 0) throw std::runtime_error("cannot encode the certificate's subject");
  bytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

// CKA_EC_POINT is a DER OCTET STRING around the point; its last 65 bytes are the point.
bool ends_with_point(const std::optional<bytes>& ec_point, const bytes& point) {
  return ec_point && ec_point->size() >= point.size() &&
         std::equal(point.begin(), point.end(), ec_point->end() - static_cast<long>(point.size()));
}

// The module creates the public half beside the private key but does not remove it with it.
void remove_pair(pkcs11::session& session, CK_OBJECT_HANDLE private_key, bytes& id) {
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
  std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &public_class, sizeof public_class},
                  CK_ATTRIBUTE{CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  for (auto handle : session.find(tmpl)) {
    if (session.attribute_ulong(handle, CKA_KEY_TYPE) == testmodule::ckk_vendor_sm2)
      session.destroy_object(handle);
  }
  session.destroy_object(private_key);
}

}  // namespace

void import_sm2_key(const import_request& request) {
  auto key = read_private_key(request.key);
  if (!crypto::is_sm2_key(key.get()))
    throw std::runtime_error(request.key.string() + " is not a key on the SM2 curve");
  auto cert_der = read_certificate_der(request.cert);
  auto cert = crypto::load_certificate(cert_der);
  const auto point = public_point(key.get());
  const EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
  if (cert_key == nullptr || !crypto::is_sm2_key(cert_key) || public_point(cert_key) != point)
    throw std::runtime_error(request.cert.string() + " is not a certificate for this key");
  auto subject = subject_der(cert.get());

  auto m = pkcs11::module::load(request.module);
  pkcs11::session session(m, slot_with_label(*m, request.token_label), true);
  session.login(CKU_USER, request.pin);

  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  bytes id = request.id;
  std::string label = request.label;
  const auto id_len = static_cast<CK_ULONG>(id.size());
  const auto label_len = static_cast<CK_ULONG>(label.size());

  CK_OBJECT_CLASS key_class = CKO_PRIVATE_KEY;
  CK_KEY_TYPE key_type = testmodule::ckk_vendor_sm2;
  sm2_scalar scalar(key.get());
  std::array key_tmpl{CK_ATTRIBUTE{CKA_CLASS, &key_class, sizeof key_class},
                      CK_ATTRIBUTE{CKA_KEY_TYPE, &key_type, sizeof key_type},
                      CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
                      CK_ATTRIBUTE{CKA_PRIVATE, &yes, sizeof yes},
                      CK_ATTRIBUTE{CKA_SIGN, &yes, sizeof yes},
                      CK_ATTRIBUTE{CKA_ID, id.data(), id_len},
                      CK_ATTRIBUTE{CKA_LABEL, label.data(), label_len},
                      CK_ATTRIBUTE{CKA_VALUE, scalar.data(), static_cast<CK_ULONG>(scalar.size())}};
  const auto key_handle = session.create_object(key_tmpl);

  try {
    // The module derives the public half; a mismatch means it did not take the scalar intact.
    if (!ends_with_point(session.attribute(key_handle, CKA_EC_POINT), point))
      throw std::runtime_error("the key on the token has another public point than the file");
    CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE cert_type = CKC_X_509;
    std::array cert_tmpl{
        CK_ATTRIBUTE{CKA_CLASS, &cert_class, sizeof cert_class},
        CK_ATTRIBUTE{CKA_CERTIFICATE_TYPE, &cert_type, sizeof cert_type},
        CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
        CK_ATTRIBUTE{CKA_PRIVATE, &no, sizeof no},
        CK_ATTRIBUTE{CKA_ID, id.data(), id_len},
        CK_ATTRIBUTE{CKA_LABEL, label.data(), label_len},
        CK_ATTRIBUTE{CKA_SUBJECT, subject.data(), static_cast<CK_ULONG>(subject.size())},
        CK_ATTRIBUTE{CKA_VALUE, cert_der.data(), static_cast<CK_ULONG>(cert_der.size())}};
    session.create_object(cert_tmpl);
  } catch (...) {
    remove_pair(session, key_handle, id);
    throw;
  }
}

}  // namespace sealbridge::tools

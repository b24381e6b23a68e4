#include "crypto/cms_common.hpp"

#include <openssl/err.h>

#include "crypto/der.hpp"
#include "crypto/sm2.hpp"

namespace sealbridge::crypto::cms {

key_kind kind_of(const EVP_PKEY* key) {
  if (is_sm2_key(key)) return key_kind::sm2;
  if (EVP_PKEY_is_a(key, "EC")) return key_kind::ec;
  if (EVP_PKEY_is_a(key, "RSA")) return key_kind::rsa;
  throw error(errc::not_supported, "certificate key is not RSA, EC or SM2");
}

issuer_serial read_issuer_serial(byte_view cert_der, errc fail_code) {
  der::reader top(cert_der, fail_code);
  auto cert = top.expect(der::tag::sequence, "Certificate");
  auto c = top.children(cert);
  auto tbs = c.expect(der::tag::sequence, "tbsCertificate");
  auto t = c.children(tbs);
  if (!t.at_end() && t.peek().is_context(0)) t.next();  // version
  issuer_serial out;
  out.serial = t.expect(der::tag::integer, "serialNumber").whole;
  t.expect(der::tag::sequence, "signature");
  out.issuer = t.expect(der::tag::sequence, "issuer").whole;
  return out;
}

namespace {

bool verify_exact(EVP_PKEY* key, const EVP_MD* md, byte_view data, byte_view signature) {
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                          data.size()) == 1;
}

}  // namespace

bool is_der_sequence(byte_view sig) {
  try {
    der::reader r(sig);
    r.expect(der::tag::sequence, "signature");
    r.expect_end("signature");
    return true;
  } catch (const error&) {
    return false;
  }
}

bool verify_with(EVP_PKEY* key, key_kind kind, const EVP_MD* md, byte_view data,
                 byte_view signature) {
  if (key == nullptr || signature.empty()) return false;
  bool ok = false;
  try {
    switch (kind) {
      case key_kind::sm2:
        ok = verify_message(key, sig_scheme::sm2_sm3, data, signature);
        break;
      case key_kind::rsa:
        ok = md != nullptr && verify_exact(key, md, data, signature);
        break;
      case key_kind::ec:
        if (md == nullptr) break;
        if (is_der_sequence(signature))
          ok = verify_exact(key, md, data, signature);
        else if (signature.size() % 2 == 0 && signature.size() <= 2 * 66)
          ok = verify_exact(key, md, data, ec_raw_to_der(signature));
        break;
    }
  } catch (const error&) {
    ok = false;
  }
  ERR_clear_error();
  return ok;
}

}  // namespace sealbridge::crypto::cms

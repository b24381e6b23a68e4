#include "software_signer.hpp"

#include <stdexcept>

#include "crypto/sm2.hpp"

namespace sealbridge::testing {

bytes software_sign(EVP_PKEY* key, byte_view message, crypto::digest_alg digest) {
  if (crypto::is_sm2_key(key)) return crypto::sign_message(key, message);
  crypto::evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, crypto::evp_md(digest), nullptr, key) != 1)
    throw std::runtime_error("EVP_DigestSignInit");
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1)
    throw std::runtime_error("EVP_DigestSign");
  bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
    throw std::runtime_error("EVP_DigestSign");
  sig.resize(len);
  return sig;
}

crypto::external_signer software_signer(EVP_PKEY* key, const bytes& cert_der,
                                        std::vector<bytes> extra_certs) {
  crypto::external_signer s;
  s.certificate_der = cert_der;
  s.extra_certs_der = std::move(extra_certs);
  s.sign_message = [key](byte_view message, crypto::digest_alg digest) {
    return software_sign(key, message, digest);
  };
  return s;
}

}  // namespace sealbridge::testing

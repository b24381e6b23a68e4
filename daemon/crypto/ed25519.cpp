#include "crypto/ed25519.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/error.hpp"

namespace sealbridge::crypto {

bool ed25519_verify(byte_view public_key, byte_view message, byte_view signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || signature.size() != kEd25519SignatureBytes)
    return false;
  evp_pkey_ptr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
  // Ed25519 is one-shot: no digest is named, the message goes in whole.
  bool ok = key && ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  ERR_clear_error();
  return ok;
}

evp_pkey_ptr ed25519_private_key_from_pem(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  evp_pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
    throw error(errc::bad_params, "not a PEM Ed25519 private key");
  return key;
}

bytes ed25519_sign(EVP_PKEY* private_key, byte_view message) {
  evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
  bytes signature(kEd25519SignatureBytes);
  std::size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, private_key) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    ERR_clear_error();
    throw error(errc::internal, "Ed25519 signing failed");
  }
  signature.resize(length);
  return signature;
}

bytes ed25519_raw_public_key(EVP_PKEY* key) {
  bytes raw(kEd25519PublicKeyBytes);
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 ||
      length != kEd25519PublicKeyBytes) {
    ERR_clear_error();
    throw error(errc::bad_params, "not an Ed25519 key");
  }
  return raw;
}

}  // namespace sealbridge::crypto

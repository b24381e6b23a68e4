#include "crypto/x509_verify.hpp"

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <string>

#include "core/error.hpp"
#include "crypto/sm2.hpp"

namespace sealbridge::crypto {
namespace {

// sk_X509_free is a macro in OpenSSL 3.0, so it cannot be a template argument.
struct x509_stack_deleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), x509_stack_deleter>;

bool looks_like_pem(byte_view data) {
  const std::string_view text{reinterpret_cast<const char*>(data.data()), data.size()};
  return text.find("-----BEGIN") != std::string_view::npos;
}

}  // namespace

x509_ptr load_certificate(byte_view der_or_pem) {
  if (looks_like_pem(der_or_pem)) {
    bio_ptr bio{BIO_new_mem_buf(der_or_pem.data(), static_cast<int>(der_or_pem.size()))};
    x509_ptr cert{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr};
    ERR_clear_error();
    if (!cert) throw error(errc::cert_invalid, "unreadable PEM certificate");
    return cert;
  }
  const unsigned char* p = der_or_pem.data();
  x509_ptr cert{d2i_X509(nullptr, &p, static_cast<long>(der_or_pem.size()))};
  ERR_clear_error();
  if (!cert) throw error(errc::cert_invalid, "unreadable DER certificate");
  return cert;
}

bytes certificate_der(const X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) throw error(errc::cert_invalid, "i2d_X509 failed");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

std::vector<bytes> certificates_der(byte_view der_or_pem) {
  std::vector<bytes> out;
  if (!looks_like_pem(der_or_pem)) {
    out.push_back(certificate_der(load_certificate(der_or_pem).get()));
    return out;
  }
  bio_ptr bio{BIO_new_mem_buf(der_or_pem.data(), static_cast<int>(der_or_pem.size()))};
  while (bio) {
    x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    if (!cert) break;
    out.push_back(certificate_der(cert.get()));
  }
  ERR_clear_error();
  if (out.empty()) throw error(errc::cert_invalid, "no certificate in PEM data");
  return out;
}

void prepare_for_verify(X509* cert) {
  if (X509_get_signature_nid(cert) != NID_SM2_with_SM3) return;
  ASN1_OCTET_STRING* id = ASN1_OCTET_STRING_new();
  if (id == nullptr ||
      ASN1_OCTET_STRING_set(id, reinterpret_cast<const unsigned char*>(sm2_default_id.data()),
                            static_cast<int>(sm2_default_id.size())) != 1) {
    ASN1_OCTET_STRING_free(id);
    throw error(errc::internal, "cannot allocate the SM2 ID");
  }
  X509_set0_distinguishing_id(cert, id);  // takes ownership
}

chain_verdict verify_certificate(byte_view leaf, const std::vector<bytes>& trusted,
                                 const std::vector<bytes>& intermediates, sys_seconds at) {
  chain_verdict verdict;
  x509_ptr leaf_cert;
  try {
    leaf_cert = load_certificate(leaf);
  } catch (const error& e) {
    verdict.reason = e.detail();
    return verdict;
  }
  prepare_for_verify(leaf_cert.get());

  x509_store_ptr store{X509_STORE_new()};
  x509_stack_ptr untrusted{sk_X509_new_null()};
  x509_store_ctx_ptr ctx{X509_STORE_CTX_new()};
  if (!store || !untrusted || !ctx) throw error(errc::internal, "out of memory");

  for (const auto& t : trusted) {
    x509_ptr cert;
    try {
      cert = load_certificate(t);
    } catch (const error&) {
      continue;  // one unreadable configured root must not disable the others
    }
    prepare_for_verify(cert.get());
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) ERR_clear_error();
  }
  // The stack does not own its entries; keep them alive here until verification is done.
  std::vector<x509_ptr> held;
  for (const auto& i : intermediates) {
    try {
      held.push_back(load_certificate(i));
    } catch (const error&) {
      continue;
    }
    prepare_for_verify(held.back().get());
    sk_X509_push(untrusted.get(), held.back().get());
  }

  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf_cert.get(), untrusted.get()) != 1)
    throw error(errc::internal, "X509_STORE_CTX_init failed");
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(at.time_since_epoch().count()));

  verdict.ok = X509_verify_cert(ctx.get()) == 1;
  if (!verdict.ok)
    verdict.reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ERR_clear_error();
  return verdict;
}

}  // namespace sealbridge::crypto

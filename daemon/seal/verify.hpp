#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "seal/types.hpp"

namespace sealbridge::seal {

struct verify_options {
  sys_seconds at{};                            // the moment the seal must be valid at
  std::vector<bytes> trusted_maker_roots_der;  // DER (PEM also accepted) each
  std::vector<bytes> key_certificates_der;     // certificates on the user's key, for binding
};

struct verification {
  bool maker_signature_valid = false;
  bool maker_trusted = false;  // maker certificate chains to a trusted root at `at`
  bool bound_to_key = false;   // certList names one of the key's certificates
  bool in_validity = false;    // valid_start <= at <= valid_end
  // One entry per failed check, in the order above: seal_invalid, seal_untrusted,
  // seal_not_bound, seal_expired.
  std::vector<errc> errors;
  std::vector<std::string> reasons;  // one line per entry of `errors`, same order
  std::string detail;                // the reasons joined, for logs and error replies

  bool ok() const { return errors.empty(); }
};

// Runs every check and reports each; never throws for a bad seal.
verification verify_seal(const seal& s, const verify_options& options);

// True when the maker's signature over the original signed bytes verifies with the maker
// certificate's key.
bool maker_signature_valid(const seal& s);

struct maker_info {
  std::string subject;  // RFC 2253, UTF-8
  std::string issuer;
  std::string serial_hex;
  sys_seconds not_after{};
};
// True when the seal's certList names this certificate (the certificate itself, or its digest).
bool binds_to(const seal& s, byte_view certificate_der);

// Throws error(cert_invalid) when the maker certificate is unreadable.
maker_info describe_maker(const seal& s);

// Renewal order. A renewal is issued after the seal it replaces and extends (or at least keeps)
// its validity, so the seal that stays valid longer wins; at an equal end the one created later
// wins (a re-issue with a corrected picture or certificate list). A candidate that ends earlier
// is never newer, whatever its creation date: writing it would shorten the user's seal.
bool is_newer(const seal& candidate, const seal& existing);

// The signer's signature over the original DER(TBS_Sign) verifies with the signer certificate.
bool verify_signature_document(const signature_document& doc);

}  // namespace sealbridge::seal

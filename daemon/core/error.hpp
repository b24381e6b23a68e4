#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace sealbridge {

// The stable error codes of the API. Each crosses every layer unchanged, from the PKCS#11
// wrapper up to the JSON reply, where it becomes data.code. Never renumber or rename one:
// portal pages branch on these strings.
enum class errc {
  bad_request,  // malformed JSON-RPC envelope or unreadable body
  method_not_found,
  bad_params,
  payload_too_large,
  unsupported_media_type,
  host_not_allowed,  // Host header is not a loopback name with our port (DNS rebinding)
  origin_not_allowed,
  not_found,  // HTTP path
  token_not_found,
  token_removed,
  object_not_found,  // certificate / seal / key on the token
  module_load_failed,
  pkcs11_error,
  pin_required,
  pin_incorrect,
  pin_locked,
  pin_final_try,
  pin_length,
  pin_attempts_exceeded,  // a page sent too many wrong PINs for this key (page_pin_failures)
  busy,                   // another operation holds the key (e.g. a login in progress)
  cancelled,
  not_supported,
  seal_invalid,
  seal_untrusted,
  seal_not_bound,
  seal_expired,
  seal_not_newer,
  cert_invalid,
  cert_mismatch,
  io_error,
  signature_invalid,        // a CMS or SES_Signature that cannot be read or does not verify
  pdf_invalid,              // damaged PDF (anything qpdf had to repair), bad startxref
  pdf_unsupported,          // encrypted, or certified with no changes allowed (DocMDP P=1)
  picture_unsupported,      // a seal picture the PDF signer cannot embed
  pdf_signature_too_large,  // the CMS does not fit the /Contents room reserved

  // The update check (docs/updates.md).
  update_not_configured,     // no update_url / update_public_keys in the config
  update_unreachable,        // the manifest or installer could not be fetched (network, TLS, HTTP)
  update_manifest_invalid,   // malformed manifest or missing field
  update_signature_invalid,  // no signature verifies with a pinned key
  update_expired,            // the manifest's expires is past (a frozen mirror)
  update_rollback,           // serial lower than the last one seen
  update_not_newer,          // update.download: the offered version is not newer
  update_hash_mismatch,      // the installer's size or SHA-256 differs from the manifest
  internal,
};

// Stable upper-case name, e.g. "PIN_INCORRECT".
std::string_view code_name(errc code) noexcept;
// JSON-RPC 2.0 integer code: the reserved -327xx range for envelope errors, -320xx for ours.
int rpc_code(errc code) noexcept;
std::string_view message_zh(errc code) noexcept;
std::string_view message_en(errc code) noexcept;

// The one exception type of the project. `detail` is technical English for logs and for the
// reply's "detail" field (e.g. "C_Login: CKR_PIN_INCORRECT"); it never holds a secret.
class error : public std::exception {
 public:
  explicit error(errc code, std::string detail = {});

  errc code() const noexcept { return code_; }
  const std::string& detail() const noexcept { return detail_; }
  const char* what() const noexcept override { return what_.c_str(); }

  // Tries left as the token reports them; empty when the token does not say.
  std::optional<int> tries_left;

 private:
  errc code_;
  std::string detail_;
  std::string what_;
};

}  // namespace sealbridge

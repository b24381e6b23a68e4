#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"
#include "seal/types.hpp"
#include "seal/verify.hpp"
#include "service/pin_guard.hpp"
#include "service/seal_journal.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

struct seal_policy {
  std::vector<bytes> trusted_maker_roots;  // DER or PEM each
};

// The certificate a seal is bound to, when the seal stays valid after it expires: the seal
// cannot sign past that day, so the certificate must be renewed first (GB/T 38540 portals
// require it).
struct outlived_certificate {
  std::optional<bytes> key_id;  // CKA_ID of the key's certificate; none for one only in certList
  std::string subject;
  sys_seconds not_after{};
};

// A seal as the API shows it: decoded when possible, always with its verification.
struct seal_report {
  std::string id;  // seal_id() of the bytes
  bytes der;
  std::optional<sealbridge::seal::seal> decoded;
  std::string decode_error;
  sealbridge::seal::verification verification;
  std::optional<outlived_certificate> outlives_certificate;
};

// Decodes and verifies a seal that is not (yet) on a key; binding is checked against
// `key_certificates` (empty: not bound).
seal_report inspect_seal(byte_view der, const seal_policy& policy, sys_seconds at,
                         const std::vector<bytes>& key_certificates = {});

// The key's seals. Keys whose profile stores seals as private objects need `login`.
std::vector<seal_report> list_seals(const token_access& key, const seal_policy& policy,
                                    sys_seconds now, const login_request* login);
// The seals `session` sees (a logged-in one sees private seals too).
std::vector<seal_report> list_seals_in(const token_access& key, const pkcs11::session& session,
                                       const seal_policy& policy, sys_seconds now);

struct write_result {
  seal_report written;
  std::optional<std::string> replaced;  // id of the seal it replaced
  bool unchanged = false;               // the very same seal was already on the key
};

// Writes a new or renewed seal without ever losing the old one: verify first (maker signature,
// trusted maker, bound to a certificate on this key, in validity, newer than any seal with the
// same esID), journal the old bytes, create the new object, read it back, then remove the old.
write_result write_seal(const token_access& key, const seal_policy& policy, seal_journal& journal,
                        byte_view der, const login_request& login, sys_seconds now);

// Finishes or undoes writes a crash or an unplug interrupted. Without `login` it works on keys
// that allow public objects to change in a read-write public session; when the key wants the
// PIN it throws PIN_REQUIRED and the journal stays for the next authenticated write.
void reconcile_seals(const token_access& key, seal_journal& journal, const login_request* login);

}  // namespace sealbridge::service

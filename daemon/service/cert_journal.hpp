#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "service/write_journal.hpp"

namespace sealbridge::service {

// What a certificate write is about to do, on disk before the key is touched.
struct cert_journal_entry {
  std::string token_id;
  bytes key_id;                         // CKA_ID of the key pair the certificate belongs to
  std::string label;                    // CKA_LABEL the certificate objects get
  bytes new_certificate;                // DER
  std::vector<bytes> old_certificates;  // DER of every certificate object with that CKA_ID
};

// How certificate writes are recorded, apart from the seal journal: a record exists from
// before the new certificate object is created until the old ones are removed. The magic
// line and field names must stay as they are (journals of earlier versions are finished).
template <>
struct journal_codec<cert_journal_entry> {
  static constexpr const char* magic = "sealbridge-cert-journal 1";
  static journal_fields to_fields(const cert_journal_entry& e);
  static std::optional<cert_journal_entry> from_fields(const journal_fields& fields);
};
using cert_journal = write_journal<cert_journal_entry>;

}  // namespace sealbridge::service

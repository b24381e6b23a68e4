#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "service/journal_dir.hpp"

namespace sealbridge::service {

// What a certificate write is about to do, on disk before the key is touched.
struct cert_journal_entry {
  std::string token_id;
  bytes key_id;                         // CKA_ID of the key pair the certificate belongs to
  std::string label;                    // CKA_LABEL the certificate objects get
  bytes new_certificate;                // DER
  std::vector<bytes> old_certificates;  // DER of every certificate object with that CKA_ID
};

// Durable records of certificate writes in progress, kept apart from the seal journal. A
// record exists from before the new certificate object is created until the old ones are
// removed.
class cert_journal {
 public:
  explicit cert_journal(std::filesystem::path dir);

  std::filesystem::path begin(const cert_journal_entry& entry);  // durable on return
  std::vector<std::pair<std::filesystem::path, cert_journal_entry>> pending(
      const std::string& token_id) const;
  void finish(const std::filesystem::path& record);

 private:
  journal_dir files_;
};

}  // namespace sealbridge::service

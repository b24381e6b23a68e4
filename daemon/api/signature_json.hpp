#pragma once

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "crypto/cms_verify.hpp"

namespace sealbridge::api {

// {"subject","issuer","serial","not_after"} of a signer certificate; {} when unreadable.
nlohmann::json signer_json(byte_view certificate_der);

// A verified CMS as sign.verify and pdf.verify report it: "valid" means the signature and the
// digest hold; "trusted" that the signer chains to a configured root.
nlohmann::json cms_verification_json(const crypto::cms_verification& result);

}  // namespace sealbridge::api

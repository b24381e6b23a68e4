#pragma once

#include <string>

#include "core/error.hpp"

namespace sealbridge::api {

// A complete JSON-RPC 2.0 error reply with a null id, for errors found before a request could
// be read (the gate, oversized bodies). The one shape portals see for every failure.
std::string error_reply_text(const sealbridge::error& e);

}  // namespace sealbridge::api

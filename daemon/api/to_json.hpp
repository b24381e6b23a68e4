#pragma once

#include <nlohmann/json_fwd.hpp>

#include "core/iso_time.hpp"
#include "service/certificates.hpp"
#include "service/diagnose.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::api {

// The JSON shapes of docs/api.md, each written in exactly one place.
nlohmann::json token_json(const service::token_record& token);
nlohmann::json certificate_json(const service::certificate_entry& cert, sys_seconds now);
nlohmann::json module_json(const service::module_status& module);
nlohmann::json finding_json(const service::finding& finding);

}  // namespace sealbridge::api

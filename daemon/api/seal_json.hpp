#pragma once

#include <nlohmann/json_fwd.hpp>

#include "core/iso_time.hpp"
#include "service/seals.hpp"

namespace sealbridge::api {

// The one seal shape of docs/api.md, for seal.inspect, seal.list and seal.write alike.
nlohmann::json seal_json(const service::seal_report& report, sys_seconds now);

}  // namespace sealbridge::api

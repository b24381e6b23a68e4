#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/iso_time.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

enum class finding_level { info, warning, error };

// One result of the environment check users run before renewing. `code` is stable.
struct finding {
  std::string code;
  finding_level level = finding_level::info;
  std::string message_zh;
  std::string message_en;
  std::optional<std::string> module;
  std::optional<std::string> token;
  std::optional<std::string> certificate;  // subject
  std::optional<long> days_left;
};

inline constexpr long kExpiryWarningDays = 30;

std::vector<finding> diagnose(token_registry& registry, std::string_view daemon_version,
                              sys_seconds now);

}  // namespace sealbridge::service

#pragma once

#include <chrono>
#include <functional>
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

// What the environment check needs to know besides the keys.
struct diagnose_facts {
  std::string daemon_version;
  std::vector<std::string> unattended_origins;  // origin_policy consent "none"
};

// Runs the check without holding the caller's thread: each key's certificates are read on that
// key's worker, and `done` gets every finding (in a stable order) once the last key answered,
// on whichever worker answered last (or here, when there is no key).
void diagnose(token_registry& registry, diagnose_facts facts, sys_seconds now,
              std::function<void(std::vector<finding>)> done);

}  // namespace sealbridge::service

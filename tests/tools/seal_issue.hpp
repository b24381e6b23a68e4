#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"
#include "tests/tools/maker_ca.hpp"

namespace sealbridge::tools {

struct issue_request {
  maker_files maker;
  std::filesystem::path user_cert;  // DER or PEM: the seal's certList
  std::string es_id;
  std::string name;
  long type = 1;
  std::string vid = "SealBridge Demo";
  sys_seconds valid_from{};
  sys_seconds valid_to{};
  std::optional<sys_seconds> created;            // default: now
  std::optional<std::filesystem::path> picture;  // PNG; default: a drawn red round seal
  long width_mm = 40;
  long height_mm = 40;
};

// A GB/T 38540 seal (version 4) signed by the maker, bound to the user certificate.
bytes issue_seal(const issue_request& request);

}  // namespace sealbridge::tools

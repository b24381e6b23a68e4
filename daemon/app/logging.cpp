#include "app/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace sealbridge::app {

void setup_logging(const std::filesystem::path& state_dir, const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know; only "off" itself may mean that.
  if (parsed == spdlog::level::off && level != "off")
    throw error(errc::bad_params, "unknown log level " + level);
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  std::vector<spdlog::sink_ptr> sinks{console};
  std::filesystem::create_directories(state_dir / "logs");
  constexpr std::size_t kFileBytes = 5 * 1024 * 1024;
  constexpr std::size_t kFiles = 3;
  sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      (state_dir / "logs" / "sealbridged.log").string(), kFileBytes, kFiles));
  auto logger = std::make_shared<spdlog::logger>("sealbridged", sinks.begin(), sinks.end());
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace sealbridge::app

#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sealbridge::app {

struct command_line {
  bool help = false;
  bool version = false;
  std::optional<std::string> config_file;
  std::optional<std::string> listen;
  std::vector<std::string> modules;
  std::vector<std::string> allowed_origins;
  std::optional<std::string> state_dir;
  std::optional<std::string> webroot;
  std::optional<std::string> log_level;
  std::vector<std::string> trusted_seal_makers;
  bool force = false;                   // tls-setup: mint even when the files are still good
  bool machine = false;                 // tls-setup: for every user of the machine (Windows)
  bool remove = false;                  // tls-setup --machine: untrust the root, delete files
  std::vector<std::string> positional;  // a subcommand and its arguments, e.g. "inspect FILE"
};

// Throws error(bad_params) with a message fit for the terminal.
command_line parse_command_line(int argc, const char* const* argv);
std::string usage_text();

}  // namespace sealbridge::app

#include "app/command_line.hpp"

#include <string_view>

#include "core/error.hpp"

namespace sealbridge::app {

std::string usage_text() {
  return R"(Usage: sealbridged [OPTIONS]
       sealbridged inspect FILE
       sealbridged tls-setup [--state-dir DIR] [--force]
       sealbridged tls-setup --machine [--force | --remove]      (Windows, as administrator)

SealBridge signing service: lets allowed portal pages reach the USB key through its
PKCS#11 driver, on 127.0.0.1 only.

tls-setup mints the local TLS root and leaf into DIR/tls (root.pem, localhost.pem,
localhost.key) when missing or within 30 days of expiry; the root's key is never written.
The daemon does the same at start unless the config says "tls": false.
On Windows the installer runs tls-setup --machine: the files go to %ProgramData%\SealBridge\tls
(readable by every user, writable by administrators), the root into the machine's trusted
roots, replacing an earlier SealBridge root; every user's daemon then serves that leaf.
--remove takes every SealBridge root out of the machine store and deletes the files.

Options:
  --config FILE            JSON config file (default: /etc/sealbridge/config.json, then
                           ~/.config/sealbridge/config.json on top, where present)
  --listen HOST:PORT       loopback address and port (default 127.0.0.1:16116; port 0 = any)
  --module PATH            PKCS#11 driver to load (repeatable; replaces the config's list)
  --allow-origin ORIGIN    portal origin allowed to call, e.g. https://portal.example.cn
                           (repeatable; adds to the config's allowed_origins)
  --state-dir DIR          logs, journal and runtime files
  --webroot DIR            directory of the local pages (seal tool, SDK)
  --trust-seal-maker PEM   trusted seal-maker root certificate (repeatable; adds to the
                           config's trusted_seal_makers)
  --log-level LEVEL        trace, debug, info, warn or error (default info)
  --force                  tls-setup: mint a new root and leaf even if the current ones are good
  --machine                tls-setup: for every user of this Windows machine (see above)
  --remove                 tls-setup --machine: untrust the root and delete the files
  --help                   show this text
  --version                show the version
)";
}

command_line parse_command_line(int argc, const char* const* argv) {
  command_line cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view inline_value;
    bool has_inline = false;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    auto value = [&]() -> std::string {
      if (has_inline) return std::string(inline_value);
      if (i + 1 >= argc) throw error(errc::bad_params, std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      cl.help = true;
    } else if (arg == "--version" || arg == "-V") {
      cl.version = true;
    } else if (arg == "--config") {
      cl.config_file = value();
    } else if (arg == "--listen") {
      cl.listen = value();
    } else if (arg == "--module") {
      cl.modules.push_back(value());
    } else if (arg == "--allow-origin") {
      cl.allowed_origins.push_back(value());
    } else if (arg == "--state-dir") {
      cl.state_dir = value();
    } else if (arg == "--webroot") {
      cl.webroot = value();
    } else if (arg == "--log-level") {
      cl.log_level = value();
    } else if (arg == "--force") {
      cl.force = true;
    } else if (arg == "--machine") {
      cl.machine = true;
    } else if (arg == "--remove") {
      cl.remove = true;
    } else if (arg == "--trust-seal-maker") {
      cl.trusted_seal_makers.push_back(value());
    } else if (arg.starts_with("-")) {
      throw error(errc::bad_params, "unknown option " + std::string(arg) + " (see --help)");
    } else {
      cl.positional.emplace_back(arg);
    }
  }
  return cl;
}

}  // namespace sealbridge::app

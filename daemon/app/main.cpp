#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "api/dispatcher.hpp"
#include "api/event_hub.hpp"
#include "api/methods.hpp"
#include "api/seal_json.hpp"
#include "app/command_line.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/machine_tls.hpp"
#include "app/platform.hpp"
#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "net/gate.hpp"
#include "net/https_client.hpp"
#include "net/server.hpp"
#include "service/consent.hpp"
#include "service/document_store.hpp"
#include "service/local_tls.hpp"
#include "service/seals.hpp"
#include "service/signing.hpp"
#include "service/token_registry.hpp"
#include "service/update_check.hpp"

namespace sealbridge::app {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds{300};
constexpr unsigned kApiThreads = 4;
config load_config(const command_line& cl, const char* argv0) {
  config cfg;
  if (cl.config_file) {
    apply_config_file(cfg, *cl.config_file);
  } else {
    // The administrator's system-wide file first, then the user's own on top of it.
    for (const auto& file : {system_config_file(), user_config_file()}) {
      if (std::error_code ec; !file.empty() && std::filesystem::exists(file, ec))
        apply_config_file(cfg, file);
    }
  }
  // The machine's policy (the Windows policy key, /etc/sealbridge/policy.json) overrides the
  // files, the user's own included; flags override all.
  apply_machine_policy(cfg);
  if (cl.listen) apply_listen(cfg, *cl.listen);
  if (!cl.modules.empty()) {
    cfg.modules.clear();
    for (const auto& m : cl.modules) {
      service::module_config module;
      module.path = m;
      cfg.modules.push_back(std::move(module));
    }
  }
  for (const auto& o : cl.allowed_origins) cfg.allowed_origins.push_back(o);
  if (cl.state_dir) cfg.state_dir = *cl.state_dir;
  if (cl.webroot) cfg.webroot = *cl.webroot;
  if (cl.log_level) cfg.log_level = *cl.log_level;
  for (const auto& p : cl.trusted_seal_makers) cfg.trusted_seal_makers.emplace_back(p);
  apply_defaults(cfg, executable_path(argv0));
  return cfg;
}

// Written after binding so scripts and tests learn the port when it was chosen by the system.
void write_runtime_file(const std::filesystem::path& state_dir, std::uint16_t port,
                        const std::vector<std::string>& addresses) {
  auto final_path = state_dir / "daemon.json";
  auto temp_path = state_dir / "daemon.json.tmp";
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << nlohmann::json{{"pid", current_process_id()}, {"port", port}, {"addresses", addresses}}
               .dump();
    if (!out) throw error(errc::io_error, "cannot write " + temp_path.string());
  }
  std::filesystem::rename(temp_path, final_path);  // readers never see a half-written file
}

// PEM or DER certificate files named in the config, read once at start.
std::vector<bytes> load_certificates(const std::vector<std::filesystem::path>& paths) {
  std::vector<bytes> out;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(errc::io_error, "cannot read certificate file " + path.string());
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

service::seal_policy load_seal_policy(const config& cfg) {
  service::seal_policy policy;
  policy.trusted_maker_roots = load_certificates(cfg.trusted_seal_makers);
  return policy;
}

// `sealbridged inspect FILE`: the seal JSON of a seal file, for administrators.
int inspect(const config& cfg, const std::vector<std::string>& args) {
  if (args.size() != 2) throw error(errc::bad_params, "usage: sealbridged inspect FILE");
  std::ifstream in(args[1], std::ios::binary);
  if (!in) throw error(errc::io_error, "cannot read " + args[1]);
  bytes der{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto report = service::inspect_seal(der, load_seal_policy(cfg), now);
  std::cout << api::seal_json(report, now).dump(2) << "\n";
  return report.verification.ok() ? 0 : 3;
}

// What this run will really use, once the config file and the flags are merged: an
// administrator who wonders why a portal is refused reads it here first.
void log_effective_config(const config& cfg, std::size_t origins_from_flags) {
  if (!cfg.policy_source.empty())
    spdlog::info("administrator's policy: {} (overrides the config files)", cfg.policy_source);
  const auto from_file = cfg.allowed_origins.size() - origins_from_flags;
  std::string origins;
  for (std::size_t i = 0; i < cfg.allowed_origins.size(); ++i) {
    const auto& entry = cfg.allowed_origins[i];
    auto trimmed = std::string_view(entry);
    if (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
    auto normalized = net::normalize_origin(trimmed);
    if (!normalized) {
      spdlog::warn("allowed origin \"{}\" ignored: not scheme://host[:port]", entry);
      continue;
    }
    origins += (origins.empty() ? "" : ", ") + *normalized;
    origins += i < from_file ? " (config)" : " (--allow-origin)";
  }
  if (origins.empty()) {
    spdlog::warn("allowed origins: none; only the daemon's own pages can use the service");
  } else {
    spdlog::info("allowed origins: {}; and the daemon's own origins", origins);
  }
  std::string drivers;
  for (const auto& m : cfg.modules) {
    drivers += (drivers.empty() ? "" : ", ") + m.path.string();
    if (!m.name.empty() && m.name != m.path.filename().string()) drivers += " (" + m.name + ")";
  }
  if (drivers.empty()) {
    spdlog::warn("drivers: none configured; no key can be seen");
  } else {
    spdlog::info("drivers: {}", drivers);
  }
}

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void print_tls_files(const std::filesystem::path& state_dir) {
  auto files = service::local_tls_paths(state_dir);
  std::cout << "root_certificate=" << files.root_certificate.string() << "\n"
            << "certificate=" << files.certificate.string() << "\n"
            << "private_key=" << files.private_key.string() << "\n";
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(errc::io_error, "cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// `tls-setup --machine [--force | --remove]`, run by the MSI as SYSTEM: one root and leaf
// for every user of the machine, the root in LocalMachine\ROOT (app/machine_tls.hpp).
int machine_tls_setup(const config& cfg, const command_line& cl) {
  const auto state_dir = machine_tls_state_dir();
  if (state_dir.empty())
    throw error(errc::not_supported,
                "tls-setup --machine is for Windows; on Linux each user's daemon mints its own "
                "root and trust-root.sh trusts it");
  const auto tls_dir = service::local_tls_paths(state_dir).certificate.parent_path();
  if (cl.remove) {
    const int untrusted = distrust_machine_roots();
    std::error_code ec;
    std::filesystem::remove_all(tls_dir, ec);
    if (ec) throw error(errc::io_error, "cannot delete " + tls_dir.string());
    std::filesystem::remove(state_dir, ec);  // only when empty: the config file is the admin's
    std::cout << "removed " << untrusted << " root(s) from LocalMachine\\ROOT and "
              << tls_dir.string() << "\n";
    return 0;
  }
  if (!cfg.tls && !cl.force) {
    std::cout << "disabled (\"tls\": false in the configuration); nothing minted\n";
    return 0;
  }
  // The access list first: the key is then born readable by users and writable by no one
  // else, and a leaf left by an older install gets the same.
  restrict_machine_tls_dir(tls_dir);
  auto outcome = service::ensure_local_tls(state_dir, now_seconds(), cl.force);
  // Also when kept: a root someone deleted from the store, or that a failed install never
  // added, is trusted again by a repair or an upgrade.
  trust_machine_root(read_text_file(service::local_tls_paths(state_dir).root_certificate));
  std::cout << (outcome == service::tls_setup_outcome::minted ? "minted" : "kept")
            << "; root trusted in LocalMachine\\ROOT\n";
  print_tls_files(state_dir);
  return 0;
}

// `sealbridged tls-setup [--state-dir DIR] [--force]`: what the packages run before the daemon
// starts (then trust-root.sh install); prints where the files are.
int tls_setup(const config& cfg, const command_line& cl) {
  if (cl.positional.size() != 1 || (cl.remove && !cl.machine) || (cl.remove && cl.force))
    throw error(errc::bad_params,
                "usage: sealbridged tls-setup [--state-dir DIR] [--force] | "
                "tls-setup --machine [--force | --remove]");
  if (cl.machine) return machine_tls_setup(cfg, cl);
  // The packaged user unit runs this before every start; an administrator's "tls": false
  // means nothing is minted for the daemon to ignore.
  if (!cfg.tls && !cl.force) {
    std::cout << "disabled (\"tls\": false in the configuration); nothing minted\n";
    return 0;
  }
  auto outcome = service::ensure_local_tls(cfg.state_dir, now_seconds(), cl.force);
  std::cout << (outcome == service::tls_setup_outcome::minted ? "minted" : "kept") << "\n";
  print_tls_files(cfg.state_dir);
  return 0;
}

// The installer's files for every user of a Windows machine, when they are there and the leaf
// has not expired: only an administrator can renew them (a repair or an upgrade of the MSI
// does), so a leaf within its last 30 days is still served, with a warning.
std::optional<std::filesystem::path> machine_tls_in_use(const config& cfg) {
  const auto state_dir = machine_tls_state_dir();
  if (state_dir.empty() || !cfg.state_dir_is_default) return std::nullopt;
  if (!service::local_tls_usable(state_dir, now_seconds(), std::chrono::days(0)))
    return std::nullopt;
  if (!service::local_tls_usable(state_dir, now_seconds()))
    spdlog::warn(
        "the machine's local TLS leaf {} expires within 30 days: an administrator renews it by "
        "repairing or upgrading SealBridge (tls-setup --machine)",
        service::local_tls_paths(state_dir).certificate.string());
  return state_dir;
}

// At start: renew the local TLS files when due, so a long-installed daemon never serves an
// expired leaf. Plain HTTP keeps working when this fails.
void prepare_tls(const config& cfg, net::server_options& options) {
  if (!cfg.tls) return;
  if (auto machine = machine_tls_in_use(cfg)) {
    auto files = service::local_tls_paths(*machine);
    spdlog::info("serving the machine's local TLS leaf {}", files.certificate.string());
    options.tls_certificate = files.certificate;
    options.tls_private_key = files.private_key;
    return;
  }
  auto files = service::local_tls_paths(cfg.state_dir);
  try {
    if (service::ensure_local_tls(cfg.state_dir, now_seconds()) ==
        service::tls_setup_outcome::minted) {
      spdlog::warn(
          "minted a new local TLS root {}: browsers trust it only after "
          "trust-root.sh install (the packaged user unit runs it at start)",
          files.root_certificate.string());
    }
  } catch (const error& e) {
    spdlog::error("local TLS setup failed, serving plain HTTP only: {}", e.what());
    return;
  }
  options.tls_certificate = files.certificate;
  options.tls_private_key = files.private_key;
}

int serve(const config& cfg, std::size_t origins_from_flags) {
  std::filesystem::create_directories(cfg.state_dir);
  setup_logging(cfg.state_dir, cfg.log_level);
  spdlog::info("SealBridge {} starting; state dir {}", SEALBRIDGE_VERSION, cfg.state_dir.string());
  log_effective_config(cfg, origins_from_flags);

  // Before any thread starts: they all inherit the blocked stop signals.
  block_stop_signals();

  auto seal_policy = load_seal_policy(cfg);
  service::seal_journal journal(cfg.state_dir / "journal");
  service::cert_journal cert_journal(cfg.state_dir / "cert-journal");
  service::token_registry tokens(cfg.modules, kPollInterval);
  api::event_hub events;

  net::server_options options;
  options.addresses = cfg.addresses;
  options.port = cfg.port;
  options.allowed_origins = cfg.allowed_origins;
  options.webroot = cfg.webroot;
  prepare_tls(cfg, options);
  // Documents to sign arrive over POST /documents; stale ones from an earlier run are removed.
  service::document_store documents(cfg.state_dir / "documents", cfg.documents);
  options.documents = &documents;
  options.limit.document_bytes = cfg.documents.max_bytes;

  service::worker document_work("documents");
  service::dialog_process_prompter consent({cfg.consent_dialog, std::chrono::seconds{120}, 8});
  service::signing_service signing(tokens, consent, cfg.signing);

  net::https_client update_fetcher;
  service::update_service updates({cfg.update_url, cfg.update_public_keys, cfg.update_ca_file,
                                   cfg.state_dir, SEALBRIDGE_VERSION},
                                  update_fetcher);

  // Declared before the method table: the table's pool finishes queued requests when it is
  // destroyed, and those requests still use the services.
  std::error_code ec;
  api::services services{tokens,
                         events,
                         api::daemon_facts{SEALBRIDGE_VERSION, cfg.addresses, 0, false,
                                           cfg.renewal_url, cfg.update_url},
                         seal_policy,
                         journal,
                         cert_journal,
                         signing,
                         load_certificates(cfg.trusted_signing_roots),
                         documents,
                         document_work};
  api::dispatcher table(kApiThreads);
  api::add_system_methods(table, services);
  api::add_token_methods(table, services);
  api::add_event_methods(table, services);
  api::add_seal_methods(table, services);
  api::add_cert_methods(table, services);
  api::add_sign_methods(table, services);
  api::add_verify_methods(table, services);
#ifdef SEALBRIDGE_WITH_PDF
  api::add_pdf_methods(table, services);
#endif
  api::add_update_methods(table, services, updates);

  net::server server(options, table);
  server.start();
  services.facts.port = server.port();
  services.facts.tls = server.tls();
  tokens.start(api::token_event_publisher(services));

  write_runtime_file(cfg.state_dir, server.port(), cfg.addresses);
  spdlog::info("seal tool at http://127.0.0.1:{}/", server.port());

  {
    stop_request stop([&] { server.stop(); });
    // run() also returns when the server fails on its own; `stop` then lets go of its thread.
    server.run();
  }
  // No update completion may run once the services it answers through are gone.
  update_fetcher.stop();
  tokens.stop();
  std::filesystem::remove(cfg.state_dir / "daemon.json", ec);
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace sealbridge::app

int main(int argc, char** argv) {
  using namespace sealbridge;
  app::attach_console();
  try {
    auto cl = app::parse_command_line(argc, argv);
    if (cl.help) {
      std::cout << app::usage_text();
      return 0;
    }
    if (cl.version) {
      std::cout << "sealbridged " << SEALBRIDGE_VERSION << "\n";
      return 0;
    }
    if (!cl.positional.empty()) {
      if (cl.positional.front() == "inspect")
        return app::inspect(app::load_config(cl, argv[0]), cl.positional);
      if (cl.positional.front() == "tls-setup")
        return app::tls_setup(app::load_config(cl, argv[0]), cl);
      std::cerr << "sealbridged: unknown command " << cl.positional.front() << " (see --help)\n";
      return 2;
    }
    return app::serve(app::load_config(cl, argv[0]), cl.allowed_origins.size());
  } catch (const error& e) {
    std::cerr << "sealbridged: " << e.what() << "\n";
    spdlog::critical("{}", e.what());
    return e.code() == errc::bad_params ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sealbridged: " << e.what() << "\n";
    return 1;
  }
}

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <thread>

#include "api/dispatcher.hpp"
#include "api/event_hub.hpp"
#include "api/methods.hpp"
#include "app/command_line.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "core/error.hpp"
#include "net/server.hpp"
#include "api/seal_json.hpp"
#include "service/seals.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::app {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds{300};
constexpr unsigned kApiThreads = 4;
constexpr const char* kSystemConfig = "/etc/sealbridge/config.json";

config load_config(const command_line& cl, const char* argv0) {
  config cfg;
  if (cl.config_file) {
    apply_config_file(cfg, *cl.config_file);
  } else if (std::error_code ec; std::filesystem::exists(kSystemConfig, ec)) {
    apply_config_file(cfg, kSystemConfig);
  }
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
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  apply_defaults(cfg, ec ? std::filesystem::path(argv0) : exe);
  return cfg;
}

// Written after binding so scripts and tests learn the port when it was chosen by the system.
void write_runtime_file(const std::filesystem::path& state_dir, std::uint16_t port,
                        const std::vector<std::string>& addresses) {
  auto final_path = state_dir / "daemon.json";
  auto temp_path = state_dir / "daemon.json.tmp";
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << nlohmann::json{{"pid", ::getpid()}, {"port", port}, {"addresses", addresses}}.dump();
    if (!out) throw error(errc::io_error, "cannot write " + temp_path.string());
  }
  std::filesystem::rename(temp_path, final_path);  // readers never see a half-written file
}

service::seal_policy load_seal_policy(const config& cfg) {
  service::seal_policy policy;
  for (const auto& path : cfg.trusted_seal_makers) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(errc::io_error, "cannot read trusted seal maker " + path.string());
    policy.trusted_maker_roots.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
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

int serve(const config& cfg) {
  std::filesystem::create_directories(cfg.state_dir);
  setup_logging(cfg.state_dir, cfg.log_level);
  spdlog::info("SealBridge {} starting; state dir {}", SEALBRIDGE_VERSION, cfg.state_dir.string());
  if (cfg.allowed_origins.empty())
    spdlog::warn("no portal origin is allowed: only the local pages can use the service");

  // Signals are taken by a dedicated thread; every other thread inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

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
  options.tls_certificate = cfg.state_dir / "tls" / "localhost.pem";
  options.tls_private_key = cfg.state_dir / "tls" / "localhost.key";

  // Declared before the method table: the table's pool finishes queued requests when it is
  // destroyed, and those requests still use the services.
  std::error_code ec;
  api::services services{tokens, events,
                         api::daemon_facts{SEALBRIDGE_VERSION, cfg.addresses, 0,
                                           std::filesystem::exists(options.tls_certificate, ec)},
                         seal_policy, journal, cert_journal};
  api::dispatcher table(kApiThreads);
  api::add_system_methods(table, services);
  api::add_token_methods(table, services);
  api::add_event_methods(table, services);
  api::add_seal_methods(table, services);
  api::add_cert_methods(table, services);

  net::server server(options, table);
  server.start();
  services.facts.port = server.port();
  tokens.start(api::token_event_publisher(services));

  write_runtime_file(cfg.state_dir, server.port(), cfg.addresses);
  spdlog::info("listening on 127.0.0.1:{}; seal tool at http://127.0.0.1:{}/", server.port(),
               server.port());

  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    spdlog::info("signal {} received, stopping", received);
    server.stop();
  });
  server.run();
  // run() also returns when the server fails on its own; wake the waiter so it can be joined.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  tokens.stop();
  std::filesystem::remove(cfg.state_dir / "daemon.json", ec);
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace sealbridge::app

int main(int argc, char** argv) {
  using namespace sealbridge;
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
      if (cl.positional.front() == "inspect") return app::inspect(app::load_config(cl, argv[0]), cl.positional);
      std::cerr << "sealbridged: unknown command " << cl.positional.front() << " (see --help)\n";
      return 2;
    }
    return app::serve(app::load_config(cl, argv[0]));
  } catch (const error& e) {
    std::cerr << "sealbridged: " << e.what() << "\n";
    spdlog::critical("{}", e.what());
    return e.code() == errc::bad_params ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sealbridged: " << e.what() << "\n";
    return 1;
  }
}

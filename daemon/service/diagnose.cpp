#include "service/diagnose.hpp"

#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "core/text.hpp"
#include "service/certificates.hpp"

namespace sealbridge::service {
namespace {

finding make(std::string code, finding_level level, std::string zh, std::string en) {
  finding f;
  f.code = std::move(code);
  f.level = level;
  f.message_zh = std::move(zh);
  f.message_en = std::move(en);
  return f;
}

void check_drivers(const token_registry& registry, std::vector<finding>& out) {
  auto modules = registry.modules();
  if (modules.empty()) {
    out.push_back(make(
        "NO_DRIVER_CONFIGURED", finding_level::error, "未配置UKey驱动，请联系管理员配置驱动路径",
        "No key driver is configured; ask the administrator to set the driver path."));
  }
  for (const auto& m : modules) {
    finding f =
        m.load_error
            ? make("DRIVER_LOAD_FAILED", finding_level::error,
                   fmt::format("驱动“{}”加载失败：{}，请重新安装UKey驱动", m.config.name,
                               m.load_error->detail()),
                   fmt::format("Driver \"{}\" could not be loaded: {}. Reinstall the key's driver.",
                               m.config.name, m.load_error->detail()))
            : make("DRIVER_LOADED", finding_level::info,
                   fmt::format("驱动“{}”已加载", m.config.name),
                   fmt::format("Driver \"{}\" is loaded.", m.config.name));
    f.module = to_utf8_lenient(m.config.path.string());
    out.push_back(std::move(f));
  }
}

std::vector<finding> certificate_findings(const token_record& key,
                                          const std::vector<certificate_entry>& certs,
                                          sys_seconds now) {
  std::vector<finding> out;
  for (const auto& cert : certs) {
    long days = days_between(now, cert.info.not_after);
    std::optional<finding> f;
    if (days < 0) {
      f = make("CERT_EXPIRED", finding_level::error,
               fmt::format("证书已过期（{}），请办理证书延期", cert.info.subject),
               fmt::format("The certificate has expired ({}); renew it.", cert.info.subject));
    } else if (days <= kExpiryWarningDays) {
      f = make("CERT_EXPIRING", finding_level::warning,
               fmt::format("证书即将过期，剩余{}天（{}），请及时办理延期", days, cert.info.subject),
               fmt::format("The certificate expires in {} days ({}); renew it soon.", days,
                           cert.info.subject));
    }
    if (f) {
      f->token = key.id;
      f->certificate = cert.info.subject;
      f->days_left = days;
      out.push_back(std::move(*f));
    }
  }
  return out;
}

finding unreadable(const token_record& key, const std::string& detail) {
  finding f = make(
      "KEY_UNREADABLE", finding_level::error,
      fmt::format("无法读取UKey“{}”中的证书：{}", key.info.label, detail),
      fmt::format("The certificates of key \"{}\" could not be read: {}", key.info.label, detail));
  f.token = key.id;
  return f;
}

// Findings of every key, gathered as the keys' workers answer; the last answer completes it.
class gathering {
 public:
  gathering(std::vector<finding> common, std::vector<std::vector<finding>> per_key,
            std::function<void(std::vector<finding>)> done)
      : common_(std::move(common)),
        per_key_(std::move(per_key)),
        left_(per_key_.size()),
        done_(std::move(done)) {}

  void add(std::size_t key, std::vector<finding> found) {
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      auto& slot = per_key_[key];
      slot.insert(slot.end(), std::make_move_iterator(found.begin()),
                  std::make_move_iterator(found.end()));
      last = --left_ == 0;
    }
    if (last) finish();
  }

  void finish() {
    std::vector<finding> out = std::move(common_);
    for (auto& one : per_key_)
      out.insert(out.end(), std::make_move_iterator(one.begin()),
                 std::make_move_iterator(one.end()));
    done_(std::move(out));
  }

 private:
  std::mutex mutex_;
  std::vector<finding> common_;
  std::vector<std::vector<finding>> per_key_;
  std::size_t left_;
  std::function<void(std::vector<finding>)> done_;
};

}  // namespace

void diagnose(token_registry& registry, diagnose_facts facts, sys_seconds now,
              std::function<void(std::vector<finding>)> done) {
  std::vector<finding> out;
  out.push_back(make("DAEMON_VERSION", finding_level::info,
                     fmt::format("签章服务版本 {}", facts.daemon_version),
                     fmt::format("Signing service version {}", facts.daemon_version)));
  check_drivers(registry, out);
  // Loud on purpose: these pages sign without the user seeing a dialog.
  for (const auto& origin : facts.unattended_origins) {
    out.push_back(
        make("UNATTENDED_SIGNING", finding_level::warning,
             fmt::format("管理员已允许“{}”无需确认即可签名", origin),
             fmt::format("The administrator lets {} sign without asking the user.", origin)));
  }

  auto keys = registry.tokens();
  if (keys.empty()) {
    out.push_back(make("NO_KEY", finding_level::warning, "未检测到UKey，请插入UKey",
                       "No key is plugged in; plug in your key."));
    done(std::move(out));
    return;
  }
  if (keys.size() > 1) {
    out.push_back(
        make("MULTIPLE_KEYS", finding_level::warning,
             fmt::format("检测到{}个UKey，办理延期时请只插入一个UKey", keys.size()),
             fmt::format("{} keys are plugged in; keep only one plugged in while renewing.",
                         keys.size())));
  }
  std::vector<std::vector<finding>> per_key(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& key = keys[i];
    finding present =
        make("KEY_PRESENT", finding_level::info,
             fmt::format("已检测到UKey“{}”（UKey编号 {}）", key.info.label, key.info.serial),
             fmt::format("Key \"{}\" (serial {}) is present.", key.info.label, key.info.serial));
    present.token = key.id;
    present.module = to_utf8_lenient(key.module.path.string());
    per_key[i].push_back(std::move(present));
    if (key.info.flags.pin_locked) {
      finding f = make("PIN_LOCKED", finding_level::error, "UKey口令已锁定，请联系发证机构解锁",
                       "The key's PIN is locked; contact the issuer to unlock it.");
      f.token = key.id;
      per_key[i].push_back(std::move(f));
    } else if (key.info.flags.pin_final_try) {
      finding f =
          make("PIN_FINAL_TRY", finding_level::warning, "UKey口令仅剩最后一次尝试机会，请谨慎输入",
               "Only one PIN try is left on the key; enter it with care.");
      f.token = key.id;
      per_key[i].push_back(std::move(f));
    }
  }
  auto gathered = std::make_shared<gathering>(std::move(out), std::move(per_key), std::move(done));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    registry.submit(
        keys[i].id,
        [gathered, i, key = keys[i], now](token_access& access) {
          std::vector<finding> found;
          try {
            found = certificate_findings(key, read_certificates(access), now);
          } catch (const error& e) {
            found = {unreadable(key, e.detail())};
          }
          gathered->add(i, std::move(found));
        },
        [gathered, i, key = keys[i]](std::exception_ptr thrown) {
          std::string detail = "unknown error";
          try {
            std::rethrow_exception(thrown);
          } catch (const error& e) {
            detail = e.detail();
          } catch (const std::exception& e) {
            detail = e.what();
          }
          gathered->add(i, {unreadable(key, detail)});
        });
  }
}

}  // namespace sealbridge::service

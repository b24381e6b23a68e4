#include "service/diagnose.hpp"

#include <fmt/format.h>

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
    out.push_back(make("NO_DRIVER_CONFIGURED", finding_level::error,
                       "未配置UKey驱动，请联系管理员配置驱动路径",
                       "No key driver is configured; ask the administrator to set the driver path."));
  }
  for (const auto& m : modules) {
    finding f = m.load_error
                    ? make("DRIVER_LOAD_FAILED", finding_level::error,
                           fmt::format("驱动“{}”加载失败：{}，请重新安装UKey驱动", m.config.name,
                                       m.load_error->detail()),
                           fmt::format("Driver \"{}\" could not be loaded: {}. Reinstall the key's driver.",
                                       m.config.name, m.load_error->detail()))
                    : make("DRIVER_LOADED", finding_level::info,
                           fmt::format("驱动“{}”已加载", m.config.name),
                           fmt::format("Driver \"{}\" is loaded.", m.config.name));
    f.module = m.config.path.string();
    out.push_back(std::move(f));
  }
}

void check_certificates(token_registry& registry, const token_record& key, sys_seconds now,
                        std::vector<finding>& out) {
  std::vector<certificate_entry> certs;
  try {
    certs = registry.run(key.id, [](token_access& access) { return read_certificates(access); });
  } catch (const error& e) {
    finding f = make("KEY_UNREADABLE", finding_level::error,
                     fmt::format("无法读取UKey“{}”中的证书：{}", key.info.label, e.detail()),
                     fmt::format("The certificates of key \"{}\" could not be read: {}",
                                 key.info.label, e.detail()));
    f.token = key.id;
    out.push_back(std::move(f));
    return;
  }
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
}

}  // namespace

std::vector<finding> diagnose(token_registry& registry, std::string_view daemon_version,
                              sys_seconds now) {
  std::vector<finding> out;
  out.push_back(make("DAEMON_VERSION", finding_level::info,
                     fmt::format("签章服务版本 {}", daemon_version),
                     fmt::format("Signing service version {}", daemon_version)));
  check_drivers(registry, out);

  auto keys = registry.tokens();
  if (keys.empty()) {
    out.push_back(make("NO_KEY", finding_level::warning, "未检测到UKey，请插入UKey",
                       "No key is plugged in; plug in your key."));
  } else if (keys.size() > 1) {
    out.push_back(make("MULTIPLE_KEYS", finding_level::warning,
                       fmt::format("检测到{}个UKey，办理延期时请只插入一个UKey", keys.size()),
                       fmt::format("{} keys are plugged in; keep only one plugged in while renewing.",
                                   keys.size())));
  }
  for (const auto& key : keys) {
    finding present = make("KEY_PRESENT", finding_level::info,
                           fmt::format("已检测到UKey“{}”（UKey编号 {}）", key.info.label, key.info.serial),
                           fmt::format("Key \"{}\" (serial {}) is present.", key.info.label, key.info.serial));
    present.token = key.id;
    present.module = key.module.path.string();
    out.push_back(std::move(present));
    if (key.info.flags.pin_locked) {
      finding f = make("PIN_LOCKED", finding_level::error, "UKey口令已锁定，请联系发证机构解锁",
                       "The key's PIN is locked; contact the issuer to unlock it.");
      f.token = key.id;
      out.push_back(std::move(f));
    } else if (key.info.flags.pin_final_try) {
      finding f = make("PIN_FINAL_TRY", finding_level::warning,
                       "UKey口令仅剩最后一次尝试机会，请谨慎输入",
                       "Only one PIN try is left on the key; enter it with care.");
      f.token = key.id;
      out.push_back(std::move(f));
    }
    check_certificates(registry, key, now, out);
  }
  return out;
}

}  // namespace sealbridge::service
